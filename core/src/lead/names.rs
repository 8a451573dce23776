//! The names a lead is listed and sorted by (its customer, program, source and assigned user),
//! copied onto the lead from the records they name, so that each sort reads an index (migration
//! 0008). Derived data, like the search index: rewritten by the write path on every replica when
//! a lead or a named record changes, never logged.

use rusqlite::Connection;

use crate::Result;

/// `(lead column, lead foreign key, named table)`; each named table has a `name` column.
const NAMES: [(&str, &str, &str); 4] = [
    ("company_name", "company_id", "company"),
    ("program_name", "program_id", "lead_program"),
    ("source_name", "source_id", "lead_source"),
    ("assigned_name", "assigned_id", "app_user"),
];

fn name_of(foreign_key: &str, table: &str) -> String {
    format!("ifnull((SELECT name FROM {table} WHERE id = lead.{foreign_key}), '')")
}

/// After a lead was written: copy the names it refers to (a no-op when they are current).
pub(crate) fn refresh_lead(conn: &Connection, lead_id: &str) -> Result<()> {
    let set = NAMES.iter().map(|(column, key, table)| format!("{column} = {}", name_of(key, table))).collect::<Vec<_>>().join(", ");
    let stale = NAMES.iter().map(|(column, key, table)| format!("{column} IS NOT {}", name_of(key, table))).collect::<Vec<_>>().join(" OR ");
    conn.prepare_cached(&format!("UPDATE lead SET {set} WHERE id = ?1 AND ({stale})"))?.execute([lead_id])?;
    Ok(())
}

/// After a named record (a company, program, source or user) was renamed: the leads that name it.
pub(crate) fn refresh_named(conn: &Connection, table: &str, id: &str) -> Result<()> {
    for (column, key, named) in NAMES.iter().filter(|(_, _, named)| *named == table) {
        conn.prepare_cached(&format!(
            "UPDATE lead SET {column} = (SELECT name FROM {named} WHERE id = ?1) WHERE {key} = ?1 AND {column} IS NOT (SELECT name FROM {named} WHERE id = ?1)"
        ))?
        .execute([id])?;
    }
    Ok(())
}

/// Whether a change to `table` can rename something a lead shows.
pub(crate) fn is_named_table(table: &str) -> bool {
    NAMES.iter().any(|(_, _, named)| *named == table)
}
