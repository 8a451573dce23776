//! The endpoint handlers. Each one checks everything it can before touching storage, so a
//! refused request changes nothing.

use std::{
    io,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Instant,
};

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{Extensions, HeaderMap, StatusCode},
};
use crm_sync::{
    protocol::{
        ErrorCode, Hello, LoginRequest, LoginResponse, MAX_BODY_BYTES, MAX_PULL_PAGE,
        MAX_PUSH_CHANGES, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse,
        ServerInfo,
    },
    schema::{self, SCHEMA_VERSION},
    stamp::check_skew,
};

use crate::{
    AppState,
    auth::{self, Authed},
    db::TokenOwner,
    error::{ApiError, JsonBody},
    limits,
};

type Shared = State<Arc<AppState>>;

/// The longest device name kept; longer ones are cut (it is only a label for administrators).
const MAX_DEVICE_NAME_CHARS: usize = 200;

fn schema_check(client: u32) -> Result<(), ApiError> {
    if client == SCHEMA_VERSION {
        return Ok(());
    }
    let advice = if client < SCHEMA_VERSION {
        "update the app"
    } else {
        "the server needs an update"
    };
    Err(ApiError::new(
        ErrorCode::SchemaMismatch,
        format!(
            "The sync server has schema version {SCHEMA_VERSION}, this app {client}: {advice}."
        ),
    ))
}

/// `/v1/hello`: version check and the server's identity, head and clock.
pub async fn hello(
    State(state): Shared,
    JsonBody(hello): JsonBody<Hello>,
) -> Result<Json<ServerInfo>, ApiError> {
    if hello.protocol != PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::ProtocolMismatch,
            format!(
                "The sync server speaks protocol version {PROTOCOL_VERSION}, this app {}: update the app or the server.",
                hello.protocol
            ),
        ));
    }
    schema_check(hello.schema_version)?;
    let (server_id, head) = state.db.info().await?;
    Ok(Json(ServerInfo {
        protocol: PROTOCOL_VERSION,
        schema_version: SCHEMA_VERSION,
        server_id,
        head,
        time_ms: state.config.now_ms(),
    }))
}

/// `/v1/login`: rate limits first, then the password (a dummy hash for unknown emails, so the
/// answer time does not tell whether an account exists), then the device's series and a token.
pub async fn login(
    State(state): Shared,
    extensions: Extensions,
    headers: HeaderMap,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    // Without connect info (the router served in-process) every client shares one address.
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let forwarded_for = headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    let address = limits::client_address(peer, forwarded_for, &state.config.trusted_proxies);
    if let Err(seconds) = state.limiter.check(&request.email, address, Instant::now()) {
        let mut error = ApiError::new(
            ErrorCode::RateLimited,
            format!("Too many failed logins. Try again in {seconds} seconds."),
        );
        error.retry_after = Some(seconds);
        return Err(error);
    }
    let user = state.db.user_by_email(&request.email).await?;
    let hash = user.as_ref().map_or_else(
        || state.dummy_hash.clone(),
        |user| user.password_hash.clone(),
    );
    let password = request.password.clone();
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => {
            state
                .limiter
                .record_failure(&request.email, address, Instant::now());
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "Wrong email or password (or the account is disabled).",
            ));
        }
    };
    let device_name: String = request
        .device_name
        .trim()
        .chars()
        .take(MAX_DEVICE_NAME_CHARS)
        .collect();
    let series = state
        .db
        .register_device(request.device, user.id, &device_name)
        .await?;
    let token = auth::new_token().map_err(ApiError::internal)?;
    state
        .db
        .insert_token(
            &auth::token_hash(&token),
            TokenOwner {
                user_id: user.id,
                device: request.device,
            },
        )
        .await?;
    Ok(Json(LoginResponse {
        token,
        user_id: user.id,
        series,
    }))
}

/// `/v1/logout`: revoke the token the request carries.
pub async fn logout(State(state): Shared, authed: Authed) -> Result<StatusCode, ApiError> {
    state.db.revoke_token(&authed.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `/v1/push`: check the whole batch, then store it in one durable transaction.
pub async fn push(
    State(state): Shared,
    authed: Authed,
    JsonBody(request): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.device != authed.owner.device {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "This token belongs to device {}, not to device {}.",
                authed.owner.device, request.device
            ),
        ));
    }
    schema_check(request.schema_version)?;
    if request.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "A push holds at most {MAX_PUSH_CHANGES} changes, this one {}.",
                request.changes.len()
            ),
        ));
    }
    let schema = schema::current();
    let now = state.config.now_ms();
    for change in &request.changes {
        if let Err(error) = change.validate(&schema) {
            return Err(ApiError::new(
                ErrorCode::InvalidChange,
                format!(
                    "Change {} (table {}, row {}) was refused: {error}",
                    change.change_id, change.table, change.row_id
                ),
            ));
        }
        if let Err(error) = check_skew(change.stamp.hlc, now) {
            return Err(ApiError::new(
                ErrorCode::ClockSkew,
                format!("Change {} was refused. {error}", change.change_id),
            ));
        }
    }
    let pushed = state.db.push(&request.changes).await?;
    let (server_id, _) = state.db.info().await?;
    Ok(Json(PushResponse {
        accepted: pushed.accepted,
        server_id,
        appended: pushed.appended,
    }))
}

/// `/v1/pull`: the next page of the log, cut so that its JSON stays under [`MAX_BODY_BYTES`]
/// (but always at least one change, so a client can never get stuck).
pub async fn pull(
    State(state): Shared,
    _authed: Authed,
    JsonBody(request): JsonBody<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    schema_check(request.schema_version)?;
    let limit = request.limit.clamp(1, MAX_PULL_PAGE);
    let (server_id, _) = state.db.info().await?;
    let (mut changes, mut remaining) = state.db.pull(request.after, limit).await?;
    // Room for the envelope (`{"changes":[…],"next":…,"server_id":…,"remaining":…}`).
    let mut size = 200;
    let mut keep = 0;
    for sequenced in &changes {
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, sequenced).map_err(ApiError::internal)?;
        size += counter.0 + 1;
        if keep > 0 && size > MAX_BODY_BYTES {
            break;
        }
        keep += 1;
    }
    remaining += (changes.len() - keep) as u64;
    changes.truncate(keep);
    let next = if remaining > 0 {
        changes.last().map(|s| s.seq)
    } else {
        None
    };
    Ok(Json(PullResponse {
        changes,
        next,
        server_id,
        remaining,
    }))
}

/// Counts the bytes written to it: the JSON size of a change without building the text.
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
