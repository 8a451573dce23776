//! Contacts: people, linked to zero or more companies.
//!
//! Same shape as `company`: `types.rs`, `queries.rs`, `commands.rs`, `tests.rs`.

mod commands;
mod queries;
mod types;

#[cfg(test)]
mod tests;
