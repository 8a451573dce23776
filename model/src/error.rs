//! The error every command returns. It is a `{kind, message, fields}` triple so that the UI can
//! react to the kind (e.g. put messages next to form fields for `Invalid`) rather than only print
//! a string.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input broke a validation rule; `fields` says which fields and why.
    Invalid,
    /// The record asked for does not exist.
    NotFound,
    /// The write conflicts with existing data (e.g. a duplicate code).
    Conflict,
    /// A business rule forbids the action (e.g. order entry for a customer on credit hold).
    Blocked,
    /// The database could not be read or written (disk full, file locked, corrupt file).
    Storage,
    /// The sync server cannot be reached or refused the request; the message says why and what to
    /// do. Local work is unaffected.
    Unavailable,
    /// A bug: something that should not happen. The message is still shown to the user.
    Internal,
}

/// One validation problem, tied to the form field that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field name exactly as it appears in the input type (e.g. `"email"`).
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// A sentence the UI can show as-is.
    pub message: String,
    /// For `Invalid`: every field that failed, so a form can show all problems at once.
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), fields: Vec::new() }
    }

    /// The message for one field, if that field failed validation.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.field == name).map(|f| f.message.as_str())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_kind_in_snake_case_with_fields() {
        let mut error = ApiError::new(ErrorKind::NotFound, "No company with that id.");
        error.fields.push(FieldError { field: "name".into(), message: "Required.".into() });
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"not_found","message":"No company with that id.","fields":[{"field":"name","message":"Required."}]}"#
        );
        let back: ApiError = serde_json::from_str(&json).unwrap();
        assert_eq!(back.field("name"), Some("Required."));
        assert_eq!(back.field("email"), None);
    }
}
