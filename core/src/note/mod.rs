//! Notes: the knowledge base. Same shape as `company`.

mod commands;
mod derived;
mod queries;
mod types;

pub(crate) use derived::{note_subject, refresh_newest_note, refresh_subject};
pub(crate) use types::{subject_key, subject_of};

#[cfg(test)]
mod tests;
