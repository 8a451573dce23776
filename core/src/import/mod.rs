//! Importing companies and contacts from CSV and .xlsx files.
//!
//! An import has a pure half and a database half. This module is the pure half: bytes in, a
//! [`Table`] and a suggested [`ColumnMapping`](crm_model::import::ColumnMapping) out, no store.
//!
//! - `read.rs`: turns a file into a [`Table`] of trimmed headers and text cells, each row with the
//!   line (CSV) or row (spreadsheet) number the user sees, so that every later error can point at
//!   it. It decides between CSV and .xlsx by the file's content, and it refuses bad files (wrong
//!   encoding, ragged rows, huge cells, binary data, empty files) with a sentence saying how to
//!   fix them, before anything is written. All size limits are in [`Limits`].
//! - `mapping.rs`: suggests which column feeds which field from the header names, checks a
//!   mapping the user edited, and builds the preview the mapping step shows.
//! - `apply.rs`: the database half: rows checked with the forms' rules, duplicates found, all
//!   rows written in one transaction or none, and undo of the latest import.
//! - `tests.rs`: every bad-file message, the CSV dialects, typed .xlsx cells and mapping
//!   suggestions for real CRM exports.
//!
//! Both halves report problems as `CoreError::Invalid` with the field `"file"` (reading) or
//! `"mapping"` (mapping), so the UI shows the message as it is.

mod apply;
mod mapping;
mod read;

pub use mapping::{check_mapping, preview, suggest_mapping};
pub use read::{Limits, SourceRow, Table, read_bytes, read_csv_bytes, read_file, read_xlsx, read_xlsx_bytes};

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod tests;
