//! The one way to change data.
//!
//! [`Store::write`] opens a transaction and hands the caller a [`WriteTx`]. Its `insert`, `update`
//! and `delete` change a row *and* append one change-log record: the changed columns as a JSON
//! patch (or a tombstone for a deleted row), stamped with the transaction's hybrid-logical-clock
//! timestamp, this device's id and the acting user. If the closure fails, nothing is written, not
//! even the log. One record per row write, not per column, keeps a bulk import's log cost to two
//! appended B-tree entries per row (migration 0006 explains the numbers).
//!
//! Because entities describe their rows as `(column, value)` lists rather than writing INSERT and
//! UPDATE statements themselves, an entity cannot forget to log a change, and sync (a later issue)
//! can apply a remote change to any table with the same generic code.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params_from_iter, types::Value};
use uuid::Uuid;

use crate::{
    CoreError, Result, Store, hlc,
    numbering::{self, NumberKind},
    search,
    store::set_state,
};

pub struct WriteTx<'s> {
    tx: Transaction<'s>,
    /// Searchable records this transaction touched, as `(entity, id)`: their derived search
    /// tokens and dedupe keys are rebuilt once, in index order, just before commit. The flag
    /// says the record was inserted by this transaction and written no other way since: it has
    /// no tokens to remove yet, and its dedupe key went in with the row.
    touched: BTreeMap<(&'static str, String), bool>,
    /// Whether a lead or a move was written: the day's pipeline total is noted before commit.
    pipeline_changed: bool,
    /// The search index is left for a rebuild (see [`WriteTx::defer_search`]).
    search_deferred: bool,
    /// Applying another device's change (see `sync`): the row is written with every derived
    /// effect, but not logged again (the remote change is recorded as it came).
    replaying: bool,
    hlc: u64,
    device_id: String,
    actor: &'s str,
    series: &'s str,
}

/// A row's columns as the entity module lists them. Table and column names are `'static` code
/// constants, never user input, which is what makes formatting them into SQL safe.
pub type Columns = [(&'static str, Value)];

impl Store {
    /// Run `change` in one transaction that also records every change in the change log.
    pub fn write<T>(&mut self, change: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let hlc = self.clock.tick();
        let tx = self.conn.transaction()?;
        let mut write =
            WriteTx { tx, touched: BTreeMap::new(), pipeline_changed: false, search_deferred: false, replaying: false, hlc, device_id: self.device_id.to_string(), actor: &self.actor, series: &self.series };
        let out = change(&mut write)?;
        if !write.search_deferred {
            search::reindex(&write.tx, write.touched.iter().map(|((entity, id), fresh)| (*entity, id.as_str(), *fresh)))?;
        }
        if write.pipeline_changed {
            crate::lead::pipeline::record_day(&write.tx, &crate::time::day(write.now_ms()))?;
        }
        set_state(&write.tx, "hlc", hlc as i64)?;
        write.tx.commit()?;
        Ok(out)
    }

    /// [`Store::write`] for a write of thousands of rows (an import). Such a write dirties more
    /// pages than the page cache holds, so the cache grows for its duration (an upper bound,
    /// given back afterwards) instead of spilling pages to the WAL and reading them back. And its
    /// commit leaves a WAL of hundreds of megabytes, which SQLite would copy into the database
    /// at once, inside the commit, with the user waiting (1.5 to 3 s after a 100k-row import):
    /// that checkpoint runs on a thread of its own instead, while the user goes on working.
    pub(crate) fn bulk_write<T>(&mut self, change: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        const BULK_CACHE_KIB: i64 = -1_048_576;
        self.conn.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let out = self.write(change);
        self.conn.pragma_update(None, "cache_size", crate::store::CACHE_KIB)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
        if out.is_ok()
            && let Some(path) = self.path().map(std::path::Path::to_path_buf)
        {
            // PASSIVE: readers and writers go on meanwhile, and a checkpoint already running
            // (another connection's automatic one) just makes this one return early.
            std::thread::spawn(move || {
                if let Ok(conn) = crate::store::open_beside(&path) {
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            });
        }
        out
    }
}

impl WriteTx<'_> {
    /// Read access inside the transaction (sees this transaction's own writes).
    pub fn tx(&self) -> &Transaction<'_> {
        &self.tx
    }

    /// Unix milliseconds of this transaction (the wall part of its HLC timestamp).
    pub fn now_ms(&self) -> i64 {
        hlc::wall_ms(self.hlc) as i64
    }

    pub fn allocate_number(&self, kind: NumberKind) -> Result<String> {
        numbering::allocate(&self.tx, self.series, kind)
    }

    pub fn insert(&mut self, table: &'static str, id: Uuid, columns: &Columns) -> Result<()> {
        self.insert_dated(table, id, self.now_ms(), columns)
    }

    /// Insert a row that carries its own creation time: imported records and demo notes keep the
    /// date they were written, not the date they reached this database. The change log still
    /// gets this transaction's HLC timestamp, which is what sync orders by.
    pub fn insert_dated(&mut self, table: &'static str, id: Uuid, created_ms: i64, columns: &Columns) -> Result<()> {
        let mut names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        // The derived dedupe key goes in with the row (unlogged, like every derived column).
        let dedupe_key = search::dedupe_key_of(table, columns);
        if dedupe_key.is_some() {
            names.push("dedupe_key");
        }
        let placeholders = (0..names.len()).map(|i| format!("?{}", i + 4)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "INSERT INTO {table} (id, created_at, updated_at, {}) VALUES (?1, ?2, ?3, {placeholders})",
            names.join(", ")
        );
        let lead = self.before_write(table, id, Some(columns))?;
        let now = Value::Integer(created_ms);
        let values = [Value::Text(id.to_string()), now.clone(), now]
            .into_iter()
            .chain(columns.iter().map(|(_, value)| value.clone()))
            .chain(dedupe_key.map(Value::Text));
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        self.log(table, id, Some(columns))?;
        self.after_write(table, id, lead.as_deref(), columns, true)?;
        self.refresh_derived(table, id, true)
    }

    /// Set the given columns, logging only those whose value actually changes. Returns the names
    /// of the changed columns (empty when the row already held these values).
    pub fn update(&mut self, table: &'static str, id: Uuid, columns: &Columns) -> Result<Vec<&'static str>> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let current: Vec<Value> = {
            let mut select = self.tx.prepare_cached(&format!("SELECT {} FROM {table} WHERE id = ?1", names.join(", ")))?;
            let mut rows = select.query([id.to_string()])?;
            let row = rows.next()?.ok_or_else(|| CoreError::not_found(table, id))?;
            (0..names.len()).map(|i| row.get(i)).collect::<rusqlite::Result<_>>()?
        };
        let changed: Vec<(&'static str, Value)> = columns
            .iter()
            .zip(current)
            .filter(|((_, new), old)| *new != *old)
            .map(|((name, new), _)| (*name, new.clone()))
            .collect();
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let lead = self.before_write(table, id, None)?;
        // A note moving to another record leaves its old record's newest-note date behind.
        let left = if table == "note" && changed.iter().any(|(name, _)| *name == "subject_id") { crate::note::note_subject(&self.tx, id)? } else { None };
        let assignments = changed.iter().enumerate().map(|(i, (name, _))| format!("{name} = ?{}", i + 3)).collect::<Vec<_>>();
        let sql = format!("UPDATE {table} SET updated_at = ?2, {} WHERE id = ?1", assignments.join(", "));
        let values = [Value::Text(id.to_string()), Value::Integer(self.now_ms())]
            .into_iter()
            .chain(changed.iter().map(|(_, value)| value.clone()));
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        self.log(table, id, Some(&changed))?;
        self.after_write(table, id, lead.as_deref(), &changed, false)?;
        if let Some(left) = left {
            crate::note::refresh_subject(&self.tx, &left)?;
        }
        if changed.iter().any(|(name, _)| search::reads(table, name)) {
            self.refresh_derived(table, id, false)?;
        }
        Ok(changed.into_iter().map(|(name, _)| name).collect())
    }

    /// Delete a row and record a tombstone. Rows that reference it through `ON DELETE CASCADE`
    /// go with it on every replica, so they need no tombstones of their own.
    pub fn delete(&mut self, table: &'static str, id: Uuid) -> Result<()> {
        let owner = self.search_owner(table, id)?;
        let lead = self.before_write(table, id, None)?;
        let left = if table == "note" { crate::note::note_subject(&self.tx, id)? } else { None };
        let n_deleted = self.tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?.execute([id.to_string()])?;
        if n_deleted == 0 {
            return Err(CoreError::not_found(table, id));
        }
        // Notes and tasks name their record by table and id, a key SQLite cannot enforce: a note
        // goes with its record and a task loses the link, as `ON DELETE CASCADE` and `SET NULL`
        // would do, unlogged, on every replica alike (the merge moves them first).
        if matches!(table, "company" | "contact" | "lead") {
            let id = id.to_string();
            let subject = [table, id.as_str()];
            self.tx.prepare_cached("DELETE FROM note WHERE subject_table = ?1 AND subject_id = ?2")?.execute(subject)?;
            self.tx.prepare_cached("UPDATE task SET subject_table = NULL, subject_id = NULL WHERE subject_table = ?1 AND subject_id = ?2")?.execute(subject)?;
        }
        if let Some(record) = owner {
            self.touched.insert(record, false);
        }
        self.after_write(table, id, lead.as_deref(), &[], false)?;
        if let Some(left) = left {
            crate::note::refresh_subject(&self.tx, &left)?;
        }
        self.log(table, id, None)
    }

    /// Derived data that must see a row before it changes: a write to a lead or one of its moves
    /// takes the lead out of the weighted-pipeline sums (see `lead::pipeline`). Returns that lead,
    /// for [`WriteTx::after_write`].
    fn before_write(&mut self, table: &'static str, id: Uuid, columns: Option<&Columns>) -> Result<Option<String>> {
        let lead = match table {
            "lead" => Some(id.to_string()),
            "lead_move" => match columns.and_then(|c| c.iter().find(|(name, _)| *name == "lead_id")) {
                Some((_, Value::Text(lead))) => Some(lead.clone()),
                _ => self.tx.prepare_cached("SELECT lead_id FROM lead_move WHERE id = ?1")?.query_row([id.to_string()], |r| r.get(0)).optional()?,
            },
            _ => None,
        };
        if let Some(lead) = &lead {
            crate::lead::pipeline::unapply(&self.tx, lead)?;
            self.pipeline_changed = true;
        }
        Ok(lead)
    }

    /// ...and derived data that follows the row once written (`changed` are the written
    /// columns): a note moves its record's newest-note date, the lead goes back into the sums, a
    /// lead's copied names are refreshed, and a
    /// renamed customer, program, source or user is renamed on its leads (see `lead::names`).
    /// A row this device has just `inserted` is named by no lead yet (a replayed one can be:
    /// another device's lead may have arrived before its customer).
    fn after_write(&mut self, table: &'static str, id: Uuid, lead: Option<&str>, changed: &Columns, inserted: bool) -> Result<()> {
        if let Some(lead) = lead {
            crate::lead::pipeline::apply(&self.tx, lead)?;
        }
        if table == "note" && !changed.is_empty() {
            crate::note::refresh_newest_note(&self.tx, id)?;
        }
        if table == crate::lead::TABLE && !changed.is_empty() {
            crate::lead::names::refresh_lead(&self.tx, &id.to_string())?;
        } else if (!inserted || self.replaying) && changed.iter().any(|(name, _)| *name == "name") && crate::lead::names::is_named_table(table) {
            crate::lead::names::refresh_named(&self.tx, table, &id.to_string())?;
        }
        Ok(())
    }

    /// The acting user, as recorded in the change log.
    pub fn actor(&self) -> &str {
        self.actor
    }

    /// Keep the derived search tokens and dedupe keys current: the record is rebuilt at commit.
    /// Done here, in the one write path, so that no entity (and later no synced change) can
    /// forget it. `inserted`: `table`'s row `id` was just inserted.
    fn refresh_derived(&mut self, table: &'static str, id: Uuid, inserted: bool) -> Result<()> {
        if let Some(record) = self.search_owner(table, id)? {
            // Only the record's own row makes it new, and only if nothing touched it before in
            // this transaction (a delete and insert again of one id keeps its old tokens to
            // remove); a new channel of an existing contact does not.
            let fresh = inserted && record.0 == table;
            match self.touched.entry(record) {
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(fresh);
                }
                std::collections::btree_map::Entry::Occupied(mut entry) if !inserted => {
                    entry.insert(false);
                }
                std::collections::btree_map::Entry::Occupied(_) => {}
            }
        }
        Ok(())
    }

    /// Whether this transaction inserted the company or contact `id` and wrote it no other way
    /// since (what [`WriteTx::refresh_derived`] keeps for the search index): nothing can link to
    /// it yet, so there are no links of its own to compare with.
    pub(crate) fn is_new_record(&self, entity: &'static str, id: Uuid) -> bool {
        self.touched.get(&(entity, id.to_string())) == Some(&true)
    }

    /// The searchable record a row belongs to: itself for companies and contacts, the contact for
    /// a contact's email or phone.
    fn search_owner(&self, table: &'static str, id: Uuid) -> Result<Option<(&'static str, String)>> {
        Ok(match table {
            "company" | "contact" => Some((table, id.to_string())),
            "contact_channel" => self
                .tx
                .prepare_cached("SELECT contact_id FROM contact_channel WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get(0))
                .optional()?
                .map(|contact| ("contact", contact)),
            _ => None,
        })
    }

    /// Leave the search index to be rebuilt whole instead of updating it row by row: for a first
    /// sync that brings more records than the laptop holds, one sorted rebuild at the end costs a
    /// fraction of a million scattered index updates. The index is marked stale in this same
    /// transaction, so a crash before the rebuild is caught up at the next start
    /// (`search::ensure_current`); until then new records are not found by search.
    pub(crate) fn defer_search(&mut self) -> Result<()> {
        search::mark_stale(&self.tx)?;
        self.search_deferred = true;
        Ok(())
    }

    /// While on, writes are not logged: `sync` records the remote change itself.
    pub(crate) fn set_replaying(&mut self, on: bool) {
        self.replaying = on;
    }

    /// Append one change record: `patch` is the written columns, `None` a tombstone.
    fn log(&mut self, table: &str, row_id: Uuid, patch: Option<&Columns>) -> Result<()> {
        if self.replaying {
            return Ok(());
        }
        let (op, patch) = match patch {
            Some(columns) => ("set", Some(patch_json(columns)?)),
            None => ("delete", None),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO change_log (change_id, table_name, row_id, op, patch, hlc, device_id, user_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(rusqlite::params![
                Uuid::now_v7().to_string(),
                table,
                row_id.to_string(),
                op,
                patch,
                self.hlc as i64,
                self.device_id,
                self.actor,
            ])?;
        Ok(())
    }
}

/// A row's columns as one JSON object in write order, `{"name": "Acme", "credit_limit": 500000, "parent_id": null}`,
/// the same shape SQLite's `json_group_object` gives (migration 0006 folds old entries with it),
/// so `json_each` reads any record back to the SQL values that were written.
fn patch_json(columns: &Columns) -> Result<String> {
    use serde::ser::{SerializeMap, Serializer};
    let unloggable = |reason: String| CoreError::Storage(rusqlite::Error::ToSqlConversionFailure(reason.into()));
    let mut out = Vec::with_capacity(32 * columns.len());
    let mut json = serde_json::Serializer::new(&mut out);
    let mut map = json.serialize_map(Some(columns.len())).map_err(|e| unloggable(e.to_string()))?;
    for (name, value) in columns {
        let entry = match value {
            Value::Null => map.serialize_entry(name, &()),
            Value::Integer(n) => map.serialize_entry(name, n),
            Value::Real(x) => map.serialize_entry(name, x),
            Value::Text(text) => map.serialize_entry(name, text),
            // No table has a BLOB column; refusing one keeps the patch format plain JSON.
            Value::Blob(_) => return Err(unloggable(format!("column {name} holds binary data, which the change log does not carry"))),
        };
        entry.map_err(|e| unloggable(e.to_string()))?;
    }
    map.end().map_err(|e| unloggable(e.to_string()))?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// Empty text is stored as `''` (columns are NOT NULL DEFAULT ''), so a cleared field and a never
/// set field read the same.
pub fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

/// An optional id as a column value (`NULL` when unset).
pub fn opt_id(id: Option<Uuid>) -> Value {
    id.map(|id| Value::Text(id.to_string())).unwrap_or(Value::Null)
}

/// An optional whole number as a column value.
pub fn opt_int(n: Option<i64>) -> Value {
    n.map(Value::Integer).unwrap_or(Value::Null)
}
