//! Forward-only schema migrations. Each SQL file of `migrations/` runs once, in name order, inside
//! its own transaction together with the row that records it, so a failed migration leaves the
//! database exactly as it was.
//!
//! The checksum of each applied file is stored. Opening a database whose applied migration differs
//! from the one built into the app is refused: it means a released migration was edited, and
//! running on would leave databases in the field with different schemas under the same version.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{CoreError, Result};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Every migration built into this binary, as `(file name, SQL)`, in order.
pub fn all() -> &'static [(&'static str, &'static str)] {
    MIGRATIONS
}

pub fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Bring the schema up to date. Returns how many migrations were applied.
pub(crate) fn run(conn: &mut Connection, now_ms: i64) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migration (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             checksum   TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         ) STRICT;",
    )?;
    let newest_applied: i64 =
        conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migration", [], |r| r.get(0))?;
    if newest_applied as usize > all().len() {
        return Err(CoreError::Migration(format!(
            "this database was written by a newer version of the app (schema {newest_applied}, this app knows {}). Update the app.",
            all().len()
        )));
    }
    let mut applied = 0;
    for (index, (name, sql)) in all().iter().enumerate() {
        let version = index as i64 + 1;
        let sum = checksum(sql);
        let recorded: Option<String> = conn
            .query_row("SELECT checksum FROM schema_migration WHERE version = ?1", [version], |r| r.get(0))
            .optional()?;
        match recorded {
            Some(recorded) if recorded == sum => continue,
            Some(_) => {
                return Err(CoreError::Migration(format!(
                    "migration {name} differs from the one this database was upgraded with; released migrations must never be edited"
                )));
            }
            None => {}
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(|e| CoreError::Migration(format!("{name}: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migration (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![version, name, sum, now_ms],
        )?;
        tx.commit()?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{collections::BTreeMap, fs, path::Path};

    /// The released-migrations lock: `migrations/released.sha256` lists `<sha256>  <file>` for
    /// every migration that has shipped. Editing a listed file fails this test; a new file fails it
    /// too until it is final and appended with `cargo xtask bless-migrations`.
    #[test]
    fn released_migrations_are_never_edited() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let lock = fs::read_to_string(dir.join("released.sha256")).expect("migrations/released.sha256");
        let released: BTreeMap<&str, &str> = lock
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (sum, name) = line.split_once("  ").expect("`<sha256>  <file>` lines");
                (name.trim(), sum.trim())
            })
            .collect();
        for (name, sql) in all() {
            let on_disk = fs::read_to_string(dir.join(name)).unwrap();
            assert_eq!(&on_disk, sql, "{name}: the binary embeds a stale copy; rebuild");
            match released.get(name) {
                Some(sum) => assert_eq!(
                    *sum,
                    checksum(sql),
                    "{name} was released and must not be edited: add a new migration instead"
                ),
                None => panic!("{name} is not in migrations/released.sha256: run `cargo xtask bless-migrations` once it is final"),
            }
        }
        assert_eq!(released.len(), all().len(), "released.sha256 lists a migration file that no longer exists");
    }

    #[test]
    fn migrations_apply_once_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(run(&mut conn, 1).unwrap(), all().len());
        assert_eq!(run(&mut conn, 2).unwrap(), 0);
    }

    #[test]
    fn an_edited_applied_migration_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, 1).unwrap();
        conn.execute("UPDATE schema_migration SET checksum = 'edited' WHERE version = 1", []).unwrap();
        let error = run(&mut conn, 2).unwrap_err();
        assert!(error.to_string().contains("must never be edited"), "{error}");
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, 1).unwrap();
        conn.execute("INSERT INTO schema_migration VALUES (999, 'future.sql', '', 0)", []).unwrap();
        let error = run(&mut conn, 2).unwrap_err();
        assert!(error.to_string().contains("newer version of the app"), "{error}");
    }

    /// 0006 folds the per-column log of 0001 into one record per row write: the columns of one
    /// row in one transaction become one JSON patch in write order, tombstones stay tombstones,
    /// and the order of writes is kept.
    #[test]
    fn the_per_column_log_folds_into_one_record_per_row_write() {
        let conn = Connection::open_in_memory().unwrap();
        let (up_to_0005, rest) = all().split_at(5);
        for (_, sql) in up_to_0005 {
            conn.execute_batch(sql).unwrap();
        }
        let old = [
            ("c1", "company", "r1", Some("name"), rusqlite::types::Value::Text("Acme".into()), "set", 10),
            ("c2", "company", "r1", Some("credit_limit"), rusqlite::types::Value::Integer(5000), "set", 10),
            ("c3", "company", "r1", Some("parent_id"), rusqlite::types::Value::Null, "set", 10),
            ("c4", "company", "r2", Some("name"), rusqlite::types::Value::Text("Beta".into()), "set", 10),
            ("c5", "company", "r1", Some("city"), rusqlite::types::Value::Text("Austin".into()), "set", 20),
            ("c6", "company", "r2", None, rusqlite::types::Value::Null, "delete", 30),
        ];
        for (change, table, row, column, value, op, hlc) in old {
            conn.execute(
                "INSERT INTO change_log (change_id, table_name, row_id, column_name, value, op, hlc, device_id, user_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'dev', 'ann')",
                params![change, table, row, column, value, op, hlc],
            )
            .unwrap();
        }
        conn.execute_batch(rest[0].1).unwrap();
        let mut select = conn.prepare("SELECT change_id, row_id, op, patch, hlc FROM change_log ORDER BY seq").unwrap();
        type Record = (String, String, String, Option<String>, i64);
        let records: Vec<Record> =
            select.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect();
        let expected = [
            ("c1", "r1", "set", Some(r#"{"name":"Acme","credit_limit":5000,"parent_id":null}"#), 10),
            ("c4", "r2", "set", Some(r#"{"name":"Beta"}"#), 10),
            ("c5", "r1", "set", Some(r#"{"city":"Austin"}"#), 20),
            ("c6", "r2", "delete", None, 30),
        ];
        let expected: Vec<Record> =
            expected.iter().map(|(c, r, o, p, h)| (c.to_string(), r.to_string(), o.to_string(), p.map(str::to_owned), *h)).collect();
        assert_eq!(records, expected);
    }
}
