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

    /// The table and column that hold numbers of this kind.
    fn column(self) -> (&'static str, &'static str) {
        match self {
            NumberKind::Customer => ("company", "customer_number"),
            NumberKind::Lead => ("lead", "lead_number"),
            NumberKind::Estimate => ("estimate", "estimate_number"),
            NumberKind::Order => ("sales_order", "order_number"),
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

/// Whether `column` of a synced table holds human-readable numbers (customer numbers, lead IDs,
/// estimate and order numbers): a sync clash on one renames, never deletes (see
/// [`clash_suffixed`]).
pub(crate) fn is_number_column(column: &str) -> bool {
    column.ends_with("_number")
}

/// The number a record keeps when another record took the same number on another device (a
/// series handed out twice): the record with the smaller id keeps the number, the other gets it
/// with the end of its own id appended ("C1001-3f9a2b"). Every replica computes the same.
pub(crate) fn clash_suffixed(number: &str, id: uuid::Uuid) -> String {
    let id = id.simple().to_string();
    format!("{number}-{}", &id[id.len() - 6..])
}

/// Take the next number of `kind` inside the open write transaction. If the transaction rolls back,
/// the number is given back too, so numbers have no gaps from failed writes.
pub(crate) fn allocate(tx: &Transaction<'_>, series: &str, kind: NumberKind) -> Result<String> {
    let next: Option<i64> = tx
        .prepare_cached("SELECT next FROM number_counter WHERE kind = ?1")?
        .query_row([kind.key()], |r| r.get(0))
        .optional()?;
    let mut n = next.unwrap_or(kind.first());
    if !is_valid_series(series) {
        return Err(CoreError::Conflict(format!("the number series {series:?} of this device is not valid")));
    }
    // A number another device already used in this series (possible only if the series was
    // handed out twice, e.g. by a server restored from a backup) is skipped, not reused.
    let (table, column) = kind.column();
    while tx.prepare_cached(&format!("SELECT 1 FROM {table} WHERE {column} = ?1"))?.query_row([format!("{series}{n}")], |_| Ok(())).optional()?.is_some() {
        n += 1;
    }
    tx.prepare_cached(
        "INSERT INTO number_counter (kind, next) VALUES (?1, ?2)
         ON CONFLICT (kind) DO UPDATE SET next = excluded.next",
    )?
    .execute(params![kind.key(), n + 1])?;
    Ok(format!("{series}{n}"))
}
