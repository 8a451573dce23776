use crm_model::{Note, NoteSubject};
use rusqlite::Row;
use uuid::Uuid;

use crate::{sql::parse_id, time};

pub(crate) const TABLE: &str = "note";

/// `(subject table, subject id)` of a subject.
pub(super) fn subject_key(subject: NoteSubject) -> (&'static str, Uuid) {
    match subject {
        NoteSubject::Company(id) => ("company", id),
        NoteSubject::Contact(id) => ("contact", id),
        NoteSubject::Lead(id) => ("lead", id),
    }
}

pub(super) const SELECT_NOTE: &str = "SELECT n.id, n.subject_table, n.subject_id, n.body, t.name, u.name, n.created_at
     FROM note n LEFT JOIN note_type t ON t.id = n.note_type_id LEFT JOIN app_user u ON u.id = n.author_id";

pub(super) fn note_from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    let subject_id = parse_id(row.get_ref(2)?.as_str()?)?;
    let subject = match row.get_ref(1)?.as_str()? {
        "contact" => NoteSubject::Contact(subject_id),
        "lead" => NoteSubject::Lead(subject_id),
        _ => NoteSubject::Company(subject_id),
    };
    Ok(Note {
        id: parse_id(row.get_ref(0)?.as_str()?)?,
        subject,
        body: row.get(3)?,
        note_type: row.get(4)?,
        author: row.get(5)?,
        created_at: time::rfc3339(row.get(6)?),
    })
}
