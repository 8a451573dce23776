use crm_model::{Company, CompanyFilter, CompanyRef, CompanyRow, Count, HistoryEntry, ListQuery, Page, ShipTo, ShipToInput};
use rusqlite::types::Value;
use uuid::Uuid;

use super::types::{ROW_COLUMNS, SELECT_COMPANY, TABLE, company_from_row, company_row_from_row};
use std::path::Path;

use crate::{
    CoreError, Result, Store,
    export::{Cell, Column, ColumnKind, ExportOptions, Format, Progress, export_pipelined},
    sql,
    validate::Validator,
};

/// What an exported customer row holds: the list's columns and the commercial fields a sales
/// team filters in Excel. Money and dates stay typed (see `export`).
const EXPORT_COLUMNS: &str = "customer_number, name, phone, email, website, street, city, postcode, region, country,
    (SELECT code FROM credit_code WHERE id = company.credit_code_id),
    (SELECT code FROM terms_code WHERE id = company.terms_code_id),
    credit_limit_cents, payment_days, invoice_discount_bp,
    (SELECT name FROM app_user WHERE id = company.isr_id), (SELECT name FROM app_user WHERE id = company.osr_id),
    newest_note_at, created_at";

fn export_columns() -> Vec<Column> {
    use ColumnKind::*;
    [
        ("Customer number", Text), ("Name", Text), ("Phone", Text), ("Email", Text), ("Website", Text), ("Street", Text),
        ("City", Text), ("Postcode", Text), ("State/Region", Text), ("Country", Text), ("Credit code", Text), ("Terms", Text),
        ("Credit limit", Money), ("Payment days", Int), ("Invoice discount", Percent), ("ISR", Text), ("OSR", Text),
        ("Newest note", DateTime), ("Created", Date),
    ]
    .into_iter()
    .map(|(title, kind)| Column::new(title, kind))
    .collect()
}

fn export_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Vec<Cell>> {
    let text = |i: usize| -> rusqlite::Result<Cell> {
        Ok(match row.get::<_, Option<String>>(i)? {
            Some(text) if !text.is_empty() => Cell::Text(text),
            _ => Cell::Empty,
        })
    };
    let number = |i: usize, make: fn(i64) -> Cell| -> rusqlite::Result<Cell> { Ok(row.get::<_, Option<i64>>(i)?.map(make).unwrap_or(Cell::Empty)) };
    let mut cells = (0..12).map(text).collect::<rusqlite::Result<Vec<_>>>()?;
    cells.push(number(12, Cell::Money)?);
    cells.push(number(13, Cell::Int)?);
    cells.push(number(14, Cell::Percent)?);
    cells.push(text(15)?);
    cells.push(text(16)?);
    cells.push(number(17, Cell::DateTime)?);
    cells.push(number(18, Cell::Date)?);
    Ok(cells)
}

const LIST: sql::ListSpec<CompanyRow> =
    sql::ListSpec { table: TABLE, columns: ROW_COLUMNS, sorts: SORTS, default_sort: "name", tiebreak: "company.rowid", map: company_row_from_row };

/// Sort names the company list accepts, and their SQL. Customer numbers sort by length first, so
/// that A9999 comes before A10000; a state's customers by name. Each has an index (migration 0012).
const SORTS: &[(&str, &str)] = &[
    ("customer_number", "length(customer_number), customer_number"),
    ("name", "name COLLATE NOCASE"),
    ("phone", "phone"),
    ("email", "email COLLATE NOCASE"),
    ("city", "city COLLATE NOCASE"),
    ("region", "region COLLATE NOCASE, name COLLATE NOCASE"),
    ("country", "country COLLATE NOCASE"),
    ("newest_note_at", "ifnull(newest_note_at, 0)"),
];

impl Store {
    /// The whole company record for the customer screen: fields, tags, parent and children,
    /// ship-to addresses.
    pub fn company_get(&self, id: Uuid) -> Result<Company> {
        let mut company = sql::get_by_id(&self.conn, &format!("{SELECT_COMPANY} WHERE c.id = ?1"), TABLE, id, company_from_row)?;
        let key = id.to_string();
        company.fields.tags = self
            .conn
            .prepare_cached("SELECT t.name FROM company_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.company_id = ?1 ORDER BY t.name")?
            .query_map([&key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let company_ref = |r: &rusqlite::Row<'_>| {
            Ok(CompanyRef { id: sql::id_at(r, 0)?, customer_number: r.get(1)?, name: r.get(2)?, role: String::new() })
        };
        if let Some(parent) = company.fields.parent_id {
            company.parent = Some(sql::get_by_id(&self.conn, "SELECT id, customer_number, name FROM company WHERE id = ?1", TABLE, parent, company_ref)?);
        }
        company.children = self
            .conn
            .prepare_cached("SELECT id, customer_number, name FROM company WHERE parent_id = ?1 ORDER BY name COLLATE NOCASE, id")?
            .query_map([&key], company_ref)?
            .collect::<rusqlite::Result<_>>()?;
        company.ship_tos = self.ship_tos(id)?;
        Ok(company)
    }

    pub(crate) fn ship_tos(&self, company_id: Uuid) -> Result<Vec<ShipTo>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, company_id, label, street, city, postcode, region, country, is_default FROM ship_to
                 WHERE company_id = ?1 ORDER BY is_default DESC, label COLLATE NOCASE, id",
            )?
            .query_map([company_id.to_string()], |r| {
                Ok(ShipTo {
                    id: sql::id_at(r, 0)?,
                    fields: ShipToInput {
                        company_id: sql::id_at(r, 1)?,
                        label: r.get(2)?,
                        street: r.get(3)?,
                        city: r.get(4)?,
                        postcode: r.get(5)?,
                        region: r.get(6)?,
                        country: r.get(7)?,
                        is_default: r.get(8)?,
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub fn company_list(&self, query: &ListQuery) -> Result<Page<CompanyRow>> {
        self.company_list_filtered(query, &CompanyFilter::default())
    }

    /// The customer list with its filters.
    pub fn company_list_filtered(&self, query: &ListQuery, filter: &CompanyFilter) -> Result<Page<CompanyRow>> {
        sql::list_page(&self.conn, &LIST, query, conditions(filter)?)
    }

    /// How many companies match a search and filters (see [`Count`]).
    pub fn company_count(&self, search: &str, filter: &CompanyFilter) -> Result<Count> {
        sql::list_count(&self.conn, &LIST, search, conditions(filter)?)
    }

    /// Export the customer list as it is filtered and sorted, every row, to `.xlsx` or `.csv`
    /// (by the file's extension). Returns the number of rows written.
    pub fn company_export(&self, path: &Path, query: &ListQuery, filter: &CompanyFilter, options: &ExportOptions, progress: Progress<'_>) -> Result<u64> {
        let format = Format::from_path(path).ok_or_else(|| CoreError::invalid("path", "Export to a file ending in .xlsx or .csv."))?;
        let spec = LIST.reading(EXPORT_COLUMNS, export_row);
        let conditions = conditions(filter)?;
        let rows = sql::all_rows(query, move |page| sql::list_page(&self.conn, &spec, page, conditions.clone()));
        export_pipelined(path, format, &export_columns(), rows, options, progress)
    }

    pub fn company_history(&self, id: Uuid) -> Result<Vec<HistoryEntry>> {
        self.company_get(id)?;
        self.history(TABLE, id, 200)
    }
}

/// The list filters as SQL conditions.
fn conditions(filter: &CompanyFilter) -> Result<sql::Conditions> {
    let mut check = Validator::default();
    let from = day_start_ms(&mut check, "newest_note_from", filter.newest_note_from.as_deref(), 0);
    let to = day_start_ms(&mut check, "newest_note_to", filter.newest_note_to.as_deref(), 1);
    check.finish()?;
    let mut conditions = sql::Conditions::default();
    let id = |id: Uuid| Value::Text(id.to_string());
    if let Some(isr) = filter.isr_id {
        conditions.push("isr_id = ?", [id(isr)]);
    }
    if let Some(osr) = filter.osr_id {
        conditions.push("osr_id = ?", [id(osr)]);
    }
    if let Some(credit) = filter.credit_code_id {
        conditions.push("credit_code_id = ?", [id(credit)]);
    }
    if !filter.region.trim().is_empty() {
        conditions.push("region = ? COLLATE NOCASE", [Value::Text(filter.region.trim().to_owned())]);
    }
    if let Some(from) = from {
        conditions.push("ifnull(newest_note_at, 0) >= ?", [Value::Integer(from)]);
    }
    if let Some(to) = to {
        conditions.push("newest_note_at < ?", [Value::Integer(to)]);
    }
    if !filter.tag.trim().is_empty() {
        conditions.push(
            "company.id IN (SELECT ct.company_id FROM company_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.name = ?)",
            [Value::Text(filter.tag.trim().to_owned())],
        );
    }
    Ok(conditions)
}

/// Unix milliseconds at the start of `day` (`YYYY-MM-DD`, UTC) plus `add_days`; a malformed day is
/// reported as an error of `field`.
pub(crate) fn day_start_ms(check: &mut Validator, field: &str, day: Option<&str>, add_days: i64) -> Option<i64> {
    let day = day.map(str::trim).filter(|d| !d.is_empty())?;
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(date) => Some((date + chrono::Days::new(add_days as u64)).and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis()),
        Err(_) => {
            check.error(field, format!("{day:?} is not a date like 2026-11-23."));
            None
        }
    }
}
