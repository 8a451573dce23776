//! Estimates on a lead: priced lines, a tax rate, and which estimate becomes the order when the
//! lead is won. Same shape as `company`:
//!
//! - `types.rs`: row mapping, and `totals`, the one money rule that orders use too.
//! - `queries.rs`: reads (one estimate, a lead's estimates).
//! - `commands.rs`: validated writes (save, choose, delete), refused once the lead is closed.
//! - `tests.rs`: totals and rounding, validation, choosing, deleting, closed leads.

mod commands;
mod queries;
pub(crate) use queries::{choices, estimate_get};
mod types;
pub(crate) use types::{LINE_COLUMNS, line_columns, line_from_row};

#[cfg(test)]
pub(crate) mod tests;
