//! Contacts: people, linked to zero or more companies.
//!
//! Same shape as `company`: `types.rs`, `queries.rs`, `commands.rs`, `tests.rs`.

mod commands;
mod queries;
mod types;
pub(crate) use types::{TABLE, columns};

#[cfg(test)]
mod tests;
