//! Users of the app: sales reps, note authors, task assignees. Login comes later.

use serde::{Deserialize, Serialize};

use crate::Id;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInput {
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub email: String,
    pub active: bool,
}
