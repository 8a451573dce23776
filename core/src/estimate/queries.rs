use crm_model::Estimate;
use rusqlite::Connection;
use uuid::Uuid;

use super::types::{LINE_COLUMNS, SELECT_ESTIMATE, TABLE, estimate_from_row, line_from_row, with_lines};
use crate::{CoreError, Result, Store, sql};

/// One estimate with its lines and totals. Takes a connection so that it also reads inside a
/// write transaction (`w.tx()`).
pub(crate) fn estimate_get(conn: &Connection, id: Uuid) -> Result<Estimate> {
    let estimate = sql::get_by_id(conn, &format!("{SELECT_ESTIMATE} WHERE id = ?1"), TABLE, id, estimate_from_row)?;
    let lines = conn
        .prepare_cached(&format!("SELECT {LINE_COLUMNS} FROM estimate_line WHERE estimate_id = ?1 ORDER BY position"))?
        .query_map([id.to_string()], |row| line_from_row(row, 0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(with_lines(estimate, lines))
}

/// A lead's estimates as `(id, chosen)`, oldest first.
pub(crate) fn choices(conn: &Connection, lead_id: Uuid) -> Result<Vec<(Uuid, bool)>> {
    Ok(conn
        .prepare_cached("SELECT id, chosen FROM estimate WHERE lead_id = ?1 ORDER BY created_at, id")?
        .query_map([lead_id.to_string()], |row| Ok((sql::id_at(row, 0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// The estimates of a lead's worksheet, oldest first.
    pub fn estimates_of_lead(&self, lead_id: Uuid) -> Result<Vec<Estimate>> {
        if !sql::exists(&self.conn, "lead", lead_id)? {
            return Err(CoreError::not_found("lead", lead_id));
        }
        choices(&self.conn, lead_id)?.into_iter().map(|(id, _)| estimate_get(&self.conn, id)).collect()
    }
}
