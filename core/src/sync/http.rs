//! The app's [`Transport`]: HTTPS (or plain HTTP on a local network) with reqwest's blocking
//! client over rustls. Blocking because the core is synchronous: the shell runs rounds on a
//! worker thread, never on the UI's.

use std::time::Duration;

use crm_sync::protocol::{ErrorBody, ErrorCode};

use super::client::{Transport, TransportError};

pub struct HttpTransport {
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// A client with connect and request timeouts, so an unreachable server fails a round in
    /// seconds rather than hanging it.
    pub fn new() -> Result<Self, String> {
        // reqwest is built without a crypto provider (its default, aws-lc-rs, needs a C toolchain
        // and cmake); ring is the one lettre already links. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("keel-crm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client })
    }
}

impl Transport for HttpTransport {
    fn post(&self, base_url: &str, path: &str, token: Option<&str>, body: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let unreachable = |detail: String| TransportError::Unreachable { url: base_url.to_owned(), detail };
        let mut request = self.client.post(format!("{base_url}{path}")).header("content-type", "application/json").body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().map_err(|e| unreachable(describe(&e)))?;
        let status = response.status();
        let bytes = response.bytes().map_err(|e| unreachable(describe(&e)))?.to_vec();
        if status.is_success() {
            return Ok(bytes);
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(error) => Err(TransportError::Refused(error)),
            // A proxy or gateway between us and the server: treat 5xx as a passing outage.
            Err(_) if status.is_server_error() => Err(unreachable(format!("HTTP {status}"))),
            Err(_) if status.as_u16() == 404 => Err(TransportError::NotASyncServer { url: base_url.to_owned(), detail: format!("HTTP {status} for {path}") }),
            Err(_) => Err(TransportError::Refused(ErrorBody { code: ErrorCode::Internal, message: format!("The server answered HTTP {status}.") })),
        }
    }
}

/// The innermost cause, which is the part a user can act on ("connection refused").
fn describe(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    if error.is_timeout() { "timed out".into() } else { source.to_string() }
}
