//! The merged copy as both backends store it: one row per record, and a push reduced to what it
//! does to those rows.
//!
//! A record's columns, and the versions that wrote them, are one JSON document:
//! `{"v": [[hlc, "device", "change id"], …], "c": {"column": [value, i], …}}`, where `i` points
//! into `v`. A record is usually written by one change or a few, so each version is stored once
//! rather than once per column.
//!
//! The backends used to store one row per column. A first sync of 100k companies then wrote some
//! two million rows (each repeating its record's key and version), and the server's disk was the
//! slowest part of that sync. Per record it is 100k rows of about the size of the change itself.
//! Servers that still hold the per-column table are converted when they open (see [`fold_cells`]).

use std::collections::BTreeMap;

use crm_sync::{Change, Op, Patch, Stamp, Version, merge_decision};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{DbError, DbResult, sql_hlc};

/// `(table, row_id)`.
pub type Key = (String, String);

/// One live record's columns, each with the version that wrote it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    columns: BTreeMap<String, (Value, Version)>,
}

/// The stored JSON shape (see the module docs).
#[derive(Serialize, Deserialize)]
struct Stored {
    v: Vec<(u64, Uuid, Uuid)>,
    c: BTreeMap<String, (Value, usize)>,
}

impl Record {
    pub fn parse(text: &str) -> DbResult<Record> {
        let stored: Stored = serde_json::from_str(text).map_err(|e| DbError::Backend(format!("a stored record: {e}")))?;
        let columns = stored
            .c
            .into_iter()
            .map(|(column, (value, i))| {
                let &(hlc, device, change_id) = stored.v.get(i).ok_or_else(|| DbError::Backend(format!("a stored record's column {column} names version {i}, which it lacks")))?;
                Ok((column, (value, Version { stamp: Stamp::new(hlc, device), change_id })))
            })
            .collect::<DbResult<_>>()?;
        Ok(Record { columns })
    }

    pub fn to_json(&self) -> DbResult<String> {
        let mut v: Vec<(u64, Uuid, Uuid)> = Vec::new();
        let mut c = BTreeMap::new();
        for (column, (value, version)) in &self.columns {
            let entry = (version.stamp.hlc, version.stamp.device, version.change_id);
            // Linear: a record holds a handful of distinct versions at most.
            let i = v.iter().position(|held| *held == entry).unwrap_or_else(|| {
                v.push(entry);
                v.len() - 1
            });
            c.insert(column.clone(), (value.clone(), i));
        }
        serde_json::to_string(&Stored { v, c }).map_err(|e| DbError::Backend(e.to_string()))
    }

    /// Write `value` to `column` if what it holds was written by an older version (the merge
    /// rules' per-column last writer wins). True when it did.
    pub fn put(&mut self, column: &str, value: &Value, version: Version) -> bool {
        let current = self.columns.get(column).map(|(_, held)| *held);
        if !merge_decision(current, version) {
            return false;
        }
        self.columns.insert(column.to_owned(), (value.clone(), version));
        true
    }

    pub fn set(&mut self, patch: &Patch, version: Version) -> bool {
        let mut changed = false;
        for (column, value) in patch {
            changed |= self.put(column, value, version);
        }
        changed
    }

    /// Merge `other` (another set of writes to the same record) into this one, column by column.
    pub fn absorb(&mut self, other: &Record) -> bool {
        let mut changed = false;
        for (column, (value, version)) in &other.columns {
            changed |= self.put(column, value, *version);
        }
        changed
    }

    pub fn into_values(self) -> BTreeMap<String, Value> {
        self.columns.into_iter().map(|(column, (value, _))| (column, value)).collect()
    }
}

/// A push's new changes reduced to what they do to the data. Merging that is the same as
/// applying them one by one, because the merge result depends only on the set of changes (see
/// `crm_sync::merge`): per row the smallest delete version is the tombstone, a tombstoned row has
/// no columns, and every other column holds its greatest-version write.
#[derive(Debug, Default)]
pub struct Batch {
    /// Per deleted row, its smallest delete version.
    pub deletes: BTreeMap<Key, Version>,
    /// The writes to each row this batch does not delete.
    pub records: BTreeMap<Key, Record>,
}

impl Batch {
    /// Refuses a stamp that the backends could not store (see [`sql_hlc`]).
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> DbResult<Batch> {
        let mut batch = Batch::default();
        for change in changes {
            sql_hlc(change.stamp.hlc)?;
            let key = (change.table.clone(), change.row_id.clone());
            let version = change.version();
            match &change.op {
                Op::Delete => {
                    let first = batch.deletes.entry(key).or_insert(version);
                    *first = (*first).min(version);
                }
                Op::Set(patch) => {
                    batch.records.entry(key).or_default().set(patch, version);
                }
            }
        }
        let deletes = &batch.deletes;
        batch.records.retain(|key, _| !deletes.contains_key(key));
        Ok(batch)
    }
}

/// The records of a server that stored one row per column (`tbl, row_id, col, value, version`):
/// how a backend converts that table when it opens.
pub fn fold_cells(cells: impl IntoIterator<Item = DbResult<(Key, String, String, Version)>>) -> DbResult<BTreeMap<Key, Record>> {
    let mut records: BTreeMap<Key, Record> = BTreeMap::new();
    for cell in cells {
        let (key, column, value, version) = cell?;
        let value: Value = serde_json::from_str(&value).map_err(|e| DbError::Backend(format!("a stored cell of {key:?}: {e}")))?;
        records.entry(key).or_default().put(&column, &value, version);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version(hlc: u64, device: u128, change: u128) -> Version {
        Version { stamp: Stamp::new(hlc, Uuid::from_u128(device)), change_id: Uuid::from_u128(change) }
    }

    fn patch(value: Value) -> Patch {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_record_stores_each_version_once_and_reads_back_the_same() {
        let mut record = Record::default();
        assert!(record.set(&patch(json!({"name": "Acme", "city": "Oslo", "phone": null})), version(10, 1, 1)));
        assert!(record.set(&patch(json!({"city": "Bergen"})), version(12, 2, 2)));
        let text = record.to_json().unwrap();
        let stored: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(stored["v"].as_array().unwrap().len(), 2, "{text}");
        let version_of = |column: &str| &stored["v"][stored["c"][column][1].as_u64().unwrap() as usize];
        assert_eq!((&stored["c"]["name"][0], &version_of("name")[0]), (&json!("Acme"), &json!(10)));
        assert_eq!((&stored["c"]["phone"][0], &version_of("phone")[0]), (&Value::Null, &json!(10)));
        assert_eq!((&stored["c"]["city"][0], &version_of("city")[0]), (&json!("Bergen"), &json!(12)));
        assert_eq!(Record::parse(&text).unwrap(), record);

        // The version no column points at any more is dropped.
        assert!(record.set(&patch(json!({"city": "Tromsø"})), version(13, 1, 3)));
        assert!(record.set(&patch(json!({"name": "Acme AS", "phone": "1"})), version(13, 1, 3)));
        let stored: Value = serde_json::from_str(&record.to_json().unwrap()).unwrap();
        assert_eq!(stored["v"], json!([[13, Uuid::from_u128(1), Uuid::from_u128(3)]]));
    }

    #[test]
    fn older_and_equal_versions_lose_column_by_column() {
        let mut record = Record::default();
        record.set(&patch(json!({"name": "B", "city": "X"})), version(20, 1, 5));
        assert!(!record.set(&patch(json!({"name": "A"})), version(19, 9, 9)), "an older stamp loses");
        assert!(!record.set(&patch(json!({"name": "A"})), version(20, 1, 5)), "the same change never applies twice");
        assert!(record.set(&patch(json!({"name": "C"})), version(20, 1, 6)), "an equal stamp is told apart by the change id");
        let mut other = Record::default();
        other.set(&patch(json!({"name": "Z", "city": "Y", "email": "e"})), version(20, 1, 4));
        assert!(record.absorb(&other));
        assert_eq!(record.into_values(), BTreeMap::from([("name".into(), json!("C")), ("city".into(), json!("X")), ("email".into(), json!("e"))]));
    }

    #[test]
    fn a_stored_record_that_names_a_missing_version_is_an_error() {
        let error = Record::parse(r#"{"v": [], "c": {"name": ["A", 0]}}"#).unwrap_err();
        assert!(error.to_string().contains("name"), "{error}");
        assert!(Record::parse("not json").is_err());
    }
}
