//! The newest-note date of a company, contact or lead: derived from its notes, kept by the write
//! path after every note write (a local note, an import, or a note from another device), so every
//! replica computes the same date from the same notes.

use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use crate::Result;

pub(crate) fn refresh_newest_note(conn: &Connection, note_id: Uuid) -> Result<()> {
    match note_subject(conn, note_id)? {
        Some(subject) => refresh_subject(conn, &subject),
        None => Ok(()),
    }
}

/// The record a note is about, `(table, id)`.
pub(crate) fn note_subject(conn: &Connection, note_id: Uuid) -> Result<Option<(String, String)>> {
    Ok(conn.prepare_cached("SELECT subject_table, subject_id FROM note WHERE id = ?1")?.query_row([note_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// Recompute the newest-note date of `(table, id)`: after a note is written about it, or after
/// one left it (moved to another record or deleted).
pub(crate) fn refresh_subject(conn: &Connection, (table, subject_id): &(String, String)) -> Result<()> {
    // The table name comes from a column whose CHECK constraint allows only these three.
    let table = match table.as_str() {
        "company" => "company",
        "contact" => "contact",
        "lead" => "lead",
        _ => return Ok(()),
    };
    conn.prepare_cached(&format!(
        "UPDATE {table} SET newest_note_at = (SELECT max(created_at) FROM note WHERE subject_table = '{table}' AND subject_id = ?1) WHERE id = ?1"
    ))?
    .execute([subject_id])?;
    Ok(())
}
