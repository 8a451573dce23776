use crm_model::{CompanyRef, Contact, ContactRow, HistoryEntry, ListQuery, Page};
use uuid::Uuid;

use super::types::{SELECT_CONTACT, SELECT_ROW, TABLE, contact_from_row, contact_row_from_row};
use crate::{Result, Store, sql};

const LIST: sql::ListSpec<ContactRow> = sql::ListSpec {
    select: SELECT_ROW,
    table: TABLE,
    search: SEARCH,
    sorts: SORTS,
    default_sort: "last_name",
    map: contact_row_from_row,
};

const SORTS: &[(&str, &str)] = &[
    ("last_name", "last_name COLLATE NOCASE, first_name COLLATE NOCASE"),
    ("first_name", "first_name COLLATE NOCASE"),
    ("email", "email COLLATE NOCASE"),
    ("job_title", "job_title COLLATE NOCASE"),
    ("updated_at", "updated_at"),
];

/// Matches the start of the first name, the last name, "first last" or the email.
const SEARCH: &str = "(?1 = '' OR first_name LIKE ?2 ESCAPE '\\' OR last_name LIKE ?2 ESCAPE '\\'
     OR (first_name || ' ' || last_name) LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\')";

impl Store {
    pub fn contact_get(&self, id: Uuid) -> Result<Contact> {
        let mut contact = sql::get_by_id(&self.conn, &format!("{SELECT_CONTACT} WHERE id = ?1"), TABLE, id, contact_from_row)?;
        contact.companies = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.customer_number, c.name FROM contact_company cc JOIN company c ON c.id = cc.company_id
                 WHERE cc.contact_id = ?1 ORDER BY c.name COLLATE NOCASE",
            )?
            .query_map([id.to_string()], |row| {
                Ok(CompanyRef { id: sql::parse_id(row.get_ref(0)?.as_str()?)?, customer_number: row.get(1)?, name: row.get(2)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(contact)
    }

    pub fn contact_list(&self, query: &ListQuery) -> Result<Page<ContactRow>> {
        sql::list_page(&self.conn, &LIST, query, &[])
    }

    /// The contacts linked to one company, for the company screen.
    pub fn contacts_of_company(&self, company_id: Uuid) -> Result<Vec<ContactRow>> {
        self.company_get(company_id)?;
        Ok(self
            .conn
            .prepare_cached(&format!(
                "{SELECT_ROW} WHERE id IN (SELECT contact_id FROM contact_company WHERE company_id = ?1)
                 ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id"
            ))?
            .query_map([company_id.to_string()], contact_row_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub fn contact_history(&self, id: Uuid) -> Result<Vec<HistoryEntry>> {
        self.contact_get(id)?;
        self.history(TABLE, id, 200)
    }
}
