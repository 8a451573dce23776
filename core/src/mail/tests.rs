//! Mail tests against a real SMTP server: Python's aiosmtpd, started as a separate process on a
//! loopback port, writing what it receives to a Maildir that the tests parse with mail-parser.

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use crm_model::{ErrorKind, OutboxItem, SmtpSecurity, SmtpSettings};
use mail_parser::{MessageParser, MessagePart, MimeHeaders, PartType};
use uuid::Uuid;

use super::{
    outbox::{NOT_SET_UP, NewMail, OutgoingMail, enqueue, retry_delay_ms},
    smtp::{build_message, send},
};
use crate::{
    Store,
    testing::{assert_invalid, change_log, store},
    time::rfc3339,
};

/// Debian's Python, which has the python3-aiosmtpd package (a pyenv `python3` on PATH does not).
const PYTHON: &str = "/usr/bin/python3";
const SETUP_HINT: &str = "The mail tests need Python's aiosmtpd (Debian package python3-aiosmtpd): run `./x test`, which installs it.";

/// 2027-01-15T08:00:00Z: the store's clock in these tests, moved by hand.
const T0: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;

/// An aiosmtpd process listening on 127.0.0.1, killed when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    fn start_on(port: u16) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        // aiosmtpd's Mailbox handler creates the Maildir (and its new/ folder) itself.
        let maildir = dir.path().join("maildir");
        let log = dir.path().join("aiosmtpd.log");
        let mut child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("Cannot start {PYTHON}: {e}. {SETUP_HINT}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("aiosmtpd stopped at once ({status}):\n{output}\n{SETUP_HINT}");
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("aiosmtpd did not listen on port {port} within 20 seconds. {SETUP_HINT}");
            }
            thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { child, port, maildir, _dir: dir }
    }

    /// Every message received so far, as the raw bytes of the Maildir files.
    fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        let mut paths: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
        paths.sort();
        paths.into_iter().map(|path| std::fs::read(path).unwrap()).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on (free when this returns; the tests start a server on it or
/// rely on nobody listening).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A store whose wall clock stands at [`T0`] until the test moves it.
fn store_at_t0() -> (Store, Arc<AtomicI64>) {
    let mut store = store();
    let now = Arc::new(AtomicI64::new(T0));
    let clock = Arc::clone(&now);
    store.set_wall_clock(Box::new(move || clock.load(Ordering::SeqCst) as u64));
    (store, now)
}

fn plain_smtp(port: u16) -> SmtpSettings {
    SmtpSettings { host: "127.0.0.1".into(), port, security: SmtpSecurity::None, from: "crm@acme.example".into(), ..SmtpSettings::default() }
}

/// An invitation as the task commands write it (CRLF lines, a non-ASCII summary).
fn ics(method: &str) -> String {
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Keel CRM//Tasks//EN",
        &format!("METHOD:{method}"),
        "BEGIN:VEVENT",
        "UID:0190f5a2-7c1e-7d2b-9a4e-3f1c2b5d6e7f@keel-crm",
        "SEQUENCE:1",
        "DTSTAMP:20270115T080000Z",
        "DTSTART;TZID=Europe/Berlin:20270120T093000",
        "DURATION:PT30M",
        "SUMMARY:Call Jürgen about the quote",
        "ORGANIZER;CN=Keel CRM:mailto:crm@acme.example",
        "ATTENDEE;CN=Ada Lovelace;RSVP=TRUE:mailto:ada@example.com",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    .join("\r\n")
}

const BODY: &str = "Call Jürgen about the quote\nDue 2027-01-20 09:30 (Europe/Berlin)\n";

/// Queue a mail the way the task commands do: inside a write transaction.
fn queue(store: &mut Store, method: &str, recipient: &str, subject: &str) -> Uuid {
    queue_for_task(store, Uuid::now_v7(), method, recipient, subject)
}

fn queue_for_task(store: &mut Store, task_id: Uuid, method: &str, recipient: &str, subject: &str) -> Uuid {
    let ics = ics(method);
    store.write(|w| enqueue(w.tx(), w.now_ms(), NewMail { task_id: Some(task_id), method, recipient, subject, body_text: BODY, ics: &ics })).unwrap()
}

fn item(store: &Store, id: Uuid) -> OutboxItem {
    store.outbox_list(500).unwrap().into_iter().find(|item| item.id == id).expect("the mail is in the outbox")
}

/// Text as the Maildir file has it: aiosmtpd re-writes the message with LF line endings (the
/// CRLF lines on the wire are checked on the built message instead).
fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn content_type(part: &MessagePart<'_>) -> String {
    let ct = part.content_type().expect("every part has a Content-Type");
    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase()
}

fn sub_parts<'m>(message: &'m mail_parser::Message<'m>, part: &MessagePart<'_>) -> Vec<&'m MessagePart<'m>> {
    match &part.body {
        PartType::Multipart(ids) => ids.iter().map(|&id| &message.parts[id as usize]).collect(),
        other => panic!("expected a multipart, got {other:?}"),
    }
}

/// Check one received invitation: headers, the multipart shape calendar programs expect, and
/// that both the inline calendar part and the attachment carry the .ics unchanged.
fn assert_invitation(raw: &[u8], method: &str, to: &str, subject: &str) {
    let message = MessageParser::default().parse(raw).expect("a parsable message");
    assert_eq!(message.from().and_then(|a| a.first()).and_then(|a| a.address()), Some("crm@acme.example"));
    assert_eq!(message.to().and_then(|a| a.first()).and_then(|a| a.address()), Some(to));
    assert_eq!(message.subject(), Some(subject));
    assert!(message.date().is_some(), "a Date header");
    assert!(message.message_id().is_some_and(|id| id.ends_with("@acme.example")), "{:?}", message.message_id());
    // The envelope recipient, as the server saw it.
    assert_eq!(message.header_raw("X-RcptTo").map(str::trim), Some(to));

    let root = message.root_part();
    assert_eq!(content_type(root), "multipart/mixed");
    let [alternative, attachment] = sub_parts(&message, root)[..] else { panic!("mixed has two parts") };
    assert_eq!(content_type(alternative), "multipart/alternative");
    let [text, calendar] = sub_parts(&message, alternative)[..] else { panic!("alternative has two parts") };

    assert_eq!(content_type(text), "text/plain");
    assert_eq!(text.content_type().unwrap().attribute("charset").map(str::to_ascii_lowercase).as_deref(), Some("utf-8"));
    assert_eq!(text.text_contents().map(lf).as_deref(), Some(BODY));

    assert_eq!(content_type(calendar), "text/calendar");
    let calendar_type = calendar.content_type().unwrap();
    assert_eq!(calendar_type.attribute("method"), Some(method));
    assert_eq!(calendar_type.attribute("charset").map(str::to_ascii_lowercase).as_deref(), Some("utf-8"));
    assert_eq!(calendar.text_contents().map(lf), Some(lf(&ics(method))));

    assert_eq!(content_type(attachment), "application/ics");
    assert_eq!(attachment.attachment_name(), Some("invite.ics"));
    assert!(attachment.content_disposition().is_some_and(|d| d.is_attachment()));
    assert_eq!(lf(std::str::from_utf8(attachment.contents()).unwrap()), lf(&ics(method)));
}

#[test]
fn invitations_reach_a_real_smtp_server_in_the_shape_calendars_expect() {
    let server = SmtpServer::start();
    let (mut store, _) = store_at_t0();
    store.smtp_settings_save(plain_smtp(server.port)).unwrap();
    let request = queue(&mut store, "REQUEST", "ada@example.com", "Invitation: Call Jürgen about the quote");
    let cancel = queue(&mut store, "CANCEL", "grace@example.com", "Cancelled: Call Jürgen about the quote");

    let round = store.outbox_send_due().unwrap();
    assert_eq!((round.sent, round.failed, round.pending, round.last_error), (2, 0, 0, None));

    let messages = server.messages();
    assert_eq!(messages.len(), 2);
    let by_recipient = |to: &str| {
        messages.iter().find(|raw| MessageParser::default().parse(raw.as_slice()).unwrap().header_raw("X-RcptTo").map(str::trim) == Some(to)).unwrap()
    };
    assert_invitation(by_recipient("ada@example.com"), "REQUEST", "ada@example.com", "Invitation: Call Jürgen about the quote");
    assert_invitation(by_recipient("grace@example.com"), "CANCEL", "grace@example.com", "Cancelled: Call Jürgen about the quote");

    for id in [request, cancel] {
        let item = item(&store, id);
        assert!(item.sent, "{item:?}");
        assert_eq!(item.sent_at, Some(rfc3339(T0)));
        assert_eq!((item.attempts, item.last_error), (0, None));
    }
}

#[test]
fn the_built_message_keeps_the_ics_byte_for_byte_with_crlf_lines() {
    let mail = OutgoingMail {
        id: Uuid::now_v7(),
        recipient: "ada@example.com".into(),
        subject: "Cancelled: Call".into(),
        body_text: "Cancelled.\n".into(),
        ics: ics("CANCEL").replace("Jürgen", "Juergen"),
        method: "CANCEL".into(),
    };
    let formatted = String::from_utf8(build_message(&plain_smtp(25), &mail).unwrap().formatted()).unwrap();
    assert!(formatted.contains("Content-Type: text/calendar; method=CANCEL; charset=utf-8\r\n"), "{formatted}");
    assert!(formatted.contains("Content-Disposition: attachment; filename=\"invite.ics\"\r\n"), "{formatted}");
    assert!(formatted.contains(&format!("Message-ID: <{}@acme.example>\r\n", mail.id)), "{formatted}");
    // An ASCII invitation goes as 7bit text: twice (inline and attached), exactly as queued.
    assert_eq!(formatted.matches(mail.ics.as_str()).count(), 2, "{formatted}");

    let broken = OutgoingMail { recipient: "ada at example.com".into(), ..mail.clone() };
    assert!(build_message(&plain_smtp(25), &broken).unwrap_err().contains("recipient"));
    let unknown = OutgoingMail { method: "PUBLISH".into(), ..mail };
    assert!(build_message(&plain_smtp(25), &unknown).unwrap_err().contains("PUBLISH"));
}

#[test]
fn a_mail_queued_offline_waits_with_backoff_and_goes_when_the_server_is_back() {
    let (mut store, now) = store_at_t0();
    let port = free_port();
    store.smtp_settings_save(plain_smtp(port)).unwrap();
    let id = queue(&mut store, "REQUEST", "ada@example.com", "Invitation: Call Jürgen about the quote");
    assert!(!change_log(&store).iter().any(|(table, _, _)| table == "mail_outbox"), "the outbox is local to the device");

    // Nobody listens on the port: the attempt fails, is counted and scheduled a minute later.
    let round = store.outbox_send_due().unwrap();
    assert_eq!((round.sent, round.failed, round.pending), (0, 1, 1));
    let error = round.last_error.unwrap();
    assert_eq!(error, format!("Could not connect to 127.0.0.1:{port}: connection refused. Check the server name and port."));
    let waiting = item(&store, id);
    assert!(!waiting.sent);
    assert_eq!((waiting.attempts, waiting.last_error.as_deref()), (1, Some(error.as_str())));
    assert_eq!(waiting.next_attempt_at, rfc3339(T0 + MINUTE));

    // Rounds before the next attempt is due leave it alone.
    now.store(T0 + 30_000, Ordering::SeqCst);
    let round = store.outbox_send_due().unwrap();
    assert_eq!((round.sent, round.failed, round.pending, round.last_error), (0, 0, 1, None));
    assert_eq!(item(&store, id).attempts, 1);

    // "Retry now" makes it due at once; the server is up by then.
    assert_eq!(store.outbox_retry_now().unwrap(), 1);
    assert_eq!(item(&store, id).next_attempt_at, rfc3339(T0 + 30_000));
    let server = SmtpServer::start_on(port);
    let round = store.outbox_send_due().unwrap();
    assert_eq!((round.sent, round.failed, round.pending, round.last_error), (1, 0, 0, None));
    let sent = item(&store, id);
    assert!(sent.sent);
    assert_eq!(sent.sent_at, Some(rfc3339(T0 + 30_000)));
    assert_eq!(sent.attempts, 1, "the failed attempt stays counted");
    assert_eq!(server.messages().len(), 1);

    // A sent mail is not sent again.
    now.store(T0 + 120 * MINUTE, Ordering::SeqCst);
    assert_eq!(store.outbox_send_due().unwrap().sent, 0);
    assert_eq!(store.outbox_retry_now().unwrap(), 0);
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn failures_back_off_doubling_up_to_an_hour_and_are_never_dropped() {
    let minutes: Vec<i64> = (1..=9).map(|attempts| retry_delay_ms(attempts) / MINUTE).collect();
    assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    assert_eq!(retry_delay_ms(u32::MAX), 60 * MINUTE);

    let (mut store, _) = store_at_t0();
    let id = queue(&mut store, "REQUEST", "ada@example.com", "Invitation");
    let mut at = T0;
    for (attempt, wait) in (1..=8).zip([1, 2, 4, 8, 16, 32, 60, 60]) {
        store.outbox_record(id, Err(format!("failure {attempt}")), at).unwrap();
        let waiting = item(&store, id);
        assert_eq!(waiting.attempts, attempt);
        assert_eq!(waiting.last_error, Some(format!("failure {attempt}")));
        assert_eq!(waiting.next_attempt_at, rfc3339(at + wait * MINUTE), "attempt {attempt}");
        assert!(store.outbox_take_due(at + wait * MINUTE - 1, 10).unwrap().is_empty(), "not due before the wait is over");
        at += wait * MINUTE;
    }
    assert_eq!(store.outbox_pending().unwrap(), 1);

    store.outbox_record(id, Ok(()), at).unwrap();
    let sent = item(&store, id);
    assert!(sent.sent);
    assert_eq!((sent.sent_at, sent.last_error), (Some(rfc3339(at)), None));
    // A late failure report for a sent mail (a second round raced) does not make it pending.
    store.outbox_record(id, Err("late".into()), at + 1).unwrap();
    assert!(item(&store, id).sent);
    assert_eq!(store.outbox_pending().unwrap(), 0);

    let missing = store.outbox_record(Uuid::now_v7(), Ok(()), at).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn taking_due_mails_claims_them_oldest_first_and_the_list_shows_pending_first() {
    let (mut store, now) = store_at_t0();
    let first = queue(&mut store, "REQUEST", "a@example.com", "First");
    now.store(T0 + 1_000, Ordering::SeqCst);
    let second = queue(&mut store, "CANCEL", "b@example.com", "Second");
    now.store(T0 + 2_000, Ordering::SeqCst);
    let third = queue(&mut store, "REQUEST", "c@example.com", "Third");

    assert!(store.outbox_take_due(T0 - 1, 10).unwrap().is_empty(), "nothing is due before it was queued");
    let taken = store.outbox_take_due(T0 + 1_000, 10).unwrap();
    assert_eq!(taken.iter().map(|m| m.id).collect::<Vec<_>>(), [first, second]);
    assert_eq!((taken[1].method.as_str(), taken[1].recipient.as_str(), taken[1].subject.as_str()), ("CANCEL", "b@example.com", "Second"));
    assert_eq!((taken[1].body_text.as_str(), taken[1].ics.clone()), (BODY, ics("CANCEL")));
    // A second round at the same time does not get the mails the first is sending ...
    assert_eq!(store.outbox_take_due(T0 + 2_000, 10).unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), [third]);
    assert!(store.outbox_take_due(T0 + 2_000, 10).unwrap().is_empty());
    // ... but a claim whose outcome never comes (the app quit mid-send) expires.
    assert_eq!(store.outbox_take_due(T0 + 20 * MINUTE, 1).unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), [first]);

    store.outbox_record(second, Ok(()), T0 + 3_000).unwrap();
    store.outbox_record(first, Ok(()), T0 + 4_000).unwrap();
    let list: Vec<(Uuid, bool)> = store.outbox_list(10).unwrap().into_iter().map(|item| (item.id, item.sent)).collect();
    assert_eq!(list, [(third, false), (first, true), (second, true)]);
    assert_eq!(store.outbox_list(1).unwrap().len(), 1);
    assert_invalid(store.outbox_list(0), &["limit"]);
}

#[test]
fn one_tasks_mails_to_one_recipient_go_in_the_order_they_were_queued() {
    let (mut store, now) = store_at_t0();
    let task = Uuid::now_v7();
    let request = queue_for_task(&mut store, task, "REQUEST", "ada@example.com", "Invitation");
    assert_eq!(store.outbox_take_due(T0, 10).unwrap().len(), 1);
    store.outbox_record(request, Err("Could not connect".into()), T0).unwrap();
    // The task is cancelled while the invitation waits for its retry (due at T0 + 1 min).
    now.store(T0 + 10_000, Ordering::SeqCst);
    let cancel = queue_for_task(&mut store, task, "CANCEL", "ada@example.com", "Cancelled");
    let other_recipient = queue_for_task(&mut store, task, "CANCEL", "grace@example.com", "Cancelled");
    let other_task = queue(&mut store, "REQUEST", "ada@example.com", "Another task");

    let ids = |mails: Vec<OutgoingMail>| mails.into_iter().map(|mail| mail.id).collect::<Vec<_>>();
    // The cancellation waits behind the invitation; nothing else does.
    assert_eq!(ids(store.outbox_take_due(T0 + 20_000, 10).unwrap()), [other_recipient, other_task]);
    // The retry goes first, and the cancellation only once the invitation has been sent.
    assert_eq!(ids(store.outbox_take_due(T0 + MINUTE, 10).unwrap()), [request]);
    assert!(store.outbox_take_due(T0 + MINUTE, 10).unwrap().is_empty());
    store.outbox_record(request, Ok(()), T0 + MINUTE).unwrap();
    assert_eq!(ids(store.outbox_take_due(T0 + MINUTE, 10).unwrap()), [cancel]);
}

#[test]
fn without_smtp_settings_nothing_is_sent_and_nothing_is_lost() {
    let (mut store, _) = store_at_t0();
    assert!(!store.smtp_configured().unwrap());
    let id = queue(&mut store, "REQUEST", "ada@example.com", "Invitation");
    let round = store.outbox_send_due().unwrap();
    assert_eq!((round.sent, round.failed, round.pending), (0, 0, 1));
    assert_eq!(round.last_error.as_deref(), Some(NOT_SET_UP));
    let waiting = item(&store, id);
    assert!(!waiting.sent);
    assert_eq!((waiting.attempts, waiting.last_error, waiting.next_attempt_at), (0, None, rfc3339(T0)));
}

#[test]
fn smtp_settings_are_validated_all_at_once_and_kept_on_the_device() {
    let mut store = store();
    assert_eq!(store.smtp_settings().unwrap(), SmtpSettings::default());

    let messages = assert_invalid(
        store.smtp_settings_save(SmtpSettings {
            host: "smtp example.com".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: "u".repeat(201),
            password: "p".repeat(201),
            from: "not an address".into(),
        }),
        &["host", "from", "username", "password"],
    );
    assert!(messages[0].contains("smtp.example.com"), "{messages:?}");
    assert_invalid(store.smtp_settings_save(SmtpSettings { from: "crm@acme.example".into(), ..SmtpSettings::default() }), &["host"]);
    assert_invalid(
        store.smtp_settings_save(SmtpSettings { host: "smtp.acme.example".into(), password: "secret".into(), ..SmtpSettings::default() }),
        &["from", "username"],
    );
    for bad in ["-smtp.acme.example", "smtp..acme.example", "smtp_acme.example", "smtp.acme.example:587"] {
        assert_invalid(store.smtp_settings_save(SmtpSettings { host: bad.into(), ..plain_smtp(25) }), &["host"]);
    }
    assert!(!store.smtp_configured().unwrap(), "nothing was saved");

    // Trimmed, the port filled in from the security, the password kept as typed.
    let saved = store
        .smtp_settings_save(SmtpSettings {
            host: " smtp.acme.example ".into(),
            port: 0,
            security: SmtpSecurity::Tls,
            username: " crm@acme.example ".into(),
            password: " s3cret ".into(),
            from: "crm@acme.example".into(),
        })
        .unwrap();
    assert_eq!((saved.host.as_str(), saved.port, saved.username.as_str(), saved.password.as_str()), ("smtp.acme.example", 465, "crm@acme.example", " s3cret "));
    assert_eq!(store.smtp_settings().unwrap(), saved);
    assert!(store.smtp_configured().unwrap());
    assert!(change_log(&store).is_empty(), "SMTP settings are never synced");
    for (security, port) in [(SmtpSecurity::None, 25), (SmtpSecurity::StartTls, 587)] {
        assert_eq!(store.smtp_settings_save(SmtpSettings { port: 0, security, ..saved.clone() }).unwrap().port, port);
    }
    for host in ["127.0.0.1", "::1", "localhost", "mail-1.example.co.uk"] {
        assert_eq!(store.smtp_settings_save(SmtpSettings { host: host.into(), ..saved.clone() }).unwrap().host, host);
    }

    // Saving empty settings turns outgoing mail off.
    assert_eq!(store.smtp_settings_save(SmtpSettings::default()).unwrap(), SmtpSettings::default());
    assert!(!store.smtp_configured().unwrap());
    assert_eq!(store.smtp_settings().unwrap(), SmtpSettings::default());
}

#[test]
fn a_server_without_tls_gets_nothing_when_tls_is_required() {
    let server = SmtpServer::start();
    let mail = OutgoingMail {
        id: Uuid::now_v7(),
        recipient: "ada@example.com".into(),
        subject: "Invitation".into(),
        body_text: BODY.into(),
        ics: ics("REQUEST"),
        method: "REQUEST".into(),
    };
    let starttls = SmtpSettings { security: SmtpSecurity::StartTls, username: "crm".into(), password: "secret".into(), ..plain_smtp(server.port) };
    let error = send(&starttls, &mail).unwrap_err();
    assert!(error.contains("does not offer STARTTLS"), "{error}");
    let implicit = SmtpSettings { security: SmtpSecurity::Tls, ..starttls };
    let error = send(&implicit, &mail).unwrap_err();
    assert!(error.starts_with(&format!("Could not set up a secure connection with 127.0.0.1:{}", server.port)), "{error}");
    assert!(server.messages().is_empty(), "no mail and no password went over plain text");

    send(&plain_smtp(server.port), &mail).unwrap();
    assert_eq!(server.messages().len(), 1);
}

/// The whole path of seed 001's follow-up: a note, "set follow-up reminder", the invitation in the
/// outbox in the same transaction, and the user's inbox on a real SMTP server with the task's UID.
#[test]
fn a_follow_up_on_a_note_arrives_as_an_invitation_in_the_users_inbox() {
    let server = SmtpServer::start();
    let (mut store, _) = store_at_t0();
    store.smtp_settings_save(plain_smtp(server.port)).unwrap();
    let maria = store.user_create(crm_model::UserInput { name: "Maria Santos".into(), email: "maria@acme.example".into(), active: true }).unwrap();
    store.profile_save(crm_model::Profile { user_id: Some(maria.id), time_zone: "Europe/Berlin".into() }).unwrap();
    let company = store.company_create(crate::testing::acme()).unwrap();
    let note = store
        .note_create(crm_model::NoteInput { subject: crm_model::NoteSubject::Company(company.id), body: "Wants a quote by Friday.".into(), note_type_id: None, author_id: Some(maria.id) })
        .unwrap();
    let saved = store
        .follow_up_create(crm_model::FollowUpInput {
            note_id: note.id,
            title: "Send the quote".into(),
            due_local: "2027-01-22T10:00".into(),
            time_zone: "Europe/Berlin".into(),
            assignee_id: None,
            reminder_minutes: Some(15),
        })
        .unwrap();
    assert_eq!(saved.invitation, crm_model::InvitationOutcome::Queued { to: "maria@acme.example".into() });
    assert_eq!(store.outbox_send_due().unwrap().sent, 1);

    let messages = server.messages();
    let [raw] = &messages[..] else { panic!("one message, got {}", messages.len()) };
    let message = MessageParser::default().parse(raw.as_slice()).unwrap();
    assert_eq!(message.subject(), Some("Reminder: Send the quote"));
    let calendar = message.parts.iter().find(|p| content_type(p) == "text/calendar").expect("a text/calendar part");
    assert_eq!(calendar.content_type().unwrap().attribute("method"), Some("REQUEST"));
    // Unfolded: long content lines continue on the next line after a space (RFC 5545 3.1).
    let ics = lf(calendar.text_contents().unwrap()).replace("\n ", "");
    for line in [
        "METHOD:REQUEST".to_owned(),
        format!("UID:{}", saved.task.ics_uid),
        "SEQUENCE:0".into(),
        "DTSTART;TZID=Europe/Berlin:20270122T100000".into(),
        "TRIGGER:-PT15M".into(),
    ] {
        assert!(ics.lines().any(|l| l == line), "{line} missing in\n{ics}");
    }
    assert!(ics.contains("ATTENDEE;CN=Maria Santos;") && ics.contains("RSVP=TRUE:mailto:maria@acme.example"), "{ics}");
    // Maria invites herself; the organiser is the CRM's mailbox so that her calendar offers Accept.
    assert!(ics.lines().any(|l| l == "ORGANIZER;CN=Keel CRM:mailto:crm@acme.example"), "{ics}");
}
