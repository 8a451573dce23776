use std::path::Path;

use crm_model::{
    Count, LeadCode, LeadCodeKind, LeadCodeStats, LeadFilter, LeadMove, LeadRow, LeadState, ListQuery, Page, Pipeline, PipelineLine,
    StateCounts,
};
use rusqlite::{Connection, types::Value};
use uuid::Uuid;

use super::{
    commands::allowed_moves,
    pipeline,
    types::{ROW_COLUMNS, SELECT_LEAD, TABLE, cents_of_weighted, code_dim, code_table, lead_from_row, lead_row_from_row, state_at},
};
use crate::{
    CoreError, Result, Store,
    company::day_start_ms,
    export::{Cell, Column, ColumnKind, ExportOptions, Format, Progress, export_pipelined},
    search, sql, time,
    validate::Validator,
};

/// Sort names the lead list accepts, and their SQL (each backed by an index).
const SORTS: &[(&str, &str)] = &[
    ("lead_number", "length(lead_number), lead_number"),
    ("company_name", "company_name COLLATE NOCASE"),
    ("title", "title COLLATE NOCASE"),
    ("program", "program_name COLLATE NOCASE"),
    ("source", "source_name COLLATE NOCASE"),
    ("assigned", "assigned_name COLLATE NOCASE"),
    ("weighted", "value_cents * probability"),
    ("state", "state"),
    ("probability", "probability"),
    ("value_cents", "value_cents"),
    ("expected_close", "expected_close"),
    ("newest_note_at", "ifnull(newest_note_at, 0)"),
    ("updated_at", "updated_at"),
];

const LIST: sql::ListSpec<LeadRow> = sql::ListSpec { table: TABLE, columns: ROW_COLUMNS, sorts: SORTS, default_sort: "lead_number", tiebreak: "id", map: lead_row_from_row };

fn export_columns() -> Vec<Column> {
    use ColumnKind::*;
    [
        ("Lead", Text), ("Title", Text), ("Customer", Text), ("State/Region", Text), ("Lead state", Text), ("Program", Text),
        ("Source", Text), ("ISR", Text), ("OSR", Text), ("Assigned", Text), ("Probability", Percent), ("Value", Money),
        ("Weighted", Money), ("Expected close", Text), ("Newest note", DateTime),
    ]
    .into_iter()
    .map(|(title, kind)| Column::new(title, kind))
    .collect()
}

fn export_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Vec<Cell>> {
    let lead = lead_row_from_row(row)?;
    let text = |text: &str| if text.is_empty() { Cell::Empty } else { Cell::Text(text.to_owned()) };
    Ok(vec![
        text(&lead.lead_number),
        text(&lead.title),
        text(&lead.company_name),
        text(&lead.region),
        text(lead.state.label()),
        text(&lead.program),
        text(&lead.source),
        text(&lead.isr),
        text(&lead.osr),
        text(&lead.assigned),
        Cell::Percent(lead.probability * 100),
        Cell::Money(lead.value_cents),
        Cell::Money(lead.weighted_cents),
        text(&lead.expected_close),
        row.get::<_, Option<i64>>(15)?.map(Cell::DateTime).unwrap_or(Cell::Empty),
    ])
}

/// Above this many matching leads a filter is read through the sort's index rather than its own
/// (see [`conditions`]).
const BROAD_FILTER: i64 = 2_000;

/// The list's search and filters as SQL. A search finds leads by number, or by their customer
/// through the customer search index (name, number, email, phone).
///
/// Why some conditions start with `+`: SQLite picks an index for a filter over the index of the
/// sort whenever it can, and then sorts every match. For "open leads by value" at a million leads
/// that is 750,000 rows sorted per page (hundreds of ms) where walking the value index and
/// skipping closed leads reads about 70. A unary `+` keeps SQLite off a column's index. The lead
/// states are always broad; a program, source or assignee is broad when the kept-current
/// pipeline sums say it has more than [`BROAD_FILTER`] leads, and keeps its index otherwise (a
/// new program with ten leads is found through its index and sorted in microseconds).
fn conditions(conn: &Connection, search: &str, filter: &LeadFilter) -> Result<sql::Conditions> {
    let mut check = Validator::default();
    let from = day_start_ms(&mut check, "newest_note_from", filter.newest_note_from.as_deref(), 0);
    let to = day_start_ms(&mut check, "newest_note_to", filter.newest_note_to.as_deref(), 1);
    check.finish()?;
    let mut conditions = sql::Conditions::default();
    for text in [search, filter.customer.as_str()] {
        if let Some(needle) = search::Needle::new(text) {
            let (customer, values) = needle.condition("company", "lead.company_id");
            conditions.push(
                format!("(lead.lead_number = ? COLLATE NOCASE OR {customer})"),
                std::iter::once(Value::Text(text.trim().to_owned())).chain(values.into_iter().map(Value::Text)),
            );
        }
    }
    let id = |id: Uuid| Value::Text(id.to_string());
    for (column, value) in [("company_id", filter.company_id), ("isr_id", filter.isr_id), ("osr_id", filter.osr_id)] {
        if let Some(value) = value {
            conditions.push(format!("lead.{column} = ?"), [id(value)]);
        }
    }
    for (column, dim, value) in [("source_id", "source", filter.source_id), ("program_id", "program", filter.program_id), ("assigned_id", "rep", filter.assigned_id)] {
        if let Some(value) = value {
            let leads: i64 = conn
                .prepare_cached("SELECT ifnull(sum(leads), 0) FROM pipeline_sum WHERE dim = ?1 AND key = ?2")?
                .query_row(rusqlite::params![dim, value.to_string()], |r| r.get(0))?;
            let plus = if leads > BROAD_FILTER { "+" } else { "" };
            conditions.push(format!("{plus}lead.{column} = ?"), [id(value)]);
        }
    }
    if !filter.region.trim().is_empty() {
        conditions.push("lead.company_id IN (SELECT id FROM company WHERE region = ? COLLATE NOCASE)", [Value::Text(filter.region.trim().to_owned())]);
    }
    if let Some(state) = filter.state {
        conditions.push("+lead.state = ?", [Value::Text(state.as_str().to_owned())]);
    }
    match filter.open {
        Some(true) => conditions.push("+lead.state IN ('pending', 'development', 'quoting')", []),
        Some(false) => conditions.push("+lead.state IN ('customer', 'inactive')", []),
        None => {}
    }
    if let Some(from) = from {
        conditions.push("ifnull(lead.newest_note_at, 0) >= ?", [Value::Integer(from)]);
    }
    if let Some(to) = to {
        conditions.push("lead.newest_note_at < ?", [Value::Integer(to)]);
    }
    Ok(conditions)
}

/// Lead lists are always sorted (the search index ranks customers, not leads), so the search
/// becomes a condition.
fn sorted(query: &ListQuery) -> ListQuery {
    ListQuery { search: String::new(), sort: Some(query.sort.clone().unwrap_or_else(|| "lead_number".to_owned())), ..query.clone() }
}

impl Store {
    /// The lead worksheet: header, allowed moves and the moves so far.
    pub fn lead_get(&self, id: Uuid) -> Result<crm_model::Lead> {
        let mut lead = sql::get_by_id(&self.conn, &format!("{SELECT_LEAD} WHERE l.id = ?1"), TABLE, id, lead_from_row)?;
        lead.allowed_moves = allowed_moves(&self.conn, lead.state)?;
        lead.moves = self
            .conn
            .prepare_cached(
                "SELECT m.from_state, m.to_state, m.moved_by, m.created_at, u.name, m.reason
                 FROM lead_move m LEFT JOIN app_user u ON u.id = m.assigned_id
                 WHERE m.lead_id = ?1 ORDER BY m.created_at DESC, m.id DESC",
            )?
            .query_map([id.to_string()], |r| {
                Ok(LeadMove { from: state_at(r, 0)?, to: state_at(r, 1)?, by: r.get(2)?, at: time::rfc3339(r.get(3)?), assigned_to: r.get(4)?, reason: r.get(5)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(lead)
    }

    /// The lead list with its filters.
    pub fn lead_list(&self, query: &ListQuery, filter: &LeadFilter) -> Result<Page<LeadRow>> {
        sql::list_page(&self.conn, &LIST, &sorted(query), conditions(&self.conn, &query.search, filter)?)
    }

    pub fn lead_count(&self, search: &str, filter: &LeadFilter) -> Result<Count> {
        sql::list_count(&self.conn, &LIST, "", conditions(&self.conn, search, filter)?)
    }

    /// Export the lead list as filtered and sorted, every row, to `.xlsx` or `.csv`.
    pub fn lead_export(&self, path: &Path, query: &ListQuery, filter: &LeadFilter, options: &ExportOptions, progress: Progress<'_>) -> Result<u64> {
        let format = Format::from_path(path).ok_or_else(|| CoreError::invalid("path", "Export to a file ending in .xlsx or .csv."))?;
        let spec = LIST.reading(ROW_COLUMNS, export_row);
        let conditions = conditions(&self.conn, &query.search, filter)?;
        let rows = sql::all_rows(&sorted(query), move |page| sql::list_page(&self.conn, &spec, page, conditions.clone()));
        export_pipelined(path, format, &export_columns(), rows, options, progress)
    }

    /// Every allowed move of the workflow, as `(from, to)` in workflow order.
    pub fn lead_transitions(&self) -> Result<Vec<(LeadState, LeadState)>> {
        let mut moves = Vec::new();
        for from in LeadState::ALL {
            moves.extend(allowed_moves(&self.conn, from)?.into_iter().map(|to| (from, to)));
        }
        Ok(moves)
    }

    /// The lead programs or sources, by name, with their open and closed lead counts (read from
    /// the kept-current pipeline sums).
    pub fn lead_codes(&self, kind: LeadCodeKind) -> Result<Vec<LeadCode>> {
        let (table, dim) = (code_table(kind), code_dim(kind));
        let sql = format!(
            "SELECT c.id, c.name, c.active,
                    ifnull((SELECT sum(leads) FROM pipeline_sum WHERE dim = '{dim}' AND key = c.id AND state IN ('pending', 'development', 'quoting')), 0),
                    ifnull((SELECT sum(leads) FROM pipeline_sum WHERE dim = '{dim}' AND key = c.id AND state IN ('customer', 'inactive')), 0)
             FROM {table} c ORDER BY c.name COLLATE NOCASE"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map([], |r| {
                Ok(LeadCode { id: crate::sql::id_at(r, 0)?, name: r.get(1)?, active: r.get(2)?, open_leads: r.get(3)?, closed_leads: r.get(4)? })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The screen of one program (or source): its leads by state, and by source (or program).
    pub fn lead_code_stats(&self, kind: LeadCodeKind, id: Uuid) -> Result<LeadCodeStats> {
        let code = self.lead_codes(kind)?.into_iter().find(|c| c.id == id).ok_or_else(|| CoreError::not_found(code_table(kind), id))?;
        let counts = pipeline::state_counts(&self.conn, code_dim(kind), &id.to_string())?;
        let by_state = StateCounts { label: code.name.clone(), by_state: counts, total: counts.iter().sum() };
        let (column, other_column, other_table) = match kind {
            LeadCodeKind::Program => ("program_id", "source_id", "lead_source"),
            LeadCodeKind::Source => ("source_id", "program_id", "lead_program"),
        };
        let sql = format!(
            "SELECT ifnull((SELECT name FROM {other_table} WHERE id = lead.{other_column}), '(none)'), state, count(*)
             FROM lead WHERE {column} = ?1 GROUP BY 1, 2 ORDER BY 1 COLLATE NOCASE"
        );
        let mut by_other: Vec<StateCounts> = Vec::new();
        let mut select = self.conn.prepare_cached(&sql)?;
        let rows = select.query_map([id.to_string()], |r| Ok((r.get::<_, String>(0)?, state_at(r, 1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (label, state, leads) = row?;
            if by_other.last().is_none_or(|last| last.label != label) {
                by_other.push(StateCounts { label, by_state: [0; 5], total: 0 });
            }
            if let Some(last) = by_other.last_mut() {
                add_to(last, state, leads);
            }
        }
        Ok(LeadCodeStats { code, by_state, by_other })
    }

    /// The weighted pipeline of the open leads, by state, rep, program, source and expected close
    /// month, with the daily trend. Reads only the kept-current sums.
    pub fn pipeline(&self) -> Result<Pipeline> {
        let lines = |dim: &str, label_sql: &str| -> Result<Vec<PipelineLine>> {
            let sql = format!(
                "SELECT {label_sql}, sum(leads), sum(value_cents), sum(weighted) FROM pipeline_sum p
                 WHERE dim = ?1 AND state IN ('pending', 'development', 'quoting') GROUP BY p.key ORDER BY sum(weighted) DESC, 1"
            );
            Ok(self
                .conn
                .prepare_cached(&sql)?
                .query_map([dim], |r| {
                    Ok(PipelineLine { label: r.get(0)?, leads: r.get(1)?, value_cents: r.get(2)?, weighted_cents: cents_of_weighted(r.get(3)?) })
                })?
                .collect::<rusqlite::Result<_>>()?)
        };
        let by_state_rows: Vec<(LeadState, PipelineLine)> = self
            .conn
            .prepare_cached("SELECT state, leads, value_cents, weighted FROM pipeline_sum WHERE dim = 'all' AND state IN ('pending', 'development', 'quoting')")?
            .query_map([], |r| {
                let state = state_at(r, 0)?;
                Ok((state, PipelineLine { label: state.label().to_owned(), leads: r.get(1)?, value_cents: r.get(2)?, weighted_cents: cents_of_weighted(r.get(3)?) }))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let by_state: Vec<PipelineLine> =
            LeadState::ALL.into_iter().filter_map(|s| by_state_rows.iter().find(|(state, _)| *state == s).map(|(_, line)| line.clone())).collect();
        let mut by_month = lines("month", "CASE p.key WHEN '' THEN 'No date' ELSE p.key END")?;
        by_month.sort_by(|a, b| (a.label == "No date", &a.label).cmp(&(b.label == "No date", &b.label)));
        let mut trend: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT day, weighted FROM pipeline_day ORDER BY day DESC LIMIT 30")?
            .query_map([], |r| Ok((r.get(0)?, cents_of_weighted(r.get(1)?))))?
            .collect::<rusqlite::Result<_>>()?;
        trend.reverse();
        Ok(Pipeline {
            open_leads: by_state.iter().map(|l| l.leads).sum(),
            value_cents: by_state.iter().map(|l| l.value_cents).sum(),
            weighted_cents: cents_of_weighted(pipeline::open_weighted(&self.conn)?),
            by_state,
            by_rep: lines("rep", "ifnull((SELECT name FROM app_user WHERE id = p.key), 'Unassigned')")?,
            by_program: lines("program", "ifnull((SELECT name FROM lead_program WHERE id = p.key), '?')")?,
            by_source: lines("source", "ifnull((SELECT name FROM lead_source WHERE id = p.key), 'No source')")?,
            by_month,
            trend,
        })
    }
}

fn add_to(counts: &mut StateCounts, state: LeadState, leads: i64) {
    if let Some(slot) = LeadState::ALL.iter().position(|s| *s == state) {
        counts.by_state[slot] += leads;
        counts.total += leads;
    }
}
