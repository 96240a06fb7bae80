//! Whether an agent token still opens the door: signed by us, unexpired, for our issuer and
//! audience, of an account that still exists, and issued at the account's current token
//! generation (a password change revokes every earlier token). The HTTP caller extractor and
//! the agent socket both ask here, so the two doors cannot drift apart.

use super::ChatService;
use crate::domain::AgentId;
use crate::store::StoreError;

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefused {
    /// Not a valid token (signature, expiry, issuer, audience, shape); the JWT library's reason.
    #[error("{0}")]
    Invalid(String),
    /// Issued before the account's password changed.
    #[error("this token was revoked (the password changed); log in again")]
    Revoked,
    /// The account no longer exists.
    #[error("account no longer exists")]
    Gone,
    /// The store could not say; nothing is decided.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ChatService {
    /// The account a token belongs to, if the token is still good.
    pub async fn token_holder(&self, token: &str) -> Result<AgentId, TokenRefused> {
        let (agent, generation) = self
            .jwt
            .verify(token.trim())
            .map_err(|e| TokenRefused::Invalid(e.to_string()))?;
        match self.store.token_generation(&agent).await? {
            None => Err(TokenRefused::Gone),
            Some(current) if current != generation => Err(TokenRefused::Revoked),
            Some(_) => Ok(agent),
        }
    }
}
