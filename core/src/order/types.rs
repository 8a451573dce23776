use crm_model::{EstimateLine, Order, OrderRow, OrderStatus};
use rusqlite::Row;

use crate::{
    estimate::line_from_row,
    sql::opt_id,
    time,
};

pub(crate) const TABLE: &str = "sales_order";
pub(super) const LINE_TABLE: &str = "order_line";

pub(super) const SELECT_ORDER: &str = "SELECT o.id, o.order_number, o.company_id, c.name, o.lead_id, l.lead_number, o.estimate_id,
            o.status, o.tax_rate_bp, o.subtotal_cents, o.tax_cents, o.total_cents, o.warning, o.created_at
     FROM sales_order o JOIN company c ON c.id = o.company_id LEFT JOIN lead l ON l.id = o.lead_id";

pub(super) const SELECT_ORDER_ROW: &str = "SELECT o.id, o.order_number, l.lead_number, o.status, o.total_cents, o.created_at
     FROM sales_order o LEFT JOIN lead l ON l.id = o.lead_id";

fn status(row: &Row<'_>, index: usize) -> rusqlite::Result<OrderStatus> {
    let text = row.get_ref(index)?.as_str()?;
    OrderStatus::parse(text).ok_or_else(|| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, format!("unknown order status {text:?}").into()))
}

/// An order's header; its lines are read separately.
pub(super) fn order_from_row(row: &Row<'_>) -> rusqlite::Result<Order> {
    Ok(Order {
        id: crate::sql::id_at(row, 0)?,
        order_number: row.get(1)?,
        company_id: crate::sql::id_at(row, 2)?,
        company_name: row.get(3)?,
        lead_id: opt_id(row, 4)?,
        lead_number: row.get(5)?,
        estimate_id: opt_id(row, 6)?,
        status: status(row, 7)?,
        lines: Vec::new(),
        tax_rate_bp: row.get(8)?,
        subtotal_cents: row.get(9)?,
        tax_cents: row.get(10)?,
        total_cents: row.get(11)?,
        warning: row.get(12)?,
        created_at: time::rfc3339(row.get(13)?),
    })
}

pub(super) fn order_row_from_row(row: &Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        id: crate::sql::id_at(row, 0)?,
        order_number: row.get(1)?,
        lead_number: row.get(2)?,
        status: status(row, 3)?,
        total_cents: row.get(4)?,
        created_at: time::rfc3339(row.get(5)?),
    })
}

/// A line read with `estimate::LINE_COLUMNS, line_total_cents`: the total was fixed when the
/// order was made.
pub(super) fn order_line_from_row(row: &Row<'_>) -> rusqlite::Result<EstimateLine> {
    Ok(EstimateLine { line: line_from_row(row, 0)?, total_cents: row.get(4)? })
}
