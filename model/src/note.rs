//! Notes: the knowledge base. A note is about one record (a company or a contact now).

use serde::{Deserialize, Serialize};

use crate::Id;

/// The record a note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum NoteSubject {
    Company(Id),
    Contact(Id),
    Lead(Id),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteInput {
    pub subject: NoteSubject,
    pub body: String,
    #[serde(default)]
    pub note_type_id: Option<Id>,
    /// The user who wrote it; `None` records no author.
    #[serde(default)]
    pub author_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: Id,
    pub subject: NoteSubject,
    pub body: String,
    pub note_type: Option<String>,
    pub author: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A note found by full-text search, with the record it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteHit {
    pub note: Note,
    /// The company or contact name, for the result list.
    pub subject_name: String,
    /// The matching passage with the matched words between `[` and `]`.
    pub snippet: String,
}
