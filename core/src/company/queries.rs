use crm_model::{Company, CompanyRow, HistoryEntry, ListQuery, Page};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::types::{SELECT_COMPANY, SELECT_ROW, TABLE, company_from_row, company_row_from_row};
use crate::{CoreError, Result, Store, sql};

/// Sort names the company list accepts, and their SQL.
const SORTS: &[(&str, &str)] = &[
    ("customer_number", "customer_number"),
    ("name", "name COLLATE NOCASE"),
    ("city", "city COLLATE NOCASE"),
    ("region", "region COLLATE NOCASE"),
    ("country", "country COLLATE NOCASE"),
    ("updated_at", "updated_at"),
];

/// Matches the search box against the start of the name, the customer number or the email.
const SEARCH: &str = "(?1 = '' OR name LIKE ?2 ESCAPE '\\' OR customer_number LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\')";

impl Store {
    pub fn company_get(&self, id: Uuid) -> Result<Company> {
        self.conn
            .prepare_cached(&format!("{SELECT_COMPANY} WHERE id = ?1"))?
            .query_row([id.to_string()], company_from_row)
            .optional()?
            .ok_or_else(|| CoreError::not_found(TABLE, id))
    }

    pub fn company_list(&self, query: &ListQuery) -> Result<Page<CompanyRow>> {
        let limit = sql::page_limit(query)?;
        let order = sql::order_by(query, SORTS, "name")?;
        let search = query.search.trim();
        let pattern = sql::like_prefix(search);
        let rows = self
            .conn
            .prepare_cached(&format!("{SELECT_ROW} WHERE {SEARCH} ORDER BY {order} LIMIT ?3 OFFSET ?4"))?
            .query_map(rusqlite::params![search, pattern, limit, query.offset], company_row_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM company WHERE {SEARCH}"))?
            .query_row(rusqlite::params![search, pattern], |r| r.get(0))?;
        Ok(Page { rows, total: total as u64, offset: query.offset })
    }

    pub fn company_history(&self, id: Uuid) -> Result<Vec<HistoryEntry>> {
        self.company_get(id)?;
        self.history(TABLE, id, 200)
    }
}
