//! The sync protocol: HTTP endpoints, JSON bodies and limits.
//!
//! # Endpoints
//!
//! Every request is a `POST` with a JSON body (`Content-Type: application/json`) to a path under
//! `/v{PROTOCOL_VERSION}/`; the answer is JSON too. Paths are in [`paths`].
//!
//! | Path | Token | Request | Answer |
//! |---|---|---|---|
//! | `/v1/hello` | no | [`Hello`] | [`ServerInfo`] |
//! | `/v1/login` | no | [`LoginRequest`] | [`LoginResponse`] |
//! | `/v1/logout` | yes | empty | `204 No Content`; the token is revoked |
//! | `/v1/push` | yes | [`PushRequest`] | [`PushResponse`] |
//! | `/v1/pull` | yes | [`PullRequest`] | [`PullResponse`] |
//!
//! "Token" means the header `Authorization: Bearer <token>` with a token from
//! [`LoginResponse`]; a missing, unknown or revoked token gets `unauthorized`. Every answer that
//! is not a success has the status of its code and an [`ErrorBody`]. A body larger than
//! [`MAX_BODY_BYTES`] is refused with `payload_too_large` before it is read.
//!
//! # One sync round
//!
//! The client runs a round on an interval and on demand. It never blocks the app: local writes
//! go on during a round, and anything a round does not finish waits for the next.
//!
//! 1. **Hello.** The client sends its protocol and schema versions. On a mismatch the server
//!    answers `protocol_mismatch` or `schema_mismatch` (the message names both versions) and the
//!    round stops before anything is sent or applied; the outbox is kept. Otherwise the client
//!    compares [`ServerInfo::server_id`] with the id it stored with its cursors: a different id,
//!    or a `head` lower than its pull cursor, means a new server or one restored from an older
//!    backup (it may have lost changes it had acknowledged). The client then, in one local
//!    transaction, stores the new id and resets both cursors to 0: it pulls everything again
//!    (duplicates are skipped) and uploads its *whole* change log again, its own changes and the
//!    ones it pulled, so that whatever any laptop still holds gets back to the server.
//! 2. **Push.** The client sends its outbox (its own change-log records not yet acknowledged; all
//!    records after a reset) in local order, in batches of at most [`MAX_PUSH_CHANGES`] changes
//!    and [`MAX_BODY_BYTES`]. The server checks everything first: token, device, schema version,
//!    batch size, [`Change::validate`] and the clock-skew bound for every change. Any failure
//!    refuses the whole batch and nothing is applied. Then, in one transaction, it appends each
//!    change it has not seen (by `change_id`) to its log with the next server sequence number,
//!    in request order, and merges it into its own copy of the data. It answers only after that
//!    transaction is durably committed. The client clears from its outbox exactly the ids in
//!    [`PushResponse::accepted`]; anything else is sent again next time (the server acknowledges
//!    a duplicate again without applying it), so a lost answer costs only a resend.
//! 3. **Pull.** The client asks for the changes after its pull cursor, page by page, until
//!    [`PullResponse::next`] is `None`. It applies each page in one local transaction together
//!    with the new cursor (the last sequence number of the page), so a client killed mid-apply
//!    has applied either the whole page or none of it. For every change it skips ids it has seen,
//!    validates against its schema (a server change that fails means the two disagree on the
//!    schema: the page is refused), checks the skew bound against its own clock, lets its clock
//!    observe the stamp (so that its own later edits are stamped after everything it has seen)
//!    and merges by [`crate::merge`].
//!
//! The server sends every change, including the pulling device's own: they come back as
//! duplicates and cost a lookup each. That keeps the server simple and lets a laptop restored
//! from a backup get back its own changes.
//!
//! # Order and visibility
//!
//! Server sequence numbers start at 1 and increase by one per stored change. The server must
//! never let a pull see number `n + 1` before every number up to `n` is committed, or a client
//! whose cursor passed `n + 1` would never receive `n`. SQLite's single writer gives this for
//! free; on PostgreSQL, pushes take one lock for the append (or pulls stop below the oldest
//! uncommitted number). Since each client pushes in its own order and can only edit rows it has,
//! the server's order is causal: a row's insert always comes before other devices' edits of it.
//!
//! # Devices, users and number series
//!
//! A device is the id a desktop database made for itself when it was created. Login ties it to
//! a user; the token belongs to that user and that device, and [`PushRequest::device`] must be
//! the token's device (`forbidden` otherwise). Changes keep the stamp and user of the device
//! that made them, also when another laptop uploads them again after a server reset. The server
//! gives each device a number series (one to three capital letters, see [`is_valid_series`]),
//! different from every other device's and the same on every later login of that device; the
//! first device of a new server gets `A`, which a standalone database already uses. A device
//! whose local series differs renumbers the records it never pushed (nobody else has seen those
//! numbers) before its first push, then numbers inside its new series.
//!
//! # Schema versions
//!
//! Client and server must have the same [`Schema::version`](crate::Schema); push and pull check
//! it again (a server may be upgraded between two requests). An app update whose migration
//! renames or removes a synced column must rewrite its unpushed changes to the new schema.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(doc)]
use crate::Schema;
use crate::change::Change;

/// The protocol this crate describes; also the `/v1/` of every path. A server speaks exactly one
/// protocol version.
pub const PROTOCOL_VERSION: u32 = 1;

/// The most changes in one [`PushRequest`] (more: `payload_too_large`).
pub const MAX_PUSH_CHANGES: usize = 5_000;

/// The most changes in one [`PullResponse`]; a larger [`PullRequest::limit`] is lowered to it.
pub const MAX_PULL_PAGE: u32 = 5_000;

/// The largest request body the server reads, and the size a server keeps a pull page under
/// (a page always holds at least one change). A client fills a push batch up to this size.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

// A full batch of typical changes (a company with every field is about 700 bytes) leaves room for
// long notes within the body limit.
const _: () = assert!(MAX_PUSH_CHANGES * 700 * 2 < MAX_BODY_BYTES && MAX_PULL_PAGE as usize == MAX_PUSH_CHANGES);

/// The endpoint paths.
pub mod paths {
    pub const HELLO: &str = "/v1/hello";
    pub const LOGIN: &str = "/v1/login";
    pub const LOGOUT: &str = "/v1/logout";
    pub const PUSH: &str = "/v1/push";
    pub const PULL: &str = "/v1/pull";
}

/// Whether `series` is a valid number series: one to three capital letters (`A`, `B`, …, `ZZZ`).
pub fn is_valid_series(series: &str) -> bool {
    (1..=3).contains(&series.len()) && series.bytes().all(|b| b.is_ascii_uppercase())
}

/// The first request of every round (`/v1/hello`, no token needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The client's [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The client's schema version.
    pub schema_version: u32,
    pub device: Uuid,
}

/// The answer to [`Hello`] when both versions match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub protocol: u32,
    pub schema_version: u32,
    /// The identity of the server's change log. A new server makes a new one, and so does
    /// restoring a server from a backup (its restore command does that): either may lack changes
    /// it once acknowledged, and clients seeing a new id upload their whole log again.
    pub server_id: Uuid,
    /// The greatest server sequence number committed so far (0 for an empty log). A client whose
    /// pull cursor is beyond it treats the server as new, like a changed `server_id`.
    pub head: u64,
    /// The server's wall clock, in Unix milliseconds, so a client can warn about its own clock
    /// before the skew bound refuses its changes.
    pub time_ms: u64,
}

/// `/v1/login`. Rate-limited per account and per address (`rate_limited`, with a
/// `Retry-After` header in seconds).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    pub device: Uuid,
    /// Shown to administrators in the server's device list, e.g. "Maria's laptop".
    pub device_name: String,
}

/// A successful login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Opaque bearer token for this user on this device, from a CSPRNG; the server keeps only
    /// its hash. Valid until logout or revocation.
    pub token: String,
    pub user_id: Uuid,
    /// The number series of this device (see the module docs).
    pub series: String,
}

/// `/v1/push`: changes from the client's outbox, in its local order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub schema_version: u32,
    /// The pushing device (must be the token's).
    pub device: Uuid,
    pub changes: Vec<Change>,
}

/// The server's acknowledgement, sent after its commit is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Ids of the request's changes that the server holds durably, new ones and duplicates it
    /// already had, in request order. Only these leave the client's outbox.
    pub accepted: Vec<Uuid>,
    /// If it is not the id the client holds, the client starts over as after [`Hello`] (the
    /// acknowledgements still count: the new server holds those changes).
    pub server_id: Uuid,
    /// The first and last sequence numbers this push appended, when it appended any. The server
    /// appends a push under one lock, so every number in between is one of this request's
    /// changes: the pushing client holds them all and its pull steps over the range instead of
    /// downloading its own changes again.
    #[serde(default)]
    pub appended: Option<(u64, u64)>,
}

/// `/v1/pull`: the next page of the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub schema_version: u32,
    /// The client's cursor: the last server sequence number it has applied (0 at first).
    pub after: u64,
    /// The most changes wanted, lowered to [`MAX_PULL_PAGE`] and raised to 1.
    pub limit: u32,
}

/// A page of the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Changes with sequence numbers after [`PullRequest::after`], ascending, without gaps other
    /// than numbers the server never used.
    pub changes: Vec<Sequenced>,
    /// `Some(n)` when more changes follow: pull again with `after = n`, the last number of this
    /// page. `None` when this page reached the end of the log.
    pub next: Option<u64>,
    /// If it is not the id the client's cursor belongs to, the page is discarded and the client
    /// starts over as after [`Hello`].
    pub server_id: Uuid,
    /// How many changes follow this page (0 with `next: None`), for a progress bar.
    pub remaining: u64,
}

/// A change with its place in the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequenced {
    pub seq: u64,
    pub change: Change,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// A sentence a user can act on, shown in the app's sync status.
    pub message: String,
}

/// Stable error codes, serialized as the snake_case strings below. Clients decide what to do by
/// the code, never by the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No token, or an unknown, revoked or expired one; or a wrong email or password. The app
    /// asks the user to log in again.
    Unauthorized,
    /// A valid token that may not do this (e.g. a push for another device).
    Forbidden,
    /// Too many attempts; try again after the `Retry-After` header's seconds.
    RateLimited,
    /// Client and server schema versions differ. Nothing was applied; update the app (or the
    /// server).
    SchemaMismatch,
    /// The server does not speak the client's protocol version.
    ProtocolMismatch,
    /// A change is stamped too far in the future (see [`crate::stamp::check_skew`]).
    ClockSkew,
    /// A change failed [`Change::validate`] (the message names it) or the body is not a valid
    /// request. Nothing of the request was applied.
    InvalidChange,
    /// The body exceeds [`MAX_BODY_BYTES`] or a push holds more than [`MAX_PUSH_CHANGES`].
    PayloadTooLarge,
    NotFound,
    /// The request clashes with the server's state (e.g. an email already in use).
    Conflict,
    /// A server fault; nothing of the request was applied. Try again later.
    Internal,
    /// The request did not finish within the server's time limit (a body sent too slowly, or a
    /// server under load). A push may or may not have been applied: the client sends it again
    /// (changes are idempotent by id).
    Timeout,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 12] = [
        Self::Unauthorized,
        Self::Forbidden,
        Self::RateLimited,
        Self::SchemaMismatch,
        Self::ProtocolMismatch,
        Self::ClockSkew,
        Self::InvalidChange,
        Self::PayloadTooLarge,
        Self::NotFound,
        Self::Conflict,
        Self::Internal,
        Self::Timeout,
    ];

    /// The HTTP status an answer with this code has.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::SchemaMismatch | Self::Conflict => 409,
            Self::ProtocolMismatch => 400,
            Self::PayloadTooLarge => 413,
            Self::ClockSkew | Self::InvalidChange => 422,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Timeout => 408,
        }
    }

    /// The code as it appears in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::RateLimited => "rate_limited",
            Self::SchemaMismatch => "schema_mismatch",
            Self::ProtocolMismatch => "protocol_mismatch",
            Self::ClockSkew => "clock_skew",
            Self::InvalidChange => "invalid_change",
            Self::PayloadTooLarge => "payload_too_large",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Internal => "internal",
            Self::Timeout => "timeout",
        }
    }

    /// Whether the same request may succeed later without anyone doing anything (so the client
    /// just retries on its next round).
    pub const fn is_transient(self) -> bool {
        matches!(self, Self::RateLimited | Self::Internal | Self::Timeout)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keeps the password out of logs.
impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &"<hidden>")
            .field("device", &self.device)
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// Keeps the token out of logs.
impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResponse").field("token", &"<hidden>").field("user_id", &self.user_id).field("series", &self.series).finish()
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::{
        change::Op,
        stamp::{Stamp, pack},
    };

    const DEVICE: &str = "0190a4c2-0000-7000-8000-0000000000d1";
    const SERVER: &str = "0190a4c2-0000-7000-8000-0000000000ee";

    fn id(text: &str) -> Uuid {
        Uuid::parse_str(text).unwrap()
    }

    /// Serializes to exactly `json` and reads back to the same value.
    fn pinned<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(value: &T, json: &str) {
        assert_eq!(serde_json::to_string(value).unwrap(), json);
        assert_eq!(&serde_json::from_str::<T>(json).unwrap(), value);
    }

    fn change() -> Change {
        Change {
            change_id: id("0190a4c2-7b1e-7000-8000-0000000000aa"),
            table: "contact".into(),
            row_id: "0190a4c2-7b1e-7000-8000-000000000001".into(),
            op: Op::Delete,
            stamp: Stamp::new(pack(1, 0), id(DEVICE)),
            user: "maria".into(),
        }
    }

    const CHANGE_JSON: &str = r#"{"change_id":"0190a4c2-7b1e-7000-8000-0000000000aa","table":"contact","row_id":"0190a4c2-7b1e-7000-8000-000000000001","op":"delete","hlc":65536,"device":"0190a4c2-0000-7000-8000-0000000000d1","user":"maria"}"#;

    #[test]
    fn hello_and_server_info() {
        pinned(
            &Hello { protocol: PROTOCOL_VERSION, schema_version: 9, device: id(DEVICE) },
            r#"{"protocol":1,"schema_version":9,"device":"0190a4c2-0000-7000-8000-0000000000d1"}"#,
        );
        pinned(
            &ServerInfo { protocol: 1, schema_version: 9, server_id: id(SERVER), head: 120, time_ms: 1_700_000_000_000 },
            r#"{"protocol":1,"schema_version":9,"server_id":"0190a4c2-0000-7000-8000-0000000000ee","head":120,"time_ms":1700000000000}"#,
        );
    }

    #[test]
    fn login() {
        let request = LoginRequest { email: "maria@example.com".into(), password: "hunter2 hunter2".into(), device: id(DEVICE), device_name: "Maria's laptop".into() };
        pinned(
            &request,
            r#"{"email":"maria@example.com","password":"hunter2 hunter2","device":"0190a4c2-0000-7000-8000-0000000000d1","device_name":"Maria's laptop"}"#,
        );
        assert!(!format!("{request:?}").contains("hunter2"), "the password never reaches a log");
        let response = LoginResponse { token: "secret-token".into(), user_id: id(SERVER), series: "B".into() };
        pinned(&response, r#"{"token":"secret-token","user_id":"0190a4c2-0000-7000-8000-0000000000ee","series":"B"}"#);
        assert!(!format!("{response:?}").contains("secret-token"));
    }

    #[test]
    fn push() {
        pinned(
            &PushRequest { schema_version: 9, device: id(DEVICE), changes: vec![change()] },
            &format!(r#"{{"schema_version":9,"device":"{DEVICE}","changes":[{CHANGE_JSON}]}}"#),
        );
        pinned(
            &PushResponse { accepted: vec![change().change_id], server_id: id(SERVER), appended: Some((7, 7)) },
            &format!(r#"{{"accepted":["0190a4c2-7b1e-7000-8000-0000000000aa"],"server_id":"{SERVER}","appended":[7,7]}}"#),
        );
    }

    #[test]
    fn pull() {
        pinned(&PullRequest { schema_version: 9, after: 0, limit: MAX_PULL_PAGE }, r#"{"schema_version":9,"after":0,"limit":5000}"#);
        pinned(
            &PullResponse { changes: vec![Sequenced { seq: 7, change: change() }], next: Some(7), server_id: id(SERVER), remaining: 3 },
            &format!(r#"{{"changes":[{{"seq":7,"change":{CHANGE_JSON}}}],"next":7,"server_id":"{SERVER}","remaining":3}}"#),
        );
        pinned(
            &PullResponse { changes: vec![], next: None, server_id: id(SERVER), remaining: 0 },
            &format!(r#"{{"changes":[],"next":null,"server_id":"{SERVER}","remaining":0}}"#),
        );
    }

    #[test]
    fn error_codes_are_stable_strings_with_statuses() {
        let table: Vec<(String, u16)> = ErrorCode::ALL.iter().map(|code| (serde_json::to_string(code).unwrap(), code.http_status())).collect();
        let expected = [
            ("\"unauthorized\"", 401),
            ("\"forbidden\"", 403),
            ("\"rate_limited\"", 429),
            ("\"schema_mismatch\"", 409),
            ("\"protocol_mismatch\"", 400),
            ("\"clock_skew\"", 422),
            ("\"invalid_change\"", 422),
            ("\"payload_too_large\"", 413),
            ("\"not_found\"", 404),
            ("\"conflict\"", 409),
            ("\"internal\"", 500),
            ("\"timeout\"", 408),
        ];
        assert_eq!(table, expected.map(|(code, status)| (code.to_owned(), status)));
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(serde_json::from_value::<ErrorCode>(json!(code.as_str())).unwrap(), code);
        }
        assert_eq!(ErrorCode::ALL.iter().filter(|code| code.is_transient()).count(), 3);
        pinned(
            &ErrorBody { code: ErrorCode::SchemaMismatch, message: "The server has schema 10, this app 9: update the app.".into() },
            r#"{"code":"schema_mismatch","message":"The server has schema 10, this app 9: update the app."}"#,
        );
    }

    #[test]
    fn series() {
        for good in ["A", "B", "ZZ", "ABC"] {
            assert!(is_valid_series(good), "{good}");
        }
        for bad in ["", "a", "ABCD", "A1", "Ä", " A"] {
            assert!(!is_valid_series(bad), "{bad:?}");
        }
    }

    #[test]
    fn paths_carry_the_protocol_version() {
        for path in [paths::HELLO, paths::LOGIN, paths::LOGOUT, paths::PUSH, paths::PULL] {
            assert!(path.starts_with(&format!("/v{PROTOCOL_VERSION}/")), "{path}");
        }
    }
}
