use std::collections::BTreeMap;

use crm_sync::{Change, Op, Stamp, Version, merge_decision};
use rusqlite::{OptionalExtension, types::Value};
use uuid::Uuid;

use super::schema::{SYNCED_TABLES, SyncSchema};
use crate::{CoreError, Result, Store, write::WriteTx};

/// What one batch of remote changes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Changes that wrote at least one column, inserted a row or deleted one.
    pub applied: u32,
    /// Changes already held (by change id): nothing happened.
    pub duplicates: u32,
    /// Changes recorded but without effect: every column they set has a newer write, or their
    /// row is deleted (a delete wins).
    pub ignored: u32,
}

/// SQLite's extended result code for a foreign-key violation.
const FOREIGN_KEY: i32 = 787;
/// SQLite's extended result code for a NOT NULL violation.
const NOT_NULL: i32 = 1299;
/// SQLite's extended result code for a UNIQUE violation.
const UNIQUE: i32 = 2067;

impl Store {
    /// This device's change log after `seq` (its own changes and those it applied), oldest first,
    /// as wire changes with their log sequence: what a push sends.
    pub fn changes_after(&self, seq: i64, limit: u32) -> Result<Vec<(i64, Change)>> {
        Ok(self.log_after(seq, limit, None)?.0)
    }

    /// [`Store::changes_after`] limited to `device`'s changes and those up to `all_until` (what
    /// a push sends, see `sync_outbox`), and whether the log ends within `limit` records.
    pub(crate) fn outbox_after(&self, seq: i64, limit: u32, device: Uuid, all_until: i64) -> Result<(Vec<(i64, Change)>, bool)> {
        self.log_after(seq, limit, Some((device, all_until)))
    }

    fn log_after(&self, seq: i64, limit: u32, only: Option<(Uuid, i64)>) -> Result<(Vec<(i64, Change)>, bool)> {
        let schema = SyncSchema::get(&self.conn)?;
        // Without a device, every record: `all_until` covers the whole log.
        let (device, all_until) = only.map_or((String::new(), i64::MAX), |(device, until)| (device.to_string(), until));
        let mut select = self.conn.prepare_cached(
            "SELECT seq, change_id, table_name, row_id, op, patch, hlc, device_id, user_id FROM change_log
             WHERE seq > ?1 AND (device_id = ?3 OR seq <= ?4) ORDER BY seq LIMIT ?2",
        )?;
        let mut found = 0u32;
        let rows = select.query_map(rusqlite::params![seq, limit, device, all_until], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        let corrupt = |what: String| CoreError::Migration(format!("the change log holds an unreadable record: {what}"));
        let changes = rows
            .map(|row| {
                found += 1;
                let (seq, change_id, table, row_id, op, patch, hlc, device, user) = row?;
                let op = match (op.as_str(), patch) {
                    ("delete", _) => Op::Delete,
                    (_, Some(patch)) => {
                        let mut patch: crm_sync::Patch = serde_json::from_str(&patch).map_err(|e| corrupt(e.to_string()))?;
                        // Columns each replica derives for itself stay home (see `schema.rs`).
                        patch.retain(|column, _| schema.column(&table, column).is_some());
                        if patch.is_empty() {
                            return Ok(None);
                        }
                        Op::Set(patch)
                    }
                    (_, None) => return Err(corrupt(format!("set {change_id} without columns"))),
                };
                let change_id = Uuid::parse_str(&change_id).map_err(|e| corrupt(e.to_string()))?;
                let device = Uuid::parse_str(&device).map_err(|e| corrupt(e.to_string()))?;
                Ok(Some((seq, Change { change_id, table, row_id, op, stamp: Stamp::new(hlc as u64, device), user })))
            })
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>>>()?;
        Ok((changes, found < limit))
    }

    /// Apply changes from other devices, all or none, under the merge rules of `crm_sync::merge`.
    /// A batch with an invalid change or a stamp too far ahead of our clock is refused before
    /// anything is applied.
    pub fn apply_remote(&mut self, changes: &[Change]) -> Result<ApplyReport> {
        self.apply_remote_then(changes, None, false, |_| Ok(()))
    }

    /// [`Store::apply_remote`] with the skew bound checked against `reference_ms` (the server's
    /// clock, see `HlcClock::observe_checked_against`) when given, written in bulk when `bulk`
    /// (search and list indexes left for one rebuild, see `bulk.rs`), and `then` run in the same
    /// transaction (the sync client moves its pull cursor there).
    pub(crate) fn apply_remote_then(
        &mut self,
        changes: &[Change],
        reference_ms: Option<u64>,
        bulk: bool,
        then: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<ApplyReport> {
        let schema = SyncSchema::get(&self.conn)?;
        let wire = schema.wire(crm_sync::schema::SCHEMA_VERSION);
        for change in changes {
            change.validate(&wire).map_err(|e| CoreError::Sync(format!("A change from another device was refused: {e}")))?;
        }
        // Our clock moves past every stamp we take in, so a later local edit wins over what we
        // have seen (a stamp too far ahead is refused: a wrong clock must not drag ours along).
        for change in changes {
            let observed = match reference_ms {
                Some(reference) => self.clock.observe_checked_against(change.stamp.hlc, reference),
                None => self.clock.observe(change.stamp.hlc),
            };
            observed.map_err(|e| CoreError::Sync(e.to_string()))?;
        }
        self.write(|w| {
            if bulk {
                w.defer_search()?;
                super::bulk::defer_indexes(w.tx())?;
            }
            let mut report = ApplyReport::default();
            for change in changes {
                let outcome = apply_one(w, schema, change).map_err(|e| match e {
                    CoreError::Storage(error) => CoreError::Sync(format!(
                        "A change from another device could not be applied ({} {} by device {}): {error}",
                        change.table, change.row_id, change.stamp.device
                    )),
                    other => other,
                })?;
                match outcome {
                    Outcome::Applied => report.applied += 1,
                    Outcome::Duplicate => report.duplicates += 1,
                    Outcome::Ignored => report.ignored += 1,
                }
            }
            then(w.tx())?;
            Ok(report)
        })
    }
}

enum Outcome {
    Applied,
    Duplicate,
    Ignored,
}

fn apply_one(w: &mut WriteTx<'_>, schema: &SyncSchema, change: &Change) -> Result<Outcome> {
    let change_id = change.change_id.to_string();
    let seen = w.tx().prepare_cached("SELECT 1 FROM change_log WHERE change_id = ?1")?.query_row([&change_id], |_| Ok(())).optional()?.is_some();
    if seen {
        return Ok(Outcome::Duplicate);
    }
    let table = schema.table(&change.table).ok_or_else(|| CoreError::Conflict(format!("{} does not sync", change.table)))?;
    let id = Uuid::parse_str(&change.row_id).map_err(|e| CoreError::Conflict(e.to_string()))?;
    let exists = crate::sql::exists(w.tx(), table, id)?;
    let settle = if table == "ship_to" { unsettle_default_ship_to(w, id, &change.op)? } else { Vec::new() };
    let outcome = match &change.op {
        Op::Delete if exists => {
            delete_with_dependents(w, schema, table, id)?;
            Outcome::Applied
        }
        Op::Delete => Outcome::Ignored,
        Op::Set(patch) => {
            let history = row_history(w, table, &change.row_id)?;
            let mut taken: Vec<(&'static str, Value)> = patch
                .iter()
                .filter(|(column, _)| merge_decision(history.values.get(column.as_str()).map(|(version, _)| *version), change.version()))
                .map(|(column, value)| Ok((schema.column(table, column).ok_or_else(|| CoreError::Conflict(format!("{table}.{column} does not sync")))?, sql_value(value))))
                .collect::<Result<_>>()?;
            if history.deleted || taken.is_empty() {
                Outcome::Ignored
            } else if exists && !follow_subject(w, table, id, &mut taken)? {
                delete_with_dependents(w, schema, table, id)?;
                Outcome::Applied
            } else if exists {
                if table == "task" {
                    let current = |column: &str| -> Result<Value> {
                        Ok(w.tx().prepare_cached(&format!("SELECT {column} FROM task WHERE id = ?1"))?.query_row([id.to_string()], |r| r.get(0))?)
                    };
                    let (local, zone) = (current("due_local")?, current("time_zone")?);
                    derive_due_at(&mut taken, local, zone);
                }
                update_replayed(w, schema, table, id, &taken)?;
                Outcome::Applied
            } else {
                // No such row: this is its first write, or a later one that arrived first (a
                // message delayed past a server restore), or the row went with its deleted
                // parent. Insert what every change of the row so far adds up to; when that is
                // not a whole row (a required column is missing) or its parent is gone, the
                // change is only recorded, and counts when the row's first write arrives.
                let mut row: BTreeMap<&'static str, (Version, Value)> = BTreeMap::new();
                for (column, (version, value)) in history.values {
                    if let Some(column) = schema.column(table, &column) {
                        row.insert(column, (version, value));
                    }
                }
                for (column, value) in taken {
                    row.insert(column, (change.version(), value));
                }
                let mut columns: Vec<(&'static str, Value)> = row.into_iter().map(|(column, (_, value))| (column, value)).collect();
                if table == "task" {
                    derive_due_at(&mut columns, Value::Null, Value::Null);
                }
                if follow_subject(w, table, id, &mut columns)? {
                    insert_replayed(w, schema, table, id, change.stamp.wall_ms() as i64, &columns)?
                } else {
                    Outcome::Ignored
                }
            }
        }
    };
    record(w, change)?;
    for company in settle {
        crate::company::settle_default_ship_to(w.tx(), &company)?;
    }
    if table == "merged_record"
        && let Op::Set(patch) = &change.op
        && let (Some(serde_json::Value::String(merged)), Some(serde_json::Value::String(from))) = (patch.get("table_name"), patch.get("from_id"))
        && let Some(merged) = schema.table(merged)
        && !crate::sql::exists_text(w.tx(), merged, from)?
    {
        revive_followers(w, schema, merged, from)?;
    }
    Ok(outcome)
}

/// A forwarding row arrived for a record already gone here: another laptop deleted it while it
/// was merged elsewhere, or it was merged on two laptops at once and this forward now counts
/// (`merge::merged_into` takes the smallest id). Rows that pointed at it, or at a record merged
/// into it, went with it or moved by what this laptop knew then. Each row whose changes name one
/// of those records is derived again from the log, as if the forward had come first, so every
/// replica ends the same whatever the order. It reads the whole log, which only this rare case
/// pays.
fn revive_followers(w: &mut WriteTx<'_>, schema: &SyncSchema, merged: &str, gone_id: &str) -> Result<()> {
    // The record and every gone record forwarded to it, however indirectly.
    let mut family: Vec<String> = vec![gone_id.to_owned()];
    let mut i = 0;
    while i < family.len() {
        let from: Vec<String> = w
            .tx()
            .prepare_cached("SELECT from_id FROM merged_record WHERE table_name = ?1 AND into_id = ?2")?
            .query_map([merged, &family[i]], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for from in from {
            if !crate::sql::exists_text(w.tx(), merged, &from)? && !family.contains(&from) {
                family.push(from);
            }
        }
        i += 1;
    }
    let mut rows: Vec<(String, String)> = Vec::new();
    for id in &family {
        let mut select = w.tx().prepare_cached("SELECT DISTINCT table_name, row_id FROM change_log WHERE op = 'set' AND table_name <> 'merged_record' AND instr(patch, ?1) > 0")?;
        for row in select.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let row = row?;
            if !rows.contains(&row) {
                rows.push(row);
            }
        }
    }
    let family: Vec<Value> = family.into_iter().map(Value::Text).collect();
    for (table, row_id) in rows {
        let Some(table) = schema.table(&table) else { continue };
        let id = Uuid::parse_str(&row_id).map_err(|e| CoreError::Conflict(e.to_string()))?;
        let history = row_history(w, table, &row_id)?;
        if history.deleted || !history.values.values().any(|(_, value)| family.contains(value)) {
            continue;
        }
        let created = history.values.values().map(|(version, _)| version.stamp.wall_ms() as i64).min().unwrap_or_default();
        let mut columns: Vec<(&'static str, Value)> = history.values.into_iter().filter_map(|(column, (_, value))| schema.column(table, &column).map(|column| (column, value))).collect();
        let company = if table == "ship_to" { crate::merge::merged_into(w.tx(), "company", gone_id)? } else { None };
        if let Some(company) = &company {
            clear_default_ship_to(w, company)?;
        }
        if crate::sql::exists(w.tx(), table, id)? {
            columns.retain(|(_, value)| family.contains(value));
            if !follow_subject(w, table, id, &mut columns)? {
                delete_with_dependents(w, schema, table, id)?;
            } else {
                match without_deleted_parents(w, table, &columns)? {
                    Some(fixed) => update_replayed(w, schema, table, id, &fixed)?,
                    None => delete_with_dependents(w, schema, table, id)?,
                }
            }
        } else {
            if table == "task" {
                derive_due_at(&mut columns, Value::Null, Value::Null);
            }
            if follow_subject(w, table, id, &mut columns)? {
                insert_replayed(w, schema, table, id, created, &columns)?;
            }
        }
        if let Some(company) = &company {
            crate::company::settle_default_ship_to(w.tx(), company)?;
        }
    }
    Ok(())
}

/// Insert a row as the remote changes so far make it, without logging. When the write breaks a
/// constraint because of what another device did meanwhile:
/// - a parent is gone: optional references are emptied, as on the replicas that had the row when
///   the parent went, and a required one drops the row (unless the parent was merged into
///   another: the row follows, see `without_deleted_parents`);
/// - a required column is missing (a later change arrived before the row's first): the change is
///   only recorded, and counts when the row's first write arrives;
/// - two devices made the same unique thing offline (the same contact linked to the same company,
///   two tags of one name): one row is kept everywhere, the one with the smaller id, whichever
///   arrived first.
fn insert_replayed(w: &mut WriteTx<'_>, schema: &SyncSchema, table: &'static str, id: Uuid, created: i64, columns: &[(&'static str, Value)]) -> Result<Outcome> {
    let code = match replay(w, |w| w.insert_dated(table, id, created, columns)) {
        Ok(()) => return Ok(Outcome::Applied),
        Err(CoreError::Storage(rusqlite::Error::SqliteFailure(e, _))) if matches!(e.extended_code, FOREIGN_KEY | NOT_NULL | UNIQUE) => e.extended_code,
        Err(other) => return Err(other),
    };
    match code {
        FOREIGN_KEY => match without_deleted_parents(w, table, columns)? {
            Some(fixed) if fixed != columns => insert_replayed(w, schema, table, id, created, &fixed),
            _ => Ok(Outcome::Ignored),
        },
        NOT_NULL => Ok(Outcome::Ignored),
        _ => match settle_clash(w, schema, table, id, columns)? {
            Clash::Retry(fixed) => insert_replayed(w, schema, table, id, created, &fixed),
            Clash::Lost => Ok(Outcome::Ignored),
            Clash::Unsettled => Err(CoreError::Conflict(format!("{table} {id} breaks a unique rule that sync cannot settle"))),
        },
    }
}

/// What writing a row that clashed on a unique index comes to.
enum Clash {
    /// Write it again with these columns: the rivals that lost are gone, or a number is renamed.
    Retry(Vec<(&'static str, Value)>),
    /// A rival with a smaller id holds the value: the row does not stay.
    Lost,
    /// No rule settles it (a partial index: the default ship-to is settled apart).
    Unsettled,
}

/// The clash rule for inserts and updates alike: a number clash renames one record
/// (`settle_numbers`); any other unique value stays with the row with the smaller id, and the
/// other rows go with their dependents.
fn settle_clash(w: &mut WriteTx<'_>, schema: &SyncSchema, table: &'static str, id: Uuid, columns: &[(&'static str, Value)]) -> Result<Clash> {
    if let Some(fixed) = settle_numbers(w, table, id, columns)? {
        return Ok(Clash::Retry(fixed));
    }
    let rivals = unique_rivals(w, table, id, columns)?;
    if rivals.is_empty() {
        return Ok(Clash::Unsettled);
    }
    if rivals.iter().any(|rival| *rival < id) {
        return Ok(Clash::Lost);
    }
    for rival in rivals {
        delete_with_dependents(w, schema, table, rival)?;
    }
    Ok(Clash::Retry(columns.to_vec()))
}

/// Update a row as a remote change says, without logging. When the write breaks a constraint
/// because of what another device did meanwhile, the result is the one every replica reaches,
/// whatever order the changes came in:
/// - it points at a row deleted meanwhile: as `delete_with_dependents` does;
/// - it makes the row hold the same unique value as another (two laptops moved the same contact
///   onto one company, or renamed two tags alike): as for two such inserts, the row with the
///   smaller id stays and the other goes, with its dependents.
fn update_replayed(w: &mut WriteTx<'_>, schema: &SyncSchema, table: &'static str, id: Uuid, columns: &[(&'static str, Value)]) -> Result<()> {
    let error = match replay(w, |w| w.update(table, id, columns).map(drop)) {
        Err(CoreError::Storage(rusqlite::Error::SqliteFailure(e, message))) if matches!(e.extended_code, FOREIGN_KEY | UNIQUE) => (e, message),
        other => return other,
    };
    if error.0.extended_code == FOREIGN_KEY {
        return match without_deleted_parents(w, table, columns)? {
            Some(fixed) if fixed != columns => update_replayed(w, schema, table, id, &fixed),
            Some(_) => Err(rusqlite::Error::SqliteFailure(error.0, error.1).into()),
            None => delete_with_dependents(w, schema, table, id),
        };
    }
    match settle_clash(w, schema, table, id, columns)? {
        Clash::Retry(fixed) => update_replayed(w, schema, table, id, &fixed),
        Clash::Lost => delete_with_dependents(w, schema, table, id),
        Clash::Unsettled => Err(rusqlite::Error::SqliteFailure(error.0, error.1).into()),
    }
}

/// Before a remote change to ship-to `id`: clear the default address of the companies it belongs
/// to before and after (so the write cannot clash with another default), and return them to be
/// settled from the log once the change is recorded (`company::settle_default_ship_to`).
fn unsettle_default_ship_to(w: &WriteTx<'_>, id: Uuid, op: &Op) -> Result<Vec<String>> {
    let mut companies: Vec<String> = w.tx().prepare_cached("SELECT company_id FROM ship_to WHERE id = ?1")?.query_row([id.to_string()], |r| r.get(0)).optional()?.into_iter().collect();
    if let Op::Set(patch) = op
        && let Some(serde_json::Value::String(company)) = patch.get("company_id")
        && !companies.contains(company)
    {
        companies.push(company.clone());
    }
    // A new address for a company merged away goes to the kept one (`without_deleted_parents`).
    for company in companies.clone() {
        if let Some(kept) = crate::merge::merged_into(w.tx(), "company", &company)?
            && !companies.contains(&kept)
        {
            companies.push(kept);
        }
    }
    for company in &companies {
        clear_default_ship_to(w, company)?;
    }
    Ok(companies)
}

fn clear_default_ship_to(w: &WriteTx<'_>, company: &str) -> Result<()> {
    w.tx().prepare_cached("UPDATE ship_to SET is_default = 0 WHERE company_id = ?1 AND is_default = 1")?.execute([company])?;
    Ok(())
}

/// Delete a row another device deleted, and deal with the rows here that still reference it
/// through a key without `ON DELETE` (a lead made on this laptop for a company merged away on
/// another): a required reference goes with its parent as a cascade would take it, an optional
/// one is emptied as `SET NULL` would, both unlogged. A delete wins, and a refused delete would
/// stop this laptop from ever syncing again. Every replica that has such a row does the same, and
/// later changes to it find their parent gone and are only recorded.
fn delete_with_dependents(w: &mut WriteTx<'_>, schema: &SyncSchema, table: &'static str, id: Uuid) -> Result<()> {
    if let Some(kept) = crate::merge::merged_into(w.tx(), table, &id.to_string())? {
        follow_merge(w, schema, table, id, &kept)?;
    }
    for (child, key) in referencing_keys(w, schema, table, false)? {
        let dependents = ids_where(w, &format!("SELECT id FROM {child} WHERE {key} = ?1"), &[Value::Text(id.to_string())])?;
        let required: bool = w.tx().prepare_cached("SELECT \"notnull\" FROM pragma_table_info(?1) WHERE name = ?2")?.query_row([child, key], |r| r.get(0))?;
        for dependent in dependents {
            if !crate::sql::exists(w.tx(), child, dependent)? {
                continue;
            }
            if required {
                delete_with_dependents(w, schema, child, dependent)?;
            } else {
                replay(w, |w| w.update(child, dependent, &[(key, Value::Null)]).map(|_| ()))?;
            }
        }
    }
    replay(w, |w| w.delete(table, id))
}

/// The synced `(table, column)` foreign keys that point at `table`: all of them, or (`every`
/// false) only those without `ON DELETE`, which SQLite would refuse a delete over.
fn referencing_keys(w: &WriteTx<'_>, schema: &SyncSchema, table: &str, every: bool) -> Result<Vec<(&'static str, &'static str)>> {
    let mut keys = Vec::new();
    for child in SYNCED_TABLES {
        let Some(child) = schema.table(child) else { continue };
        let mut select = w.tx().prepare_cached("SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE \"table\" = ?2 AND (?3 OR on_delete NOT IN ('CASCADE', 'SET NULL'))")?;
        for key in select.query_map(rusqlite::params![child, table, every], |r| r.get::<_, String>(0))? {
            if let Some(key) = schema.column(child, &key?) {
                keys.push((child, key));
            }
        }
    }
    Ok(keys)
}

/// The delete of a row merged into `kept` arrived (the merge moved what it knew of): every row
/// here that still points at it, made offline on this laptop or received meanwhile, moves to
/// `kept`, as the merge would have moved it, unlogged (every replica does the same, and a row that
/// arrives later pointing at the merged-away one is moved on arrival).
fn follow_merge(w: &mut WriteTx<'_>, schema: &SyncSchema, table: &'static str, id: Uuid, kept: &str) -> Result<()> {
    let to = Value::Text(kept.to_owned());
    for (child, key) in referencing_keys(w, schema, table, true)? {
        // The moved addresses and the kept company's own: one default, settled from the log.
        let settle = if child == "ship_to" { vec![id.to_string(), kept.to_owned()] } else { Vec::new() };
        for company in &settle {
            clear_default_ship_to(w, company)?;
        }
        for dependent in ids_where(w, &format!("SELECT id FROM {child} WHERE {key} = ?1"), &[Value::Text(id.to_string())])? {
            // The row may have gone as a unique rival of an earlier one.
            if crate::sql::exists(w.tx(), child, dependent)? {
                update_replayed(w, schema, child, dependent, &[(key, to.clone())])?;
            }
        }
        for company in settle {
            crate::company::settle_default_ship_to(w.tx(), &company)?;
        }
    }
    for child in crate::merge::SUBJECT_TABLES {
        let Some(child) = schema.table(child) else { continue };
        let subject_id = schema.column(child, "subject_id").ok_or_else(|| CoreError::Conflict(format!("{child}.subject_id does not sync")))?;
        for dependent in ids_where(w, &format!("SELECT id FROM {child} WHERE subject_table = ?1 AND subject_id = ?2"), &[Value::Text(table.into()), Value::Text(id.to_string())])? {
            update_replayed(w, schema, child, dependent, &[(subject_id, to.clone())])?;
        }
    }
    Ok(())
}

/// A note or a task written about a record that is gone here. Merged away elsewhere: it is about
/// the kept record (as `follow_merge` moves those already here). Else, as `WriteTx::delete`
/// treats those already here: a note is dropped (`false`), a task loses the link.
fn follow_subject(w: &WriteTx<'_>, table: &str, id: Uuid, columns: &mut Vec<(&'static str, Value)>) -> Result<bool> {
    if !crate::merge::SUBJECT_TABLES.contains(&table) {
        return Ok(true);
    }
    let written = |columns: &[(&'static str, Value)], name: &str| columns.iter().position(|(column, _)| *column == name);
    let Some(at) = written(columns, "subject_id") else { return Ok(true) };
    let Value::Text(subject) = &columns[at].1 else { return Ok(true) };
    let subject_table: Option<String> = match written(columns, "subject_table").map(|i| &columns[i].1) {
        Some(Value::Text(subject_table)) => Some(subject_table.clone()),
        Some(_) => None,
        None => w.tx().prepare_cached(&format!("SELECT subject_table FROM {table} WHERE id = ?1"))?.query_row([id.to_string()], |r| r.get(0)).optional()?.flatten(),
    };
    let Some(subject_table) = subject_table.filter(|t| matches!(t.as_str(), "company" | "contact" | "lead")) else { return Ok(true) };
    if crate::sql::exists_text(w.tx(), &subject_table, subject)? {
        return Ok(true);
    }
    if let Some(kept) = crate::merge::merged_into(w.tx(), &subject_table, subject)? {
        columns[at].1 = Value::Text(kept);
        return Ok(true);
    }
    if table == "note" {
        return Ok(false);
    }
    columns[at].1 = Value::Null;
    match written(columns, "subject_table") {
        Some(i) => columns[i].1 = Value::Null,
        None => columns.push(("subject_table", Value::Null)),
    }
    Ok(true)
}

fn ids_where(w: &WriteTx<'_>, sql: &str, params: &[Value]) -> Result<Vec<Uuid>> {
    let ids: Vec<String> = w.tx().prepare(sql)?.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| Uuid::parse_str(id).map_err(|e| CoreError::Conflict(e.to_string()))).collect()
}

/// `columns` with every reference to a missing row moved to the record it was merged into (see
/// `merge::merged_into`) or else emptied, or `None` when a required reference (NOT NULL, or one
/// that cascades: the row would have gone with its parent) points to a missing row.
fn without_deleted_parents(w: &WriteTx<'_>, table: &str, columns: &[(&'static str, Value)]) -> Result<Option<Vec<(&'static str, Value)>>> {
    let keys: Vec<(String, String, bool)> = w
        .tx()
        .prepare_cached(
            "SELECT k.\"from\", k.\"table\", c.\"notnull\" = 1 OR k.on_delete = 'CASCADE'
             FROM pragma_foreign_key_list(?1) k JOIN pragma_table_info(?1) c ON c.name = k.\"from\"",
        )?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut fixed = columns.to_vec();
    for (column, parent, required) in keys {
        let Some((_, value)) = fixed.iter_mut().find(|(name, _)| *name == column) else { continue };
        let Value::Text(parent_id) = value else { continue };
        let present = w.tx().prepare_cached(&format!("SELECT 1 FROM {parent} WHERE id = ?1"))?.query_row([&*parent_id], |_| Ok(())).optional()?.is_some();
        if present {
            continue;
        }
        if let Some(kept) = crate::merge::merged_into(w.tx(), &parent, parent_id)? {
            *value = Value::Text(kept);
            continue;
        }
        if required {
            return Ok(None);
        }
        *value = Value::Null;
    }
    Ok(Some(fixed))
}

/// A task's moment from its wall time and zone (the written ones, else `local` and `zone`, the
/// row's current ones), added to the columns to write when either is among them. Every replica
/// computes it the same way, so it never needs to sync (see `schema.rs`).
fn derive_due_at(columns: &mut Vec<(&'static str, Value)>, local: Value, zone: Value) {
    let written = |name: &str| columns.iter().find(|(column, _)| *column == name).map(|(_, value)| value.clone());
    let (new_local, new_zone) = (written("due_local"), written("time_zone"));
    if new_local.is_none() && new_zone.is_none() {
        return;
    }
    if let (Value::Text(local), Value::Text(zone)) = (new_local.unwrap_or(local), new_zone.unwrap_or(zone))
        && let Some(due_at) = crate::time::synced_local_to_utc_ms(&local, &zone)
    {
        columns.push(("due_at", Value::Integer(due_at)));
    }
}

/// Two records with one human-readable number (a series handed out twice, as by a server
/// restored from a backup): both stay, the one with the smaller id keeps the number and the other
/// is stored with it suffixed (`numbering::clash_suffixed`), unlogged, on every replica. Returns
/// the columns to write, or `None` when no number of `columns` clashes.
fn settle_numbers(w: &mut WriteTx<'_>, table: &'static str, id: Uuid, columns: &[(&'static str, Value)]) -> Result<Option<Vec<(&'static str, Value)>>> {
    let mut fixed = columns.to_vec();
    let mut clashed = false;
    for (column, value) in fixed.iter_mut() {
        let Value::Text(number) = value.clone() else { continue };
        if !crate::numbering::is_number_column(column) {
            continue;
        }
        let holders = ids_where(w, &format!("SELECT id FROM {table} WHERE {column} = ?1 AND id <> ?2"), &[Value::Text(number.clone()), Value::Text(id.to_string())])?;
        if holders.is_empty() {
            continue;
        }
        clashed = true;
        if holders.iter().all(|holder| id < *holder) {
            for holder in holders {
                let renamed = [(*column, Value::Text(crate::numbering::clash_suffixed(&number, holder)))];
                replay(w, |w| w.update(table, holder, &renamed).map(drop))?;
            }
        } else {
            *value = Value::Text(crate::numbering::clash_suffixed(&number, id));
        }
    }
    Ok(clashed.then_some(fixed))
}

/// Rows of `table` other than `id` that hold the same values as row `id` with `columns` written,
/// in one of its unique indexes (except partial ones and those on expressions).
fn unique_rivals(w: &WriteTx<'_>, table: &str, id: Uuid, columns: &[(&'static str, Value)]) -> Result<Vec<Uuid>> {
    let indexes: Vec<String> = w
        .tx()
        .prepare_cached("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND origin <> 'pk' AND partial = 0")?
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rivals = Vec::new();
    for index in indexes {
        let keys: Vec<Option<String>> = w.tx().prepare_cached("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?.query_map([&index], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        // Keys on expressions (no name) are not compared; a null never clashes.
        let Some(keys) = keys.into_iter().collect::<Option<Vec<String>>>() else { continue };
        let mut values: Vec<(String, Value)> = Vec::new();
        for key in keys {
            // A column the write leaves alone keeps the row's value (an update).
            let value = match columns.iter().find(|(c, _)| *c == key) {
                Some((_, value)) => value.clone(),
                None => w.tx().prepare(&format!("SELECT {key} FROM {table} WHERE id = ?1"))?.query_row([id.to_string()], |r| r.get(0)).optional()?.unwrap_or(Value::Null),
            };
            values.push((key, value));
        }
        if values.iter().any(|(_, value)| *value == Value::Null) {
            continue;
        }
        let condition = values.iter().enumerate().map(|(i, (c, _))| format!("{c} = ?{}", i + 2)).collect::<Vec<_>>().join(" AND ");
        let mut select = w.tx().prepare(&format!("SELECT id FROM {table} WHERE id <> ?1 AND {condition}"))?;
        let ids = select.query_map(rusqlite::params_from_iter(std::iter::once(Value::Text(id.to_string())).chain(values.into_iter().map(|(_, v)| v))), |r| r.get::<_, String>(0))?;
        for found in ids {
            let found = Uuid::parse_str(&found?).map_err(|e| CoreError::Conflict(e.to_string()))?;
            if !rivals.contains(&found) {
                rivals.push(found);
            }
        }
    }
    Ok(rivals)
}

/// Write without logging: the remote change is recorded as it came, by [`record`].
fn replay(w: &mut WriteTx<'_>, write: impl FnOnce(&mut WriteTx<'_>) -> Result<()>) -> Result<()> {
    w.set_replaying(true);
    let result = write(w);
    w.set_replaying(false);
    result
}

/// What the change log says about a row: each column's newest version with its value, and
/// whether it was deleted.
#[derive(Default)]
struct RowHistory {
    values: BTreeMap<String, (Version, Value)>,
    deleted: bool,
}

fn row_history(w: &WriteTx<'_>, table: &str, row_id: &str) -> Result<RowHistory> {
    let mut history = RowHistory::default();
    let mut select = w.tx().prepare_cached(
        "SELECT c.op, c.hlc, c.device_id, c.change_id, f.key, f.value FROM change_log c LEFT JOIN json_each(c.patch) f WHERE c.table_name = ?1 AND c.row_id = ?2",
    )?;
    let mut rows = select.query(rusqlite::params![table, row_id])?;
    while let Some(row) = rows.next()? {
        if row.get::<_, String>(0)? == "delete" {
            history.deleted = true;
            continue;
        }
        let (Some(column), Ok(device), Ok(change_id)) =
            (row.get::<_, Option<String>>(4)?, Uuid::parse_str(&row.get::<_, String>(2)?), Uuid::parse_str(&row.get::<_, String>(3)?))
        else {
            continue;
        };
        let version = Version { stamp: Stamp::new(row.get::<_, i64>(1)? as u64, device), change_id };
        let value: Value = row.get(5)?;
        match history.values.get(&column) {
            Some((known, _)) if *known >= version => {}
            _ => {
                history.values.insert(column, (version, value));
            }
        }
    }
    Ok(history)
}

/// Keep the remote change in our log as it came: its id makes the next delivery a duplicate, and
/// a later upload to a restored server carries it on.
fn record(w: &WriteTx<'_>, change: &Change) -> Result<()> {
    let (op, patch) = match &change.op {
        Op::Set(patch) => ("set", Some(serde_json::Value::Object(patch.clone()).to_string())),
        Op::Delete => ("delete", None),
    };
    w.tx()
        .prepare_cached("INSERT INTO change_log (change_id, table_name, row_id, op, patch, hlc, device_id, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
        .execute(rusqlite::params![
            change.change_id.to_string(),
            change.table,
            change.row_id,
            op,
            patch,
            change.stamp.hlc as i64,
            change.stamp.device.to_string(),
            change.user
        ])?;
    Ok(())
}

/// A patch value as SQL (validation has refused anything but null, integers, reals and text).
fn sql_value(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Number(n) => n.as_i64().map(Value::Integer).or_else(|| n.as_f64().map(Value::Real)).unwrap_or(Value::Null),
        serde_json::Value::String(text) => Value::Text(text.clone()),
        _ => Value::Null,
    }
}
