use crm_model::{Company, CompanyFilter, CompanyRow, HistoryEntry, ListQuery, Page};
use rusqlite::types::Value;
use uuid::Uuid;

use super::types::{SELECT_COMPANY, SELECT_ROW, TABLE, company_from_row, company_row_from_row};
use crate::{Result, Store, sql, validate::Validator};

const LIST: sql::ListSpec<CompanyRow> = sql::ListSpec {
    select: SELECT_ROW,
    table: TABLE,
    search: SEARCH,
    sorts: SORTS,
    default_sort: "name",
    map: company_row_from_row,
};

/// Sort names the company list accepts, and their SQL.
const SORTS: &[(&str, &str)] = &[
    ("customer_number", "customer_number"),
    ("name", "name COLLATE NOCASE"),
    ("city", "city COLLATE NOCASE"),
    ("region", "region COLLATE NOCASE"),
    ("country", "country COLLATE NOCASE"),
    ("updated_at", "updated_at"),
    ("newest_note_at", "newest_note_at"),
];

/// Matches the search box against the start of the name, the customer number or the email.
const SEARCH: &str = "(?1 = '' OR name LIKE ?2 ESCAPE '\\' OR customer_number LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\')";

impl Store {
    pub fn company_get(&self, id: Uuid) -> Result<Company> {
        sql::get_by_id(&self.conn, &format!("{SELECT_COMPANY} WHERE c.id = ?1"), TABLE, id, company_from_row)
    }

    pub fn company_list(&self, query: &ListQuery) -> Result<Page<CompanyRow>> {
        self.company_list_filtered(query, &CompanyFilter::default())
    }

    /// The customer list with its filters.
    pub fn company_list_filtered(&self, query: &ListQuery, filter: &CompanyFilter) -> Result<Page<CompanyRow>> {
        let mut check = Validator::default();
        let from = day_start_ms(&mut check, "newest_note_from", filter.newest_note_from.as_deref(), 0);
        let to = day_start_ms(&mut check, "newest_note_to", filter.newest_note_to.as_deref(), 1);
        check.finish()?;
        let mut conditions: Vec<(&str, Value)> = Vec::new();
        let id = |id: uuid::Uuid| Value::Text(id.to_string());
        if let Some(isr) = filter.isr_id {
            conditions.push(("isr_id = ?", id(isr)));
        }
        if let Some(osr) = filter.osr_id {
            conditions.push(("osr_id = ?", id(osr)));
        }
        if let Some(credit) = filter.credit_code_id {
            conditions.push(("credit_code_id = ?", id(credit)));
        }
        if !filter.region.trim().is_empty() {
            conditions.push(("region = ? COLLATE NOCASE", Value::Text(filter.region.trim().to_owned())));
        }
        if let Some(from) = from {
            conditions.push(("newest_note_at >= ?", Value::Integer(from)));
        }
        if let Some(to) = to {
            conditions.push(("newest_note_at < ?", Value::Integer(to)));
        }
        sql::list_page(&self.conn, &LIST, query, &conditions)
    }

    pub fn company_history(&self, id: Uuid) -> Result<Vec<HistoryEntry>> {
        self.company_get(id)?;
        self.history(TABLE, id, 200)
    }
}

/// Unix milliseconds at the start of `day` (`YYYY-MM-DD`, UTC) plus `add_days`; a malformed day is
/// reported as an error of `field`.
fn day_start_ms(check: &mut Validator, field: &str, day: Option<&str>, add_days: i64) -> Option<i64> {
    let day = day.map(str::trim).filter(|d| !d.is_empty())?;
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(date) => Some((date + chrono::Days::new(add_days as u64)).and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis()),
        Err(_) => {
            check.error(field, format!("{day:?} is not a date like 2026-11-23."));
            None
        }
    }
}
