//! The server's storage: users, devices, tokens, the change log and the merged copy of the data.
//!
//! Two backends with the same methods: SQLite (a file, the default) and PostgreSQL (a
//! `postgres://` URL). [`Db`] dispatches to one of them; every method is one transaction.

pub mod postgres;
pub mod record;
pub mod sqlite;
#[cfg(test)]
mod testing;

use crm_sync::{Change, Version, protocol::Sequenced};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A storage failure. Callers answer `internal` (and log the detail) unless a method documents a
/// more specific variant.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique value is taken (e.g. a user's email).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("storage: {0}")]
    Backend(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// The `n`th number series (0-based): `A` … `Z`, `AA` … `ZZ`, `AAA` … `ZZZ` (bijective base 26,
/// shortest first, so the first device of a server gets `A`). `None` past `ZZZ`. Both backends
/// hand out the first name no device holds.
pub fn series_name(mut n: usize) -> Option<String> {
    let mut len = 1;
    let mut block = 26;
    while n >= block {
        n -= block;
        len += 1;
        block *= 26;
        if len > 3 {
            return None;
        }
    }
    let mut letters = vec![b'A'; len];
    for slot in letters.iter_mut().rev() {
        *slot = b'A' + u8::try_from(n % 26).expect("below 26");
        n /= 26;
    }
    Some(String::from_utf8(letters).expect("ASCII"))
}

/// An HLC as both backends store it (a signed 64-bit integer). Valid stamps (the server checks
/// the skew bound first) are far below `i64::MAX`, so the signed integer orders them like the
/// `u64`.
pub fn sql_hlc(hlc: u64) -> DbResult<i64> {
    i64::try_from(hlc).map_err(|_| DbError::Backend(format!("hlc {hlc} does not fit a SQL integer")))
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub active: bool,
}

/// Who a valid (unrevoked) token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenOwner {
    pub user_id: Uuid,
    pub device: Uuid,
}

/// What a push stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// Every given change id, new and already held, in request order.
    pub accepted: Vec<Uuid>,
    /// The first and last sequence numbers appended, `None` when every change was held already.
    pub appended: Option<(u64, u64)>,
}

/// The merged copy of the data, for tests and the admin `dump` command: every live row's
/// columns, and the tombstoned rows with their first delete.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub rows: BTreeMap<(String, String), BTreeMap<String, Value>>,
    pub tombstones: BTreeMap<(String, String), Version>,
}

impl Snapshot {
    /// What the merge rules' reference model holds, in the same shape (tests compare the two).
    pub fn of(replica: &crm_sync::Replica) -> Snapshot {
        Snapshot {
            rows: replica.rows.iter().map(|(key, row)| (key.clone(), row.columns.iter().map(|(c, cell)| (c.clone(), cell.value.clone())).collect())).collect(),
            tombstones: replica.tombstones.clone(),
        }
    }
}

/// One of the two backends.
pub enum Db {
    Sqlite(sqlite::SqliteDb),
    // Boxed: a pool and its settings, far larger than the SQLite handle, held once per server.
    Postgres(Box<postgres::PostgresDb>),
}

macro_rules! dispatch {
    ($self:ident, $db:ident => $call:expr) => {
        match $self {
            Db::Sqlite($db) => $call.await,
            Db::Postgres($db) => $call.await,
        }
    };
}

impl Db {
    /// Open (creating the schema and a server id when new) a database: a `postgres://` or
    /// `postgresql://` URL, otherwise a SQLite file path (optionally `sqlite:` prefixed).
    pub async fn open(url: &str) -> DbResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Db::Postgres(Box::new(postgres::PostgresDb::open(url).await?)))
        } else {
            Ok(Db::Sqlite(sqlite::SqliteDb::open(url.strip_prefix("sqlite:").unwrap_or(url)).await?))
        }
    }

    /// The server id and the greatest committed sequence number (0 when empty).
    pub async fn info(&self) -> DbResult<(Uuid, u64)> {
        dispatch!(self, db => db.info())
    }

    /// Give the log a new server id (after restoring a backup: clients upload again).
    pub async fn new_server_id(&self) -> DbResult<Uuid> {
        dispatch!(self, db => db.new_server_id())
    }

    /// Add a user; `Conflict` when the email (compared case-insensitively) is taken.
    pub async fn create_user(&self, email: &str, name: &str, password_hash: &str) -> DbResult<Uuid> {
        dispatch!(self, db => db.create_user(email, name, password_hash))
    }

    /// The user with this email (case-insensitive).
    pub async fn user_by_email(&self, email: &str) -> DbResult<Option<User>> {
        dispatch!(self, db => db.user_by_email(email))
    }

    /// Tie `device` to `user` (named `name`) and return its number series: the one it had on
    /// an earlier login, otherwise the next free one (`A`, `B`, … `Z`, `AA`, …). Re-registering a
    /// device under another user moves it (its series stays).
    pub async fn register_device(&self, device: Uuid, user: Uuid, name: &str) -> DbResult<String> {
        dispatch!(self, db => db.register_device(device, user, name))
    }

    /// Store a token by its hash (SHA-256 of the token, hex).
    pub async fn insert_token(&self, token_hash: &str, owner: TokenOwner) -> DbResult<()> {
        dispatch!(self, db => db.insert_token(token_hash, owner))
    }

    /// The owner of an unrevoked token of an active user.
    pub async fn token_owner(&self, token_hash: &str) -> DbResult<Option<TokenOwner>> {
        dispatch!(self, db => db.token_owner(token_hash))
    }

    /// Revoke one token (logout).
    pub async fn revoke_token(&self, token_hash: &str) -> DbResult<()> {
        dispatch!(self, db => db.revoke_token(token_hash))
    }

    /// Revoke every token of a device; returns how many.
    pub async fn revoke_device(&self, device: Uuid) -> DbResult<u64> {
        dispatch!(self, db => db.revoke_device(device))
    }

    /// Append the changes not held yet (by change id) to the log in the given order, merge them
    /// into the data under `crm_sync::merge`, commit durably, and return every given change id
    /// (new and already held) in order, with the range of sequence numbers it appended (nothing
    /// else is appended meanwhile). All or nothing. The caller validated the changes.
    pub async fn push(&self, changes: &[Change]) -> DbResult<Pushed> {
        dispatch!(self, db => db.push(changes))
    }

    /// Up to `limit` changes with sequence numbers after `after`, ascending, and how many
    /// follow them. Never returns a number while a smaller one is uncommitted.
    pub async fn pull(&self, after: u64, limit: u32) -> DbResult<(Vec<Sequenced>, u64)> {
        dispatch!(self, db => db.pull(after, limit))
    }

    /// The merged data.
    pub async fn snapshot(&self) -> DbResult<Snapshot> {
        dispatch!(self, db => db.snapshot())
    }
}
