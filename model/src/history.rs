//! Record history (read from the change log) and facts about the running app.

use serde::{Deserialize, Serialize};

/// One changed field of one record: the change log read back as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// RFC 3339 wall-clock time of the change (from its hybrid logical clock timestamp).
    pub at: String,
    /// The acting user recorded with the change.
    pub user: String,
    /// Column name; `None` for a whole-row operation such as a delete.
    pub field: Option<String>,
    /// The new value rendered as text; `None` when the field was cleared.
    pub value: Option<String>,
    pub op: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    pub version: String,
    /// Absolute path of the SQLite file in use, so users know where their data lives.
    pub database_path: String,
    pub device_id: String,
    /// The series letter(s) this device prefixes to human-readable numbers (see ARCHITECTURE.md).
    pub number_series: String,
    pub company_count: u64,
    pub contact_count: u64,
}
