//! Human-readable numbers (customer numbers now, lead IDs later) that never collide between
//! devices that sync.
//!
//! Scheme: a number is `<series><n>`, e.g. `A1001`. The series (one or more capital letters) is
//! owned by exactly one device; `n` increments one by one inside the series, from a device-local
//! counter that is never synced. Two devices with different series cannot produce the same number,
//! whatever they do offline. A database created standalone owns series `A`. The sync server (a
//! later issue) is the authority that hands out series when a device joins a team; a device whose
//! series is already taken gets a new one and renumbers only its records that were never shared.
//! The `UNIQUE` constraint on each number column is the last line of defence.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::{CoreError, Result};

/// What a counter numbers, with the first number of its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Customer,
    Lead,
    Estimate,
    Order,
}

impl NumberKind {
    fn key(self) -> &'static str {
        match self {
            NumberKind::Customer => "customer",
            NumberKind::Lead => "lead",
            NumberKind::Estimate => "estimate",
            NumberKind::Order => "order",
        }
    }

    fn first(self) -> i64 {
        match self {
            NumberKind::Customer => 1001,
            NumberKind::Lead => 1,
            NumberKind::Estimate => 1,
            NumberKind::Order => 1001,
        }
    }
}

pub const DEFAULT_SERIES: &str = "A";

/// A series is one to three capital ASCII letters: the protocol's definition, which the sync
/// server also applies when it hands series out.
pub use crm_sync::protocol::is_valid_series;

/// Take the next number of `kind` inside the open write transaction. If the transaction rolls back,
/// the number is given back too, so numbers have no gaps from failed writes.
pub(crate) fn allocate(tx: &Transaction<'_>, series: &str, kind: NumberKind) -> Result<String> {
    let next: Option<i64> = tx
        .prepare_cached("SELECT next FROM number_counter WHERE kind = ?1")?
        .query_row([kind.key()], |r| r.get(0))
        .optional()?;
    let n = next.unwrap_or(kind.first());
    tx.prepare_cached(
        "INSERT INTO number_counter (kind, next) VALUES (?1, ?2)
         ON CONFLICT (kind) DO UPDATE SET next = excluded.next",
    )?
    .execute(params![kind.key(), n + 1])?;
    if !is_valid_series(series) {
        return Err(CoreError::Conflict(format!("the number series {series:?} of this device is not valid")));
    }
    Ok(format!("{series}{n}"))
}
