//! The outbox: invitations waiting to be emailed, and the rounds that send them.
//!
//! **Device-local, written in the task's transaction.** The task commands call [`enqueue`] inside
//! the write transaction that changes the task, so an invitation exists exactly when the change
//! it announces does: a crash cannot leave a task without its invitation, nor an invitation for
//! a change that was rolled back. The `mail_outbox` table is local to this device (never synced,
//! never in the change log): each device emails the invitations made on it, through the server it
//! can reach, and a synced row would be sent twice. An invitation made offline waits here; it
//! leaves the `pending` state only when an SMTP server has accepted it, and is never dropped.
//!
//! **Take, send, record.** The app keeps the [`Store`] behind a mutex, and talking to an SMTP
//! server can take up to a timeout per step. So a round is three calls, and only the first and
//! the last need the store:
//! 1. [`Store::outbox_take_due`] reads the due mails and claims them for a while, so that a second
//!    round running at the same time (a timer and the "Send now" button) does not send them too;
//! 2. [`super::smtp::send`] talks to the server, without the store;
//! 3. [`Store::outbox_record`] marks the mail sent, or counts the failure and schedules the next
//!    attempt with exponential backoff (1, 2, 4, ... minutes, at most an hour).
//!
//! [`send_round`] does all three over any [`StoreAccess`]: the app's mutex, which it releases
//! while it talks to the server, or a plain store ([`Store::outbox_send_due`], for tests).

use crm_model::{OutboxItem, OutboxRound, limits};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::{CoreError, Result, Store, sql::parse_id, time::rfc3339};

/// The first retry comes this long after a failure; each further failure doubles the wait ...
const FIRST_RETRY_MS: i64 = 60_000;
/// ... up to this.
const MAX_RETRY_MS: i64 = 60 * 60_000;
/// How long a taken mail is kept from other rounds if its outcome is never recorded (the app
/// quit mid-send). Longer than a round of [`ROUND_MAX`] mails normally takes.
const CLAIM_MS: i64 = 15 * 60_000;
/// Mails sent by one [`send_round`].
const ROUND_MAX: u32 = 50;

/// The reason a round sends nothing when no server is set up.
pub const NOT_SET_UP: &str = "Outgoing mail (SMTP) is not set up.";

/// An invitation to put in the outbox.
pub(crate) struct NewMail<'a> {
    pub task_id: Option<Uuid>,
    /// `REQUEST` or `CANCEL`.
    pub method: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub ics: &'a str,
}

/// Queue `item`, due at once. Call it inside the write transaction of the change it announces
/// (`w.tx()`), so that both are committed or neither is.
pub(crate) fn enqueue(tx: &Connection, now_ms: i64, item: NewMail<'_>) -> Result<Uuid> {
    if !matches!(item.method, "REQUEST" | "CANCEL") {
        return Err(CoreError::invalid("method", format!("{:?} is not an invitation method (REQUEST or CANCEL).", item.method)));
    }
    let id = Uuid::now_v7();
    tx.prepare_cached(
        "INSERT INTO mail_outbox (id, task_id, method, recipient, subject, body_text, ics, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        id.to_string(),
        item.task_id.map(|task| task.to_string()),
        item.method,
        item.recipient,
        item.subject,
        item.body_text,
        item.ics,
        now_ms
    ])?;
    Ok(id)
}

/// A mail taken from the outbox to be sent: everything [`super::smtp::send`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub ics: String,
    /// `REQUEST` or `CANCEL`.
    pub method: String,
}

/// The wait after the `attempts`-th failure in a row: 1 minute, doubling, at most an hour.
pub fn retry_delay_ms(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(6);
    (FIRST_RETRY_MS << doublings).min(MAX_RETRY_MS)
}

impl Store {
    /// The outbox for the settings screen: pending mails first (in sending order), then the
    /// most recently sent.
    pub fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        if !(1..=limits::PAGE_MAX).contains(&limit) {
            return Err(CoreError::invalid("limit", format!("Ask for 1 to {} mails.", limits::PAGE_MAX)));
        }
        let mut select = self.conn.prepare_cached(
            "SELECT id, task_id, method, recipient, subject, status, attempts, last_error, next_attempt_at, created_at, sent_at
             FROM mail_outbox
             ORDER BY status <> 'pending', CASE status WHEN 'pending' THEN created_at ELSE -sent_at END, id
             LIMIT ?1",
        )?;
        let rows = select.query_map([limit], item_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How many mails wait to be sent.
    pub fn outbox_pending(&self) -> Result<u32> {
        Ok(self.conn.query_row("SELECT count(*) FROM mail_outbox WHERE status = 'pending'", [], |r| r.get(0))?)
    }

    /// Make every pending mail due now (the "Retry now" button, or the network coming back).
    /// Returns how many are pending, all of them now due.
    pub fn outbox_retry_now(&mut self) -> Result<u32> {
        let now = self.clock.wall_now() as i64;
        let n = self.conn.execute("UPDATE mail_outbox SET next_attempt_at = min(next_attempt_at, ?1) WHERE status = 'pending'", [now])?;
        Ok(n as u32)
    }

    /// The pending mails due at `now_ms`, oldest first, at most `max`. They are claimed: other
    /// rounds do not take them again until [`Store::outbox_record`] says how sending went (or,
    /// should that never happen, for a quarter of an hour).
    ///
    /// One task's mails to one recipient go in the order they were queued: a mail waits while an
    /// earlier one of the same task to the same address is pending (retried after a failure, or
    /// being sent). Otherwise a retried invitation could arrive after its cancellation and bring
    /// the cancelled event back in the recipient's calendar.
    pub fn outbox_take_due(&self, now_ms: i64, max: u32) -> Result<Vec<OutgoingMail>> {
        // `&self` cannot start a checked transaction; none is open here, as every write
        // transaction borrows the store mutably.
        let tx = self.conn.unchecked_transaction()?;
        let mut select = tx.prepare_cached(
            "SELECT id, recipient, subject, body_text, ics, method FROM mail_outbox AS mail
             WHERE status = 'pending' AND next_attempt_at <= ?1
               AND NOT EXISTS (
                   SELECT 1 FROM mail_outbox AS earlier
                   WHERE earlier.status = 'pending' AND earlier.task_id = mail.task_id AND earlier.recipient = mail.recipient
                     AND (earlier.created_at, earlier.id) < (mail.created_at, mail.id))
             ORDER BY created_at, id
             LIMIT ?2",
        )?;
        let due: Vec<OutgoingMail> = select
            .query_map(params![now_ms, max], |r| {
                Ok(OutgoingMail {
                    id: parse_id(&r.get::<_, String>(0)?)?,
                    recipient: r.get(1)?,
                    subject: r.get(2)?,
                    body_text: r.get(3)?,
                    ics: r.get(4)?,
                    method: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut claim = tx.prepare_cached("UPDATE mail_outbox SET next_attempt_at = ?2 WHERE id = ?1")?;
        for mail in &due {
            claim.execute(params![mail.id.to_string(), now_ms + CLAIM_MS])?;
        }
        drop((select, claim));
        tx.commit()?;
        Ok(due)
    }

    /// Record how sending a taken mail went. Sent: it leaves the pending list. Failed: the
    /// attempt is counted, the error kept for the outbox screen, and the next attempt scheduled
    /// after [`retry_delay_ms`]. A failed mail is never dropped. A mail already recorded as sent
    /// stays sent.
    pub fn outbox_record(&mut self, id: Uuid, outcome: std::result::Result<(), String>, now_ms: i64) -> Result<()> {
        let changed = match outcome {
            Ok(()) => self.conn.execute(
                "UPDATE mail_outbox SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1 AND status = 'pending'",
                params![id.to_string(), now_ms],
            )?,
            Err(error) => {
                let attempts: Option<u32> = self
                    .conn
                    .query_row("SELECT attempts FROM mail_outbox WHERE id = ?1 AND status = 'pending'", [id.to_string()], |r| r.get(0))
                    .optional()?;
                match attempts {
                    Some(attempts) => self.conn.execute(
                        "UPDATE mail_outbox SET attempts = ?2, last_error = ?3, next_attempt_at = ?4 WHERE id = ?1",
                        params![id.to_string(), attempts + 1, error, now_ms + retry_delay_ms(attempts + 1)],
                    )?,
                    None => 0,
                }
            }
        };
        if changed == 0 && !crate::sql::exists(&self.conn, "mail_outbox", id)? {
            return Err(CoreError::not_found("outgoing mail", id));
        }
        Ok(())
    }

    /// One whole round ([`send_round`]) on this store, which it holds throughout (tests; the app
    /// runs the round over its mutex instead).
    pub fn outbox_send_due(&mut self) -> Result<OutboxRound> {
        send_round(self)
    }
}

/// Access to a store that may be shared: each call holds it only for `call` (the app's store
/// sits behind a mutex; a plain `Store` is its own access).
pub trait StoreAccess {
    fn with<T>(&mut self, call: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl StoreAccess for Store {
    fn with<T>(&mut self, call: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        call(self)
    }
}

/// One round: take the due mails, send each with the store released, record each outcome. With
/// no server set up nothing is taken (taking claims), and the round says so.
pub fn send_round(store: &mut impl StoreAccess) -> Result<OutboxRound> {
    let settings = store.with(|s| s.smtp_settings())?;
    if settings.host.is_empty() {
        return Ok(OutboxRound { pending: store.with(|s| s.outbox_pending())?, last_error: Some(NOT_SET_UP.into()), ..OutboxRound::default() });
    }
    let mut round = OutboxRound::default();
    for mail in store.with(|s| s.outbox_take_due(s.now_ms(), ROUND_MAX))? {
        let outcome = super::smtp::send(&settings, &mail);
        match &outcome {
            Ok(()) => round.sent += 1,
            Err(error) => {
                round.failed += 1;
                round.last_error = Some(error.clone());
            }
        }
        store.with(|s| s.outbox_record(mail.id, outcome, s.now_ms()))?;
    }
    round.pending = store.with(|s| s.outbox_pending())?;
    Ok(round)
}

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: parse_id(&r.get::<_, String>(0)?)?,
        task_id: r.get::<_, Option<String>>(1)?.as_deref().map(parse_id).transpose()?,
        method: r.get(2)?,
        recipient: r.get(3)?,
        subject: r.get(4)?,
        sent: r.get::<_, String>(5)? == "sent",
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        next_attempt_at: rfc3339(r.get(8)?),
        created_at: rfc3339(r.get(9)?),
        sent_at: r.get::<_, Option<i64>>(10)?.map(rfc3339),
    })
}
