//! Password hashing with argon2id (the crate's defaults follow OWASP's recommendation).
//! Hashing is slow on purpose, so callers in async code run it on the blocking pool.

use crate::domain::random_token;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Below the minimum length.
    #[error("password must be at least {0} characters")]
    TooShort(usize),
    /// The stored hash is unreadable.
    #[error("stored password hash is invalid: {0}")]
    BadHash(String),
    /// The blocking task failed.
    #[error("password hashing task failed")]
    Task,
}

/// Shortest password accepted for an account.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Hashes a password into PHC format after checking its length.
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort(MIN_PASSWORD_LEN));
    }
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::BadHash(e.to_string()))
    })
    .await
    .map_err(|_| PasswordError::Task)?
}

/// Checks a password against a stored hash; `Ok(false)` for a wrong password.
pub async fn verify_password(password: String, hash: String) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| PasswordError::BadHash(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|_| PasswordError::Task)?
}

/// A random password for generated accounts: 20 base62 characters, about 119 bits.
pub fn generate_password() -> String {
    random_token(20)
}
