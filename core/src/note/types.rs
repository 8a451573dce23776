use crm_model::{Note, NoteSubject};
use rusqlite::Row;
use uuid::Uuid;

use crate::time;

pub(crate) const TABLE: &str = "note";

/// `(subject table, subject id)` of a subject (a note's, or a task's related record).
pub(crate) fn subject_key(subject: NoteSubject) -> (&'static str, Uuid) {
    match subject {
        NoteSubject::Company(id) => ("company", id),
        NoteSubject::Contact(id) => ("contact", id),
        NoteSubject::Lead(id) => ("lead", id),
    }
}

/// A subject read back from its `(table, id)` columns (a CHECK constraint allows only these).
pub(crate) fn subject_of(table: &str, id: Uuid) -> NoteSubject {
    match table {
        "contact" => NoteSubject::Contact(id),
        "lead" => NoteSubject::Lead(id),
        _ => NoteSubject::Company(id),
    }
}

pub(super) const SELECT_NOTE: &str = "SELECT n.id, n.subject_table, n.subject_id, n.body, t.name, u.name, n.created_at
     FROM note n LEFT JOIN note_type t ON t.id = n.note_type_id LEFT JOIN app_user u ON u.id = n.author_id";

pub(super) fn note_from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: crate::sql::id_at(row, 0)?,
        subject: subject_of(row.get_ref(1)?.as_str()?, crate::sql::id_at(row, 2)?),
        body: row.get(3)?,
        note_type: row.get(4)?,
        author: row.get(5)?,
        created_at: time::rfc3339(row.get(6)?),
    })
}
