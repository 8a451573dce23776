//! The CRM core: domain rules, SQL and the SQLite store.
//!
//! Codemap (see ARCHITECTURE.md for the whole picture):
//! - [`store`] opens the database (WAL, foreign keys) and runs [`migrate`].
//! - [`write`] is the only way to change data: a transaction that appends every changed column to
//!   the change log with a [`hlc`] timestamp, the device id and the acting user.
//! - [`numbering`] hands out human-readable numbers that never collide between devices.
//! - One module per CRM entity ([`company`], [`contact`]), each shaped the same:
//!   `types.rs` (row mapping), `queries.rs` (reads), `commands.rs` (validated writes), `tests.rs`.
//!
//! Architecture invariant: nothing here knows about Tauri, windows or the UI. Every public
//! operation is a method on [`Store`] that takes and returns `crm_model` wire types and fails with
//! a typed [`CoreError`].

pub mod chart;
pub mod codes;
pub mod company;
pub mod contact;
pub mod demo;
mod error;
pub mod estimate;
pub mod export;
pub mod hlc;
pub mod history;
pub mod import;
pub mod lead;
pub mod mail;
pub mod merge;
mod migrate;
pub mod note;
pub mod numbering;
pub mod order;
pub mod search;
pub mod sync;
pub mod task;
mod store;
mod sql;
#[cfg(test)]
mod testing;
pub(crate) mod time;
pub mod user;
mod validate;
pub mod write;

pub use error::{CoreError, Result};
pub use store::Store;
