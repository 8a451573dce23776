//! STUB, to be written.
#![allow(unused_variables)]
use crm_sync::{Change, protocol::Sequenced};
use uuid::Uuid;

use super::{DbResult, Snapshot, TokenOwner, User};

pub struct PostgresDb;

impl PostgresDb {
    pub async fn open(url: &str) -> DbResult<Self> { todo!() }
    pub async fn info(&self) -> DbResult<(Uuid, u64)> { todo!() }
    pub async fn new_server_id(&self) -> DbResult<Uuid> { todo!() }
    pub async fn create_user(&self, email: &str, name: &str, password_hash: &str) -> DbResult<Uuid> { todo!() }
    pub async fn user_by_email(&self, email: &str) -> DbResult<Option<User>> { todo!() }
    pub async fn register_device(&self, device: Uuid, user: Uuid, name: &str) -> DbResult<String> { todo!() }
    pub async fn insert_token(&self, token_hash: &str, owner: TokenOwner) -> DbResult<()> { todo!() }
    pub async fn token_owner(&self, token_hash: &str) -> DbResult<Option<TokenOwner>> { todo!() }
    pub async fn revoke_token(&self, token_hash: &str) -> DbResult<()> { todo!() }
    pub async fn revoke_device(&self, device: Uuid) -> DbResult<u64> { todo!() }
    pub async fn push(&self, changes: &[Change]) -> DbResult<Vec<Uuid>> { todo!() }
    pub async fn pull(&self, after: u64, limit: u32) -> DbResult<(Vec<Sequenced>, u64)> { todo!() }
    pub async fn snapshot(&self) -> DbResult<Snapshot> { todo!() }
}
