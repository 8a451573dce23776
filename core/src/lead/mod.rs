//! Leads: spun off a customer with a lead program, moved along an editable state workflow, worth
//! value x probability in the weighted pipeline.
//!
//! - `types.rs`: the mapping between `crm_model` lead types and SQL rows.
//! - `queries.rs`: reads (worksheet, list, export, programs and sources, stats, pipeline).
//! - `commands.rs`: validated writes (create, update, move, transitions, programs and sources).
//! - `names.rs`: the customer, program, source and user names copied onto leads for sorting.
//! - `pipeline.rs`: the weighted-pipeline sums, kept current by the write path on every lead write.
//! - `tests.rs`: every rule above, on a real SQLite database.

mod charts;
mod commands;
pub(crate) mod names;
pub(crate) mod pipeline;
mod queries;
mod types;
pub(crate) use types::TABLE;

#[cfg(test)]
mod tests;
