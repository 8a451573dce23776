use crm_model::{Note, NoteInput, limits};
use uuid::Uuid;

use super::types::{TABLE, subject_key};
use crate::{CoreError, Result, Store, validate::Validator, write::{self, text}};

impl Store {
    /// Add a note to a company, contact or lead (the write path moves that record's newest-note
    /// date in the same transaction).
    pub fn note_create(&mut self, mut input: NoteInput) -> Result<Note> {
        let (subject_table, subject_id) = subject_key(input.subject);
        if !crate::sql::exists(&self.conn, subject_table, subject_id)? {
            return Err(CoreError::not_found(subject_table, subject_id));
        }
        let mut check = Validator::default();
        check.multiline("body", &mut input.body, limits::NOTE_BODY);
        check.reference(&self.conn, "note_type_id", "note_type", input.note_type_id, "note type")?;
        check.reference(&self.conn, "author_id", "app_user", input.author_id, "user")?;
        check.finish()?;
        let id = Uuid::now_v7();
        self.write(|w| {
            w.insert(
                TABLE,
                id,
                &[
                    ("subject_table", text(subject_table)),
                    ("subject_id", text(&subject_id.to_string())),
                    ("note_type_id", write::opt_id(input.note_type_id)),
                    ("author_id", write::opt_id(input.author_id)),
                    ("body", text(&input.body)),
                ],
            )
        })?;
        self.note_get(id)
    }
}
