//! The sync client: one round against the team's server (hello, push, pull) as
//! `crm_sync::protocol` describes it, and the device-local state it keeps between rounds.
//!
//! The round works over [`StoreAccess`], holding the store only to read a batch or to apply one:
//! the network calls run with the store released, so the app stays usable while a round waits on
//! a slow or unreachable server. Everything that must survive a crash is written in the same
//! transaction as the data it describes: a pulled page and the new pull cursor commit together,
//! and the push cursor moves only after the server acknowledged (its acknowledgement comes after
//! its durable commit). A round killed at any point loses nothing; the next one resends or
//! re-pulls what was not confirmed, and duplicates are skipped by change id on both sides.
//!
//! The HTTP itself is behind [`Transport`] ([`super::http::HttpTransport`] in the app), so tests
//! can drop, repeat or delay messages between real processes.

use std::sync::atomic::{AtomicBool, Ordering};

use crm_model::{SyncLogin, SyncPhase, SyncProgress, SyncRound, SyncStatus};
use crm_sync::{
    Change,
    protocol::{self, ErrorBody, ErrorCode, Hello, LoginRequest, LoginResponse, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse, ServerInfo},
    schema::SCHEMA_VERSION,
};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::{
    CoreError, Result, Store,
    mail::outbox::StoreAccess,
    store::{get_state, set_state},
};

/// Why a request to the server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer: no network, server down, timeout, TLS failure.
    #[error("The sync server at {url} cannot be reached ({detail}). Your work is kept on this computer and sent when it can be.")]
    Unreachable { url: String, detail: String },
    /// The server answered with an error body.
    #[error("{}", .0.message)]
    Refused(ErrorBody),
    /// The answer was not what the protocol says (a proxy's error page, a different service).
    #[error("The server at {url} did not answer as a Keel CRM sync server ({detail}).")]
    NotASyncServer { url: String, detail: String },
}

/// One POST of a JSON body to the server; the answer's body when it is a success. Bodies are
/// bytes so that fault-injecting transports in tests can drop, keep and replay them as they are.
/// `Sync`: a round downloads the next page on a second thread while it applies one.
pub trait Transport: Sync {
    fn post(&self, base_url: &str, path: &str, token: Option<&str>, body: Vec<u8>) -> std::result::Result<Vec<u8>, TransportError>;
}

/// Device-local sync state in `local_state` (never synced itself).
mod key {
    pub const URL: &str = "sync_url";
    pub const EMAIL: &str = "sync_email";
    pub const TOKEN: &str = "sync_token";
    pub const DEVICE_NAME: &str = "sync_device_name";
    /// The server log the cursors belong to.
    pub const SERVER_ID: &str = "sync_server_id";
    /// The change-log `seq` up to which the server acknowledged everything we push.
    pub const PUSHED: &str = "sync_pushed";
    /// After a start-over: every change-log record up to this `seq` is pushed, also those that
    /// came from other devices (a restored server may have lost them).
    pub const PUSH_ALL_UNTIL: &str = "sync_push_all_until";
    /// The server sequence number of the last change applied.
    pub const PULLED: &str = "sync_pulled";
    pub const LAST_OK: &str = "sync_last_ok_ms";
    pub const LAST_ERROR: &str = "sync_last_error";
}

/// Which numbered columns a new number series renumbers (see [`Store::sync_login`]).
const NUMBERED: &[(&str, &str)] = &[("company", "customer_number"), ("lead", "lead_number"), ("estimate", "estimate_number"), ("sales_order", "order_number")];

/// The smallest pull that may be written in bulk ([`Store::bulk_pays`]).
const BULK_MIN: u64 = 1_000;

/// Changes per push request and per pull page: the protocol's maximum.
const BATCH: u32 = protocol::MAX_PUSH_CHANGES as u32;

/// Where the round's cursors stand.
struct Cursors {
    url: String,
    token: String,
    server_id: Option<Uuid>,
    pushed: i64,
    push_all_until: i64,
    pulled: u64,
}

impl Store {
    fn sync_cursors(&self) -> Result<Option<Cursors>> {
        let (Some(url), Some(token)) = (get_state::<String>(&self.conn, key::URL)?, get_state::<String>(&self.conn, key::TOKEN)?) else { return Ok(None) };
        Ok(Some(Cursors {
            url,
            token,
            server_id: get_state::<String>(&self.conn, key::SERVER_ID)?.and_then(|text| Uuid::parse_str(&text).ok()),
            pushed: get_state(&self.conn, key::PUSHED)?.unwrap_or(0),
            push_all_until: get_state(&self.conn, key::PUSH_ALL_UNTIL)?.unwrap_or(0),
            pulled: get_state::<i64>(&self.conn, key::PULLED)?.unwrap_or(0) as u64,
        }))
    }

    /// The status the app shows; `running` and `progress` are the shell's to fill in.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        // The cursors stay after a logout: what waits is counted the same way logged in or not.
        let pending = self.sync_pending(get_state(&self.conn, key::PUSHED)?.unwrap_or(0), get_state(&self.conn, key::PUSH_ALL_UNTIL)?.unwrap_or(0))?;
        Ok(SyncStatus {
            enabled: self.sync_cursors()?.is_some(),
            server_url: get_state(&self.conn, key::URL)?,
            email: get_state(&self.conn, key::EMAIL)?,
            device_name: get_state(&self.conn, key::DEVICE_NAME)?,
            series: self.series.clone(),
            last_sync_ms: get_state(&self.conn, key::LAST_OK)?,
            last_error: get_state(&self.conn, key::LAST_ERROR)?,
            pending,
            running: false,
            progress: None,
        })
    }

    /// This device's changes not yet acknowledged (all changes after a start-over).
    fn sync_pending(&self, pushed: i64, push_all_until: i64) -> Result<u64> {
        let n: i64 = self.conn.prepare_cached("SELECT count(*) FROM change_log WHERE seq > ?1 AND (device_id = ?2 OR seq <= ?3)")?.query_row(
            rusqlite::params![pushed, self.device_id.to_string(), push_all_until],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// The next push batch: this device's changes after the cursor (and, after a start-over,
    /// everyone's up to `push_all_until`), with the log sequence of the last one looked at.
    fn sync_outbox(&self, pushed: i64, push_all_until: i64) -> Result<(Vec<Change>, i64)> {
        let mut batch = Vec::new();
        let mut last = pushed;
        let mut budget = protocol::MAX_BODY_BYTES / 2;
        // Changes from other devices are skipped in SQL: after receiving 100k of them, the next
        // push would otherwise read and parse every one to find none of ours.
        let (changes, mut to_the_end) = self.outbox_after(pushed, BATCH, self.device_id, push_all_until)?;
        for (seq, change) in changes {
            let size = match &change.op {
                crm_sync::Op::Set(patch) => 200 + patch.iter().map(|(k, v)| k.len() + v.to_string().len() + 4).sum::<usize>(),
                crm_sync::Op::Delete => 200,
            };
            if size > budget && !batch.is_empty() {
                to_the_end = false;
                break;
            }
            budget = budget.saturating_sub(size);
            batch.push(change);
            last = seq;
        }
        if to_the_end {
            // Nothing of ours follows: the cursor passes what other devices' changes remain.
            last = last.max(self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| r.get(0))?);
        }
        Ok((batch, last))
    }

    fn sync_set(&self, key: &str, value: impl rusqlite::ToSql) -> Result<()> {
        set_state(&self.conn, key, value)
    }

    fn sync_clear(&self, key: &str) -> Result<()> {
        self.conn.execute("DELETE FROM local_state WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Start over against a new (or restored) server: pull everything, push everything.
    fn sync_start_over(&mut self, server_id: Uuid) -> Result<()> {
        let tx = self.conn.transaction()?;
        let last: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| r.get(0))?;
        set_state(&tx, key::SERVER_ID, server_id.to_string())?;
        set_state(&tx, key::PUSHED, 0)?;
        set_state(&tx, key::PULLED, 0)?;
        set_state(&tx, key::PUSH_ALL_UNTIL, last)?;
        tx.commit()?;
        Ok(())
    }

    /// Record the end of a round: the error shown in the status, or the time of success.
    fn sync_record(&self, outcome: &Result<SyncRound>) -> Result<()> {
        match outcome {
            Ok(_) => {
                self.sync_set(key::LAST_OK, self.now_ms())?;
                self.sync_clear(key::LAST_ERROR)
            }
            Err(CoreError::Cancelled) => Ok(()),
            Err(error) => self.sync_set(key::LAST_ERROR, error.to_string()),
        }
    }

    /// Log in to a server; see [`sync_login`]. Holds the store for the whole call.
    pub fn sync_login(&mut self, transport: &impl Transport, login: &SyncLogin) -> Result<SyncStatus> {
        sync_login(self, transport, login)
    }

    /// Log out; see [`sync_logout`].
    pub fn sync_logout(&mut self, transport: &impl Transport) -> Result<SyncStatus> {
        sync_logout(self, transport)
    }

    /// Store what a successful login gave: the token, and the series (renumbering).
    fn sync_logged_in(&mut self, url: &str, email: &str, device_name: &str, response: &LoginResponse) -> Result<SyncStatus> {
        let same_server = get_state::<String>(&self.conn, key::URL)?.as_deref() == Some(url);
        if response.series != self.series {
            self.renumber(&response.series)?;
        }
        self.sync_set(key::URL, url)?;
        self.sync_set(key::EMAIL, email)?;
        self.sync_set(key::DEVICE_NAME, device_name)?;
        self.sync_set(key::TOKEN, &response.token)?;
        self.sync_clear(key::LAST_ERROR)?;
        if !same_server {
            // Another server: its log is not the one our cursors point into.
            self.sync_clear(key::SERVER_ID)?;
        }
        self.sync_status()
    }

    /// Move this device to another number series. Records this device numbered and never sent
    /// are renumbered (nobody else has seen those numbers); numbers already sent keep theirs.
    fn renumber(&mut self, series: &str) -> Result<()> {
        let old = self.series.clone();
        let pushed: i64 = get_state(&self.conn, key::PUSHED)?.unwrap_or(0);
        let device = self.device_id.to_string();
        self.set_number_series(series)?;
        let schema = super::SyncSchema::get(&self.conn)?;
        // Numbers in this device's unsent records, also of rows deleted since: their records
        // still go to the server, and must not carry a number that may be another device's.
        let mut renames: Vec<(&'static str, &'static str, Uuid, String)> = Vec::new();
        for (table, column) in NUMBERED {
            let (Some(table), Some(column)) = (schema.table(table), schema.column(table, column)) else { continue };
            let mut select = self.conn.prepare(
                "SELECT DISTINCT row_id, json_extract(patch, '$.' || ?1) FROM change_log
                 WHERE table_name = ?2 AND op = 'set' AND seq > ?3 AND device_id = ?4 AND json_extract(patch, '$.' || ?1) LIKE ?5 || '%'",
            )?;
            let rows = select.query_map(rusqlite::params![column, table, pushed, device, old], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, number) = row?;
                let Some(rest) = number.strip_prefix(old.as_str()).filter(|rest| rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()) else { continue };
                let id = Uuid::parse_str(&id).map_err(|e| CoreError::Conflict(e.to_string()))?;
                renames.push((table, column, id, format!("{series}{rest}")));
            }
        }
        if renames.is_empty() {
            return Ok(());
        }
        // The new number replaces the old one in place: in the row (unlogged, with its search
        // tokens) and in the unsent change-log records that carry it, so that no replica ever
        // sees the old number (it may be another device's by now).
        self.write(|w| {
            for (table, column, id, number) in &renames {
                if crate::sql::exists(w.tx(), table, *id)? {
                    w.set_replaying(true);
                    let updated = w.update(table, *id, &[(column, rusqlite::types::Value::Text(number.clone()))]);
                    w.set_replaying(false);
                    updated?;
                }
                w.tx()
                    .prepare_cached(
                        "UPDATE change_log SET patch = json_set(patch, '$.' || ?1, ?2)
                         WHERE table_name = ?3 AND row_id = ?4 AND op = 'set' AND seq > ?5 AND device_id = ?6 AND json_type(patch, '$.' || ?1) IS NOT NULL",
                    )?
                    .execute(rusqlite::params![column, number, table, id.to_string(), pushed, device])?;
            }
            Ok(())
        })
    }
}

/// Log in to a server: check it speaks our protocol and schema, get a token and this device's
/// number series, and renumber the records that never left this device into that series.
/// Nothing is stored unless everything worked. The network calls run with the store released.
pub fn sync_login(store: &mut impl StoreAccess, transport: &impl Transport, login: &SyncLogin) -> Result<SyncStatus> {
    let mut problems = crate::validate::Validator::default();
    let (mut email, mut device_name) = (login.email.clone(), login.device_name.clone());
    let url = normalise_url(&login.server_url);
    if url.is_none() {
        problems.error("server_url", "Enter the server's address, starting with https:// (or http:// on a local network).");
    }
    problems.email("email", &mut email, 200);
    if email.is_empty() {
        problems.error("email", "Required.");
    }
    problems.required("device_name", &mut device_name, 100);
    if login.password.is_empty() {
        problems.error("password", "Enter your password.");
    }
    problems.finish()?;
    let url = url.unwrap_or_default();
    let device = store.with(|s| Ok(s.device_id))?;
    hello(transport, &url, device)?;
    let request = LoginRequest { email: email.clone(), password: login.password.clone(), device, device_name: device_name.clone() };
    let response: LoginResponse = call(transport, &url, protocol::paths::LOGIN, None, &request)?;
    if !protocol::is_valid_series(&response.series) {
        return Err(CoreError::Sync(format!("The server gave this device the number series {:?}, which is not valid.", response.series)));
    }
    store.with(|s| s.sync_logged_in(&url, &email, &device_name, &response))
}

/// Log out: the server revokes the token; this device forgets it and stops syncing. The server
/// address and email stay filled in for the next login, and nothing local is lost. Offline, the
/// token is still forgotten here (an administrator can revoke the device on the server).
pub fn sync_logout(store: &mut impl StoreAccess, transport: &impl Transport) -> Result<SyncStatus> {
    if let Some(cursors) = store.with(|s| s.sync_cursors())? {
        let _ = transport.post(&cursors.url, protocol::paths::LOGOUT, Some(&cursors.token), b"{}".to_vec());
    }
    store.with(|s| {
        s.sync_clear(key::TOKEN)?;
        s.sync_status()
    })
}

/// A server address `http(s)://host[:port][/path]` without a trailing slash, if it is one.
fn normalise_url(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| url.to_owned())
}

/// A JSON request and its JSON answer.
fn call<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(transport: &impl Transport, url: &str, path: &str, token: Option<&str>, request: &Req) -> Result<Resp> {
    let body = serde_json::to_vec(request).map_err(|e| CoreError::Sync(e.to_string()))?;
    let answer = transport.post(url, path, token, body).map_err(sync_error)?;
    serde_json::from_slice(&answer).map_err(|e| sync_error(TransportError::NotASyncServer { url: url.to_owned(), detail: e.to_string() }))
}

fn hello(transport: &impl Transport, url: &str, device: Uuid) -> Result<ServerInfo> {
    call(transport, url, protocol::paths::HELLO, None, &Hello { protocol: PROTOCOL_VERSION, schema_version: SCHEMA_VERSION, device })
}

/// The message the status shows for a failed request.
fn sync_error(error: TransportError) -> CoreError {
    CoreError::Sync(match &error {
        TransportError::Refused(ErrorBody { code: ErrorCode::Unauthorized, .. }) => "The server no longer accepts this device's login. Log in again in Settings → Sync.".into(),
        TransportError::Refused(ErrorBody { code: ErrorCode::SchemaMismatch | ErrorCode::ProtocolMismatch, message }) => {
            format!("{message} Nothing was sent or received; your changes wait on this computer.")
        }
        _ => error.to_string(),
    })
}

/// Progress of a round, for the status bar.
pub trait RoundObserver {
    fn progress(&self, progress: SyncProgress);
    fn cancelled(&self) -> bool;
}

/// An observer that watches nothing (tests, background rounds without a bar).
pub struct Quiet;

impl RoundObserver for Quiet {
    fn progress(&self, _: SyncProgress) {}
    fn cancelled(&self) -> bool {
        false
    }
}

/// A cancel flag and a progress callback.
pub struct Watch<'a, F: Fn(SyncProgress)> {
    pub cancel: &'a AtomicBool,
    pub report: F,
}

impl<F: Fn(SyncProgress)> RoundObserver for Watch<'_, F> {
    fn progress(&self, progress: SyncProgress) {
        (self.report)(progress)
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// One sync round; see the module docs and `crm_sync::protocol` ("One sync round"). Its outcome
/// is recorded for the status (last success or last error). Without a login it does nothing.
pub fn sync_round(store: &mut impl StoreAccess, transport: &impl Transport, observer: &impl RoundObserver) -> Result<Option<SyncRound>> {
    let Some(cursors) = store.with(|s| s.sync_cursors())? else { return Ok(None) };
    let outcome = run_round(store, transport, observer, cursors);
    // Also after a failed round: search and lists are quick again as soon as the round stops.
    store.with(|s| s.catch_up(observer))?;
    store.with(|s| s.sync_record(&outcome))?;
    outcome.map(Some)
}

fn run_round(store: &mut impl StoreAccess, transport: &impl Transport, observer: &impl RoundObserver, mut c: Cursors) -> Result<SyncRound> {
    let mut round = SyncRound::default();
    let device = store.with(|s| Ok(s.device_id))?;
    observer.progress(SyncProgress { phase: SyncPhase::Connecting, done: 0, total: 0 });
    let info = hello(transport, &c.url, device)?;
    // A server whose log is not the one our cursors belong to, or that is behind our cursor,
    // may lack changes it acknowledged: start over (see `crm_sync::protocol`, step 1).
    if c.server_id != Some(info.server_id) || info.head < c.pulled {
        store.with(|s| s.sync_start_over(info.server_id))?;
        c = store.with(|s| s.sync_cursors())?.ok_or_else(|| CoreError::Sync("Logged out during the round.".into()))?;
        round.started_over = true;
    }
    // Push.
    let total = store.with(|s| s.sync_pending(c.pushed, c.push_all_until))?;
    let mut sent = 0u64;
    // The server's sequence numbers this round's pushes took: the pull steps over them.
    let mut own: Vec<(u64, u64)> = Vec::new();
    // The batch after `c.pushed`, read while the previous one was on the wire.
    let mut ahead: Option<(Vec<Change>, i64)> = None;
    loop {
        if observer.cancelled() {
            return Err(CoreError::Cancelled);
        }
        observer.progress(SyncProgress { phase: SyncPhase::Sending, done: sent, total: total.max(sent) });
        let (batch, last) = match ahead.take() {
            Some(batch) => batch,
            None => store.with(|s| s.sync_outbox(c.pushed, c.push_all_until))?,
        };
        if batch.is_empty() {
            if last > c.pushed {
                store.with(|s| s.sync_set(key::PUSHED, last))?;
                c.pushed = last;
                continue;
            }
            break;
        }
        let ids: Vec<Uuid> = batch.iter().map(|change| change.change_id).collect();
        let request = PushRequest { schema_version: SCHEMA_VERSION, device, changes: batch };
        // The next batch is read from the log while this one is on the wire and in the server's
        // transaction (a first sync of 100k records saves about a second). It assumes the whole
        // batch is acknowledged; when it is not, the round stops below and the read is dropped.
        let (response, next) = std::thread::scope(|scope| {
            let push = scope.spawn(|| call::<_, PushResponse>(transport, &c.url, protocol::paths::PUSH, Some(&c.token), &request));
            let next = store.with(|s| s.sync_outbox(last, c.push_all_until));
            (push.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), next)
        });
        let response = response?;
        // A failed read is made again in the next turn, which reports its error.
        ahead = next.ok();
        if response.server_id != info.server_id {
            return Err(CoreError::Sync("The sync server changed during the round (restored from a backup?); the next round starts over.".into()));
        }
        own.extend(response.appended);
        // The cursor moves over the acknowledged prefix; anything after a gap is sent again.
        let acknowledged = ids.iter().zip(&response.accepted).take_while(|(sent, id)| sent == id).count();
        let through = if acknowledged == ids.len() { last } else { store.with(|s| s.sync_seq_of(ids[acknowledged]))? - 1 };
        store.with(|s| s.sync_set(key::PUSHED, through))?;
        sent += acknowledged as u64;
        round.sent += acknowledged as u64;
        if acknowledged < ids.len() {
            return Err(CoreError::Sync(format!("The server acknowledged {acknowledged} of {} changes; the rest are sent again next round.", ids.len())));
        }
        c.pushed = through;
    }
    // Pull.
    let mut received = 0u64;
    let mut remaining = info.head.saturating_sub(c.pulled);
    let (url, token) = (c.url.clone(), c.token.clone());
    let fetch = |after: u64| -> Result<PullResponse> { call(transport, &url, protocol::paths::PULL, Some(&token), &PullRequest { schema_version: SCHEMA_VERSION, after, limit: BATCH }) };
    // The range of this round's own changes that holds `seq`, if one does.
    let own_at = |seq: u64| own.iter().copied().find(|(first, last)| (*first..=*last).contains(&seq));
    let bulk = store.with(|s| s.bulk_pays(remaining))?;
    // The page after `c.pulled`, downloaded while the previous one was applied.
    let mut ahead: Option<PullResponse> = None;
    loop {
        if observer.cancelled() {
            return Err(CoreError::Cancelled);
        }
        observer.progress(SyncProgress { phase: SyncPhase::Receiving, done: received, total: received + remaining });
        // Our own changes, appended by this round's pushes: this device holds them already.
        if let Some((_, last)) = own_at(c.pulled + 1) {
            store.with(|s| s.sync_set(key::PULLED, last as i64))?;
            remaining = remaining.saturating_sub(last - c.pulled);
            c.pulled = last;
            ahead = None;
            continue;
        }
        let page = match ahead.take() {
            Some(page) => page,
            None => fetch(c.pulled)?,
        };
        if page.server_id != info.server_id {
            return Err(CoreError::Sync("The sync server changed during the round (restored from a backup?); the next round starts over.".into()));
        }
        let Some(last) = page.changes.last().map(|s| s.seq) else { break };
        if last <= c.pulled {
            return Err(CoreError::Sync("The server sent changes the device already has; the next round asks again.".into()));
        }
        let changes: Vec<Change> = page.changes.into_iter().map(|s| s.change).collect();
        // Trusted against the server's clock, which checked every stamp when it took the change.
        let server_ms = info.time_ms;
        // The next page downloads (and the server reads it) while this one is applied: on a
        // first sync that hides most of the network and server time behind the local writes.
        // Requests still go one at a time, in the order they would without it.
        let more = page.next.is_some() && own_at(last + 1).is_none();
        let (report, next) = std::thread::scope(|scope| {
            let next = more.then(|| scope.spawn(|| fetch(last)));
            let report = store.with(|s| s.apply_pulled(&changes, last, server_ms, bulk));
            (report, next.map(|next| next.join()))
        });
        let report = report?;
        // A failed download is asked for again in the next turn, which reports its error.
        ahead = next.and_then(|next| next.ok()).and_then(Result::ok);
        received += changes.len() as u64;
        round.received += changes.len() as u64;
        round.applied += u64::from(report.applied);
        c.pulled = last;
        remaining = page.remaining;
        if page.next.is_none() {
            break;
        }
    }
    Ok(round)
}

impl Store {
    fn sync_seq_of(&self, change_id: Uuid) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT seq FROM change_log WHERE change_id = ?1")?
            .query_row([change_id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| CoreError::Sync(format!("change {change_id} vanished from the change log")))
    }

    /// Apply a pulled page and move the pull cursor past it, in one transaction.
    fn apply_pulled(&mut self, changes: &[Change], last_seq: u64, server_ms: u64, bulk: bool) -> Result<super::ApplyReport> {
        self.apply_remote_then(changes, Some(server_ms), bulk, |tx| set_state(tx, key::PULLED, last_seq as i64))
    }

    /// Whether a pull of `incoming` changes is better off written in bulk (see `bulk.rs`): when
    /// it brings more than the laptop holds (a first sync), rebuilding the indexes at the end
    /// costs at most about twice the new records' share, and sorted.
    fn bulk_pays(&self, incoming: u64) -> Result<bool> {
        if incoming < BULK_MIN {
            return Ok(false);
        }
        // Counted no further than `incoming` per table: a round must not scan a million rows.
        let held: i64 = self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM company LIMIT ?1)) + (SELECT COUNT(*) FROM (SELECT 1 FROM contact LIMIT ?1))",
            [incoming as i64],
            |r| r.get(0),
        )?;
        Ok(incoming > held as u64)
    }

    /// Make the indexes a bulk pull left for the end.
    fn catch_up(&mut self, observer: &impl RoundObserver) -> Result<()> {
        if crate::search::is_current(&self.conn)? && !super::bulk::indexes_deferred(&self.conn)? {
            return Ok(());
        }
        observer.progress(SyncProgress { phase: SyncPhase::Indexing, done: 0, total: 0 });
        super::bulk::restore_indexes(&mut self.conn)?;
        crate::search::ensure_current(&mut self.conn)
    }
}
