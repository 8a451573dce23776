//! Orders: what a won lead's chosen estimate becomes. Same shape as `company`:
//!
//! - `types.rs`: row mapping.
//! - `queries.rs`: reads (one order, a customer's orders).
//! - `commands.rs`: making the order of a won lead (called by the lead module inside the move's
//!   transaction, after the customer's credit rule), approving it.
//! - `tests.rs`: every credit code, copying lines and totals, approval.
//!
//! The money rule (`estimate::totals`) is the estimate's: an order copies the computed lines and
//! totals, so it keeps them even if the rule or the estimate changes later.

mod commands;
pub(crate) use commands::order_from_won_lead;
mod queries;
mod types;

/// The order a won lead became (its id is `row.id`).
pub(crate) struct WonOrder {
    pub row: crm_model::OrderRow,
    /// The customer's credit warning (Past Due), also kept on the order.
    pub warning: Option<String>,
}

#[cfg(test)]
mod tests;
