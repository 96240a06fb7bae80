//! Shopper session tokens. A widget keeps its visitor id and this token; on `hello` the token
//! proves the visitor id was issued by this server for this site, so a page on one shop cannot
//! resume a visitor of another, and nobody can read another visitor's conversation by guessing
//! an id. Format: `base64url(site_id "." visitor_id "." issued_ms) "." base64url(hmac)`.

use crate::domain::{SiteId, Timestamp, VisitorId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a session token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionError {
    /// Not in the token format.
    #[error("session token is malformed")]
    Malformed,
    /// The signature does not match.
    #[error("session token signature is invalid")]
    BadSignature,
    /// Signed for another site or another visitor.
    #[error("session token belongs to another site or visitor")]
    WrongSubject,
}

/// The server's key for shopper session tokens.
#[derive(Clone)]
pub struct SessionKey {
    /// Keyed once; cloning a keyed HMAC is cheaper than keying it per token.
    mac: HmacSha256,
}

impl SessionKey {
    /// A key from the server's stored secret.
    pub fn new(secret: &[u8]) -> Self {
        // HMAC is defined for keys of every length (long keys are hashed, short ones padded),
        // so `new_from_slice` has no error case for it.
        #[allow(clippy::expect_used)]
        let mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        SessionKey { mac }
    }

    fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }

    /// Issues a token for a visitor of a site.
    pub fn issue(&self, site: &SiteId, visitor: &VisitorId, now: Timestamp) -> String {
        let payload = format!("{site}.{visitor}.{}", now.0);
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let sig = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// Checks a token's signature (in constant time) and that it names this site and visitor.
    pub fn verify(
        &self,
        token: &str,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<(), SessionError> {
        let (payload_b64, sig_b64) = token.split_once('.').ok_or(SessionError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| SessionError::Malformed)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| SessionError::Malformed)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&sig)
            .map_err(|_| SessionError::BadSignature)?;
        let text = std::str::from_utf8(&payload).map_err(|_| SessionError::Malformed)?;
        let mut parts = text.split('.');
        let (Some(s), Some(v)) = (parts.next(), parts.next()) else {
            return Err(SessionError::Malformed);
        };
        if s == site.as_str() && v == visitor.as_str() {
            Ok(())
        } else {
            Err(SessionError::WrongSubject)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_site_and_visitor() {
        let key = SessionKey::new(b"secret");
        let (site, visitor) = (SiteId::generate(), VisitorId::generate());
        let token = key.issue(&site, &visitor, Timestamp(1));
        assert_eq!(key.verify(&token, &site, &visitor), Ok(()));
        assert_eq!(
            key.verify(&token, &SiteId::generate(), &visitor),
            Err(SessionError::WrongSubject)
        );
        assert_eq!(
            key.verify(&token, &site, &VisitorId::generate()),
            Err(SessionError::WrongSubject)
        );
        assert_eq!(
            SessionKey::new(b"other").verify(&token, &site, &visitor),
            Err(SessionError::BadSignature)
        );
        assert_eq!(
            key.verify("garbage", &site, &visitor),
            Err(SessionError::Malformed)
        );
    }
}
