use crm_model::{Channel, ChannelKind, CompanyRef, Contact, ContactFilter, ContactRow, Count, HistoryEntry, ListQuery, Page};
use rusqlite::types::Value;
use uuid::Uuid;

use super::types::{ROW_COLUMNS, SELECT_CONTACT, TABLE, contact_from_row, contact_row_from_row};
use std::path::Path;

use crate::{
    CoreError, Result, Store,
    company::day_start_ms,
    export::{Cell, Column, ColumnKind, ExportOptions, Format, Progress, export_pipelined},
    sql,
    validate::Validator,
};

const EXPORT_COLUMNS: &str = "first_name, last_name, email, office_phone, mobile_phone, job_title,
    coalesce((SELECT group_concat(name, ', ') FROM (
        SELECT c.name FROM contact_company cc JOIN company c ON c.id = cc.company_id
        WHERE cc.contact_id = contact.id ORDER BY c.name COLLATE NOCASE)), ''),
    city, region, country, CASE email_consent WHEN 1 THEN 'yes' ELSE 'no' END, CASE sms_consent WHEN 1 THEN 'yes' ELSE 'no' END,
    newest_note_at, created_at";

fn export_columns() -> Vec<Column> {
    use ColumnKind::*;
    [
        ("First name", Text), ("Last name", Text), ("Email", Text), ("Office phone", Text), ("Mobile phone", Text), ("Job title", Text),
        ("Companies", Text), ("City", Text), ("State/Region", Text), ("Country", Text), ("Email consent", Text), ("SMS consent", Text),
        ("Newest note", DateTime), ("Created", Date),
    ]
    .into_iter()
    .map(|(title, kind)| Column::new(title, kind))
    .collect()
}

fn export_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Vec<Cell>> {
    let mut cells = (0..12)
        .map(|i| Ok(match row.get::<_, String>(i)? { text if text.is_empty() => Cell::Empty, text => Cell::Text(text) }))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    cells.push(row.get::<_, Option<i64>>(12)?.map(Cell::DateTime).unwrap_or(Cell::Empty));
    cells.push(Cell::Date(row.get(13)?));
    Ok(cells)
}

const LIST: sql::ListSpec<ContactRow> =
    sql::ListSpec { table: TABLE, columns: ROW_COLUMNS, sorts: SORTS, default_sort: "last_name", tiebreak: "contact.rowid", map: contact_row_from_row };

const SORTS: &[(&str, &str)] = &[
    ("last_name", "last_name COLLATE NOCASE, first_name COLLATE NOCASE"),
    ("first_name", "first_name COLLATE NOCASE"),
    ("email", "email COLLATE NOCASE"),
    ("office_phone", "office_phone"),
    ("job_title", "job_title COLLATE NOCASE"),
    ("region", "region COLLATE NOCASE, last_name COLLATE NOCASE, first_name COLLATE NOCASE"),
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
                    id: sql::id_at(row, 0)?,
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

    /// Export the contact list as it is filtered and sorted, every row, to `.xlsx` or `.csv`.
    pub fn contact_export(&self, path: &Path, query: &ListQuery, filter: &ContactFilter, options: &ExportOptions, progress: Progress<'_>) -> Result<u64> {
        let format = Format::from_path(path).ok_or_else(|| CoreError::invalid("path", "Export to a file ending in .xlsx or .csv."))?;
        let spec = LIST.reading(EXPORT_COLUMNS, export_row);
        let conditions = conditions(filter)?;
        let rows = sql::all_rows(query, move |page| sql::list_page(&self.conn, &spec, page, conditions.clone()));
        export_pipelined(path, format, &export_columns(), rows, options, progress)
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
