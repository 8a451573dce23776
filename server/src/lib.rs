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
    net::SocketAddr,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{Router, extract::DefaultBodyLimit, routing::post};
use crm_sync::protocol::{MAX_BODY_BYTES, paths};

pub use auth::HashCost;
use db::Db;
pub use limits::LoginLimits;

/// How the server behaves beyond its storage. `Default` is the production setting.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Failed-login limits.
    pub login_limits: LoginLimits,
    /// The cost of the dummy hash checked for unknown emails: it must match the cost of real
    /// users' hashes so that both paths take about as long. [`HashCost::TestFast`] is test-only.
    pub hash_cost: HashCost,
    /// Added to the system clock (milliseconds). Tests use it to play a server whose clock is
    /// off; production leaves it at 0.
    pub clock_offset_ms: i64,
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

/// The HTTP service: the five endpoints of the protocol, the body limit, and JSON error answers
/// for unknown paths and methods. Serve it with connect info (`SocketAddr`): the login limits
/// count per client address.
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
        .with_state(state)
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
