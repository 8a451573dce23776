//! Editable code lists: terms codes, credit codes (with their behaviour) and note types.
//!
//! The three lists share one shape (a code, a description, an active flag, plus one field of their
//! own), so one module serves them; `CodeKind` says which table a call is about.

mod commands;
mod queries;

#[cfg(test)]
mod tests;

pub use crm_model::CodeKind;

pub(crate) fn table(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::Terms => "terms_code",
        CodeKind::Credit => "credit_code",
        CodeKind::NoteType => "note_type",
    }
}

/// The column holding the code's visible name.
pub(crate) fn code_column(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::NoteType => "name",
        _ => "code",
    }
}

pub(crate) fn label(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::Terms => "terms code",
        CodeKind::Credit => "credit code",
        CodeKind::NoteType => "note type",
    }
}
