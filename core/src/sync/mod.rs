//! The desktop side of sync (issue 6): this device's change log as wire changes to push, and
//! changes from other devices applied under the merge rules of `crm_sync::merge`, on SQLite.
//!
//! Applying a remote change goes through the same write path as a local write (`WriteTx`), so
//! derived data (search tokens, pipeline sums, copied names) follows; the change is recorded in
//! this device's change log with its original id, stamp, device and user, which is what makes
//! applying idempotent (a change id seen before is skipped) and lets a laptop upload everything
//! it holds to a server restored from an old backup.
//!
//! The current version of a column is read from the change log itself (the newest `set` record
//! of the row that wrote it), so local writes pay nothing extra for sync.
//!
//! The client ([`client`]) runs rounds against the server over a [`client::Transport`]
//! ([`http::HttpTransport`] in the app): hello, push this device's changes, pull everyone's.

mod apply;
mod bulk;
pub mod client;
pub mod http;
mod schema;

#[cfg(test)]
mod tests;

pub use apply::ApplyReport;
pub(crate) use bulk::restore_indexes;
pub use client::{Quiet, RoundObserver, Transport, TransportError, Watch, sync_round};
pub use http::HttpTransport;
pub use schema::SyncSchema;
