//! The push API's keys: owners create, list and revoke them; the push API finds the site a
//! request writes to by its key. The secret is shown once, when created; the store keeps
//! only its SHA-256, so a leaked database does not leak working keys, and a look-up by hash
//! needs no constant-time comparison (the hash of a guess says nothing about the secret).

use super::super::{ChatError, ChatService};
use crate::commerce::ApiKey;
use crate::domain::{ApiKeyId, SiteId, Timestamp, random_token};
use crate::store::StoreError;
use sha2::{Digest, Sha256};

/// What every push-API secret starts with, so a leaked one is recognisable (secret scanners)
/// and an agent's JWT is refused without a store look-up.
pub const KEY_PREFIX: &str = "shk_";
/// Random base62 characters after the prefix: about 238 bits.
const SECRET_CHARS: usize = 40;
/// Characters of the secret listed to owners to tell keys apart.
const SHOWN_PREFIX: usize = 8;
/// Keys per site: enough for every system a shop runs, small enough to list.
const MAX_KEYS: usize = 20;
/// Push requests one key may make per minute (the whole minute's worth may come at once):
/// a back-fill of 1,000 records per call and a busy shop's live updates fit many times over,
/// and a runaway sync is held back before it reaches the store.
pub const PUSH_REQUESTS_PER_MIN: u32 = 6_000;
/// Longest key name, in characters.
const MAX_NAME: usize = 80;

/// A key just created: the only time its secret is seen.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NewApiKey {
    /// The key as listed.
    #[serde(flatten)]
    pub key: ApiKey,
    /// The secret to put in `Authorization: Bearer …`; not retrievable later.
    pub secret: String,
}

/// Hex SHA-256 of a secret: what the store keeps and looks keys up by.
fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    hex::encode(digest)
}

/// Whether `text` has the shape of a push-API secret (checked before any store look-up).
fn well_formed(text: &str) -> bool {
    text.strip_prefix(KEY_PREFIX).is_some_and(|rest| {
        rest.len() == SECRET_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

impl ChatService {
    /// A new push-API key named `name` for the site; `Invalid` naming `name` if it is empty or
    /// too long, `Conflict` when the site already has [`MAX_KEYS`].
    pub async fn create_api_key(&self, site: &SiteId, name: &str) -> Result<NewApiKey, ChatError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control)
        {
            return Err(ChatError::Invalid {
                field: "name",
                message: format!("must be 1 to {MAX_NAME} printable characters"),
            });
        }
        if self.store.api_keys(site).await?.len() >= MAX_KEYS {
            return Err(StoreError::Conflict(format!(
                "a site has at most {MAX_KEYS} API keys; revoke one first"
            ))
            .into());
        }
        let secret = format!("{KEY_PREFIX}{}", random_token(SECRET_CHARS));
        let key = ApiKey {
            id: ApiKeyId::generate(),
            site_id: site.clone(),
            name: name.to_owned(),
            prefix: secret
                .chars()
                .take(KEY_PREFIX.len() + SHOWN_PREFIX)
                .collect(),
            secret_hash: hash(&secret),
            created_at: Timestamp::now(),
        };
        self.store.create_api_key(&key).await?;
        tracing::info!(site = %site, key = %key.id.as_str(), "push API key created");
        Ok(NewApiKey { key, secret })
    }

    /// The site's keys (never their secrets), oldest first.
    pub async fn api_keys(&self, site: &SiteId) -> Result<Vec<ApiKey>, ChatError> {
        Ok(self.store.api_keys(site).await?)
    }

    /// Revokes a key at once (the next request with it is refused); `NotFound` if the site
    /// has no such key.
    pub async fn revoke_api_key(&self, site: &SiteId, id: &ApiKeyId) -> Result<(), ChatError> {
        if !self.store.revoke_api_key(site, id).await? {
            return Err(ChatError::NotFound("API key"));
        }
        tracing::info!(site = %site, key = %id.as_str(), "push API key revoked");
        Ok(())
    }

    /// The live key a push request presents, or `None` (malformed, unknown or revoked: the
    /// caller answers all three alike).
    pub async fn push_key(&self, secret: &str) -> Result<Option<ApiKey>, ChatError> {
        if !well_formed(secret) {
            return Ok(None);
        }
        Ok(self.store.api_key_by_hash(&hash(secret)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_by_shape_and_hashed_as_hex() {
        let secret = format!("{KEY_PREFIX}{}", random_token(SECRET_CHARS));
        assert!(well_formed(&secret));
        assert!(!well_formed("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
        assert!(!well_formed("shk_short"));
        let h = hash(&secret);
        assert_eq!(h.len(), 64);
        assert_ne!(h, hash("shk_other"));
    }
}
