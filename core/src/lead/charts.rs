//! The lead graphs: leads by state, the conversion funnel, the weighted pipeline by expected
//! close month and the win rate by month, for all leads or one program or source.
//!
//! [`lead_chart_data`] turns SQL into a [`Chart`] (the data, which tests check as a table);
//! `crate::chart` draws it. Reads only: nothing here writes.
//!
//! Speed (a chart, its query included, must draw in under 10 ms at a million leads): counts by
//! state and the pipeline by month for all leads read the kept-current `pipeline_sum` rows (a
//! handful of rows, whatever the number of leads). Two charts cannot: `pipeline_sum` does not
//! split months by program or source, so a scoped pipeline-by-month chart sums that program's
//! (or source's) open leads through the `lead_by_program` / `lead_by_source` index (100 to 400 ms
//! at a million leads); and the win rate counts the closing moves of its 12 months (see
//! [`win_rate`]). Both grow with the leads they cover.

use std::path::Path;

use crm_model::{ChartScope, ChartSvg, LeadChartKind, LeadCodeKind, LeadState};
use rusqlite::{Connection, OptionalExtension};

use uuid::Uuid;

use super::types::{cents_of_weighted, code_dim, code_noun, code_table, state_at};
use crate::{
    CoreError, Result, Store,
    chart::{self, Chart, ChartKind, PALETTE, Rgb, Series, Unit},
};

/// The open states, bottom to top in the stacked pipeline.
const OPEN: [LeadState; 3] = [LeadState::Pending, LeadState::Development, LeadState::Quoting];

impl Store {
    /// A lead graph as an SVG document for the app to show.
    pub fn lead_chart(&self, kind: LeadChartKind, scope: ChartScope) -> Result<ChartSvg> {
        let chart = lead_chart_data(&self.conn, kind, scope)?;
        let svg = chart::render_svg(&chart)?;
        Ok(ChartSvg { title: chart.title, svg })
    }

    /// The same graph saved as a PNG at `path` (twice the app's size, for documents).
    pub fn lead_chart_png(&self, kind: LeadChartKind, scope: ChartScope, path: &Path) -> Result<()> {
        chart::render_png(&lead_chart_data(&self.conn, kind, scope)?, path)
    }
}

/// What a lead graph shows, before it is drawn.
pub(crate) fn lead_chart_data(conn: &Connection, kind: LeadChartKind, scope: ChartScope) -> Result<Chart> {
    let scope_name = scope_name(conn, scope)?;
    let (title, category_axis, value_axis, empty_text) = match kind {
        LeadChartKind::ByState => ("Leads by state", "State", "Leads", "No leads yet"),
        LeadChartKind::Funnel => ("Conversion funnel", "Stage", "Leads", "No leads yet"),
        LeadChartKind::PipelineByMonth => ("Weighted pipeline by expected close month", "Expected close month", "Weighted value", "No open leads"),
        LeadChartKind::WinRate => ("Win rate by month", "Month closed", "Won ÷ (won + lost)", "No leads won or lost yet"),
    };
    let (chart_kind, unit, categories, series) = match kind {
        LeadChartKind::ByState => {
            let counts = state_counts(conn, scope)?;
            let categories = LeadState::ALL.iter().map(|s| s.label().to_owned()).collect();
            (ChartKind::Bars, Unit::Count, categories, vec![series("Leads", counts.to_vec(), PALETTE[0])])
        }
        LeadChartKind::Funnel => {
            // A stage counts the leads there now or further along the workflow (pending <
            // development < quoting < customer): in the seeded workflow a lead reaches customer
            // only from quoting, and quoting only from development.
            // Inactive leads are left out, wherever they stopped, because the state does not say
            // how far they got. So this is a snapshot of where today's leads stand, not a history
            // of moves; `lead_move` would give one, at the cost of reading every move.
            let counts = state_counts(conn, scope)?;
            let stages = &LeadState::ALL[..4];
            let reached = (0..stages.len()).map(|stage| counts[stage..stages.len()].iter().sum()).collect();
            let categories = stages.iter().map(|s| s.label().to_owned()).collect();
            (ChartKind::Funnel, Unit::Count, categories, vec![series("Leads", reached, PALETTE[0])])
        }
        LeadChartKind::PipelineByMonth => {
            let (categories, series) = pipeline_by_month(conn, scope)?;
            (ChartKind::StackedBars, Unit::Cents, categories, series)
        }
        LeadChartKind::WinRate => {
            let (categories, rates) = win_rate(conn, scope)?;
            (ChartKind::Line, Unit::Percent, categories, vec![series("Win rate", rates, PALETTE[2])])
        }
    };
    Ok(Chart {
        title: format!("{title} — {scope_name}"),
        kind: chart_kind,
        unit,
        category_axis: category_axis.into(),
        value_axis: value_axis.into(),
        categories,
        series,
        empty_text: empty_text.into(),
    })
}

fn series(name: &str, values: Vec<i64>, colour: Rgb) -> Series {
    Series { name: name.into(), values, colour: Some(colour) }
}

/// The same colour for a state in every graph that splits by state.
fn state_colour(state: LeadState) -> Rgb {
    match state {
        LeadState::Pending => PALETTE[1],
        LeadState::Development => PALETTE[0],
        LeadState::Quoting => PALETTE[4],
        LeadState::Customer => PALETTE[2],
        LeadState::Inactive => Rgb(0x9c, 0xa3, 0xaf),
    }
}

/// The program or source a scope covers; none for all leads.
fn scope_code(scope: ChartScope) -> Option<(LeadCodeKind, Uuid)> {
    match scope {
        ChartScope::All => None,
        ChartScope::Program(id) => Some((LeadCodeKind::Program, id)),
        ChartScope::Source(id) => Some((LeadCodeKind::Source, id)),
    }
}

/// What the title says the graph covers: "All leads", the program's name, or "<name> (source)".
fn scope_name(conn: &Connection, scope: ChartScope) -> Result<String> {
    let Some((kind, id)) = scope_code(scope) else { return Ok("All leads".into()) };
    let name: Option<String> =
        conn.prepare_cached(&format!("SELECT name FROM {} WHERE id = ?1", code_table(kind)))?.query_row([id.to_string()], |r| r.get(0)).optional()?;
    let name = name.ok_or_else(|| CoreError::not_found(code_noun(kind), id))?;
    Ok(if kind == LeadCodeKind::Source { format!("{name} (source)") } else { name })
}

/// The program's or source's id, which scoped queries bind; none for all leads.
fn scope_id(scope: ChartScope) -> Option<String> {
    match scope {
        ChartScope::All => None,
        ChartScope::Program(id) | ChartScope::Source(id) => Some(id.to_string()),
    }
}

/// The number of leads in each state, in `LeadState::ALL` order, from the kept-current sums.
fn state_counts(conn: &Connection, scope: ChartScope) -> Result<[i64; 5]> {
    match scope_code(scope) {
        None => super::pipeline::state_counts(conn, "all", ""),
        Some((kind, id)) => super::pipeline::state_counts(conn, code_dim(kind), &id.to_string()),
    }
}

/// The open leads' weighted value by expected close month, one series per open state: months
/// in order, leads without a date last as "No date".
fn pipeline_by_month(conn: &Connection, scope: ChartScope) -> Result<(Vec<String>, Vec<Series>)> {
    let open_states = "('pending', 'development', 'quoting')";
    // (month 'YYYY-MM' or '', state, weighted in cents x percent)
    // Read from the kept-current sums: by month for all leads, by program or source and month
    // (keys `<id>|<YYYY-MM>`, a range of the primary key) for one program or source.
    let sql = match scope {
        ChartScope::All => format!("SELECT key, state, weighted FROM pipeline_sum WHERE dim = 'month' AND state IN {open_states}"),
        ChartScope::Program(_) | ChartScope::Source(_) => {
            let dim = if matches!(scope, ChartScope::Program(_)) { "program_month" } else { "source_month" };
            format!(
                "SELECT substr(key, length(?1) + 2), state, weighted FROM pipeline_sum
                 WHERE dim = '{dim}' AND key >= ?1 || '|' AND key < ?1 || '}}' AND state IN {open_states}"
            )
        }
    };
    let mut select = conn.prepare_cached(&sql)?;
    let rows: Vec<(String, LeadState, i64)> =
        select.query_map(rusqlite::params_from_iter(scope_id(scope)), |r| Ok((r.get(0)?, state_at(r, 1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;

    let mut months: Vec<&str> = rows.iter().map(|(month, _, _)| month.as_str()).collect();
    months.sort_by_key(|month| (month.is_empty(), *month));
    months.dedup();
    let series = OPEN
        .iter()
        .map(|state| {
            let values = months
                .iter()
                .map(|month| rows.iter().filter(|(m, s, _)| m == month && s == state).map(|(_, _, weighted)| cents_of_weighted(*weighted)).sum())
                .collect();
            series(state.label(), values, state_colour(*state))
        })
        .collect();
    Ok((months.iter().map(|month| month_label(month)).collect(), series))
}

/// Won ÷ (won + lost) in basis points for each of the last 12 months (UTC) in which a lead was
/// won or lost, oldest first. A move to customer is a win, a move to inactive a loss; a lead
/// reopened and closed again counts each time it closed.
///
/// Read from the kept-current close counts (`close`, `close_program`, `close_source` in
/// `pipeline_sum`, see `lead::pipeline`): a GROUP BY over the closing moves measured 200 ms for
/// all leads and 580 ms for one program at a million leads.
fn win_rate(conn: &Connection, scope: ChartScope) -> Result<(Vec<String>, Vec<i64>)> {
    let sql = match scope {
        ChartScope::All => "SELECT key, state, leads FROM pipeline_sum WHERE dim = 'close' ORDER BY key DESC".to_owned(),
        ChartScope::Program(_) | ChartScope::Source(_) => {
            let dim = if matches!(scope, ChartScope::Program(_)) { "close_program" } else { "close_source" };
            format!(
                "SELECT substr(key, length(?1) + 2), state, leads FROM pipeline_sum
                 WHERE dim = '{dim}' AND key >= ?1 || '|' AND key < ?1 || '}}' ORDER BY key DESC"
            )
        }
    };
    let mut select = conn.prepare_cached(&sql)?;
    let rows: Vec<(String, LeadState, i64)> =
        select.query_map(rusqlite::params_from_iter(scope_id(scope)), |r| Ok((r.get(0)?, state_at(r, 1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    // (month, won, lost), newest first, at most 12 months.
    let mut months: Vec<(String, i64, i64)> = Vec::new();
    for (month, state, leads) in rows {
        if months.last().is_none_or(|(last, _, _)| *last != month) {
            if months.len() == 12 {
                break;
            }
            months.push((month, 0, 0));
        }
        if let Some(last) = months.last_mut() {
            match state {
                LeadState::Customer => last.1 += leads,
                _ => last.2 += leads,
            }
        }
    }
    months.reverse();
    let rates = months.iter().map(|(_, won, lost)| (won * 10_000 + (won + lost) / 2) / (won + lost).max(1)).collect();
    Ok((months.iter().map(|(month, _, _)| month_label(month)).collect(), rates))
}

/// The UTC month of a Unix-milliseconds time (the tests check the stored close months against it): `YYYY-MM`, its first millisecond and the first of
/// the next month.
#[cfg(test)]
fn month_of(at_ms: i64) -> (String, i64, i64) {
    use chrono::{DateTime, Datelike, NaiveDate, Utc};
    let at = DateTime::<Utc>::from_timestamp_millis(at_ms).unwrap_or_default();
    let (year, month) = (at.year(), at.month());
    let first_ms = |year: i32, month: u32| {
        NaiveDate::from_ymd_opt(year, month, 1).and_then(|day| day.and_hms_opt(0, 0, 0)).map_or(i64::MAX, |start| start.and_utc().timestamp_millis())
    };
    let next = if month == 12 { first_ms(year + 1, 1) } else { first_ms(year, month + 1) };
    (format!("{year:04}-{month:02}"), first_ms(year, month), next)
}

/// "2026-03" → "Mar 2026"; "" → "No date". Anything else is shown as it is.
fn month_label(month: &str) -> String {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    if month.is_empty() {
        return "No date".into();
    }
    let name = month.split_once('-').and_then(|(year, number)| Some((year, NAMES.get(number.parse::<usize>().ok()?.checked_sub(1)?)?)));
    match name {
        Some((year, name)) => format!("{name} {year}"),
        None => month.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    //! The data of every graph for every scope, on leads written with plain SQL (so the graphs
    //! can be checked apart from the write path), then one story through the real lead API.

    use crm_model::{ChartScope, LeadChartKind, LeadCreate, LeadInput, LeadMoveInput, LeadState};
    use uuid::Uuid;

    use super::lead_chart_data;
    use crate::{
        Store,
        lead::pipeline,
        testing::{acme, stepping_clock, store},
    };

    const NEW_BUSINESS: &str = "00000000-0000-7000-8000-000000000401";
    const SERVICE: &str = "00000000-0000-7000-8000-000000000402";
    const WEBSITE: &str = "00000000-0000-7000-8000-000000000502";
    const REFERRAL: &str = "00000000-0000-7000-8000-000000000504";

    /// A store with one customer, and leads and moves inserted as rows.
    struct Fixture {
        store: Store,
        company_id: String,
        n_leads: usize,
    }

    impl Fixture {
        fn new() -> Fixture {
            let mut store = store();
            let company_id = store.company_create(acme()).unwrap().id.to_string();
            Fixture { store, company_id, n_leads: 0 }
        }

        /// A lead as a row: `(program, source, state, value in dollars, probability, expected close)`.
        fn lead(&mut self, program: &str, source: Option<&str>, state: &str, dollars: i64, probability: i64, expected_close: &str) -> String {
            self.n_leads += 1;
            let id = Uuid::now_v7().to_string();
            self.store
                .conn
                .execute(
                    "INSERT INTO lead (id, lead_number, company_id, program_id, source_id, state, probability, value_cents, expected_close, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0)",
                    rusqlite::params![id, format!("L{}", self.n_leads), self.company_id, program, source, state, probability, dollars * 100, expected_close],
                )
                .unwrap();
            id
        }

        /// A move to `to_state` on a UTC day, `YYYY-MM-DD`.
        fn moved(&self, lead_id: &str, to_state: &str, day: &str) {
            self.store
                .conn
                .execute(
                    "INSERT INTO lead_move (id, lead_id, from_state, to_state, moved_by, created_at, updated_at)
                     VALUES (?1, ?2, 'quoting', ?3, 'tester', unixepoch(?4) * 1000 + 43200000, 0)",
                    rusqlite::params![Uuid::now_v7().to_string(), lead_id, to_state, day],
                )
                .unwrap();
        }

        /// The kept-current sums as the write path would have left them.
        fn sum_up(&self) {
            let conn = &self.store.conn;
            conn.execute("DELETE FROM pipeline_sum", []).unwrap();
            for (dim, key, state, leads, value_cents, weighted) in pipeline::recompute(conn).unwrap() {
                conn.execute("INSERT INTO pipeline_sum VALUES (?1, ?2, ?3, ?4, ?5, ?6)", rusqlite::params![dim, key, state, leads, value_cents, weighted]).unwrap();
            }
        }

        fn check(&self, kind: LeadChartKind, scope: ChartScope, expected: &str) {
            let chart = lead_chart_data(&self.store.conn, kind, scope).unwrap();
            let actual = format!("{}(empty: {})\n", chart.table(), chart.is_empty());
            assert_eq!(actual, expected, "{kind:?} {scope:?}\n{actual}");
        }
    }

    fn program(id: &str) -> ChartScope {
        ChartScope::Program(Uuid::parse_str(id).unwrap())
    }

    fn source(id: &str) -> ChartScope {
        ChartScope::Source(Uuid::parse_str(id).unwrap())
    }

    /// Two programs and two sources, in every state, with and without dates, with wins and losses
    /// over three months.
    fn pipeline_fixture() -> Fixture {
        let mut f = Fixture::new();
        f.lead(NEW_BUSINESS, Some(WEBSITE), "pending", 10_000, 10, "2026-04-20");
        f.lead(NEW_BUSINESS, Some(WEBSITE), "pending", 5_000, 10, "");
        f.lead(NEW_BUSINESS, None, "development", 20_000, 50, "2026-03-02");
        f.lead(SERVICE, Some(REFERRAL), "development", 1_001, 25, "2026-04-30");
        f.lead(SERVICE, Some(WEBSITE), "quoting", 40_000, 75, "2026-03-31");
        let won_web = f.lead(NEW_BUSINESS, Some(WEBSITE), "customer", 8_000, 100, "2026-01-15");
        let won_referral = f.lead(SERVICE, Some(REFERRAL), "customer", 2_000, 100, "2026-02-01");
        let lost_web = f.lead(SERVICE, Some(WEBSITE), "inactive", 3_000, 10, "2026-01-10");
        let lost_twice = f.lead(NEW_BUSINESS, None, "inactive", 1_000, 10, "");
        f.moved(&won_web, "customer", "2026-01-31");
        f.moved(&lost_web, "inactive", "2026-01-01");
        f.moved(&lost_twice, "inactive", "2025-11-05");
        f.moved(&lost_twice, "inactive", "2026-02-28");
        f.moved(&won_referral, "customer", "2026-02-01");
        f.sum_up();
        f
    }

    #[test]
    fn leads_by_state_for_all_and_each_scope() {
        let f = pipeline_fixture();
        f.check(
            LeadChartKind::ByState,
            ChartScope::All,
            "Leads by state — All leads
                      | Leads
Pending qualification |     2
Development           |     2
Quoting               |     1
Customer (won)        |     2
Inactive              |     2
(empty: false)
",
        );
        f.check(
            LeadChartKind::ByState,
            program(SERVICE),
            "Leads by state — Service contracts
                      | Leads
Pending qualification |     0
Development           |     1
Quoting               |     1
Customer (won)        |     1
Inactive              |     1
(empty: false)
",
        );
        f.check(
            LeadChartKind::ByState,
            source(WEBSITE),
            "Leads by state — Website (source)
                      | Leads
Pending qualification |     2
Development           |     0
Quoting               |     1
Customer (won)        |     1
Inactive              |     1
(empty: false)
",
        );
    }

    #[test]
    fn the_funnel_counts_each_stage_and_beyond_without_inactive_leads() {
        let f = pipeline_fixture();
        f.check(
            LeadChartKind::Funnel,
            ChartScope::All,
            "Conversion funnel — All leads
                      | Leads
Pending qualification |     7
Development           |     5
Quoting               |     3
Customer (won)        |     2
(empty: false)
",
        );
        f.check(
            LeadChartKind::Funnel,
            source(REFERRAL),
            "Conversion funnel — Referral (source)
                      | Leads
Pending qualification |     2
Development           |     2
Quoting               |     1
Customer (won)        |     1
(empty: false)
",
        );
    }

    #[test]
    fn the_pipeline_stacks_open_weighted_value_by_month_with_no_date_last() {
        let f = pipeline_fixture();
        // 10,000 x 10 % = 1,000; 1,001 x 25 % = 250.25; closed leads are not in the pipeline.
        f.check(
            LeadChartKind::PipelineByMonth,
            ChartScope::All,
            "Weighted pipeline by expected close month — All leads
         | Pending qualification | Development |    Quoting
Mar 2026 |                 $0.00 |  $10,000.00 | $30,000.00
Apr 2026 |             $1,000.00 |     $250.25 |      $0.00
No date  |               $500.00 |       $0.00 |      $0.00
(empty: false)
",
        );
        // The scoped charts group the leads themselves: the sums have no month per program.
        f.check(
            LeadChartKind::PipelineByMonth,
            program(SERVICE),
            "Weighted pipeline by expected close month — Service contracts
         | Pending qualification | Development |    Quoting
Mar 2026 |                 $0.00 |       $0.00 | $30,000.00
Apr 2026 |                 $0.00 |     $250.25 |      $0.00
(empty: false)
",
        );
        f.check(
            LeadChartKind::PipelineByMonth,
            source(WEBSITE),
            "Weighted pipeline by expected close month — Website (source)
         | Pending qualification | Development |    Quoting
Mar 2026 |                 $0.00 |       $0.00 | $30,000.00
Apr 2026 |             $1,000.00 |       $0.00 |      $0.00
No date  |               $500.00 |       $0.00 |      $0.00
(empty: false)
",
        );
    }

    #[test]
    fn the_win_rate_is_won_over_closed_per_month_of_the_move() {
        let f = pipeline_fixture();
        f.check(
            LeadChartKind::WinRate,
            ChartScope::All,
            "Win rate by month — All leads
         | Win rate
Nov 2025 |    0.00%
Jan 2026 |   50.00%
Feb 2026 |   50.00%
(empty: false)
",
        );
        f.check(
            LeadChartKind::WinRate,
            program(NEW_BUSINESS),
            "Win rate by month — New business
         | Win rate
Nov 2025 |    0.00%
Jan 2026 |  100.00%
Feb 2026 |    0.00%
(empty: false)
",
        );
        f.check(
            LeadChartKind::WinRate,
            source(REFERRAL),
            "Win rate by month — Referral (source)
         | Win rate
Feb 2026 |  100.00%
(empty: false)
",
        );
    }

    #[test]
    fn the_win_rate_keeps_the_last_twelve_months_with_closes_and_rounds_half_up() {
        let mut f = Fixture::new();
        // Two wins and one loss in each month of 2024 and 2025 but one: 66.67 %.
        for year in [2024, 2025] {
            for month in (1..=12).filter(|m| *m != 6) {
                for (state, day) in [("customer", 3), ("customer", 17), ("inactive", 28)] {
                    let lead = f.lead(SERVICE, None, state, 100, 10, "");
                    f.moved(&lead, state, &format!("{year}-{month:02}-{day:02}"));
                }
            }
        }
        f.sum_up();
        let chart = lead_chart_data(&f.store.conn, LeadChartKind::WinRate, ChartScope::All).unwrap();
        assert_eq!(chart.categories.first().map(String::as_str), Some("Dec 2024"));
        assert_eq!(chart.categories.last().map(String::as_str), Some("Dec 2025"));
        assert_eq!(chart.categories.len(), 12);
        assert!(!chart.categories.contains(&"Jun 2025".to_owned()));
        assert!(chart.series[0].values.iter().all(|rate| *rate == 6_667));
    }

    #[test]
    fn months_are_utc_calendar_months() {
        let check = |at: &str, expected: (&str, &str, &str)| {
            let ms = chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp_millis();
            let (key, start, end) = super::month_of(ms);
            let day = |ms: i64| crate::time::rfc3339(ms);
            assert_eq!((key.as_str(), day(start).as_str(), day(end).as_str()), expected, "{at}");
        };
        check("2026-01-31T23:59:59.999Z", ("2026-01", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"));
        check("2026-02-01T00:00:00.000Z", ("2026-02", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"));
        check("2025-12-15T08:00:00-06:00", ("2025-12", "2025-12-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"));
        // Late evening in Texas is already the next month in UTC.
        check("2026-03-31T20:00:00-06:00", ("2026-04", "2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z"));
        assert_eq!([super::month_label("2026-03"), super::month_label(""), super::month_label("2026-13")], ["Mar 2026", "No date", "2026-13"]);
    }

    #[test]
    fn no_leads_make_empty_charts_that_still_draw() {
        let f = Fixture::new();
        for kind in LeadChartKind::ALL {
            for scope in [ChartScope::All, program(SERVICE), source(WEBSITE)] {
                let chart = lead_chart_data(&f.store.conn, kind, scope).unwrap();
                assert!(chart.is_empty(), "{kind:?} {scope:?}");
                let drawn = f.store.lead_chart(kind, scope).unwrap();
                assert!(drawn.svg.contains(&chart.empty_text), "{kind:?} {scope:?}");
            }
        }
        // Closed leads only: states and funnel have data, the pipeline has none.
        let mut f = Fixture::new();
        f.lead(SERVICE, None, "customer", 1_000, 100, "2026-01-01");
        f.sum_up();
        f.check(
            LeadChartKind::PipelineByMonth,
            ChartScope::All,
            "Weighted pipeline by expected close month — All leads
 | Pending qualification | Development | Quoting
(empty: true)
",
        );
    }

    #[test]
    fn an_unknown_program_or_source_is_not_found() {
        let f = Fixture::new();
        for scope in [ChartScope::Program(Uuid::now_v7()), ChartScope::Source(Uuid::now_v7())] {
            let error = f.store.lead_chart(LeadChartKind::ByState, scope).unwrap_err();
            assert_eq!(error.kind(), crm_model::ErrorKind::NotFound, "{error}");
        }
    }

    #[test]
    fn the_svg_and_the_png_carry_the_scope_axes_and_money() {
        let f = pipeline_fixture();
        let drawn = f.store.lead_chart(LeadChartKind::PipelineByMonth, program(SERVICE)).unwrap();
        assert_eq!(drawn.title, "Weighted pipeline by expected close month — Service contracts");
        for expected in [">\nWeighted pipeline by expected close month — Service contracts\n<", ">\nExpected close month\n<", ">\nWeighted value\n<", ">\nQuoting\n<", ">\n$30,000\n<", ">\nMar 2026\n<"] {
            assert!(drawn.svg.contains(expected), "{expected:?} missing:\n{}", drawn.svg);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("win rate.png");
        f.store.lead_chart_png(LeadChartKind::WinRate, ChartScope::All, &path).unwrap();
        assert_eq!(&std::fs::read(&path).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    }

    /// Through the real write path: the sums the lead module keeps current feed the charts.
    #[test]
    fn charts_follow_leads_written_through_the_lead_api() {
        let mut store = store();
        stepping_clock(&mut store);
        let company_id = store.company_create(acme()).unwrap().id;
        let service = Uuid::parse_str(SERVICE).unwrap();
        let mut ids = Vec::new();
        for (dollars, probability, close) in [(12_500, 40, "2026-05-10"), (3_000, 10, ""), (7_000, 60, "2026-05-31")] {
            let lead = store.lead_create(LeadCreate { company_id, program_id: service }).unwrap();
            let fields = LeadInput { value_cents: dollars * 100, probability, expected_close: close.into(), ..lead.fields };
            store.lead_update(lead.id, fields).unwrap();
            ids.push(lead.id);
        }
        let to = |to: LeadState, reason: &str| LeadMoveInput { to, assign_to: None, reason: reason.into() };
        store.lead_move(ids[0], to(LeadState::Development, "")).unwrap();
        store.lead_move(ids[2], to(LeadState::Inactive, "No budget")).unwrap();
        let table = |kind| lead_chart_data(&store.conn, kind, ChartScope::All).unwrap().table();
        assert_eq!(
            table(LeadChartKind::PipelineByMonth),
            "Weighted pipeline by expected close month — All leads
         | Pending qualification | Development | Quoting
May 2026 |                 $0.00 |   $5,000.00 |   $0.00
No date  |               $300.00 |       $0.00 |   $0.00
"
        );
        assert_eq!(
            table(LeadChartKind::Funnel),
            "Conversion funnel — All leads
                      | Leads
Pending qualification |     2
Development           |     1
Quoting               |     0
Customer (won)        |     0
"
        );
        // The stepping clock starts in November 2023.
        assert_eq!(
            table(LeadChartKind::WinRate),
            "Win rate by month — All leads
         | Win rate
Nov 2023 |    0.00%
"
        );
    }
}
