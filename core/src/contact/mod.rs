//! Contacts: people, linked to zero or more companies.
//!
//! Same shape as `company`: `types.rs`, `queries.rs`, `commands.rs`, `tests.rs`.

mod commands;
pub(crate) use commands::{set_channels, set_links, validate};
pub(crate) use types::{SELECT_CONTACT, contact_from_row};
mod queries;
mod types;
pub(crate) use types::{TABLE, columns};

#[cfg(test)]
mod tests;
