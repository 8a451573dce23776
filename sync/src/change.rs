//! One change-log record on the wire, and the checks every receiver runs before applying one.
//!
//! A [`Change`] is exactly a row of the desktop's `change_log` table (without its local `seq`):
//! either a *set* of some columns of one row, or the *delete* (tombstone) of that row.
//!
//! JSON shape (keys in this order; `patch` only on a set):
//!
//! ```json
//! {"change_id":"0190…","table":"company","row_id":"0190…","op":"set",
//!  "patch":{"city":"Dallas","credit_limit":500000,"parent_id":null},
//!  "hlc":111411200000000003,"device":"0190…","user":"maria"}
//! ```
//!
//! Patch values are SQL values as JSON: a string (TEXT), an integer that fits 64 signed bits
//! (INTEGER), a number with a fraction or exponent (REAL, e.g. `1.0`) or `null`. Anything else
//! (booleans, arrays, objects) is refused by [`Change::validate`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{merge::Version, stamp::Stamp};

/// The written columns of a set: column name to SQL value.
pub type Patch = serde_json::Map<String, Value>;

/// One change-log record. See the [module docs](self) for its JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "WireChange")]
pub struct Change {
    /// UUIDv7, made once by the device that wrote the change; it identifies the change on every
    /// replica (a change seen before is skipped).
    pub change_id: Uuid,
    pub table: String,
    /// The row's id: a UUID in its canonical lowercase hyphenated text form.
    pub row_id: String,
    pub op: Op,
    /// The origin device's HLC and id: decides which write wins.
    pub stamp: Stamp,
    /// The acting user, as the origin recorded it (for history; not used by the merge).
    pub user: String,
}

/// What a change does to its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Write these columns (an insert writes all of the row's synced columns, an update only the
    /// ones that changed).
    Set(Patch),
    /// Delete the row, for good (a tombstone).
    Delete,
}

impl Change {
    /// This change's place in the last-writer-wins order (see [`Version`]).
    pub fn version(&self) -> Version {
        Version { stamp: self.stamp, change_id: self.change_id }
    }

    /// Check the change against the receiver's schema. Every receiver (server and client) runs
    /// this before applying anything, and only a valid change may be applied: it is what makes
    /// it safe for the SQL appliers to put table and column names into statements.
    pub fn validate(&self, schema: &Schema) -> Result<(), ChangeError> {
        let table = &self.table;
        let columns = schema.tables.get(table).ok_or_else(|| ChangeError::UnknownTable { table: table.clone(), schema_version: schema.version })?;
        if !is_canonical_uuid(&self.row_id) {
            return Err(ChangeError::InvalidRowId { row_id: self.row_id.clone() });
        }
        let Op::Set(patch) = &self.op else { return Ok(()) };
        if patch.is_empty() {
            return Err(ChangeError::EmptyPatch { table: table.clone() });
        }
        for (column, value) in patch {
            if RESERVED_COLUMNS.contains(&column.as_str()) {
                return Err(ChangeError::ReservedColumn { table: table.clone(), column: column.clone() });
            }
            if !columns.contains(column) {
                return Err(ChangeError::UnknownColumn { table: table.clone(), column: column.clone(), schema_version: schema.version });
            }
            if let Some(found) = unsupported_kind(value) {
                return Err(ChangeError::UnsupportedValue { table: table.clone(), column: column.clone(), found });
            }
        }
        Ok(())
    }
}

/// Columns that never travel in a patch, whatever a schema lists: the row id travels as
/// [`Change::row_id`] and never changes.
pub const RESERVED_COLUMNS: &[&str] = &["id"];

/// The synced tables and, for each, the columns a patch may carry. Both sides of a connection
/// must have the same `version` (negotiated before anything is applied, see
/// [`protocol`](crate::protocol)).
///
/// What is left out is not synced: local-only tables, derived columns that every replica
/// recomputes (search tokens, copied names, newest-note dates), and whatever the schema's author
/// decides each replica sets for itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub version: u32,
    pub tables: BTreeMap<String, BTreeSet<String>>,
}

impl Schema {
    pub fn new(version: u32) -> Self {
        Self { version, tables: BTreeMap::new() }
    }

    /// Add a table with the columns a patch may carry.
    pub fn with_table<'a>(mut self, table: &str, columns: impl IntoIterator<Item = &'a str>) -> Self {
        self.tables.entry(table.to_owned()).or_default().extend(columns.into_iter().map(str::to_owned));
        self
    }
}

/// Why a change was refused. The server sends the message back in an
/// [`ErrorBody`](crate::protocol::ErrorBody) with code `invalid_change`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("Table `{table}` is not synced (schema version {schema_version}).")]
    UnknownTable { table: String, schema_version: u32 },
    #[error("Column `{column}` of table `{table}` is not synced (schema version {schema_version}).")]
    UnknownColumn { table: String, column: String, schema_version: u32 },
    #[error("Column `{column}` of table `{table}` is never sent in a patch.")]
    ReservedColumn { table: String, column: String },
    #[error("A change to table `{table}` sets no columns.")]
    EmptyPatch { table: String },
    #[error("Column `{column}` of table `{table}` holds {found}; only text, 64-bit integers, real numbers and null are synced.")]
    UnsupportedValue { table: String, column: String, found: &'static str },
    #[error("Row id `{row_id}` is not a UUID in lowercase hyphenated form.")]
    InvalidRowId { row_id: String },
}

/// Whether `text` is a UUID written the way the desktop writes ids, so that the same row always
/// has the same key in SQL.
fn is_canonical_uuid(text: &str) -> bool {
    Uuid::try_parse(text).is_ok_and(|id| id.hyphenated().encode_lower(&mut Uuid::encode_buffer()) == text)
}

/// What is wrong with a patch value, or `None` for a SQL value.
fn unsupported_kind(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null | Value::String(_) => None,
        Value::Number(n) if n.is_i64() || n.is_f64() => None,
        Value::Number(_) => Some("an integer beyond the 64-bit signed range"),
        Value::Bool(_) => Some("a boolean"),
        Value::Array(_) => Some("an array"),
        Value::Object(_) => Some("an object"),
    }
}

/// The JSON form, field for field (see the module docs).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OpKind {
    Set,
    Delete,
}

#[derive(Deserialize)]
struct WireChange {
    change_id: Uuid,
    table: String,
    row_id: String,
    op: OpKind,
    #[serde(default)]
    patch: Option<Patch>,
    hlc: u64,
    device: Uuid,
    user: String,
}

#[derive(Serialize)]
struct WireChangeRef<'a> {
    change_id: Uuid,
    table: &'a str,
    row_id: &'a str,
    op: OpKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    patch: Option<&'a Patch>,
    hlc: u64,
    device: Uuid,
    user: &'a str,
}

impl TryFrom<WireChange> for Change {
    type Error = &'static str;

    fn try_from(wire: WireChange) -> Result<Self, Self::Error> {
        let op = match (wire.op, wire.patch) {
            (OpKind::Set, Some(patch)) => Op::Set(patch),
            (OpKind::Set, None) => return Err("a change with op `set` needs a `patch` object"),
            (OpKind::Delete, None) => Op::Delete,
            (OpKind::Delete, Some(_)) => return Err("a change with op `delete` has no `patch`"),
        };
        Ok(Change {
            change_id: wire.change_id,
            table: wire.table,
            row_id: wire.row_id,
            op,
            stamp: Stamp::new(wire.hlc, wire.device),
            user: wire.user,
        })
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (op, patch) = match &self.op {
            Op::Set(patch) => (OpKind::Set, Some(patch)),
            Op::Delete => (OpKind::Delete, None),
        };
        WireChangeRef {
            change_id: self.change_id,
            table: &self.table,
            row_id: &self.row_id,
            op,
            patch,
            hlc: self.stamp.hlc,
            device: self.stamp.device,
            user: &self.user,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::stamp::pack;

    const ROW: &str = "0190a4c2-7b1e-7000-8000-000000000001";

    fn schema() -> Schema {
        Schema::new(3).with_table("company", ["name", "city", "credit_limit", "rating"]).with_table("contact", ["first_name"])
    }

    fn set(patch: Value) -> Change {
        let Value::Object(patch) = patch else { panic!("a patch is an object") };
        Change {
            change_id: Uuid::from_u128(0x0190_a4c2_7b1e_7000_8000_0000_0000_00aa),
            table: "company".into(),
            row_id: ROW.into(),
            op: Op::Set(patch),
            stamp: Stamp::new(pack(1_700_000_000_000, 3), Uuid::from_u128(0x0190_a4c2_0000_7000_8000_0000_0000_00d1)),
            user: "maria".into(),
        }
    }

    fn delete() -> Change {
        Change { op: Op::Delete, ..set(json!({"name": "x"})) }
    }

    #[test]
    fn set_json_shape_is_pinned() {
        let change = set(json!({"city": "Dallas", "credit_limit": 500000, "name": null, "rating": 4.5}));
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(
            text,
            r#"{"change_id":"0190a4c2-7b1e-7000-8000-0000000000aa","table":"company","row_id":"0190a4c2-7b1e-7000-8000-000000000001","op":"set","patch":{"city":"Dallas","credit_limit":500000,"name":null,"rating":4.5},"hlc":111411200000000003,"device":"0190a4c2-0000-7000-8000-0000000000d1","user":"maria"}"#
        );
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
    }

    #[test]
    fn delete_json_shape_is_pinned() {
        let change = delete();
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(
            text,
            r#"{"change_id":"0190a4c2-7b1e-7000-8000-0000000000aa","table":"company","row_id":"0190a4c2-7b1e-7000-8000-000000000001","op":"delete","hlc":111411200000000003,"device":"0190a4c2-0000-7000-8000-0000000000d1","user":"maria"}"#
        );
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
        let with_null_patch = text.replace(r#""op":"delete","#, r#""op":"delete","patch":null,"#);
        assert_eq!(serde_json::from_str::<Change>(&with_null_patch).unwrap(), change, "an explicit null patch is no patch");
    }

    #[test]
    fn sql_types_survive_the_round_trip() {
        // A REAL that happens to be whole stays a REAL (1.0), an INTEGER stays an INTEGER.
        let change = set(json!({"rating": 1.0, "credit_limit": 1, "name": i64::MIN}));
        let back: Change = serde_json::from_str(&serde_json::to_string(&change).unwrap()).unwrap();
        let Op::Set(patch) = &back.op else { panic!() };
        assert!(patch["rating"].is_f64());
        assert!(patch["credit_limit"].is_i64());
        assert_eq!(patch["name"], json!(i64::MIN));
    }

    #[test]
    fn malformed_json_is_refused() {
        let good = serde_json::to_value(set(json!({"name": "Acme"}))).unwrap();
        let refused = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut value = good.clone();
            edit(value.as_object_mut().unwrap());
            serde_json::from_value::<Change>(value).unwrap_err().to_string()
        };
        let set_field = |key: &'static str, value: Value| move |c: &mut serde_json::Map<String, Value>| {
            c.insert(key.to_owned(), value.clone());
        };
        let remove_field = |key: &'static str| move |c: &mut serde_json::Map<String, Value>| {
            c.remove(key);
        };
        assert!(refused(&remove_field("patch")).contains("needs a `patch`"));
        assert!(refused(&set_field("op", json!("delete"))).contains("has no `patch`"));
        assert!(refused(&set_field("op", json!("upsert"))).contains("unknown variant `upsert`"));
        assert!(refused(&set_field("patch", json!([1]))).contains("expected a map"));
        assert!(refused(&set_field("hlc", json!(-1))).contains("invalid value"));
        assert!(refused(&set_field("row_id", json!(7))).contains("invalid type"));
        assert!(refused(&remove_field("user")).contains("missing field `user`"));
    }

    #[test]
    fn valid_changes_pass() {
        let schema = schema();
        assert_eq!(set(json!({"name": "Acme", "city": null, "credit_limit": -5, "rating": 0.5})).validate(&schema), Ok(()));
        assert_eq!(delete().validate(&schema), Ok(()));
        let seeded = Change { row_id: "00000000-0000-7000-8000-000000000101".into(), ..delete() };
        assert_eq!(seeded.validate(&schema), Ok(()), "the seeded rows' fixed ids are UUIDs too");
    }

    #[test]
    fn each_validation_error() {
        let schema = schema();
        let check = |change: Change| change.validate(&schema).unwrap_err();

        let unknown_table = Change { table: "number_counter".into(), ..delete() };
        assert_eq!(check(unknown_table), ChangeError::UnknownTable { table: "number_counter".into(), schema_version: 3 });

        let error = check(set(json!({"name": "Acme", "search_tokens": "acme"})));
        assert_eq!(error, ChangeError::UnknownColumn { table: "company".into(), column: "search_tokens".into(), schema_version: 3 });
        assert_eq!(error.to_string(), "Column `search_tokens` of table `company` is not synced (schema version 3).");

        let with_id = schema.clone().with_table("company", ["id"]);
        let error = set(json!({"id": ROW})).validate(&with_id).unwrap_err();
        assert_eq!(error, ChangeError::ReservedColumn { table: "company".into(), column: "id".into() }, "even when a schema lists it");

        assert_eq!(check(set(json!({}))), ChangeError::EmptyPatch { table: "company".into() });

        for (value, found) in [
            (json!(true), "a boolean"),
            (json!([1, 2]), "an array"),
            (json!({"a": 1}), "an object"),
            (json!(u64::MAX), "an integer beyond the 64-bit signed range"),
        ] {
            let error = check(set(json!({ "city": value })));
            assert_eq!(error, ChangeError::UnsupportedValue { table: "company".into(), column: "city".into(), found });
        }
        assert_eq!(
            check(set(json!({"city": false}))).to_string(),
            "Column `city` of table `company` holds a boolean; only text, 64-bit integers, real numbers and null are synced."
        );

        for row_id in ["", "42", "not-a-uuid", "0190A4C2-7B1E-7000-8000-000000000001", "0190a4c27b1e70008000000000000001", "{0190a4c2-7b1e-7000-8000-000000000001}"] {
            let error = check(Change { row_id: row_id.into(), ..delete() });
            assert_eq!(error, ChangeError::InvalidRowId { row_id: row_id.into() }, "{row_id:?}");
        }
    }
}
