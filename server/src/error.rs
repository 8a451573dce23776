//! Every answer that is not a success: an [`ErrorBody`] with a stable code and the status of
//! that code, also for what axum refuses on its own (bad JSON, too large bodies, unknown paths).

use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use crm_sync::protocol::{ErrorBody, ErrorCode, MAX_BODY_BYTES};
use serde::de::DeserializeOwned;

use crate::db::DbError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for the `Retry-After` header (with `rate_limited`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A server fault: the detail goes to the log (stderr), the client gets a generic sentence,
    /// since internals (paths, SQL) are none of its business.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        eprintln!("crm-server: internal error: {detail}");
        Self::new(
            ErrorCode::Internal,
            "The sync server had an internal error. Nothing of this request was applied; try again later.",
        )
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Conflict(message) => Self::new(ErrorCode::Conflict, message),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
            }),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON request body, like [`axum::Json`], whose rejections are [`ApiError`]s: a body over
/// the limit is `payload_too_large`, anything unreadable is `invalid_change`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "The request body is larger than the server's limit of {MAX_BODY_BYTES} bytes."
            ),
        )
    } else {
        ApiError::new(
            ErrorCode::InvalidChange,
            format!("The request is not valid: {}", rejection.body_text()),
        )
    }
}

/// The answer for a path the server does not have.
pub async fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "The sync server has no such endpoint (is the app newer than the server?).",
    )
}

/// The answer for a known path with a method other than POST. The protocol gives every error
/// the status of its code, so this is a `not_found` (404) too, not a bare 405.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "This endpoint only answers POST requests.",
    )
}
