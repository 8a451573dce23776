//! The outgoing mail server: its settings (local to the device) and sending one invitation.
//!
//! [`send`] and [`build_message`] are free functions of the settings and the mail alone, with no
//! [`Store`]: the app calls them without holding the store's lock, so a slow or unreachable
//! server never freezes the UI (see [`super::outbox`]).

use std::{io, time::Duration};

use crm_model::{SmtpSecurity, SmtpSettings, limits};
use lettre::{
    Address, Message, SmtpTransport, Transport,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
    transport::smtp::{Error as SmtpError, authentication::Credentials},
};

use super::outbox::OutgoingMail;
use crate::{
    CoreError, Result, Store,
    store::{get_state, set_state},
    validate::Validator,
};

/// The `local_state` key of the settings (JSON).
const SETTINGS_KEY: &str = "smtp";

/// How long to wait for the server to connect or answer one command.
const TIMEOUT: Duration = Duration::from_secs(20);

/// User names and passwords longer than this are certainly pasted by mistake.
const CREDENTIAL_CHARS: usize = 200;

/// The port a server of this kind usually listens on.
pub fn default_port(security: SmtpSecurity) -> u16 {
    match security {
        SmtpSecurity::None => 25,
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::Tls => 465,
    }
}

impl Store {
    /// This device's outgoing mail server; an empty host when none is set up.
    pub fn smtp_settings(&self) -> Result<SmtpSettings> {
        match get_state::<String>(&self.conn, SETTINGS_KEY)? {
            Some(json) => serde_json::from_str(&json).map_err(|e| CoreError::Migration(format!("stored SMTP settings: {e}"))),
            None => Ok(SmtpSettings::default()),
        }
    }

    /// Check, normalise and keep the outgoing mail server for this device. Saving settings whose
    /// host, sender, user name and password are all empty turns outgoing mail off.
    ///
    /// The settings live in `local_state`: they are never synced and never in the change log, as
    /// every device sends its own invitations through the server it can reach.
    ///
    /// The password is stored in plain text in the local database file. Anyone who can read that
    /// file (or a backup of it) can read the password. Moving it to the operating system's
    /// keychain (Keychain, Credential Manager, Secret Service) is future work; until then the
    /// settings screen should suggest an app-specific password where the provider offers one.
    pub fn smtp_settings_save(&mut self, mut settings: SmtpSettings) -> Result<SmtpSettings> {
        if [&settings.host, &settings.from, &settings.username, &settings.password].iter().all(|text| text.trim().is_empty()) {
            self.conn.execute("DELETE FROM local_state WHERE key = ?1", [SETTINGS_KEY])?;
            return Ok(SmtpSettings::default());
        }
        validate(&mut settings)?;
        let json = serde_json::to_string(&settings).map_err(|e| CoreError::Migration(format!("SMTP settings: {e}")))?;
        set_state(&self.conn, SETTINGS_KEY, json)?;
        Ok(settings)
    }

    /// Whether an outgoing mail server is set up, so invitations can be emailed.
    pub fn smtp_configured(&self) -> Result<bool> {
        Ok(!self.smtp_settings()?.host.is_empty())
    }
}

/// Every problem at once, and the port filled in from the security when it is 0.
fn validate(settings: &mut SmtpSettings) -> Result<()> {
    let mut v = Validator::default();
    v.required("host", &mut settings.host, limits::SMTP_HOST);
    if !settings.host.is_empty() && !is_host(&settings.host) {
        v.error("host", "Enter a server name like smtp.example.com or an IP address, without spaces.");
    }
    if settings.port == 0 {
        settings.port = default_port(settings.security);
    }
    v.email("from", &mut settings.from, limits::EMAIL);
    if settings.from.is_empty() {
        v.error("from", "Required: the address invitations come from.");
    }
    v.text("username", &mut settings.username, CREDENTIAL_CHARS);
    // The password is kept exactly as typed: spaces at either end may belong to it.
    let password_chars = settings.password.chars().count();
    if password_chars > CREDENTIAL_CHARS {
        v.error("password", format!("Too long: {password_chars} characters, at most {CREDENTIAL_CHARS}."));
    }
    if settings.username.is_empty() && !settings.password.is_empty() {
        v.error("username", "Enter the user name that goes with the password.");
    }
    v.finish()
}

/// A DNS name (letters, digits and hyphens in dot-separated labels) or an IPv4/IPv6 address.
fn is_host(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    host.split('.').all(label_ok)
}

/// The invitation as an email that Outlook, Thunderbird and Apple Mail show with Accept and
/// Decline buttons:
///
/// ```text
/// multipart/mixed
/// ├── multipart/alternative
/// │   ├── text/plain; charset=utf-8                  the body text
/// │   └── text/calendar; method=REQUEST; charset=UTF-8   the .ics (method CANCEL for a cancellation)
/// └── application/ics; name="invite.ics"            the same .ics as an attachment
/// ```
///
/// The Message-ID is made from the outbox item's id, so every attempt to send the same item
/// carries the same id: should a server have accepted a message whose answer was lost, the
/// retry is recognisable as a duplicate.
pub fn build_message(settings: &SmtpSettings, mail: &OutgoingMail) -> std::result::Result<Message, String> {
    let from: Address = settings.from.parse().map_err(|_| format!("The sender address {:?} is not a valid email address.", settings.from))?;
    let to: Address = mail.recipient.parse().map_err(|_| format!("The recipient address {:?} is not a valid email address.", mail.recipient))?;
    let method = match mail.method.as_str() {
        "REQUEST" | "CANCEL" => mail.method.as_str(),
        other => return Err(format!("{other:?} is not an invitation method (REQUEST or CANCEL).")),
    };
    let content_type = |text: &str| ContentType::parse(text).map_err(|e| format!("Content type {text:?}: {e}"));
    let calendar = SinglePart::builder()
        .content_type(content_type(&format!("text/calendar; method={method}; charset=UTF-8"))?)
        .body(mail.ics.clone());
    let attachment = Attachment::new("invite.ics".to_owned()).body(mail.ics.clone(), content_type("application/ics; name=\"invite.ics\"")?);
    let body = MultiPart::mixed()
        .multipart(MultiPart::alternative().singlepart(SinglePart::plain(mail.body_text.clone())).singlepart(calendar))
        .singlepart(attachment);
    Message::builder()
        .message_id(Some(format!("<{}@{}>", mail.id, from.domain())))
        .from(Mailbox::new(None, from))
        .to(Mailbox::new(None, to))
        .subject(mail.subject.as_str())
        .date_now()
        .multipart(body)
        .map_err(|e| format!("The message could not be built: {e}"))
}

/// Send one mail through the configured server (blocking, at most [`TIMEOUT`] per step). The
/// error is a sentence for the outbox screen: what failed and, where it helps, what to check.
pub fn send(settings: &SmtpSettings, mail: &OutgoingMail) -> std::result::Result<(), String> {
    let message = build_message(settings, mail)?;
    let server = format!("{}:{}", settings.host, settings.port);
    let builder = match settings.security {
        // Plain SMTP, as the user chose: a server on this machine or a trusted network.
        SmtpSecurity::None => SmtpTransport::builder_dangerous(settings.host.as_str()),
        SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&settings.host).map_err(|e| describe(&e, &server))?,
        SmtpSecurity::Tls => SmtpTransport::relay(&settings.host).map_err(|e| describe(&e, &server))?,
    };
    let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(settings.username.clone(), settings.password.clone()));
    }
    builder.build().send(&message).map(drop).map_err(|e| describe(&e, &server))
}

/// A human-readable cause of a failed send. lettre's own messages ("Connection error: Connection
/// refused (os error 111)") are accurate but not helpful; the cases people meet are named here.
fn describe(error: &SmtpError, server: &str) -> String {
    if let Some(code) = error.status() {
        let code = u16::from(code);
        let reply = source_text(error).map(|text| format!(": {text}")).unwrap_or_default();
        return match code {
            530 => format!("The server {server} requires a login ({code}{reply}). Enter the user name and password."),
            534 | 535 | 538 => format!("The server refused the login ({code}{reply}). Check the user name and password."),
            454 => format!("The server could not check the login just now ({code}{reply}); it will be tried again."),
            400..=499 => format!("The server could not take the message just now ({code}{reply}); it will be tried again."),
            _ => format!("The server refused the message ({code}{reply})."),
        };
    }
    if let Some(io) = io_source(error) {
        let cause = without_os_code(&io.to_string());
        return match io.kind() {
            io::ErrorKind::ConnectionRefused => format!("Could not connect to {server}: connection refused. Check the server name and port."),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                format!("Could not reach {server}: no answer within {} seconds.", TIMEOUT.as_secs())
            }
            // rustls reports a failed handshake or certificate check as invalid data.
            io::ErrorKind::InvalidData => format!("Could not set up a secure connection with {server}: {cause}. Check the security setting and port."),
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => {
                format!("The server {server} closed the connection.")
            }
            _ if cause.contains("failed to lookup address") => {
                format!("Could not find the server {server}: this computer may be offline, or the name is misspelled.")
            }
            _ => format!("Could not connect to {server}: {cause}."),
        };
    }
    let text = error.to_string();
    if text.contains("STARTTLS is not supported") {
        format!("The server {server} does not offer STARTTLS, so nothing was sent. Choose TLS (usually port 465) or ask your provider.")
    } else if text.contains("No compatible authentication mechanism") {
        format!("The server {server} offers no login method Keel CRM supports (PLAIN or LOGIN).")
    } else if text.contains("could not resolve") {
        format!("Could not find the server {server}: this computer may be offline, or the name is misspelled.")
    } else if error.is_tls() {
        format!("Could not set up a secure connection with {server}: {text}.")
    } else {
        format!("Sending through {server} failed: {text}.")
    }
}

/// The server's own words for a rejected command (lettre keeps them as the error's source).
fn source_text(error: &SmtpError) -> Option<String> {
    std::error::Error::source(error).map(ToString::to_string).map(|text| text.trim().to_owned()).filter(|text| !text.is_empty())
}

fn io_source(error: &SmtpError) -> Option<&io::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return Some(io);
        }
        source = cause.source();
    }
    None
}

/// "Connection refused (os error 111)" as "Connection refused".
fn without_os_code(text: &str) -> String {
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text.to_owned(),
    }
}
