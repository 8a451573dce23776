//! Sync with a team's server (issue 6): the settings screen's login, and the status the app shows
//! at all times.

use serde::{Deserialize, Serialize};

/// The sync settings form: which server, who, and what this device is called there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncLogin {
    /// `http://` or `https://` address of the team's server, e.g. `https://crm.example.com`.
    pub server_url: String,
    pub email: String,
    pub password: String,
    /// Shown in the server's device list, e.g. "Maria's laptop".
    pub device_name: String,
}

/// Where sync stands on this device; always visible in the app's status bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Logged in to a server (sync runs in the background).
    pub enabled: bool,
    pub server_url: Option<String>,
    pub email: Option<String>,
    pub device_name: Option<String>,
    /// This device's number series (customer numbers, lead IDs start with it).
    pub series: String,
    /// Unix ms of the last round that finished without error.
    pub last_sync_ms: Option<i64>,
    /// Why the last round failed (cleared by the next good one).
    pub last_error: Option<String>,
    /// This device's changes the server has not acknowledged yet.
    pub pending: u64,
    /// A round is running now.
    pub running: bool,
    /// How far the running round is (for the progress bar).
    pub progress: Option<SyncProgress>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Connecting,
    Sending,
    Receiving,
    /// Rebuilding the search index after a large first sync (no count).
    Indexing,
}

/// Progress of a running round: `done` of `total` changes in the current phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u64,
    pub total: u64,
}

/// What one finished round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRound {
    /// Changes the server acknowledged.
    pub sent: u64,
    /// Changes received from the server (including this device's own, which are skipped).
    pub received: u64,
    /// Received changes that changed local data.
    pub applied: u64,
    /// The server was new or restored from a backup: everything was sent again.
    pub started_over: bool,
}
