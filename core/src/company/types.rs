use crm_model::{Company, CompanyInput, CompanyRow, CreditBehaviour, CreditStanding};
use rusqlite::{Row, types::Value};

use crate::{
    sql::opt_id,
    time,
    write::{self, text},
};

pub(crate) const TABLE: &str = "company";

/// The columns a form edits, in the order `SELECT_FIELDS` reads them.
pub(crate) fn columns(input: &CompanyInput) -> Vec<(&'static str, Value)> {
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
        ("terms_code_id", write::opt_id(input.terms_code_id)),
        ("credit_code_id", write::opt_id(input.credit_code_id)),
        ("credit_limit_cents", write::opt_int(input.credit_limit_cents)),
        ("payment_days", write::opt_int(input.payment_days.map(i64::from))),
        ("price_code", text(&input.price_code)),
        ("invoice_discount_bp", Value::Integer(input.invoice_discount_bp.into())),
        ("isr_id", write::opt_id(input.isr_id)),
        ("osr_id", write::opt_id(input.osr_id)),
        ("parent_id", write::opt_id(input.parent_id)),
    ]
}

pub(crate) const SELECT_COMPANY: &str = "SELECT c.id, c.customer_number, c.name, c.phone, c.email, c.website, c.street, c.city,
            c.postcode, c.region, c.country, c.created_at, c.updated_at,
            (SELECT count(*) FROM contact_company cc WHERE cc.company_id = c.id),
            c.terms_code_id, c.credit_code_id, c.credit_limit_cents, c.payment_days, c.price_code,
            c.invoice_discount_bp, c.isr_id, c.osr_id,
            credit.code, credit.behaviour, terms.code, isr.name, osr.name, c.newest_note_at, c.parent_id
     FROM company c
     LEFT JOIN credit_code credit ON credit.id = c.credit_code_id
     LEFT JOIN terms_code terms ON terms.id = c.terms_code_id
     LEFT JOIN app_user isr ON isr.id = c.isr_id
     LEFT JOIN app_user osr ON osr.id = c.osr_id";

pub(crate) fn company_from_row(row: &Row<'_>) -> rusqlite::Result<Company> {
    let credit_code: Option<String> = row.get(22)?;
    let behaviour: Option<String> = row.get(23)?;
    Ok(Company {
        id: crate::sql::id_at(row, 0)?,
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
            terms_code_id: opt_id(row, 14)?,
            credit_code_id: opt_id(row, 15)?,
            credit_limit_cents: row.get(16)?,
            payment_days: row.get(17)?,
            price_code: row.get(18)?,
            invoice_discount_bp: row.get(19)?,
            isr_id: opt_id(row, 20)?,
            osr_id: opt_id(row, 21)?,
            parent_id: opt_id(row, 28)?,
            tags: Vec::new(),
        },
        parent: None,
        children: Vec::new(),
        ship_tos: Vec::new(),
        created_at: time::rfc3339(row.get(11)?),
        updated_at: time::rfc3339(row.get(12)?),
        contact_count: row.get(13)?,
        credit: credit_code.zip(behaviour.as_deref().and_then(CreditBehaviour::parse)).map(|(code, behaviour)| CreditStanding { code, behaviour }),
        terms_code: row.get(24)?,
        isr_name: row.get(25)?,
        osr_name: row.get(26)?,
        newest_note_at: row.get::<_, Option<i64>>(27)?.map(time::rfc3339),
    })
}

pub(super) const ROW_COLUMNS: &str = "id, customer_number, name, phone, email, city, region, country, newest_note_at";

pub(super) fn company_row_from_row(row: &Row<'_>) -> rusqlite::Result<CompanyRow> {
    Ok(CompanyRow {
        id: crate::sql::id_at(row, 0)?,
        customer_number: row.get(1)?,
        name: row.get(2)?,
        phone: row.get(3)?,
        email: row.get(4)?,
        city: row.get(5)?,
        region: row.get(6)?,
        country: row.get(7)?,
        newest_note_at: row.get::<_, Option<i64>>(8)?.map(time::rfc3339),
    })
}
