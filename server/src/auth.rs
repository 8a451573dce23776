//! Passwords, tokens and the bearer check.
//!
//! Passwords are stored as argon2id PHC strings. Tokens are 32 random bytes from the operating
//! system's CSPRNG, sent as 64 hex digits; the database holds only their SHA-256, so a copy of
//! the database (a backup) does not let anyone sync as a user. A plain hash suffices for tokens,
//! unlike passwords: 256 random bits cannot be guessed from their hash.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use axum::{extract::FromRequestParts, http::header, http::request::Parts};
use crm_sync::protocol::ErrorCode;
use sha2::{Digest, Sha256};

use crate::{AppState, db::TokenOwner, error::ApiError};

/// The cost of new password hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashCost {
    /// The argon2 crate's defaults (argon2id, 19 MiB, 2 passes): the production setting.
    #[default]
    Standard,
    /// TEST ONLY: the cheapest parameters argon2 allows (8 KiB, 1 pass), so test suites can
    /// create users and log in many devices in milliseconds. Hashes made with it are weak.
    TestFast,
}

impl HashCost {
    fn hasher(self) -> Argon2<'static> {
        let params = match self {
            Self::Standard => Params::default(),
            Self::TestFast => {
                Params::new(Params::MIN_M_COST.max(8), 1, 1, None).expect("valid argon2 parameters")
            }
        };
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

/// Hash a password (with a fresh random salt) to a PHC string. CPU-heavy: call it off the async
/// runtime.
pub fn hash_password(password: &str, cost: HashCost) -> Result<String, String> {
    cost.hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash` (whose own parameters are used). A
/// malformed stored hash never matches. CPU-heavy: call it off the async runtime.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A new bearer token: 32 bytes from the OS CSPRNG, as lowercase hex.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// What the database stores for a token: its SHA-256, as lowercase hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// A request with a valid bearer token: who it belongs to, and the token's hash (for logout).
#[derive(Debug, Clone)]
pub struct Authed {
    pub owner: TokenOwner,
    pub token_hash: String,
}

impl FromRequestParts<Arc<AppState>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |why: &str| {
            ApiError::new(
                ErrorCode::Unauthorized,
                format!("{why} Please log in to the sync server again."),
            )
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("The request has no token."))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| unauthorized("The Authorization header is not `Bearer <token>`."))?;
        let token_hash = token_hash(token);
        match state.db.token_owner(&token_hash).await? {
            Some(owner) => Ok(Self { owner, token_hash }),
            None => Err(unauthorized("The token is unknown or was revoked.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        for cost in [HashCost::TestFast, HashCost::Standard] {
            let hash = hash_password("correct horse", cost).unwrap();
            assert!(hash.starts_with("$argon2id$"), "{hash}");
            assert!(verify_password("correct horse", &hash));
            assert!(!verify_password("correct horse!", &hash));
            assert_ne!(
                hash,
                hash_password("correct horse", cost).unwrap(),
                "a fresh salt each time"
            );
        }
        assert!(
            hash_password("x", HashCost::Standard)
                .unwrap()
                .contains("m=19456,t=2,p=1"),
            "the library defaults"
        );
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_hex_and_stored_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
