use crm_model::{Order, OrderEntry, OrderStatus};
use rusqlite::types::Value;
use uuid::Uuid;

use super::{
    WonOrder,
    queries::order_row,
    types::{LINE_TABLE, TABLE},
};
use crate::{
    CoreError, Result, Store, company, estimate,
    numbering::NumberKind,
    write::{WriteTx, text},
};

/// Turn the won lead's chosen estimate (or its only one) into an order, inside the caller's
/// transaction: lines, totals and tax rate are copied, so later edits cannot change the order.
/// `Ok(None)` when the lead has no estimate. The customer's credit code decides the status:
/// Credit Hold refuses (the caller's transaction rolls back, so the lead stays unwon), New
/// Account waits for approval, Past Due goes ahead with its warning kept on the order.
pub(crate) fn order_from_won_lead(w: &mut WriteTx<'_>, lead_id: Uuid, company_id: Uuid) -> Result<Option<WonOrder>> {
    let choices = estimate::choices(w.tx(), lead_id)?;
    let estimate_id = match (choices.iter().find(|(_, chosen)| *chosen), choices.as_slice()) {
        (Some((id, _)), _) | (None, [(id, _)]) => *id,
        (None, []) => return Ok(None),
        (None, _) => return Err(CoreError::invalid("estimate", "Choose which estimate becomes the order.")),
    };
    let (status, warning) = match company::order_entry(w.tx(), company_id)? {
        OrderEntry::Allowed => (OrderStatus::Open, None),
        OrderEntry::NeedsApproval(_) => (OrderStatus::AwaitingApproval, None),
        OrderEntry::AllowedWithWarning(message) => (OrderStatus::Open, Some(message)),
    };
    let estimate = estimate::estimate_get(w.tx(), estimate_id)?;
    let id = Uuid::now_v7();
    let number = w.allocate_number(NumberKind::Order)?;
    w.insert(
        TABLE,
        id,
        &[
            ("order_number", text(&number)),
            ("company_id", text(&company_id.to_string())),
            ("lead_id", text(&lead_id.to_string())),
            ("estimate_id", text(&estimate_id.to_string())),
            ("status", text(status.as_str())),
            ("tax_rate_bp", Value::Integer(estimate.tax_rate_bp)),
            ("subtotal_cents", Value::Integer(estimate.subtotal_cents)),
            ("tax_cents", Value::Integer(estimate.tax_cents)),
            ("total_cents", Value::Integer(estimate.total_cents)),
            ("warning", text(warning.as_deref().unwrap_or_default())),
        ],
    )?;
    for (position, line) in estimate.lines.iter().enumerate() {
        let mut row = estimate::line_columns("order_id", id, position, &line.line);
        row.push(("line_total_cents", Value::Integer(line.total_cents)));
        w.insert(LINE_TABLE, Uuid::now_v7(), &row)?;
    }
    Ok(Some(WonOrder { row: order_row(w.tx(), id)?, warning }))
}

impl Store {
    /// Approve an order that waits for approval (a New Account customer's): it becomes open.
    /// The credit rule is asked again, so a customer put on Credit Hold since cannot have its
    /// order approved.
    pub fn order_approve(&mut self, id: Uuid) -> Result<Order> {
        let order = self.order_get(id)?;
        if order.status != OrderStatus::AwaitingApproval {
            return Err(CoreError::Conflict(format!(
                "Order {} is {}: only an order awaiting approval can be approved.",
                order.order_number,
                order.status.label().to_lowercase()
            )));
        }
        crate::company::order_entry(&self.conn, order.company_id)?;
        self.write(|w| w.update(TABLE, id, &[("status", text(OrderStatus::Open.as_str()))]).map(drop))?;
        self.order_get(id)
    }
}
