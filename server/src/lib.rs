//! The sync server (issue 6): see `crm_sync::protocol` for what it speaks.
//!
//! [`router`] is the HTTP service, [`serve`] runs it on a listener until SIGTERM or Ctrl-C.
//! Handlers are in `api`, the bearer check and password handling in `auth`, the error answers
//! in `error`, login rate limits in `limits` and storage in `db`. The binary (`main.rs`) is a
//! thin command line around these.

pub mod api;
pub mod auth;
pub mod db;
pub mod error;
pub mod limits;

use std::{
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::post,
};
use crm_sync::protocol::{ErrorCode, MAX_BODY_BYTES, paths};

pub use auth::HashCost;
use db::Db;
pub use limits::LoginLimits;

/// How long a request may take, from its headers to the answer, by default.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How the server behaves beyond its storage. `Default` is the production setting.
#[derive(Debug, Clone)]
pub struct Config {
    /// Failed-login limits.
    pub login_limits: LoginLimits,
    /// The cost of the dummy hash checked for unknown emails: it must match the cost of real
    /// users' hashes so that both paths take about as long. [`HashCost::TestFast`] is test-only.
    pub hash_cost: HashCost,
    /// Added to the system clock (milliseconds). Tests use it to play a server whose clock is
    /// off; production leaves it at 0.
    pub clock_offset_ms: i64,
    /// Reverse proxies (the TLS terminator in front of the server) whose `X-Forwarded-For` is
    /// believed: behind one, every client would otherwise share its address for the login
    /// limits. Empty (the default) believes no one, so the header cannot be forged.
    pub trusted_proxies: Vec<IpAddr>,
    /// A request that has not been answered after this long gets a `timeout` error, so a client
    /// that sends its body slowly (or never) cannot hold a connection and its memory.
    pub request_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            login_limits: LoginLimits::default(),
            hash_cost: HashCost::default(),
            clock_offset_ms: 0,
            trusted_proxies: Vec::new(),
            request_timeout: REQUEST_TIMEOUT,
        }
    }
}

impl Config {
    /// The server's wall clock, Unix milliseconds: the system clock plus the configured offset.
    pub fn now_ms(&self) -> u64 {
        let system = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        u64::try_from(system.saturating_add(self.clock_offset_ms)).unwrap_or(0)
    }
}

/// What every handler shares.
pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub limiter: limits::LoginLimiter,
    /// A hash of a random password, checked when a login names no known user, so an unknown
    /// email costs as much time as a wrong password and does not reveal who has an account.
    pub dummy_hash: String,
}

impl AppState {
    /// The state for `db` under `config` (computes the dummy hash: call it off the hot path).
    pub fn new(db: Db, config: Config) -> Result<Self, String> {
        let dummy_password = auth::new_token().map_err(|e| format!("no randomness: {e}"))?;
        let dummy_hash = auth::hash_password(&dummy_password, config.hash_cost)?;
        Ok(Self { db, limiter: limits::LoginLimiter::new(config.login_limits), config, dummy_hash })
    }
}

/// The HTTP service: the five endpoints of the protocol, the body limit, the request deadline,
/// and JSON error answers for unknown paths and methods. Serve it with connect info
/// (`SocketAddr`): the login limits count per client address.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(paths::HELLO, post(api::hello))
        .route(paths::LOGIN, post(api::login))
        .route(paths::LOGOUT, post(api::logout))
        .route(paths::PUSH, post(api::push))
        .route(paths::PULL, post(api::pull))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        .with_state(state)
}

/// Answer `timeout` when the request (reading its body included) takes longer than the
/// configured limit. Work already handed to the database finishes on its own: a push that
/// commits after the deadline is simply sent again and found to be held.
async fn deadline(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let limit = state.config.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error::ApiError::new(
            ErrorCode::Timeout,
            format!(
                "The request was not complete after {} seconds. Try again.",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// Serve until SIGTERM or Ctrl-C, then finish the requests in flight and return.
pub async fn serve(listener: tokio::net::TcpListener, db: Db, config: Config) -> std::io::Result<()> {
    serve_until(listener, db, config, shutdown_signal()).await
}

/// Serve until `shutdown` completes (then finish the requests in flight).
pub async fn serve_until(listener: tokio::net::TcpListener, db: Db, config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let state = tokio::task::spawn_blocking(move || AppState::new(db, config))
        .await
        .map_err(std::io::Error::other)?
        .map_err(std::io::Error::other)?;
    let app = router(Arc::new(state)).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Resolves on Ctrl-C, or SIGTERM on Unix (what service managers send to stop a server).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
