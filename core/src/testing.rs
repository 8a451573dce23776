//! Test fixtures shared by the entity modules' tests: a real SQLite database (in memory or in a
//! temporary file), never a mock.

use crm_model::{CompanyInput, ErrorKind};
use rusqlite::types::Value;

use crate::{CoreError, Store};

pub(crate) fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.set_actor("tester");
    store
}

pub(crate) fn acme() -> CompanyInput {
    CompanyInput {
        name: "Acme Tools".into(),
        phone: "+1 (555) 010-2030".into(),
        email: "sales@acme.example".into(),
        website: "www.acme.example".into(),
        street: "1 Main St".into(),
        city: "Austin".into(),
        postcode: "78701".into(),
        region: "TX".into(),
        country: "United States".into(),
        ..CompanyInput::default()
    }
}

pub(crate) fn count(store: &Store, table: &str) -> i64 {
    store.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

/// The change log as `(table, column, value)` triples in write order, for compact assertions:
/// each record's patch is read back column by column; a tombstone reads as `(table, None, NULL)`.
pub(crate) fn change_log(store: &Store) -> Vec<(String, Option<String>, Value)> {
    let mut select = store
        .conn
        .prepare("SELECT c.table_name, field.key, field.value FROM change_log c LEFT JOIN json_each(c.patch) field ORDER BY c.seq, field.id")
        .unwrap();
    select.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// Assert that `result` is an `Invalid` error naming exactly `fields`, and return its messages.
pub(crate) fn assert_invalid<T: std::fmt::Debug>(result: Result<T, CoreError>, fields: &[&str]) -> Vec<String> {
    let error = result.expect_err("expected a validation error");
    assert_eq!(error.kind(), ErrorKind::Invalid, "{error}");
    let CoreError::Invalid(problems) = error else { unreachable!() };
    let names: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(names, fields);
    problems.into_iter().map(|p| p.message).collect()
}

/// Make the store's wall clock advance one second at every reading, so that consecutive writes get
/// distinct, ordered times (real writes can share a millisecond).
pub(crate) fn stepping_clock(store: &mut Store) {
    let tick = std::sync::atomic::AtomicU64::new(1_700_000_000_000);
    store.set_wall_clock(Box::new(move || tick.fetch_add(1_000, std::sync::atomic::Ordering::SeqCst)));
}
