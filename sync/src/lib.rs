//! What the desktop app and the sync server share: the sync protocol's wire types and the merge
//! rules. The server depends on this crate and never on the desktop crates, so everything the two
//! sides must agree on lives here.
//!
//! # The idea
//!
//! Every laptop holds a full copy of the team's data and works offline. Each write to a synced
//! row also appends a record to the laptop's change log: which row, which columns got which
//! values (or that the row was deleted), a hybrid-logical-clock stamp, the device and the user
//! ([`Change`]). Syncing is exchanging these records through a central server, which keeps one
//! log of everyone's changes and gives each a sequence number. Nothing is ever sent as "the
//! current row"; replicas converge because they all apply the same changes under the same rules.
//!
//! # The protocol in short (details in [`protocol`])
//!
//! - **Hello first.** The client sends its protocol and schema versions; on any mismatch the
//!   server refuses, before anything is applied, and the client keeps its outbox for later.
//! - **Push.** The client sends the changes of its log that the server has not acknowledged. The
//!   server validates all of them, stores the new ones in one transaction and only after a
//!   durable commit answers with the ids it holds. The client clears exactly those ids from its
//!   outbox; anything else is sent again, and the server ignores what it already has.
//! - **Pull.** The client asks for the server's changes after its cursor, page by page, and
//!   applies each page together with its new cursor in one local transaction.
//! - **Restored servers.** The server announces a `server_id`. A server that is new or restored
//!   from a backup has a new one; a client that sees a new id (or a server whose log ends before
//!   the client's cursor) uploads its whole change log again and pulls from the start, so
//!   changes the server lost come back from the laptops.
//! - **Clock skew.** A change stamped more than [`MAX_FORWARD_SKEW_MS`] (24 h and 1 min) ahead of
//!   the receiver's clock is refused with a clear error ([`check_skew`]).
//! - **Number series.** Human-readable numbers (customer numbers, lead ids) are a series plus a
//!   counter. At login the server gives each device its own series, so numbers made offline on
//!   two laptops never collide.
//!
//! # The merge rules in short (details in [`merge`])
//!
//! - Applying a change is idempotent: a change id seen before changes nothing.
//! - Each column is last writer wins, ordered by [`Stamp`] (clock, then device id).
//! - A delete wins: a deleted row stays deleted everywhere and later or concurrent edits of it are
//!   ignored (the one case where an edit does not survive; ids are never reused).
//! - The result depends only on which changes a replica has, not on their order or repetition,
//!   so every replica ends with the same data once it has every change.
//!
//! [`MAX_FORWARD_SKEW_MS`]: stamp::MAX_FORWARD_SKEW_MS
//! [`check_skew`]: stamp::check_skew

pub mod change;
pub mod merge;
pub mod protocol;
pub mod schema;
pub mod stamp;

pub use change::{Change, ChangeError, Op, Patch, Schema};
pub use merge::{Applied, Replica, Version, merge_decision};
pub use stamp::{SkewError, Stamp};
