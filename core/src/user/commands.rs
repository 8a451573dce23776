use crm_model::{User, UserInput, limits};
use uuid::Uuid;

use super::types::{TABLE, columns};
use crate::{Result, Store, validate::Validator};

fn validate(input: &mut UserInput) -> Result<()> {
    let mut check = Validator::default();
    check.required("name", &mut input.name, limits::PERSON_NAME);
    check.email("email", &mut input.email, limits::EMAIL);
    check.finish()
}

impl Store {
    pub fn user_create(&mut self, mut input: UserInput) -> Result<User> {
        validate(&mut input)?;
        let id = Uuid::now_v7();
        self.write(|w| w.insert(TABLE, id, &columns(&input)))?;
        self.user_get(id)
    }

    /// Users are deactivated, never deleted: their name stays on the notes they wrote.
    pub fn user_update(&mut self, id: Uuid, mut input: UserInput) -> Result<User> {
        validate(&mut input)?;
        self.write(|w| w.update(TABLE, id, &columns(&input)))?;
        self.user_get(id)
    }
}
