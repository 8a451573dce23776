use crm_model::{Channel, ChannelKind, CompanyRef, Contact, ContactFilter, ContactRow, Count, HistoryEntry, ListQuery, Page};
use rusqlite::types::Value;
use uuid::Uuid;

use super::types::{ROW_COLUMNS, SELECT_CONTACT, TABLE, contact_from_row, contact_row_from_row};
use crate::{Result, Store, company::day_start_ms, sql, validate::Validator};

const LIST: sql::ListSpec<ContactRow> =
    sql::ListSpec { table: TABLE, columns: ROW_COLUMNS, sorts: SORTS, default_sort: "last_name", map: contact_row_from_row };

const SORTS: &[(&str, &str)] = &[
    ("last_name", "last_name COLLATE NOCASE, first_name COLLATE NOCASE"),
    ("first_name", "first_name COLLATE NOCASE"),
    ("email", "email COLLATE NOCASE"),
    ("office_phone", "office_phone"),
    ("job_title", "job_title COLLATE NOCASE"),
    ("region", "region COLLATE NOCASE"),
    ("updated_at", "updated_at"),
    ("newest_note_at", "ifnull(newest_note_at, 0)"),
];

impl Store {
    pub fn contact_get(&self, id: Uuid) -> Result<Contact> {
        let mut contact = sql::get_by_id(&self.conn, &format!("{SELECT_CONTACT} WHERE id = ?1"), TABLE, id, contact_from_row)?;
        contact.companies = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.customer_number, c.name, cc.role FROM contact_company cc JOIN company c ON c.id = cc.company_id
                 WHERE cc.contact_id = ?1 ORDER BY c.name COLLATE NOCASE",
            )?
            .query_map([id.to_string()], |row| {
                Ok(CompanyRef {
                    id: sql::parse_id(row.get_ref(0)?.as_str()?)?,
                    customer_number: row.get(1)?,
                    name: row.get(2)?,
                    role: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        contact.channels = self
            .conn
            .prepare_cached("SELECT kind, label, value, sms_capable FROM contact_channel WHERE contact_id = ?1 ORDER BY position, id")?
            .query_map([id.to_string()], |row| {
                Ok(Channel {
                    kind: if row.get_ref(0)?.as_str()? == "phone" { ChannelKind::Phone } else { ChannelKind::Email },
                    label: row.get(1)?,
                    value: row.get(2)?,
                    sms_capable: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(contact)
    }

    pub fn contact_list(&self, query: &ListQuery) -> Result<Page<ContactRow>> {
        self.contact_list_filtered(query, &ContactFilter::default())
    }

    pub fn contact_list_filtered(&self, query: &ListQuery, filter: &ContactFilter) -> Result<Page<ContactRow>> {
        sql::list_page(&self.conn, &LIST, query, conditions(filter)?)
    }

    pub fn contact_count(&self, search: &str, filter: &ContactFilter) -> Result<Count> {
        sql::list_count(&self.conn, &LIST, search, conditions(filter)?)
    }

    /// Every contact of a filtered, sorted list, page by page (for exports).
    pub fn contact_each(&self, query: &ListQuery, filter: &ContactFilter, each: impl FnMut(ContactRow) -> Result<()>) -> Result<()> {
        sql::each_row(query, |page| self.contact_list_filtered(page, filter), each)
    }

    /// The contacts linked to one company, for the company screen.
    pub fn contacts_of_company(&self, company_id: Uuid) -> Result<Vec<ContactRow>> {
        self.company_get(company_id)?;
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM contact WHERE id IN (SELECT contact_id FROM contact_company WHERE company_id = ?1)
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

fn conditions(filter: &ContactFilter) -> Result<sql::Conditions> {
    let mut check = Validator::default();
    let from = day_start_ms(&mut check, "newest_note_from", filter.newest_note_from.as_deref(), 0);
    let to = day_start_ms(&mut check, "newest_note_to", filter.newest_note_to.as_deref(), 1);
    check.finish()?;
    let mut conditions = sql::Conditions::default();
    if !filter.region.trim().is_empty() {
        conditions.push("region = ? COLLATE NOCASE", [Value::Text(filter.region.trim().to_owned())]);
    }
    if let Some(company) = filter.company_id {
        conditions.push("contact.id IN (SELECT contact_id FROM contact_company WHERE company_id = ?)", [Value::Text(company.to_string())]);
    }
    if let Some(from) = from {
        conditions.push("ifnull(newest_note_at, 0) >= ?", [Value::Integer(from)]);
    }
    if let Some(to) = to {
        conditions.push("newest_note_at < ?", [Value::Integer(to)]);
    }
    Ok(conditions)
}
