//! Opening the SQLite database and the device-local state every write needs.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use uuid::Uuid;

use crate::{
    CoreError, Result,
    hlc::HlcClock,
    migrate,
    numbering::{self, DEFAULT_SERIES},
    time,
};

/// Another connection to the database file a [`Store`] has open. Without `CREATE`: a database
/// deleted meanwhile is not made again.
pub(crate) fn open_beside(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
}

/// The page cache (negative: KiB), see [`Store::open`].
pub(crate) const CACHE_KIB: i64 = -65_536;

/// The database and everything a write needs to stamp its changes: the device id, the hybrid
/// logical clock and the acting user. One `Store` per open database; callers that share it across
/// threads put it behind a mutex (SQLite connections are not `Sync`).
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) clock: HlcClock,
    pub(crate) device_id: Uuid,
    pub(crate) series: String,
    pub(crate) actor: String,
    path: Option<PathBuf>,
}

impl Store {
    /// Open (creating if needed) the database file at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let open_error = |reason: String| CoreError::Open { path: path.display().to_string(), reason };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| open_error(format!("cannot create folder {}: {e}", parent.display())))?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_error(e.to_string()))?;
        let mut store = Self::init(conn).map_err(|e| match e {
            CoreError::Storage(e) => open_error(e.to_string()),
            other => other,
        })?;
        store.path = Some(path.to_path_buf());
        Ok(store)
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        // WAL lets readers (exports, a second window) run beside the writer; NORMAL sync is
        // durable across application crashes and only risks the last commit on power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "busy_timeout", 5_000)?;
        // SQLite's default page cache is 2 MB. At a million contacts the indexes a write touches
        // (search tokens, change log) are far larger, and an import of 100k rows then waits on
        // disk for every other B-tree page. 64 MB of cache keeps the hot pages in memory (an
        // upper bound, not an allocation).
        //
        // No memory-mapped I/O: pages read through a map are not kept in the page cache, so in
        // WAL mode every page of every query is looked up in the WAL index again. A 50-row lead
        // page took 0.43 ms with a 256 MB map and 0.10 ms without (the benchmark database).
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // rusqlite keeps 16 prepared statements by default; one company write alone uses more
        // (row, log, number, tags, search, import record), so the cache thrashed and every
        // statement was compiled again for every row of an import.
        conn.set_prepared_statement_cache_capacity(128);
        let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        if !foreign_keys {
            return Err(CoreError::Migration("this SQLite build cannot enforce foreign keys".into()));
        }
        // Indexes a bulk sync dropped come back first: the migrations expect the whole schema.
        crate::sync::restore_indexes(&mut conn)?;
        migrate::run(&mut conn, time::now_ms() as i64)?;
        crate::search::ensure_current(&mut conn)?;
        crate::lead::pipeline::ensure_current(&mut conn)?;

        let device_id = match get_state::<String>(&conn, "device_id")? {
            Some(text) => Uuid::parse_str(&text).map_err(|e| CoreError::Migration(format!("stored device id: {e}")))?,
            None => {
                let id = Uuid::now_v7();
                set_state(&conn, "device_id", id.to_string())?;
                id
            }
        };
        let series = match get_state::<String>(&conn, "number_series")? {
            Some(series) => series,
            None => {
                set_state(&conn, "number_series", DEFAULT_SERIES)?;
                DEFAULT_SERIES.to_owned()
            }
        };
        let last_hlc = get_state::<i64>(&conn, "hlc")?.unwrap_or(0) as u64;
        Ok(Store {
            conn,
            clock: HlcClock::new(last_hlc, Box::new(time::now_ms)),
            device_id,
            series,
            actor: default_actor(),
            path: None,
        })
    }

    /// Who the change log records as the author of the following writes.
    pub fn set_actor(&mut self, actor: impl Into<String>) {
        self.actor = actor.into();
    }

    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A second connection to this database, to read beside a write transaction of this one
    /// (it sees what is committed, never the open transaction); `None` for a database in memory,
    /// which no other connection can open.
    pub(crate) fn reader(&self) -> Result<Option<Connection>> {
        let Some(path) = &self.path else { return Ok(None) };
        let conn = open_beside(path)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.pragma_update(None, "busy_timeout", 5_000)?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Some(conn))
    }

    pub fn number_series(&self) -> &str {
        &self.series
    }

    /// Give this device another number series (the sync server does this when a device joins).
    pub fn set_number_series(&mut self, series: &str) -> Result<()> {
        if !numbering::is_valid_series(series) {
            return Err(CoreError::invalid("number_series", "A series is one to three capital letters, e.g. B."));
        }
        set_state(&self.conn, "number_series", series)?;
        self.series = series.to_owned();
        Ok(())
    }

    /// Replace the wall clock (tests use this to simulate clock skew and time passing).
    pub fn set_wall_clock(&mut self, wall: Box<dyn Fn() -> u64 + Send>) {
        self.clock = HlcClock::new(self.clock.last(), wall);
    }

    /// Now, in Unix milliseconds, by the store's wall clock (which tests replace): what "due",
    /// "overdue" and "today" are measured against.
    pub fn now_ms(&self) -> i64 {
        self.clock.wall_now() as i64
    }

    /// Facts shown in the app's About panel.
    pub fn info(&self) -> Result<crm_model::AppInfo> {
        let count = |table: &str| -> Result<u64> {
            Ok(self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(crm_model::AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database_path: self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into()),
            device_id: self.device_id.to_string(),
            number_series: self.series.clone(),
            company_count: count("company")?,
            contact_count: count("contact")?,
        })
    }
}

fn default_actor() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "local user".into())
}

pub(crate) fn get_state<T: rusqlite::types::FromSql>(conn: &Connection, key: &str) -> Result<Option<T>> {
    Ok(conn.query_row("SELECT value FROM local_state WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub(crate) fn set_state(conn: &Connection, key: &str, value: impl rusqlite::ToSql) -> Result<()> {
    conn.execute(
        "INSERT INTO local_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
