//! Agent tokens: HS256 JWTs with `exp`, `iss` and `aud` set on issue and all three checked on
//! every request. Only the configured algorithm is accepted, so a token re-signed with another
//! algorithm (or `none`) is refused.

use crate::domain::{AgentId, Timestamp};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Why a token was refused or could not be made.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Bad signature, wrong algorithm, expired, wrong audience or issuer, or malformed.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Signing failed (should not happen with an HMAC key).
    #[error("cannot sign token: {0}")]
    Sign(String),
    /// The secret cannot key HS256 (it is empty).
    #[error("unusable JWT secret: {0}")]
    Key(String),
}

/// The claims in an agent token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The account's token generation when issued; a token of an older generation (before a
    /// password change) is refused. Absent in tokens issued before generations existed: 0.
    #[serde(default)]
    pub generation: u64,
}

/// Keys and rules for agent tokens, built once at start.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl JwtKeys {
    /// Keys from a shared secret, with the issuer and audience every token must carry.
    pub fn new(
        secret: &[u8],
        issuer: &str,
        audience: &str,
        ttl_secs: u64,
    ) -> Result<Self, JwtError> {
        super::jwt_crypto::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // A few seconds for clocks between nodes; the default minute is generous for a chat.
        validation.leeway = 5;
        let key_err = |e: jsonwebtoken::errors::Error| JwtError::Key(e.to_string());
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret).map_err(key_err)?,
            decoding: DecodingKey::from_secret(secret).map_err(key_err)?,
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs,
        })
    }

    /// Issues a token for an account at its current token generation; returns it with its
    /// expiry (seconds since the epoch).
    pub fn issue(&self, agent: &AgentId, generation: u64) -> Result<(String, u64), JwtError> {
        let now = (Timestamp::now().0 / 1000).max(0) as u64;
        let claims = Claims {
            sub: agent.to_string(),
            iat: now,
            exp: now + self.ttl_secs,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            generation,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| JwtError::Sign(e.to_string()))?;
        Ok((token, claims.exp))
    }

    /// Checks signature, algorithm, expiry, issuer and audience; returns the account id and
    /// the token generation it was issued at (the caller compares it with the account's).
    pub fn verify(&self, token: &str) -> Result<(AgentId, u64), JwtError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| JwtError::Invalid(e.to_string()))?;
        let agent =
            AgentId::parse(&data.claims.sub).map_err(|e| JwtError::Invalid(e.to_string()))?;
        Ok((agent, data.claims.generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef", "iss", "aud", 60).unwrap();
        let agent = AgentId::generate();
        let (token, _) = keys.issue(&agent, 7).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), (agent, 7));
        let other = JwtKeys::new(b"another-secret-another-secret-00", "iss", "aud", 60).unwrap();
        assert!(other.verify(&token).is_err());
        let other_aud =
            JwtKeys::new(b"0123456789abcdef0123456789abcdef", "iss", "other", 60).unwrap();
        assert!(other_aud.verify(&token).is_err());
    }

    #[test]
    fn an_empty_secret_is_refused_rather_than_signing_with_it() {
        assert!(matches!(
            JwtKeys::new(b"", "iss", "aud", 60),
            Err(JwtError::Key(_))
        ));
    }
}
