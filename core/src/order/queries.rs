use crm_model::{Order, OrderRow};
use rusqlite::Connection;
use uuid::Uuid;

use super::types::{SELECT_ORDER, SELECT_ORDER_ROW, TABLE, order_from_row, order_line_from_row, order_row_from_row};
use crate::{CoreError, Result, Store, estimate::LINE_COLUMNS, sql};

/// One order as a list row. Takes a connection so that it also reads inside a write transaction.
pub(super) fn order_row(conn: &Connection, id: Uuid) -> Result<OrderRow> {
    sql::get_by_id(conn, &format!("{SELECT_ORDER_ROW} WHERE o.id = ?1"), TABLE, id, order_row_from_row)
}

impl Store {
    /// An order with its lines.
    pub fn order_get(&self, id: Uuid) -> Result<Order> {
        let mut order = sql::get_by_id(&self.conn, &format!("{SELECT_ORDER} WHERE o.id = ?1"), TABLE, id, order_from_row)?;
        order.lines = self
            .conn
            .prepare_cached(&format!("SELECT {LINE_COLUMNS}, line_total_cents FROM order_line WHERE order_id = ?1 ORDER BY position"))?
            .query_map([id.to_string()], order_line_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(order)
    }

    /// A customer's orders, newest first.
    pub fn orders_of_company(&self, company_id: Uuid) -> Result<Vec<OrderRow>> {
        if !sql::exists(&self.conn, "company", company_id)? {
            return Err(CoreError::not_found("company", company_id));
        }
        Ok(self
            .conn
            .prepare_cached(&format!("{SELECT_ORDER_ROW} WHERE o.company_id = ?1 ORDER BY o.created_at DESC, o.id DESC"))?
            .query_map([company_id.to_string()], order_row_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }
}
