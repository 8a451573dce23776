//! Typed errors at the core boundary. Each variant maps to one `crm_model::ErrorKind`, and every
//! message is a sentence a user can act on.

use crm_model::{ApiError, ErrorKind, FieldError};

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input broke one or more validation rules. Nothing was written.
    #[error("{}", invalid_summary(.0))]
    Invalid(Vec<FieldError>),

    #[error("No {entity} with id {id} exists. It may have been deleted; reload the list.")]
    NotFound { entity: &'static str, id: String },

    #[error("{0}")]
    Conflict(String),

    /// A business rule forbids the action (e.g. order entry on credit hold).
    #[error("{0}")]
    Blocked(String),

    #[error("The database could not be read or written: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("The database at {path} cannot be opened: {reason}")]
    Open { path: String, reason: String },

    #[error("The database schema cannot be upgraded: {0}")]
    Migration(String),

    /// Sync could not talk to the server, or the server refused; nothing local was lost.
    #[error("{0}")]
    Sync(String),

    /// The user cancelled a long operation; what it had done so far is kept or rolled back as
    /// the operation documents.
    #[error("Cancelled.")]
    Cancelled,
}

fn invalid_summary(fields: &[FieldError]) -> String {
    match fields {
        [only] => format!("{}: {}", only.field, only.message),
        _ => format!("{} fields need attention.", fields.len()),
    }
}

impl CoreError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        CoreError::NotFound { entity, id: id.to_string() }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        CoreError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            CoreError::Invalid(_) => ErrorKind::Invalid,
            CoreError::NotFound { .. } => ErrorKind::NotFound,
            CoreError::Conflict(_) => ErrorKind::Conflict,
            CoreError::Blocked(_) => ErrorKind::Blocked,
            CoreError::Storage(_) | CoreError::Open { .. } | CoreError::Migration(_) => ErrorKind::Storage,
            CoreError::Sync(_) => ErrorKind::Unavailable,
            CoreError::Cancelled => ErrorKind::Conflict,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(error: CoreError) -> Self {
        let kind = error.kind();
        let message = error.to_string();
        let fields = match error {
            CoreError::Invalid(fields) => fields,
            _ => Vec::new(),
        };
        ApiError { kind, message, fields }
    }
}
