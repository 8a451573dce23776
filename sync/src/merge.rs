//! The merge rules, as a small in-memory reference model.
//!
//! [`Replica`] is the specification: the desktop's SQLite applier, the server's SQLite and
//! PostgreSQL appliers and the randomized simulation are all checked against it. It keeps, per
//! row, each column's value with the [`Version`] of the change that wrote it; the tombstones of
//! deleted rows; and the ids of every change it has seen.
//!
//! # The rules
//!
//! 1. **Once per change.** A change whose `change_id` was seen before changes nothing, so a
//!    change delivered twice (a retried push, a page pulled again after a crash) is harmless.
//! 2. **Per-column last writer wins.** A set writes each of its columns whose current value was
//!    written by an older [`Version`]; the other columns of the patch lose. Versions order by
//!    [`Stamp`] (HLC, then device), then by change id. The change id only matters between two
//!    changes with the same stamp, which happens when one transaction writes a row twice: change
//!    ids are UUIDv7, made in increasing order within a process, so the later write wins on every
//!    replica as it did on the device that made it. Two laptops editing *different* fields of a
//!    record therefore both keep their edit; for the *same* field the later stamp wins everywhere.
//! 3. **Delete wins.** A tombstone is permanent: once any replica deletes a row, every replica
//!    deletes it, and every set for that row is ignored, whether it was made before, after or
//!    concurrently with the delete, and whatever its stamp. Rows that reference the row through
//!    `ON DELETE CASCADE` go with it (see "Cascades" below). Row ids are UUIDv7 and never reused,
//!    so a permanent tombstone can never hide a new record.
//!
//! These rules converge. After a replica has received a set of changes, in any order and with
//! any duplicates, its state is a function of that set alone: the seen ids are the set's ids, a
//! row is tombstoned if the set holds a delete for it (the tombstone keeps the smallest delete
//! version), and every other row's column holds the value of the greatest-version set that
//! wrote it. Each part is a union, a minimum or a maximum, and those do not depend on order.
//! So dropped messages (sent again later), duplicated and reordered ones all end in the same
//! state once every replica has every change. The tests in this module check exactly that
//! function over thousands of random histories.
//!
//! # Why delete wins
//!
//! A device can only edit a row it still has, so a set that reaches a replica after the row's
//! tombstone was either made before the delete or concurrently with it. The one real choice is
//! what a *concurrent* edit does to a deleted record. "Delete wins" settles it without any extra
//! state: a deleted row keeps nothing but its tombstone, no per-column stamps, no values. Its
//! price is the one case, and the rule the issue asks to document: **when someone deletes a
//! record while someone else, not yet having seen the delete, edits it, the edit does not survive.**
//! It is not erased either: it stays in every replica's change log and the server's, so history
//! (or a later "restore deleted record") can still show it.
//!
//! The alternatives are not strictly better. "Last writer wins between delete and set" needs the
//! deleted row's columns and their versions kept forever (a later set may bring the row back, and
//! the rest of the row must come back with it), and then revives a record its deleter saw go away
//! because of a clock reading. "Edit wins over a concurrent delete" needs to know which edits were
//! concurrent with the delete; a hybrid logical clock cannot tell (a concurrent edit can carry a
//! smaller stamp), so every change would have to carry a version vector. Both also have to revive
//! the cascaded rows. Delete-wins needs none of that, and a wrong clock cannot change its outcome.
//!
//! # What an applier does with [`Applied`]
//!
//! [`Replica::apply`] returns exactly the work a SQL implementation has to do. [`Applied::Columns`]
//! lists the columns to write: UPDATE them when the row exists, otherwise INSERT the row with
//! them (it is the row's first write). [`Applied::Deleted`] means DELETE the row. For
//! [`Applied::Ignored`] and [`Applied::Duplicate`] the row is left alone. Except for duplicates,
//! the change is recorded (in the change log) in the same transaction, so it counts as seen and,
//! if it is a delete, as a tombstone. Appliers may rely on the server's order being causal (a
//! device can only edit a row it has, so a row's insert always comes before edits made
//! elsewhere), but the model itself does not depend on order.
//!
//! # Cascades
//!
//! The model is per row. A SQL replica also loses, without tombstones of their own, the rows that
//! reference a deleted row through `ON DELETE CASCADE`, so an applier must treat a set for a row
//! whose cascade parent is tombstoned (or is gone because it cascaded) as [`Applied::Ignored`].
//! That converges only if the referencing column of a cascading row never changes after its
//! insert: otherwise a replica that deleted the parent before the row was re-pointed elsewhere
//! has lost the row, while one that saw the re-pointing first keeps it.

use std::collections::{BTreeMap, BTreeSet, btree_map::Entry};

use serde_json::Value;
use uuid::Uuid;

use crate::{
    change::{Change, Op},
    stamp::Stamp,
};

/// A change's place in the last-writer-wins order: its stamp, then its id. Derived order, field
/// by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub stamp: Stamp,
    pub change_id: Uuid,
}

/// Whether an incoming write replaces a column last written at `current` (`None`: never
/// written). The incoming write wins when it is strictly newer; an equal version is the same
/// change, which never applies twice.
pub fn merge_decision(current: Option<Version>, incoming: Version) -> bool {
    current.is_none_or(|current| incoming > current)
}

/// `(table, row_id)`.
pub type RowKey = (String, String);

/// One column's value and the version of the change that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub value: Value,
    pub version: Version,
}

/// A live row: the columns some change has written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowState {
    pub columns: BTreeMap<String, Cell>,
}

/// What applying a change did: the instructions for a SQL applier (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Seen before: nothing happened.
    Duplicate,
    /// A set whose listed columns won (in column order; possibly none, when newer writes already
    /// hold every column of the patch).
    Columns(Vec<String>),
    /// The row's first tombstone: the row is gone.
    Deleted,
    /// The row was already deleted: a set for it, or a second delete, changes nothing.
    Ignored,
}

/// One replica's synced data under the merge rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replica {
    pub rows: BTreeMap<RowKey, RowState>,
    /// Deleted rows, with the smallest version among their deletes (the first deletion).
    pub tombstones: BTreeMap<RowKey, Version>,
    pub seen: BTreeSet<Uuid>,
}

impl Replica {
    pub fn new() -> Self {
        Self::default()
    }

    /// Apply one change under the merge rules. The change must have passed
    /// [`Change::validate`] (the model does not check it again).
    pub fn apply(&mut self, change: &Change) -> Applied {
        if !self.seen.insert(change.change_id) {
            return Applied::Duplicate;
        }
        let key = (change.table.clone(), change.row_id.clone());
        let version = change.version();
        match &change.op {
            Op::Delete => {
                self.rows.remove(&key);
                match self.tombstones.entry(key) {
                    Entry::Vacant(entry) => {
                        entry.insert(version);
                        Applied::Deleted
                    }
                    Entry::Occupied(mut entry) => {
                        let first = entry.get_mut();
                        *first = (*first).min(version);
                        Applied::Ignored
                    }
                }
            }
            Op::Set(_) if self.tombstones.contains_key(&key) => Applied::Ignored,
            Op::Set(patch) => {
                let row = self.rows.entry(key).or_default();
                let mut taken = Vec::new();
                for (column, value) in patch {
                    let current = row.columns.get(column).map(|cell| cell.version);
                    if merge_decision(current, version) {
                        row.columns.insert(column.clone(), Cell { value: value.clone(), version });
                        taken.push(column.clone());
                    }
                }
                Applied::Columns(taken)
            }
        }
    }

    /// A live row's current value of `column`.
    pub fn value(&self, table: &str, row_id: &str, column: &str) -> Option<&Value> {
        self.rows.get(&(table.to_owned(), row_id.to_owned()))?.columns.get(column).map(|cell| &cell.value)
    }

    pub fn is_deleted(&self, table: &str, row_id: &str) -> bool {
        self.tombstones.contains_key(&(table.to_owned(), row_id.to_owned()))
    }
}

#[cfg(test)]
mod tests;
