//! The SQLite backend: one file, one connection.
//!
//! Every call takes the connection's lock on a blocking thread (`spawn_blocking`), so a slow
//! statement never stalls the async runtime. One connection serializes all work, which is what a
//! team-sized server needs and gives the log's order rule for free: a pull can never see a
//! sequence number while a smaller one is still uncommitted.
//!
//! The file runs in WAL mode with `synchronous=FULL`, so a commit is on disk before `push`
//! returns and the server acknowledges nothing it could lose in a power cut.
//!
//! Merged data is stored per record: `record(tbl, row_id)` holds the record's columns with the
//! versions that wrote them as one JSON document (see `record.rs`), and `tombstone` the first
//! delete of a row. UUIDs are stored as their lowercase hyphenated text, whose byte order is the
//! order of their bytes, so SQL row-value comparisons order versions exactly like
//! [`crm_sync::Version`].

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use crm_sync::{Change, Stamp, Version, protocol::Sequenced};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::{
    DbError, DbResult, Pushed, Snapshot, TokenOwner, User,
    record::{Batch, Record, fold_cells},
    series_name, sql_hlc,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS app_user (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    -- The email folded to lowercase (by Rust, which folds all of Unicode, not only ASCII).
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS device (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES app_user(id),
    name TEXT NOT NULL,
    series TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS token (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES app_user(id),
    device TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX IF NOT EXISTS token_device ON token(device);
CREATE TABLE IF NOT EXISTS change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
-- A rowid table: its bodies (a record's JSON) are far larger than WITHOUT ROWID suits.
CREATE TABLE IF NOT EXISTS record (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
CREATE TABLE IF NOT EXISTS tombstone (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    device TEXT NOT NULL,
    change_id TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;
";

/// The SQLite backend (see the module docs).
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        DbError::Backend(error.to_string())
    }
}

fn backend(what: impl std::fmt::Display) -> DbError {
    DbError::Backend(what.to_string())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn parse_uuid(text: &str) -> DbResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| backend(format!("bad uuid {text:?} in the database: {e}")))
}


fn version_from(hlc: i64, device: &str, change_id: &str) -> DbResult<Version> {
    let hlc =
        u64::try_from(hlc).map_err(|_| backend(format!("negative hlc {hlc} in the database")))?;
    Ok(Version {
        stamp: Stamp::new(hlc, parse_uuid(device)?),
        change_id: parse_uuid(change_id)?,
    })
}

/// The key a user's email is unique under (case-insensitive, surrounding spaces ignored).
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl SqliteDb {
    /// Run `work` on a blocking thread with the connection.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    ) -> DbResult<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves no half transaction behind (an unfinished
            // rusqlite transaction rolls back on drop), so a poisoned lock is still usable.
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut conn)
        })
        .await
        .map_err(|e| backend(format!("database task failed: {e}")))?
    }

    pub async fn open(path: &str) -> DbResult<Self> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || -> DbResult<Connection> {
            let mut conn = Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(backend(format!(
                    "{path}: cannot use WAL journal mode (got {mode})"
                )));
            }
            // A 256 MiB page cache: a first sync of 100k companies writes 100k records and as many
            // log entries, and with SQLite's default 2 MiB cache most of those writes would read
            // pages back from disk first.
            conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;")?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(SCHEMA)?;
            convert_cells(&tx)?;
            tx.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('server_id', ?1)",
                [Uuid::now_v7().to_string()],
            )?;
            tx.commit()?;
            Ok(conn)
        })
        .await
        .map_err(|e| backend(format!("database task failed: {e}")))??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub async fn info(&self) -> DbResult<(Uuid, u64)> {
        self.run(|conn| {
            let tx = conn.transaction()?;
            let id: String = tx.query_row(
                "SELECT value FROM meta WHERE key = 'server_id'",
                [],
                |row| row.get(0),
            )?;
            let head: i64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |row| {
                    row.get(0)
                })?;
            Ok((parse_uuid(&id)?, u64::try_from(head).unwrap_or(0)))
        })
        .await
    }

    pub async fn new_server_id(&self) -> DbResult<Uuid> {
        self.run(|conn| {
            let id = Uuid::now_v7();
            conn.execute("INSERT INTO meta(key, value) VALUES ('server_id', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [id.to_string()])?;
            Ok(id)
        })
        .await
    }

    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> DbResult<Uuid> {
        let (email, name, password_hash) = (
            email.trim().to_owned(),
            name.to_owned(),
            password_hash.to_owned(),
        );
        self.run(move |conn| {
            let id = Uuid::now_v7();
            let inserted = conn.execute(
                "INSERT INTO app_user(id, email, email_key, name, password_hash, active, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
                 ON CONFLICT(email_key) DO NOTHING",
                params![id.to_string(), email, email_key(&email), name, password_hash, now_ms()],
            )?;
            if inserted == 0 {
                return Err(DbError::Conflict(format!("A user with the email {email} exists already.")));
            }
            Ok(id)
        })
        .await
    }

    pub async fn user_by_email(&self, email: &str) -> DbResult<Option<User>> {
        let key = email_key(email);
        self.run(move |conn| {
            let row = conn
                .query_row("SELECT id, email, name, password_hash, active FROM app_user WHERE email_key = ?1", [key], |row| {
                    Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get::<_, i64>(4)?))
                })
                .optional()?;
            row.map(|(id, email, name, password_hash, active)| Ok(User { id: parse_uuid(&id)?, email, name, password_hash, active: active != 0 })).transpose()
        })
        .await
    }

    pub async fn register_device(&self, device: Uuid, user: Uuid, name: &str) -> DbResult<String> {
        let name = name.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let known: Option<String> = tx.query_row("SELECT series FROM device WHERE id = ?1", [device.to_string()], |row| row.get(0)).optional()?;
            let series = match known {
                Some(series) => {
                    tx.execute("UPDATE device SET user_id = ?2, name = ?3 WHERE id = ?1", params![device.to_string(), user.to_string(), name])?;
                    series
                }
                None => {
                    let taken: HashSet<String> = tx.prepare("SELECT series FROM device")?.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
                    let series = (0..)
                        .map(series_name)
                        .take_while(Option::is_some)
                        .flatten()
                        .find(|series| !taken.contains(series))
                        .ok_or_else(|| backend("every number series (A to ZZZ) is taken"))?;
                    tx.execute(
                        "INSERT INTO device(id, user_id, name, series, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![device.to_string(), user.to_string(), name, series, now_ms()],
                    )?;
                    series
                }
            };
            tx.commit()?;
            Ok(series)
        })
        .await
    }

    pub async fn insert_token(&self, token_hash: &str, owner: TokenOwner) -> DbResult<()> {
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO token(hash, user_id, device, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![
                    hash,
                    owner.user_id.to_string(),
                    owner.device.to_string(),
                    now_ms()
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn token_owner(&self, token_hash: &str) -> DbResult<Option<TokenOwner>> {
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT t.user_id, t.device FROM token t JOIN app_user u ON u.id = t.user_id
                     WHERE t.hash = ?1 AND t.revoked_ms IS NULL AND u.active = 1",
                    [hash],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            row.map(|(user, device)| {
                Ok(TokenOwner {
                    user_id: parse_uuid(&user)?,
                    device: parse_uuid(&device)?,
                })
            })
            .transpose()
        })
        .await
    }

    pub async fn revoke_token(&self, token_hash: &str) -> DbResult<()> {
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "UPDATE token SET revoked_ms = ?2 WHERE hash = ?1 AND revoked_ms IS NULL",
                params![hash, now_ms()],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn revoke_device(&self, device: Uuid) -> DbResult<u64> {
        self.run(move |conn| {
            let revoked = conn.execute(
                "UPDATE token SET revoked_ms = ?2 WHERE device = ?1 AND revoked_ms IS NULL",
                params![device.to_string(), now_ms()],
            )?;
            Ok(revoked as u64)
        })
        .await
    }

    pub async fn push(&self, changes: &[Change]) -> DbResult<Pushed> {
        // Serialize on the async side: the blocking closure must own its data anyway.
        let prepared = changes
            .iter()
            .map(|change| {
                Ok((
                    change.clone(),
                    serde_json::to_string(change).map_err(backend)?,
                ))
            })
            .collect::<DbResult<Vec<_>>>()?;
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut appended: Option<(u64, u64)> = None;
            let mut fresh = Vec::new();
            {
                // Look first, then insert: an `INSERT … ON CONFLICT DO NOTHING` would burn an
                // AUTOINCREMENT number on every duplicate and leave gaps in the log.
                let mut held =
                    tx.prepare_cached("SELECT 1 FROM change_log WHERE change_id = ?1")?;
                let mut append =
                    tx.prepare_cached("INSERT INTO change_log(change_id, body) VALUES (?1, ?2)")?;
                for (change, body) in &prepared {
                    let id = change.change_id.to_string();
                    if !held.exists([&id])? {
                        append.execute(params![id, body])?;
                        let seq = u64::try_from(tx.last_insert_rowid()).map_err(backend)?;
                        appended = Some((appended.map_or(seq, |(first, _)| first), seq));
                        fresh.push(change);
                    }
                }
            }
            merge(&tx, &Batch::of(fresh)?)?;
            tx.commit()?;
            Ok(Pushed {
                accepted: prepared
                    .into_iter()
                    .map(|(change, _)| change.change_id)
                    .collect(),
                appended,
            })
        })
        .await
    }

    pub async fn pull(&self, after: u64, limit: u32) -> DbResult<(Vec<Sequenced>, u64)> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let mut page = Vec::new();
            {
                let mut select = tx.prepare_cached(
                    "SELECT seq, body FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let mut rows = select.query(params![after, i64::from(limit)])?;
                while let Some(row) = rows.next()? {
                    let seq: i64 = row.get(0)?;
                    let body: String = row.get(1)?;
                    let change: Change = serde_json::from_str(&body)
                        .map_err(|e| backend(format!("change_log seq {seq}: {e}")))?;
                    page.push(Sequenced {
                        seq: u64::try_from(seq).map_err(backend)?,
                        change,
                    });
                }
            }
            let last = page
                .last()
                .map_or(after, |s| i64::try_from(s.seq).unwrap_or(i64::MAX));
            let remaining: i64 = tx.query_row(
                "SELECT COUNT(*) FROM change_log WHERE seq > ?1",
                [last],
                |row| row.get(0),
            )?;
            Ok((page, u64::try_from(remaining).unwrap_or(0)))
        })
        .await
    }

    pub async fn snapshot(&self) -> DbResult<Snapshot> {
        self.run(|conn| {
            let tx = conn.transaction()?;
            let mut snapshot = Snapshot::default();
            {
                let mut records = tx.prepare("SELECT tbl, row_id, body FROM record")?;
                let mut rows = records.query([])?;
                while let Some(row) = rows.next()? {
                    let record = Record::parse(&row.get::<_, String>(2)?)?;
                    snapshot
                        .rows
                        .insert((row.get(0)?, row.get(1)?), record.into_values());
                }
                let mut tombs =
                    tx.prepare("SELECT tbl, row_id, hlc, device, change_id FROM tombstone")?;
                let mut rows = tombs.query([])?;
                while let Some(row) = rows.next()? {
                    let version = version_from(
                        row.get(2)?,
                        &row.get::<_, String>(3)?,
                        &row.get::<_, String>(4)?,
                    )?;
                    snapshot
                        .tombstones
                        .insert((row.get(0)?, row.get(1)?), version);
                }
            }
            Ok(snapshot)
        })
        .await
    }
}

/// Merge a push's new changes into the data (the rules of `crm_sync::merge`).
fn merge(tx: &rusqlite::Transaction<'_>, batch: &Batch) -> DbResult<()> {
    for ((table, row), version) in &batch.deletes {
        tx.prepare_cached("DELETE FROM record WHERE tbl = ?1 AND row_id = ?2")?
            .execute(params![table, row])?;
        // The tombstone keeps the smallest delete version, whatever the order of arrival.
        tx.prepare_cached(
            "INSERT INTO tombstone(tbl, row_id, hlc, device, change_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(tbl, row_id) DO UPDATE SET hlc = excluded.hlc, device = excluded.device, change_id = excluded.change_id
             WHERE (excluded.hlc, excluded.device, excluded.change_id) < (tombstone.hlc, tombstone.device, tombstone.change_id)",
        )?
        .execute(params![table, row, sql_hlc(version.stamp.hlc)?, version.stamp.device.to_string(), version.change_id.to_string()])?;
    }
    let mut deleted = tx.prepare_cached("SELECT 1 FROM tombstone WHERE tbl = ?1 AND row_id = ?2")?;
    let mut held = tx.prepare_cached("SELECT body FROM record WHERE tbl = ?1 AND row_id = ?2")?;
    let mut insert = tx.prepare_cached("INSERT INTO record(tbl, row_id, body) VALUES (?1, ?2, ?3)")?;
    let mut update = tx.prepare_cached("UPDATE record SET body = ?3 WHERE tbl = ?1 AND row_id = ?2")?;
    for ((table, row), writes) in &batch.records {
        // Sets for a deleted row are ignored.
        if deleted.exists(params![table, row])? {
            continue;
        }
        let body: Option<String> = held.query_row(params![table, row], |r| r.get(0)).optional()?;
        match body {
            None => {
                insert.execute(params![table, row, writes.to_json()?])?;
            }
            Some(body) => {
                let mut record = Record::parse(&body)?;
                if record.absorb(writes) {
                    update.execute(params![table, row, record.to_json()?])?;
                }
            }
        }
    }
    Ok(())
}

/// Convert the per-column table of older servers (`cell`) into records, once, when opening.
fn convert_cells(tx: &rusqlite::Transaction<'_>) -> DbResult<()> {
    let old: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cell')", [], |row| row.get(0))?;
    if !old {
        return Ok(());
    }
    let records = {
        let mut cells = tx.prepare("SELECT tbl, row_id, col, value, hlc, device, change_id FROM cell")?;
        let rows = cells.query_map([], |row| {
            Ok(((row.get::<_, String>(0)?, row.get::<_, String>(1)?), row.get::<_, String>(2)?, row.get::<_, String>(3)?, row.get::<_, i64>(4)?, row.get::<_, String>(5)?, row.get::<_, String>(6)?))
        })?;
        fold_cells(rows.map(|row| {
            let (key, column, value, hlc, device, change_id) = row?;
            Ok((key, column, value, version_from(hlc, &device, &change_id)?))
        }))?
    };
    let mut insert = tx.prepare("INSERT INTO record(tbl, row_id, body) VALUES (?1, ?2, ?3)")?;
    for ((table, row), record) in &records {
        insert.execute(params![table, row, record.to_json()?])?;
    }
    tx.execute_batch("DROP TABLE cell")?;
    Ok(())
}

#[cfg(test)]
mod tests;
