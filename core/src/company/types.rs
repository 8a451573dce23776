use crm_model::{Company, CompanyInput, CompanyRow};
use rusqlite::{Row, types::Value};

use crate::{time, write::text};

pub(crate) const TABLE: &str = "company";

/// The columns a form edits, in the order `SELECT_FIELDS` reads them.
pub(super) fn columns(input: &CompanyInput) -> Vec<(&'static str, Value)> {
    vec![
        ("name", text(&input.name)),
        ("phone", text(&input.phone)),
        ("email", text(&input.email)),
        ("website", text(&input.website)),
        ("street", text(&input.street)),
        ("city", text(&input.city)),
        ("postcode", text(&input.postcode)),
        ("region", text(&input.region)),
        ("country", text(&input.country)),
    ]
}

pub(super) const SELECT_COMPANY: &str = "SELECT id, customer_number, name, phone, email, website, street, city, postcode, region, country,
            created_at, updated_at,
            (SELECT count(*) FROM contact_company cc WHERE cc.company_id = company.id)
     FROM company";

pub(super) fn company_from_row(row: &Row<'_>) -> rusqlite::Result<Company> {
    Ok(Company {
        id: crate::sql::parse_id(row.get_ref(0)?.as_str()?)?,
        customer_number: row.get(1)?,
        fields: CompanyInput {
            name: row.get(2)?,
            phone: row.get(3)?,
            email: row.get(4)?,
            website: row.get(5)?,
            street: row.get(6)?,
            city: row.get(7)?,
            postcode: row.get(8)?,
            region: row.get(9)?,
            country: row.get(10)?,
        },
        created_at: time::rfc3339(row.get(11)?),
        updated_at: time::rfc3339(row.get(12)?),
        contact_count: row.get(13)?,
    })
}

pub(super) const SELECT_ROW: &str = "SELECT id, customer_number, name, phone, email, city, region, country FROM company";

pub(super) fn company_row_from_row(row: &Row<'_>) -> rusqlite::Result<CompanyRow> {
    Ok(CompanyRow {
        id: crate::sql::parse_id(row.get_ref(0)?.as_str()?)?,
        customer_number: row.get(1)?,
        name: row.get(2)?,
        phone: row.get(3)?,
        email: row.get(4)?,
        city: row.get(5)?,
        region: row.get(6)?,
        country: row.get(7)?,
    })
}
