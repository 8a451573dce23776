use crm_model::{User, UserInput};
use rusqlite::{Row, types::Value};

use crate::write::text;

pub(crate) const TABLE: &str = "app_user";

pub(super) fn columns(input: &UserInput) -> Vec<(&'static str, Value)> {
    vec![("name", text(&input.name)), ("email", text(&input.email)), ("active", Value::Integer(input.active.into()))]
}

pub(super) const SELECT_USER: &str = "SELECT id, name, email, active FROM app_user";

pub(super) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User { id: crate::sql::id_at(row, 0)?, name: row.get(1)?, email: row.get(2)?, active: row.get(3)? })
}
