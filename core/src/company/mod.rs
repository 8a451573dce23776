//! Companies: the organisations the user does business with.
//!
//! - `types.rs`: the mapping between `crm_model` company types and SQL rows.
//! - `queries.rs`: reads (get, list, history).
//! - `commands.rs`: validated writes (create, update).
//! - `tests.rs`: every rule above, on a real SQLite database.

mod commands;
pub(crate) use commands::{order_entry, set_tags, settle_default_ship_to, validate};
pub(crate) use types::{SELECT_COMPANY, company_from_row};
mod queries;
pub(crate) use queries::day_start_ms;
mod types;
pub(crate) use types::{TABLE, columns};

#[cfg(test)]
mod tests;
