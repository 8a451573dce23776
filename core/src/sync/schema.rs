//! Which tables and columns sync: every table of shared data, every column a user or a rule
//! writes; never derived columns (each replica recomputes them), device-local tables, or the
//! bookkeeping columns each replica keeps itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use rusqlite::Connection;

use crate::Result;

/// Tables of shared data, parents before children. Everything else is device-local (local
/// state, counters, the change log, search tokens, pipeline sums, imports, the mail outbox and
/// reminder states).
pub const SYNCED_TABLES: &[&str] = &[
    "app_user",
    "terms_code",
    "credit_code",
    "note_type",
    "tag",
    "company",
    "company_tag",
    "ship_to",
    "contact",
    "contact_company",
    "contact_channel",
    "note",
    "lead_program",
    "lead_source",
    "lead_transition",
    "lead",
    "lead_move",
    "estimate",
    "estimate_line",
    "sales_order",
    "order_line",
    "task",
    "merged_record",
];

/// Columns never carried by a change: the key, each replica's own times, and derived data.
const NOT_SYNCED: &[(&str, &str)] = &[
    ("*", "id"),
    ("*", "created_at"),
    ("*", "updated_at"),
    ("*", "dedupe_key"),
    ("*", "newest_note_at"),
    ("lead", "company_name"),
    ("lead", "program_name"),
    ("lead", "source_name"),
    ("lead", "assigned_name"),
    // A task's moment is derived from its wall time and zone on every replica (`apply.rs`): with
    // the three synced column by column, two laptops editing the time and the zone could leave
    // a moment that matches neither.
    ("task", "due_at"),
];

/// The synced tables and their columns, read once from this build's schema.
pub struct SyncSchema {
    tables: BTreeMap<&'static str, BTreeSet<&'static str>>,
}

static SCHEMA: OnceLock<SyncSchema> = OnceLock::new();

impl SyncSchema {
    /// The schema of the migrations this build carries (the same on every replica of one
    /// version, which the protocol's schema version guarantees).
    pub fn get(conn: &Connection) -> Result<&'static SyncSchema> {
        if let Some(schema) = SCHEMA.get() {
            return Ok(schema);
        }
        let mut tables = BTreeMap::new();
        for table in SYNCED_TABLES {
            // `table_xinfo` lists generated columns too, with `hidden` 2 or 3: they are derived.
            let columns: Vec<(String, i64)> =
                conn.prepare(&format!("SELECT name, hidden FROM pragma_table_xinfo('{table}')"))?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            let synced = columns
                .into_iter()
                .filter(|(name, hidden)| *hidden == 0 && !NOT_SYNCED.iter().any(|(t, c)| (*t == "*" || t == table) && c == name))
                // Leaked once per process: column names are `'static` like every name the write
                // path formats into SQL, and this schema lives as long as the program.
                .map(|(name, _)| &*Box::leak(name.into_boxed_str()))
                .collect();
            tables.insert(*table, synced);
        }
        Ok(SCHEMA.get_or_init(|| SyncSchema { tables }))
    }

    /// The table's `'static` name, if it syncs.
    pub fn table(&self, name: &str) -> Option<&'static str> {
        self.tables.get_key_value(name).map(|(table, _)| *table)
    }

    /// The column's `'static` name, if it syncs.
    pub fn column(&self, table: &str, name: &str) -> Option<&'static str> {
        self.tables.get(table)?.get(name).copied()
    }

    /// As the protocol crate's schema, to validate changes with.
    pub fn wire(&self, version: u32) -> crm_sync::Schema {
        self.tables.iter().fold(crm_sync::Schema::new(version), |schema, (table, columns)| schema.with_table(table, columns.iter().copied()))
    }
}
