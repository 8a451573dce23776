//! The PostgreSQL backend: a `postgres://` URL, a few pooled connections.
//!
//! The tables have the SQLite backend's shape (see `sqlite.rs`): `meta`, `app_user`, `device`,
//! `token`, `change_log(seq, change_id, body)` with each change's JSON text, and the merged data
//! per record (`record`, see `record.rs`) plus the first delete of each deleted row
//! (`tombstone`). UUIDs are stored as
//! their lowercase hyphenated text in `COLLATE "C"` columns, whose byte order is the order of the
//! UUIDs' bytes, so SQL row-value comparisons order versions exactly like [`crm_sync::Version`].
//!
//! # Order and visibility
//!
//! A push takes `LOCK TABLE change_log IN EXCLUSIVE MODE` (readers go on, other pushes wait),
//! numbers its new changes `max(seq) + 1, + 2, …` inside that lock and commits. PostgreSQL makes a
//! commit visible before it releases the transaction's locks, so by the time the next push can
//! append, every smaller number is committed and visible: the committed log is always the dense
//! prefix `1..=n`, and a pull can never see `n + 1` before `n`.
//!
//! # Durability
//!
//! Every connection sets `synchronous_commit = on`, so `push` returns only after its commit is
//! flushed (whatever the server's default is).
//!
//! # Merging a batch
//!
//! A push merges all its new changes with a handful of set-based statements instead of one per
//! change. The batch is first reduced in memory to what it does ([`Batch`]: one tombstone
//! candidate per row, one set of column writes per record). Tombstones are upserted with a "keep
//! the smaller version" condition; the records it writes are read, merged with those writes in
//! Rust and written back, which is safe because the push holds the append lock (no other push
//! writes records meanwhile).
//!
//! Plain TCP without TLS: run it on loopback or a private network.

use std::{
    collections::{BTreeMap, HashSet},
    ops::{Deref, DerefMut},
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use crm_sync::{Change, Stamp, Version, protocol::Sequenced};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::{Client, Config, IsolationLevel, NoTls, Transaction, error::SqlState};
use uuid::Uuid;

use super::{
    DbError, DbResult, Pushed, Snapshot, TokenOwner, User,
    record::{Batch, Record, fold_cells},
    series_name, sql_hlc,
};

/// The most connections one server opens.
const POOL_SIZE: usize = 8;

/// The advisory lock key that serializes schema creation (two servers starting at once).
const SCHEMA_LOCK: i64 = 0x0063_726d_7379_6e63; // "crmsync"

const SCHEMA: &str = r#"
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
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS device (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES app_user(id),
    name TEXT NOT NULL,
    series TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS token (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES app_user(id),
    device TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX IF NOT EXISTS token_device ON token(device);
CREATE TABLE IF NOT EXISTS change_log (
    seq BIGINT PRIMARY KEY CHECK (seq > 0),
    change_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record (
    tbl TEXT COLLATE "C" NOT NULL,
    row_id TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
CREATE TABLE IF NOT EXISTS tombstone (
    tbl TEXT COLLATE "C" NOT NULL,
    row_id TEXT COLLATE "C" NOT NULL,
    hlc BIGINT NOT NULL,
    device TEXT COLLATE "C" NOT NULL,
    change_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tbl, row_id)
);
"#;

impl From<tokio_postgres::Error> for DbError {
    fn from(error: tokio_postgres::Error) -> Self {
        if let Some(db) = error.as_db_error() {
            let text = match db.detail() {
                Some(detail) => format!("{} ({detail})", db.message()),
                None => db.message().to_owned(),
            };
            if *db.code() == SqlState::UNIQUE_VIOLATION {
                return DbError::Conflict(text);
            }
            return DbError::Backend(format!("postgres: {text}"));
        }
        match std::error::Error::source(&error) {
            Some(source) => DbError::Backend(format!("postgres: {error}: {source}")),
            None => DbError::Backend(format!("postgres: {error}")),
        }
    }
}

fn backend(what: impl std::fmt::Display) -> DbError {
    DbError::Backend(what.to_string())
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn parse_uuid(text: &str) -> DbResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| backend(format!("bad uuid {text:?} in the database: {e}")))
}


fn version_from(hlc: i64, device: &str, change_id: &str) -> DbResult<Version> {
    let hlc = u64::try_from(hlc).map_err(|_| backend(format!("negative hlc {hlc} in the database")))?;
    Ok(Version { stamp: Stamp::new(hlc, parse_uuid(device)?), change_id: parse_uuid(change_id)? })
}

/// The key a user's email is unique under (case-insensitive, surrounding spaces ignored): the
/// same as the SQLite backend's.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A few connections, opened on demand and reused; at most [`POOL_SIZE`] at a time.
struct Pool {
    config: Config,
    idle: Mutex<Vec<Client>>,
    permits: Semaphore,
}

/// A connection taken from the [`Pool`]; goes back when dropped (unless it broke).
///
/// A request cancelled in the middle of a transaction is safe: dropping a
/// `tokio_postgres::Transaction` queues its `ROLLBACK` before the connection can be used again.
struct Conn<'a> {
    client: Option<Client>,
    pool: &'a Pool,
    _permit: SemaphorePermit<'a>,
}

impl Pool {
    async fn get(&self) -> DbResult<Conn<'_>> {
        let permit = self.permits.acquire().await.map_err(backend)?;
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            std::iter::from_fn(|| idle.pop()).find(|client| !client.is_closed())
        };
        let client = match reused {
            Some(client) => client,
            None => self.connect().await?,
        };
        Ok(Conn { client: Some(client), pool: self, _permit: permit })
    }

    async fn connect(&self) -> DbResult<Client> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            // Ends when the client is dropped or the server goes away; the client then reports
            // the error on its next query (and the pool drops it).
            let _ = connection.await;
        });
        client.batch_execute("SET synchronous_commit = on; SET client_encoding = 'UTF8'").await?;
        Ok(client)
    }
}

impl Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("present until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
        {
            self.pool.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(client);
        }
    }
}

/// The PostgreSQL backend (see the module docs).
pub struct PostgresDb {
    pool: Pool,
}

impl PostgresDb {
    /// Connect to `url` (a libpq-style `postgres://` URL), create the schema when missing and
    /// the server id when new.
    pub async fn open(url: &str) -> DbResult<Self> {
        let config: Config = url.parse().map_err(|e| backend(format!("bad PostgreSQL URL: {e}")))?;
        let db = Self { pool: Pool { config, idle: Mutex::new(Vec::new()), permits: Semaphore::new(POOL_SIZE) } };
        {
            let mut conn = db.pool.get().await?;
            let tx = conn.transaction().await?;
            // `CREATE TABLE IF NOT EXISTS` is not safe against a concurrent twin: serialize.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK]).await?;
            tx.batch_execute(SCHEMA).await?;
            convert_cells(&tx).await?;
            tx.execute("INSERT INTO meta(key, value) VALUES ('server_id', $1) ON CONFLICT (key) DO NOTHING", &[&Uuid::now_v7().to_string()]).await?;
            tx.commit().await?;
        }
        Ok(db)
    }

    pub async fn info(&self) -> DbResult<(Uuid, u64)> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_one("SELECT (SELECT value FROM meta WHERE key = 'server_id'), (SELECT COALESCE(MAX(seq), 0) FROM change_log)", &[])
            .await?;
        let id: Option<String> = row.get(0);
        let head: i64 = row.get(1);
        let id = id.ok_or_else(|| backend("the database has no server id"))?;
        Ok((parse_uuid(&id)?, u64::try_from(head).unwrap_or(0)))
    }

    pub async fn new_server_id(&self) -> DbResult<Uuid> {
        let conn = self.pool.get().await?;
        let id = Uuid::now_v7();
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('server_id', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&id.to_string()],
        )
        .await?;
        Ok(id)
    }

    pub async fn create_user(&self, email: &str, name: &str, password_hash: &str) -> DbResult<Uuid> {
        let email = email.trim();
        let conn = self.pool.get().await?;
        let id = Uuid::now_v7();
        let inserted = conn
            .execute(
                "INSERT INTO app_user(id, email, email_key, name, password_hash, active, created_ms) VALUES ($1, $2, $3, $4, $5, TRUE, $6)
                 ON CONFLICT (email_key) DO NOTHING",
                &[&id.to_string(), &email, &email_key(email), &name, &password_hash, &now_ms()],
            )
            .await?;
        if inserted == 0 {
            return Err(DbError::Conflict(format!("A user with the email {email} exists already.")));
        }
        Ok(id)
    }

    pub async fn user_by_email(&self, email: &str) -> DbResult<Option<User>> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt("SELECT id, email, name, password_hash, active FROM app_user WHERE email_key = $1", &[&email_key(email)])
            .await?;
        row.map(|row| {
            Ok(User {
                id: parse_uuid(row.get(0))?,
                email: row.get(1),
                name: row.get(2),
                password_hash: row.get(3),
                active: row.get(4),
            })
        })
        .transpose()
    }

    pub async fn register_device(&self, device: Uuid, user: Uuid, name: &str) -> DbResult<String> {
        let (device, user) = (device.to_string(), user.to_string());
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        // One registration at a time, so two new devices never pick the same free series.
        tx.batch_execute("LOCK TABLE device IN SHARE ROW EXCLUSIVE MODE").await?;
        let known = tx.query_opt("SELECT series FROM device WHERE id = $1", &[&device]).await?;
        let series = match known {
            Some(row) => {
                let series: String = row.get(0);
                tx.execute("UPDATE device SET user_id = $2, name = $3 WHERE id = $1", &[&device, &user, &name]).await?;
                series
            }
            None => {
                let taken: HashSet<String> = tx.query("SELECT series FROM device", &[]).await?.iter().map(|row| row.get(0)).collect();
                let series = (0..)
                    .map(series_name)
                    .take_while(Option::is_some)
                    .flatten()
                    .find(|series| !taken.contains(series))
                    .ok_or_else(|| backend("every number series (A to ZZZ) is taken"))?;
                tx.execute(
                    "INSERT INTO device(id, user_id, name, series, created_ms) VALUES ($1, $2, $3, $4, $5)",
                    &[&device, &user, &name, &series, &now_ms()],
                )
                .await?;
                series
            }
        };
        tx.commit().await?;
        Ok(series)
    }

    pub async fn insert_token(&self, token_hash: &str, owner: TokenOwner) -> DbResult<()> {
        let conn = self.pool.get().await?;
        conn.execute(
            "INSERT INTO token(hash, user_id, device, created_ms) VALUES ($1, $2, $3, $4)",
            &[&token_hash, &owner.user_id.to_string(), &owner.device.to_string(), &now_ms()],
        )
        .await?;
        Ok(())
    }

    pub async fn token_owner(&self, token_hash: &str) -> DbResult<Option<TokenOwner>> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_opt(
                "SELECT t.user_id, t.device FROM token t JOIN app_user u ON u.id = t.user_id
                 WHERE t.hash = $1 AND t.revoked_ms IS NULL AND u.active",
                &[&token_hash],
            )
            .await?;
        row.map(|row| Ok(TokenOwner { user_id: parse_uuid(row.get(0))?, device: parse_uuid(row.get(1))? })).transpose()
    }

    pub async fn revoke_token(&self, token_hash: &str) -> DbResult<()> {
        let conn = self.pool.get().await?;
        conn.execute("UPDATE token SET revoked_ms = $2 WHERE hash = $1 AND revoked_ms IS NULL", &[&token_hash, &now_ms()]).await?;
        Ok(())
    }

    pub async fn revoke_device(&self, device: Uuid) -> DbResult<u64> {
        let conn = self.pool.get().await?;
        let revoked =
            conn.execute("UPDATE token SET revoked_ms = $2 WHERE device = $1 AND revoked_ms IS NULL", &[&device.to_string(), &now_ms()]).await?;
        Ok(revoked)
    }

    pub async fn push(&self, changes: &[Change]) -> DbResult<Pushed> {
        let accepted: Vec<Uuid> = changes.iter().map(|change| change.change_id).collect();
        if changes.is_empty() {
            return Ok(Pushed { accepted, appended: None });
        }
        // Each id once, at its first place in the request.
        let mut once = HashSet::new();
        let unique: Vec<&Change> = changes.iter().filter(|change| once.insert(change.change_id)).collect();
        let ids: Vec<String> = unique.iter().map(|change| change.change_id.to_string()).collect();

        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        // The append lock (see the module docs). Pulls only read and are not blocked.
        tx.batch_execute("LOCK TABLE change_log IN EXCLUSIVE MODE").await?;
        let held: HashSet<String> =
            tx.query("SELECT change_id FROM change_log WHERE change_id = ANY($1)", &[&ids]).await?.iter().map(|row| row.get(0)).collect();
        let (fresh, fresh_ids): (Vec<&Change>, Vec<String>) = unique.into_iter().zip(ids).filter(|(_, id)| !held.contains(id)).unzip();
        if fresh.is_empty() {
            tx.commit().await?;
            return Ok(Pushed { accepted, appended: None });
        }

        let head: i64 = tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM change_log", &[]).await?.get(0);
        let seqs: Vec<i64> = (1..).take(fresh.len()).map(|n| head + n).collect();
        let bodies = fresh.iter().map(|change| serde_json::to_string(change).map_err(backend)).collect::<DbResult<Vec<String>>>()?;
        tx.execute(
            "INSERT INTO change_log(seq, change_id, body) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[])",
            &[&seqs, &fresh_ids, &bodies],
        )
        .await?;

        merge(&tx, &Batch::of(fresh)?).await?;
        tx.commit().await?;
        let (first, last) = (seqs[0], seqs[seqs.len() - 1]);
        Ok(Pushed { accepted, appended: Some((u64::try_from(first).map_err(backend)?, u64::try_from(last).map_err(backend)?)) })
    }

    pub async fn pull(&self, after: u64, limit: u32) -> DbResult<(Vec<Sequenced>, u64)> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let mut conn = self.pool.get().await?;
        // One snapshot for the page and the count.
        let tx = conn.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await?;
        let rows = tx.query("SELECT seq, body FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2", &[&after, &i64::from(limit)]).await?;
        let page = rows
            .iter()
            .map(|row| {
                let seq: i64 = row.get(0);
                let change: Change = serde_json::from_str(row.get(1)).map_err(|e| backend(format!("change_log seq {seq}: {e}")))?;
                Ok(Sequenced { seq: u64::try_from(seq).map_err(backend)?, change })
            })
            .collect::<DbResult<Vec<_>>>()?;
        let last = page.last().map_or(after, |s| i64::try_from(s.seq).unwrap_or(i64::MAX));
        let remaining: i64 = tx.query_one("SELECT COUNT(*) FROM change_log WHERE seq > $1", &[&last]).await?.get(0);
        tx.commit().await?;
        Ok((page, u64::try_from(remaining).unwrap_or(0)))
    }

    pub async fn snapshot(&self) -> DbResult<Snapshot> {
        let mut conn = self.pool.get().await?;
        let tx = conn.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await?;
        let mut snapshot = Snapshot::default();
        for row in tx.query("SELECT tbl, row_id, body FROM record", &[]).await? {
            snapshot.rows.insert((row.get(0), row.get(1)), Record::parse(row.get(2))?.into_values());
        }
        for row in tx.query("SELECT tbl, row_id, hlc, device, change_id FROM tombstone", &[]).await? {
            let version = version_from(row.get(2), row.get(3), row.get(4))?;
            snapshot.tombstones.insert((row.get(0), row.get(1)), version);
        }
        tx.commit().await?;
        Ok(snapshot)
    }
}

/// Merge a push's new changes into the data (see the module docs). Runs under the append lock.
async fn merge(tx: &Transaction<'_>, batch: &Batch) -> DbResult<()> {
    if !batch.deletes.is_empty() {
        let (mut tbl, mut row_id, mut hlc, mut device, mut change_id) = (vec![], vec![], vec![], vec![], vec![]);
        for ((t, r), version) in &batch.deletes {
            tbl.push(t.as_str());
            row_id.push(r.as_str());
            hlc.push(sql_hlc(version.stamp.hlc)?);
            device.push(version.stamp.device.to_string());
            change_id.push(version.change_id.to_string());
        }
        tx.execute(
            "DELETE FROM record USING UNNEST($1::TEXT[], $2::TEXT[]) AS d(tbl, row_id) WHERE record.tbl = d.tbl AND record.row_id = d.row_id",
            &[&tbl, &row_id],
        )
        .await?;
        // The tombstone keeps the smallest delete version, whatever the order of arrival.
        tx.execute(
            "INSERT INTO tombstone(tbl, row_id, hlc, device, change_id)
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[])
             ON CONFLICT (tbl, row_id) DO UPDATE SET hlc = excluded.hlc, device = excluded.device, change_id = excluded.change_id
             WHERE (excluded.hlc, excluded.device, excluded.change_id) < (tombstone.hlc, tombstone.device, tombstone.change_id)",
            &[&tbl, &row_id, &hlc, &device, &change_id],
        )
        .await?;
    }
    if batch.records.is_empty() {
        return Ok(());
    }
    let (tbl, row_id): (Vec<&str>, Vec<&str>) = batch.records.keys().map(|(t, r)| (t.as_str(), r.as_str())).unzip();
    // Sets for a deleted row are ignored.
    let deleted: HashSet<(String, String)> = tx
        .query(
            "SELECT t.tbl, t.row_id FROM tombstone t JOIN UNNEST($1::TEXT[], $2::TEXT[]) AS k(tbl, row_id) ON t.tbl = k.tbl AND t.row_id = k.row_id",
            &[&tbl, &row_id],
        )
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let mut held: BTreeMap<(String, String), Record> = BTreeMap::new();
    for row in tx
        .query("SELECT r.tbl, r.row_id, r.body FROM record r JOIN UNNEST($1::TEXT[], $2::TEXT[]) AS k(tbl, row_id) ON r.tbl = k.tbl AND r.row_id = k.row_id", &[&tbl, &row_id])
        .await?
    {
        held.insert((row.get(0), row.get(1)), Record::parse(row.get(2))?);
    }
    let (mut tbl, mut row_id, mut body) = (vec![], vec![], vec![]);
    for (key, writes) in &batch.records {
        if deleted.contains(key) {
            continue;
        }
        let text = match held.get_mut(key) {
            None => writes.to_json()?,
            Some(record) => {
                if !record.absorb(writes) {
                    continue;
                }
                record.to_json()?
            }
        };
        tbl.push(key.0.as_str());
        row_id.push(key.1.as_str());
        body.push(text);
    }
    tx.execute(
        "INSERT INTO record(tbl, row_id, body) SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[])
         ON CONFLICT (tbl, row_id) DO UPDATE SET body = excluded.body",
        &[&tbl, &row_id, &body],
    )
    .await?;
    Ok(())
}

/// Convert the per-column table of older servers (`cell`) into records, once, when opening
/// (under the schema lock).
async fn convert_cells(tx: &Transaction<'_>) -> DbResult<()> {
    let old: bool = tx.query_one("SELECT to_regclass('cell') IS NOT NULL", &[]).await?.get(0);
    if !old {
        return Ok(());
    }
    let rows = tx.query("SELECT tbl, row_id, col, value, hlc, device, change_id FROM cell", &[]).await?;
    let records = fold_cells(rows.iter().map(|row| Ok(((row.get(0), row.get(1)), row.get(2), row.get(3), version_from(row.get(4), row.get(5), row.get(6))?))))?;
    let (mut tbl, mut row_id, mut body) = (vec![], vec![], vec![]);
    for ((t, r), record) in &records {
        tbl.push(t.as_str());
        row_id.push(r.as_str());
        body.push(record.to_json()?);
    }
    tx.execute("INSERT INTO record(tbl, row_id, body) SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[])", &[&tbl, &row_id, &body]).await?;
    tx.batch_execute("DROP TABLE cell").await?;
    Ok(())
}

/// These need a running PostgreSQL: `CRM_TEST_POSTGRES_URL` names it (for example the URL that
/// `scripts/postgres.sh start DIR` prints). Without it they say so and pass. Each test works in
/// a database of its own (dropped at the end), so they can run in parallel.
#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, sync::Arc, time::Instant};

    use crm_sync::{Op, Replica, stamp::pack};
    use serde_json::{Value, json};

    use super::*;
    use crate::db::testing::Rng;

    const URL_VAR: &str = "CRM_TEST_POSTGRES_URL";

    /// A fresh database on the test server.
    struct TestDb {
        db: Arc<PostgresDb>,
        url: String,
        name: String,
        admin: Client,
    }

    /// `url` with its database name replaced by `name`.
    fn with_database(url: &str, name: &str) -> String {
        let (main, query) = url.split_once('?').map_or((url, None), |(main, query)| (main, Some(query)));
        let host_start = main.find("://").map_or(0, |i| i + 3);
        let base = main[host_start..].find('/').map_or(main, |i| &main[..host_start + i]);
        match query {
            Some(query) => format!("{base}/{name}?{query}"),
            None => format!("{base}/{name}"),
        }
    }

    async fn admin(url: &str) -> Client {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap_or_else(|e| panic!("{URL_VAR}={url}: {e}"));
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    /// A new empty database and the backend opened on it; `None` (test skipped) without a server.
    async fn fresh(test: &str) -> Option<TestDb> {
        let Ok(base) = std::env::var(URL_VAR) else {
            eprintln!("{test}: skipped, {URL_VAR} is not set (scripts/postgres.sh start DIR prints a URL for it)");
            return None;
        };
        let admin = admin(&base).await;
        let name = format!("crm_test_{}_{}", std::process::id(), Uuid::now_v7().simple());
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        let url = with_database(&base, &name);
        let db = Arc::new(PostgresDb::open(&url).await.unwrap());
        Some(TestDb { db, url, name, admin })
    }

    impl TestDb {
        /// Drop the database (its connections first).
        async fn finish(self) {
            drop(self.db);
            self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await.unwrap();
        }
    }

    /// A random change for tables named after `space` (histories in one database stay apart), with
    /// a random change id, so the order of ids is not the order of making.
    fn random_change(rng: &mut Rng, space: u64) -> Change {
        let change_id = Uuid::from_u128((u128::from(rng.next()) << 64) | u128::from(rng.next()));
        crate::db::testing::random_change(rng, [&format!("contact{space}"), &format!("company{space}")], change_id)
    }

    fn ids(changes: &[Change]) -> Vec<Uuid> {
        changes.iter().map(|change| change.change_id).collect()
    }

    #[tokio::test]
    async fn random_histories_match_the_reference_model() {
        let Some(t) = fresh("random_histories_match_the_reference_model").await else { return };
        let db = &t.db;
        // Histories on disjoint tables share the database; the reference applies all of them.
        let mut replica = Replica::new();
        let mut log_order = Vec::new();
        let mut made = BTreeMap::new();
        for seed in 1..=16u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let pool: Vec<Change> = (0..80).map(|_| random_change(&mut rng, seed)).collect();
            made.extend(pool.iter().map(|change| (change.change_id, change.clone())));
            for _ in 0..12 {
                // Batches draw from the pool with repetition: duplicates across and within batches.
                let batch: Vec<Change> = (0..rng.below(25) + 1).map(|_| pool[rng.below(pool.len() as u64) as usize].clone()).collect();
                let head = log_order.len() as u64;
                let pushed = db.push(&batch).await.unwrap();
                assert_eq!(pushed.accepted, ids(&batch), "every id, in request order");
                for change in &batch {
                    if !replica.seen.contains(&change.change_id) {
                        log_order.push(change.change_id);
                    }
                    replica.apply(change);
                }
                let appended = log_order.len() as u64 - head;
                assert_eq!(pushed.appended, (appended > 0).then(|| (head + 1, head + appended)), "the numbers this push appended");
            }
            assert_eq!(db.snapshot().await.unwrap(), Snapshot::of(&replica), "seed {seed}");
        }
        assert!(!replica.tombstones.is_empty() && replica.rows.len() > 16, "the histories delete some rows and keep others");

        let (page, remaining) = db.pull(0, 100_000).await.unwrap();
        assert_eq!(remaining, 0);
        assert_eq!(page.iter().map(|s| s.change.change_id).collect::<Vec<_>>(), log_order, "each new change once, in arrival order");
        assert_eq!(page.iter().map(|s| s.seq).collect::<Vec<_>>(), (1..=log_order.len() as u64).collect::<Vec<_>>());
        for sequenced in &page {
            assert_eq!(&sequenced.change, &made[&sequenced.change.change_id], "the body round-trips");
        }
        assert_eq!(db.info().await.unwrap().1, log_order.len() as u64);
        t.finish().await;
    }

    #[tokio::test]
    async fn equal_stamps_are_told_apart_by_the_change_id_and_deletes_win() {
        let Some(t) = fresh("equal_stamps_are_told_apart_by_the_change_id_and_deletes_win").await else { return };
        let db = &t.db;
        let row = "0190a4c2-7b1e-7000-8000-000000000001";
        let stamp = Stamp::new(pack(1_700_000_000_000, 0), Uuid::from_u128(0xd1));
        let set = |id: u128, value: &str| {
            let Value::Object(patch) = json!({"name": value}) else { unreachable!() };
            Change { change_id: Uuid::from_u128(id), table: "company".into(), row_id: row.into(), op: Op::Set(patch), stamp, user: "u".into() }
        };
        // The greater change id wins between equal stamps, in either order of arrival.
        db.push(&[set(0x0190_0000_0000_7000_8000_0000_0000_0002, "later")]).await.unwrap();
        db.push(&[set(0x0190_0000_0000_7000_8000_0000_0000_0001, "earlier")]).await.unwrap();
        let key = ("company".to_owned(), row.to_owned());
        assert_eq!(db.snapshot().await.unwrap().rows[&key]["name"], json!("later"));
        // A delete with an older stamp still wins, and so does the smallest of two deletes.
        let old = Stamp::new(pack(1_600_000_000_000, 0), Uuid::from_u128(0xd2));
        let delete = |id: u128, stamp: Stamp| Change { op: Op::Delete, stamp, ..set(id, "") };
        let first = delete(0x0190_0000_0000_7000_8000_0000_0000_0009, old);
        db.push(&[delete(0x0190_0000_0000_7000_8000_0000_0000_0003, stamp), first.clone()]).await.unwrap();
        // A set after the delete, with a newer stamp, is ignored.
        let newer = Change { stamp: Stamp::new(pack(1_800_000_000_000, 0), Uuid::from_u128(0xd1)), ..set(0x0190_0000_0000_7000_8000_0000_0000_0004, "zombie") };
        db.push(&[newer]).await.unwrap();
        let snapshot = db.snapshot().await.unwrap();
        assert!(snapshot.rows.is_empty());
        assert_eq!(snapshot.tombstones, BTreeMap::from([(key, first.version())]));
        assert_eq!(db.info().await.unwrap().1, 5);
        t.finish().await;
    }

    #[tokio::test]
    async fn a_server_that_stored_cells_opens_with_the_same_data_in_records() {
        use crate::db::testing::{check_converted, old_cells};
        let Some(t) = fresh("a_server_that_stored_cells_opens_with_the_same_data_in_records").await else { return };
        let owner = admin(&t.url).await;
        owner
            .batch_execute(
                r#"DROP TABLE record;
                CREATE TABLE cell (tbl TEXT COLLATE "C" NOT NULL, row_id TEXT COLLATE "C" NOT NULL, col TEXT COLLATE "C" NOT NULL, value TEXT NOT NULL,
                    hlc BIGINT NOT NULL, device TEXT COLLATE "C" NOT NULL, change_id TEXT COLLATE "C" NOT NULL, PRIMARY KEY (tbl, row_id, col))"#,
            )
            .await
            .unwrap();
        for (tbl, row, col, value, hlc, device, change) in old_cells() {
            owner.execute("INSERT INTO cell VALUES ($1, $2, $3, $4, $5, $6, $7)", &[&tbl, &row, &col, &value, &hlc, &device, &change]).await.unwrap();
        }
        let db = PostgresDb::open(&t.url).await.unwrap();
        check_converted(async || db.snapshot().await.unwrap(), async |changes| {
            db.push(&changes).await.unwrap();
        })
        .await;
        let cell: bool = owner.query_one("SELECT to_regclass('cell') IS NOT NULL", &[]).await.unwrap().get(0);
        assert!(!cell, "the per-column table is gone");
        drop(db);
        t.finish().await;
    }

    #[tokio::test]
    async fn pull_pages_and_counts_what_follows() {
        let Some(t) = fresh("pull_pages_and_counts_what_follows").await else { return };
        let db = &t.db;
        let mut rng = Rng(7);
        let changes: Vec<Change> = (0..7).map(|_| random_change(&mut rng, 0)).collect();
        assert_eq!(db.pull(0, 3).await.unwrap(), (vec![], 0), "an empty log");
        assert_eq!(db.push(&changes).await.unwrap().appended, Some((1, 7)));
        let page = |(page, remaining): (Vec<Sequenced>, u64)| (page.iter().map(|s| s.seq).collect::<Vec<_>>(), remaining);
        assert_eq!(page(db.pull(0, 3).await.unwrap()), (vec![1, 2, 3], 4));
        assert_eq!(page(db.pull(3, 3).await.unwrap()), (vec![4, 5, 6], 1));
        assert_eq!(page(db.pull(6, 3).await.unwrap()), (vec![7], 0));
        assert_eq!(page(db.pull(7, 3).await.unwrap()), (vec![], 0));
        assert_eq!(page(db.pull(2, 100).await.unwrap()), (vec![3, 4, 5, 6, 7], 0));
        assert_eq!(page(db.pull(u64::MAX, 3).await.unwrap()), (vec![], 0));
        let all = db.pull(0, 100).await.unwrap().0;
        assert_eq!(all.iter().map(|s| s.change.clone()).collect::<Vec<_>>(), changes, "bodies round-trip, in push order");
        // Pushing them again (and once more inside one request) adds nothing.
        let again: Vec<Change> = changes.iter().rev().chain(&changes).cloned().collect();
        assert_eq!(db.push(&again).await.unwrap(), Pushed { accepted: ids(&again), appended: None });
        assert_eq!(db.info().await.unwrap().1, 7);
        assert_eq!(db.push(&[]).await.unwrap(), Pushed { accepted: Vec::new(), appended: None });
        t.finish().await;
    }

    /// Eight pushers at once, and a puller that must never see a number before a smaller one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_pushes_get_dense_numbers_and_pulls_never_skip() {
        let Some(t) = fresh("concurrent_pushes_get_dense_numbers_and_pulls_never_skip").await else { return };
        const PUSHERS: u64 = 8;
        let shared = random_change(&mut Rng(99), 1000);
        let mut expected = BTreeSet::from([shared.change_id]);
        let mut tasks = Vec::new();
        for pusher in 0..PUSHERS {
            let mut rng = Rng(pusher + 1);
            let batches: Vec<Vec<Change>> = (0..25)
                .map(|n| {
                    let mut batch: Vec<Change> = (0..rng.below(20) + 1).map(|_| random_change(&mut rng, pusher)).collect();
                    if n == pusher {
                        batch.push(shared.clone()); // every pusher sends it; it is stored once
                    }
                    batch
                })
                .collect();
            expected.extend(batches.iter().flatten().map(|change| change.change_id));
            let db = Arc::clone(&t.db);
            tasks.push(tokio::spawn(async move {
                for batch in batches {
                    assert_eq!(db.push(&batch).await.unwrap().accepted, ids(&batch));
                }
            }));
        }
        let total = expected.len() as u64;
        let db = Arc::clone(&t.db);
        let puller = tokio::spawn(async move {
            let (mut cursor, mut pages, mut got) = (0u64, 0, Vec::new());
            while cursor < total {
                let (page, remaining) = db.pull(cursor, 7).await.unwrap();
                for sequenced in &page {
                    assert_eq!(sequenced.seq, cursor + 1, "no number is skipped or repeated");
                    cursor = sequenced.seq;
                    got.push(sequenced.change.change_id);
                }
                assert!(cursor + remaining <= total);
                pages += 1;
                if page.is_empty() {
                    tokio::task::yield_now().await;
                }
            }
            (got, pages)
        });
        for task in tasks {
            task.await.unwrap();
        }
        let (got, pages) = puller.await.unwrap();
        assert!(pages > 1);
        assert_eq!(got.len() as u64, total);
        assert_eq!(got.iter().copied().collect::<BTreeSet<_>>(), expected, "every change exactly once");
        assert_eq!(t.db.info().await.unwrap().1, total);
        t.finish().await;
    }

    #[tokio::test]
    async fn a_big_push_is_fast() {
        let Some(t) = fresh("a_big_push_is_fast").await else { return };
        let mut rng = Rng(5);
        let changes: Vec<Change> = (0..5_000).map(|n| random_change(&mut rng, n % 500)).collect();
        let started = Instant::now();
        assert_eq!(t.db.push(&changes).await.unwrap().accepted, ids(&changes));
        let elapsed = started.elapsed();
        eprintln!("a push of 5,000 changes took {elapsed:?}");
        let mut replica = Replica::new();
        changes.iter().for_each(|change| {
            replica.apply(change);
        });
        assert_eq!(t.db.snapshot().await.unwrap(), Snapshot::of(&replica));
        let (page, remaining) = t.db.pull(0, 5_000).await.unwrap();
        assert_eq!((page.len(), remaining), (5_000, 0));
        assert!(elapsed.as_secs_f64() < 5.0, "a push of 5,000 changes took {elapsed:?}");
        t.finish().await;
    }

    #[tokio::test]
    async fn users_devices_series_and_tokens() {
        let Some(t) = fresh("users_devices_series_and_tokens").await else { return };
        let db = &t.db;
        let maria = db.create_user(" Maria@Example.com ", "Maria", "$argon2id$hash").await.unwrap();
        let err = db.create_user("maria@EXAMPLE.com", "Other", "h").await.unwrap_err();
        assert!(matches!(err, DbError::Conflict(_)), "{err:?}");
        let user = db.user_by_email("MARIA@example.COM").await.unwrap().unwrap();
        assert_eq!(
            user,
            User { id: maria, email: "Maria@Example.com".into(), name: "Maria".into(), password_hash: "$argon2id$hash".into(), active: true }
        );
        assert_eq!(db.user_by_email("nobody@example.com").await.unwrap(), None);
        let ümit = db.create_user("ÜMIT@example.com", "Ümit", "h").await.unwrap();
        assert_eq!(db.user_by_email("ümit@example.com").await.unwrap().unwrap().id, ümit, "case folding beyond ASCII");

        let devices: Vec<Uuid> = (0..28).map(|n| Uuid::from_u128(0xde00 + n)).collect();
        let mut series = Vec::new();
        for device in &devices {
            series.push(db.register_device(*device, maria, "laptop").await.unwrap());
        }
        assert_eq!(series[..3], ["A", "B", "C"]);
        assert_eq!(series[25..], ["Z", "AA", "AB"]);
        assert!(series.iter().all(|s| crm_sync::protocol::is_valid_series(s)));
        // Stable on a later login, also when the device moves to another user.
        assert_eq!(db.register_device(devices[1], ümit, "renamed").await.unwrap(), "B");
        assert_eq!(db.register_device(devices[1], ümit, "renamed").await.unwrap(), "B");
        // Concurrent registrations of new devices never share a series.
        let news: Vec<_> = (0..6u128)
            .map(|n| {
                let db = Arc::clone(&t.db);
                tokio::spawn(async move { db.register_device(Uuid::from_u128(0xdf00 + n), maria, "new").await.unwrap() })
            })
            .collect();
        let mut new_series = BTreeSet::new();
        for task in news {
            new_series.insert(task.await.unwrap());
        }
        assert_eq!(new_series, ["AC", "AD", "AE", "AF", "AG", "AH"].map(String::from).into());

        let owner = TokenOwner { user_id: maria, device: devices[0] };
        db.insert_token("hash-1", owner).await.unwrap();
        db.insert_token("hash-2", owner).await.unwrap();
        db.insert_token("hash-3", TokenOwner { user_id: ümit, device: devices[1] }).await.unwrap();
        assert_eq!(db.token_owner("hash-1").await.unwrap(), Some(owner));
        assert_eq!(db.token_owner("unknown").await.unwrap(), None);
        db.revoke_token("hash-1").await.unwrap();
        db.revoke_token("hash-1").await.unwrap();
        assert_eq!(db.token_owner("hash-1").await.unwrap(), None);
        assert_eq!(db.token_owner("hash-2").await.unwrap(), Some(owner));
        assert_eq!(db.revoke_device(devices[0]).await.unwrap(), 1);
        assert_eq!(db.revoke_device(devices[0]).await.unwrap(), 0);
        assert_eq!(db.token_owner("hash-2").await.unwrap(), None);
        assert!(db.token_owner("hash-3").await.unwrap().is_some());
        t.finish().await;
    }

    #[tokio::test]
    async fn reopening_keeps_the_server_id_and_new_server_id_changes_it() {
        let Some(t) = fresh("reopening_keeps_the_server_id_and_new_server_id_changes_it").await else { return };
        let (id, head) = t.db.info().await.unwrap();
        assert_eq!(head, 0);
        let changes: Vec<Change> = (0..3).map(|_| random_change(&mut Rng(3), 0)).collect();
        t.db.push(&changes).await.unwrap();
        // Two servers starting at once on an existing database, then one more.
        let (a, b) = tokio::join!(PostgresDb::open(&t.url), PostgresDb::open(&t.url));
        assert_eq!(a.unwrap().info().await.unwrap(), (id, 1), "three copies of one change");
        assert_eq!(b.unwrap().info().await.unwrap(), (id, 1));
        let renewed = t.db.new_server_id().await.unwrap();
        assert_ne!(renewed, id);
        assert_eq!(t.db.info().await.unwrap(), (renewed, 1));
        assert_eq!(PostgresDb::open(&t.url).await.unwrap().info().await.unwrap(), (renewed, 1));
        t.finish().await;
    }

    #[tokio::test]
    async fn two_servers_create_the_schema_at_once() {
        let Some(t) = fresh("two_servers_create_the_schema_at_once").await else { return };
        let name = format!("{}_twin", t.name);
        t.admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        let url = with_database(&t.url, &name);
        let opened: Vec<_> = (0..4).map(|_| tokio::spawn({
            let url = url.clone();
            async move { PostgresDb::open(&url).await.unwrap().info().await.unwrap().0 }
        })).collect();
        let mut ids = BTreeSet::new();
        for task in opened {
            ids.insert(task.await.unwrap());
        }
        assert_eq!(ids.len(), 1, "one server id");
        t.admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
        t.finish().await;
    }

    #[test]
    fn urls_name_the_test_database() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(with_database("postgresql://u@h/db?sslmode=disable", "x"), "postgresql://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }
}
