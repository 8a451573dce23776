use crm_model::{Contact, ContactInput, ContactRow};
use rusqlite::{Row, types::Value};

use crate::{time, write::text};

pub(crate) const TABLE: &str = "contact";
/// The link table between contacts and companies.
pub(super) const LINK_TABLE: &str = "contact_company";

pub(crate) fn columns(input: &ContactInput) -> Vec<(&'static str, Value)> {
    vec![
        ("first_name", text(&input.first_name)),
        ("last_name", text(&input.last_name)),
        ("email", text(&input.email)),
        ("office_phone", text(&input.office_phone)),
        ("mobile_phone", text(&input.mobile_phone)),
        ("job_title", text(&input.job_title)),
        ("street", text(&input.street)),
        ("city", text(&input.city)),
        ("postcode", text(&input.postcode)),
        ("region", text(&input.region)),
        ("country", text(&input.country)),
        ("email_consent", Value::Integer(input.email_consent.into())),
        ("sms_consent", Value::Integer(input.sms_consent.into())),
    ]
}

pub(crate) const SELECT_CONTACT: &str =
    "SELECT id, first_name, last_name, email, office_phone, mobile_phone, job_title, created_at, updated_at,
            street, city, postcode, region, country, email_consent, sms_consent, newest_note_at FROM contact";

/// The contact's own columns; `companies` is filled by a second query.
pub(crate) fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: crate::sql::id_at(row, 0)?,
        first_name: row.get(1)?,
        last_name: row.get(2)?,
        email: row.get(3)?,
        office_phone: row.get(4)?,
        mobile_phone: row.get(5)?,
        job_title: row.get(6)?,
        companies: Vec::new(),
        street: row.get(9)?,
        city: row.get(10)?,
        postcode: row.get(11)?,
        region: row.get(12)?,
        country: row.get(13)?,
        email_consent: row.get(14)?,
        sms_consent: row.get(15)?,
        channels: Vec::new(),
        newest_note_at: row.get::<_, Option<i64>>(16)?.map(time::rfc3339),
        created_at: time::rfc3339(row.get(7)?),
        updated_at: time::rfc3339(row.get(8)?),
    })
}

pub(super) const ROW_COLUMNS: &str = "id, first_name, last_name, email, office_phone, job_title,
        coalesce((SELECT group_concat(name, ', ') FROM (
            SELECT c.name FROM contact_company cc JOIN company c ON c.id = cc.company_id
            WHERE cc.contact_id = contact.id ORDER BY c.name COLLATE NOCASE)), ''),
        region, newest_note_at";

pub(super) fn contact_row_from_row(row: &Row<'_>) -> rusqlite::Result<ContactRow> {
    Ok(ContactRow {
        id: crate::sql::id_at(row, 0)?,
        first_name: row.get(1)?,
        last_name: row.get(2)?,
        email: row.get(3)?,
        office_phone: row.get(4)?,
        job_title: row.get(5)?,
        companies: row.get(6)?,
        region: row.get(7)?,
        newest_note_at: row.get::<_, Option<i64>>(8)?.map(time::rfc3339),
    })
}
