use crm_model::{LeadCodeKind, LeadInput, LeadRow, LeadState};
use rusqlite::{Row, types::Value};

use crate::{
    sql::opt_id,
    time,
    write::{self, text},
};

pub(crate) const TABLE: &str = "lead";

/// A program or source list's table.
pub(super) fn code_table(kind: LeadCodeKind) -> &'static str {
    match kind {
        LeadCodeKind::Program => "lead_program",
        LeadCodeKind::Source => "lead_source",
    }
}

/// What a message calls one of its entries.
pub(super) fn code_noun(kind: LeadCodeKind) -> &'static str {
    match kind {
        LeadCodeKind::Program => "lead program",
        LeadCodeKind::Source => "lead source",
    }
}

/// Its dimension in the pipeline sums (see `pipeline.rs`).
pub(super) fn code_dim(kind: LeadCodeKind) -> &'static str {
    match kind {
        LeadCodeKind::Program => "program",
        LeadCodeKind::Source => "source",
    }
}

/// The header columns the worksheet edits.
pub(super) fn columns(input: &LeadInput) -> Vec<(&'static str, Value)> {
    vec![
        ("program_id", write::opt_id(input.program_id)),
        ("source_id", write::opt_id(input.source_id)),
        ("title", text(&input.title)),
        ("isr_id", write::opt_id(input.isr_id)),
        ("osr_id", write::opt_id(input.osr_id)),
        ("assigned_id", write::opt_id(input.assigned_id)),
        ("probability", Value::Integer(input.probability)),
        ("value_cents", Value::Integer(input.value_cents)),
        ("expected_close", text(&input.expected_close)),
    ]
}

/// A state read from the database; the CHECK constraint makes anything else impossible.
pub(super) fn state_at(row: &Row<'_>, index: usize) -> rusqlite::Result<LeadState> {
    let text = row.get_ref(index)?.as_str()?;
    LeadState::parse(text).ok_or_else(|| rusqlite::Error::InvalidColumnType(index, text.to_owned(), rusqlite::types::Type::Text))
}

/// value x probability in cents, rounded half up (probability is a whole percent).
pub(crate) fn weighted_cents(value_cents: i64, probability: i64) -> i64 {
    cents_of_weighted(value_cents * probability)
}

/// A `pipeline_sum.weighted` amount (cents x percent) in cents, rounded half up.
pub(crate) fn cents_of_weighted(weighted: i64) -> i64 {
    (weighted + 50).div_euclid(100)
}

pub(super) const SELECT_LEAD: &str = "SELECT l.id, l.lead_number, l.company_id, c.name, c.customer_number,
            l.program_id, l.source_id, l.title, l.isr_id, l.osr_id, l.assigned_id, l.probability, l.value_cents,
            l.expected_close, l.state, p.name, s.name, isr.name, osr.name, assigned.name, l.newest_note_at,
            l.lost_reason, l.created_at, l.updated_at
     FROM lead l
     JOIN company c ON c.id = l.company_id
     JOIN lead_program p ON p.id = l.program_id
     LEFT JOIN lead_source s ON s.id = l.source_id
     LEFT JOIN app_user isr ON isr.id = l.isr_id
     LEFT JOIN app_user osr ON osr.id = l.osr_id
     LEFT JOIN app_user assigned ON assigned.id = l.assigned_id";

pub(super) fn lead_from_row(row: &Row<'_>) -> rusqlite::Result<crm_model::Lead> {
    let fields = LeadInput {
        program_id: opt_id(row, 5)?,
        source_id: opt_id(row, 6)?,
        title: row.get(7)?,
        isr_id: opt_id(row, 8)?,
        osr_id: opt_id(row, 9)?,
        assigned_id: opt_id(row, 10)?,
        probability: row.get(11)?,
        value_cents: row.get(12)?,
        expected_close: row.get(13)?,
    };
    Ok(crm_model::Lead {
        id: crate::sql::id_at(row, 0)?,
        lead_number: row.get(1)?,
        company_id: crate::sql::id_at(row, 2)?,
        company_name: row.get(3)?,
        customer_number: row.get(4)?,
        weighted_cents: weighted_cents(fields.value_cents, fields.probability),
        fields,
        state: state_at(row, 14)?,
        program: row.get(15)?,
        source: row.get(16)?,
        isr: row.get(17)?,
        osr: row.get(18)?,
        assigned: row.get(19)?,
        newest_note_at: row.get::<_, Option<i64>>(20)?.map(time::rfc3339),
        lost_reason: row.get(21)?,
        created_at: time::rfc3339(row.get(22)?),
        updated_at: time::rfc3339(row.get(23)?),
        allowed_moves: Vec::new(),
        moves: Vec::new(),
    })
}

/// The list's columns: the lead's own, the names copied onto it (see `names.rs`), and the region
/// and reps as correlated lookups (each a primary-key probe per row of the page, so a page costs
/// the same at any depth).
pub(super) const ROW_COLUMNS: &str = "lead.id, lead.lead_number, lead.title, lead.company_id,
    lead.company_name, (SELECT region FROM company WHERE id = lead.company_id),
    lead.state, lead.program_name, lead.source_name,
    (SELECT name FROM app_user WHERE id = lead.isr_id), (SELECT name FROM app_user WHERE id = lead.osr_id),
    lead.assigned_name, lead.probability, lead.value_cents, lead.expected_close,
    lead.newest_note_at";

pub(super) fn lead_row_from_row(row: &Row<'_>) -> rusqlite::Result<LeadRow> {
    let text = |i: usize| -> rusqlite::Result<String> { Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default()) };
    let probability: i64 = row.get(12)?;
    let value_cents: i64 = row.get(13)?;
    Ok(LeadRow {
        id: crate::sql::id_at(row, 0)?,
        lead_number: row.get(1)?,
        title: row.get(2)?,
        company_id: crate::sql::id_at(row, 3)?,
        company_name: text(4)?,
        region: text(5)?,
        state: state_at(row, 6)?,
        program: text(7)?,
        source: text(8)?,
        isr: text(9)?,
        osr: text(10)?,
        assigned: text(11)?,
        probability,
        value_cents,
        weighted_cents: weighted_cents(value_cents, probability),
        expected_close: row.get(14)?,
        newest_note_at: row.get::<_, Option<i64>>(15)?.map(time::rfc3339),
    })
}
