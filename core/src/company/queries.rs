use crm_model::{Company, CompanyRow, HistoryEntry, ListQuery, Page};
use uuid::Uuid;

use super::types::{SELECT_COMPANY, SELECT_ROW, TABLE, company_from_row, company_row_from_row};
use crate::{Result, Store, sql};

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
        sql::list_page(&self.conn, &LIST, query)
    }

    pub fn company_history(&self, id: Uuid) -> Result<Vec<HistoryEntry>> {
        self.company_get(id)?;
        self.history(TABLE, id, 200)
    }
}
