//! Timestamp formatting at the boundary: the store keeps Unix milliseconds, the wire carries RFC 3339.

use chrono::{DateTime, SecondsFormat, Utc};

pub(crate) fn rfc3339(unix_ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Wall-clock milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    Utc::now().timestamp_millis().max(0) as u64
}

/// The UTC day of a timestamp, `YYYY-MM-DD`.
pub(crate) fn day(unix_ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(unix_ms).unwrap_or_default().format("%Y-%m-%d").to_string()
}
