//! Bulk receiving: a pull that brings more records than the laptop holds (a first sync into a
//! new laptop) writes its rows without the secondary indexes that only serve lists and search,
//! and makes them again once, at the end, from sorted input.
//!
//! Keeping fifteen company indexes up to date row by row costs a random B-tree insert each, for
//! every row; `CREATE INDEX` over the finished table sorts once. The same goes for the search
//! tokens (`WriteTx::defer_search`). Each page drops what is still there and notes the dropped
//! indexes' SQL in `local_state` in the page's own transaction, so a laptop killed mid-pull
//! makes them again when it starts ([`restore_indexes`] runs before the migrations).
//!
//! Kept: unique indexes (they decide merge clashes, see `apply::unique_rivals`) and indexes that
//! lead with a foreign-key column (a delete of a parent looks its children up through them).

use rusqlite::Connection;

use super::schema::SYNCED_TABLES;
use crate::{
    Result,
    store::{get_state, set_state},
};

/// `local_state` key: a JSON array of the `CREATE INDEX` statements of the dropped indexes.
const DEFERRED: &str = "sync_deferred_indexes";

/// Drop the synced tables' list-only indexes (see the module docs), noting their SQL.
pub(crate) fn defer_indexes(conn: &Connection) -> Result<()> {
    let mut dropped = deferred(conn)?.unwrap_or_default();
    let before = dropped.len();
    for table in SYNCED_TABLES {
        let indexes: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT l.name, m.sql FROM pragma_index_list(?1) l JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name
                 WHERE l.\"unique\" = 0 AND l.origin = 'c' AND m.sql IS NOT NULL",
            )?
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, sql) in indexes {
            let leads_with_key: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM pragma_index_info(?1) i JOIN pragma_foreign_key_list(?2) k ON k.\"from\" = i.name WHERE i.seqno = 0)",
                )?
                .query_row([name.as_str(), table], |r| r.get(0))?;
            if !leads_with_key {
                conn.execute(&format!("DROP INDEX \"{name}\""), [])?;
                dropped.push(sql);
            }
        }
    }
    if dropped.len() > before {
        set_state(conn, DEFERRED, serde_json::to_string(&dropped).expect("strings serialize"))?;
    }
    Ok(())
}

/// The statements of the dropped indexes, when some wait to be made again. `None` also before
/// the migrations have made `local_state` (a new database).
fn deferred(conn: &Connection) -> Result<Option<Vec<String>>> {
    let has_state: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'local_state')", [], |r| r.get(0))?;
    if !has_state {
        return Ok(None);
    }
    get_state::<String>(conn, DEFERRED)?.map(|json| serde_json::from_str(&json).map_err(|e| crate::CoreError::Migration(format!("{DEFERRED}: {e}")))).transpose()
}

/// Whether indexes wait to be made again.
pub(crate) fn indexes_deferred(conn: &Connection) -> Result<bool> {
    Ok(deferred(conn)?.is_some())
}

/// Make the dropped indexes again, in one transaction.
pub(crate) fn restore_indexes(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let Some(statements) = deferred(&tx)? else { return Ok(()) };
    for sql in statements {
        tx.execute(&sql, [])?;
    }
    tx.execute("DELETE FROM local_state WHERE key = ?1", [DEFERRED])?;
    tx.commit()?;
    Ok(())
}
