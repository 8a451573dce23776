//! The change log read back as a record's history: who changed which field to what, and when.

use crm_model::HistoryEntry;
use rusqlite::types::Value;
use uuid::Uuid;

use crate::{Result, Store, hlc, time};

impl Store {
    /// The newest `limit` field changes of one row, newest first (each log record's JSON patch is
    /// read back field by field). The transaction that created the row
    /// reads as `op = "create"` and lists only the fields it filled in: the log keeps the empty
    /// and zero ones too (a replica needs every column), but "cleared phone" at creation is noise.
    pub fn history(&self, table: &str, row_id: Uuid, limit: u32) -> Result<Vec<HistoryEntry>> {
        let mut select = self.conn.prepare_cached(
            "SELECT c.hlc, c.user_id, field.key, field.value, c.op,
                    c.hlc = (SELECT min(hlc) FROM change_log WHERE table_name = ?1 AND row_id = ?2)
             FROM change_log c LEFT JOIN json_each(c.patch) field
             WHERE c.table_name = ?1 AND c.row_id = ?2 ORDER BY c.seq DESC, field.id DESC LIMIT ?3",
        )?;
        let rows = select.query_map(rusqlite::params![table, row_id.to_string(), limit], |row| {
            let value: Value = row.get(3)?;
            let created: bool = row.get(5)?;
            let op: String = row.get(4)?;
            Ok(HistoryEntry {
                at: time::rfc3339(hlc::wall_ms(row.get::<_, i64>(0)? as u64) as i64),
                user: row.get(1)?,
                field: row.get(2)?,
                value: match value {
                    Value::Null => None,
                    Value::Text(text) if text.is_empty() => None,
                    Value::Text(text) => Some(text),
                    Value::Integer(n) => Some(n.to_string()),
                    Value::Real(x) => Some(x.to_string()),
                    Value::Blob(bytes) => Some(format!("{} bytes", bytes.len())),
                },
                op: if created && op == "set" { "create".into() } else { op },
            })
        })?;
        let entries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let is_default = |entry: &HistoryEntry| matches!(entry.value.as_deref(), None | Some("0"));
        Ok(entries.into_iter().filter(|entry| !(entry.op == "create" && is_default(entry))).collect())
    }
}
