use crm_model::User;
use uuid::Uuid;

use super::types::{SELECT_USER, TABLE, user_from_row};
use crate::{Result, Store};

impl Store {
    pub fn user_get(&self, id: Uuid) -> Result<User> {
        crate::sql::get_by_id(&self.conn, &format!("{SELECT_USER} WHERE id = ?1"), TABLE, id, user_from_row)
    }

    /// Every user, active first, then by name. Teams have tens of users, not thousands.
    pub fn user_list(&self) -> Result<Vec<User>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{SELECT_USER} ORDER BY active DESC, name COLLATE NOCASE, id"))?
            .query_map([], user_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }
}
