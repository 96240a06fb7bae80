//! Shopper session tokens. A widget keeps its visitor id and this token; on `hello` the token
//! proves the visitor id was issued by this server for this site, so a page on one shop cannot
//! resume a visitor of another, and nobody can read another visitor's conversation by guessing
//! an id. Format: `base64url(site_id "." visitor_id "." issued_ms) "." base64url(hmac)`.

use crate::domain::{SiteId, Timestamp, VisitorId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::KeyInit;
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
    /// Genuine, but issued longer ago than the session lifetime: the widget starts afresh.
    #[error("session token has expired")]
    Expired,
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

    /// Checks a token's signature (in constant time), that it names this site and visitor,
    /// and that it was issued within `lifetime` of `now`. Every `welcome` issues a fresh
    /// token, so the lifetime counts from the visitor's last visit, not their first.
    pub fn verify(
        &self,
        token: &str,
        site: &SiteId,
        visitor: &VisitorId,
        now: Timestamp,
        lifetime: std::time::Duration,
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
        let (Some(s), Some(v), Some(issued)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SessionError::Malformed);
        };
        if s != site.as_str() || v != visitor.as_str() {
            return Err(SessionError::WrongSubject);
        }
        let issued: i64 = issued.parse().map_err(|_| SessionError::Malformed)?;
        let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        if now.0.saturating_sub(issued) > lifetime_ms {
            return Err(SessionError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::Duration;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn bound_to_site_and_visitor() {
        let key = SessionKey::new(b"secret");
        let (site, visitor) = (SiteId::generate(), VisitorId::generate());
        let token = key.issue(&site, &visitor, Timestamp(1));
        let now = Timestamp(2);
        assert_eq!(key.verify(&token, &site, &visitor, now, DAY), Ok(()));
        assert_eq!(
            key.verify(&token, &SiteId::generate(), &visitor, now, DAY),
            Err(SessionError::WrongSubject)
        );
        assert_eq!(
            key.verify(&token, &site, &VisitorId::generate(), now, DAY),
            Err(SessionError::WrongSubject)
        );
        assert_eq!(
            SessionKey::new(b"other").verify(&token, &site, &visitor, now, DAY),
            Err(SessionError::BadSignature)
        );
        assert_eq!(
            key.verify("garbage", &site, &visitor, now, DAY),
            Err(SessionError::Malformed)
        );
    }

    #[test]
    fn a_token_older_than_the_lifetime_has_expired() {
        let key = SessionKey::new(b"secret");
        let (site, visitor) = (SiteId::generate(), VisitorId::generate());
        let issued = Timestamp(1_000_000);
        let token = key.issue(&site, &visitor, issued);
        let day_ms = 86_400_000;
        let at = |ms| Timestamp(issued.0 + ms);
        assert_eq!(
            key.verify(&token, &site, &visitor, at(90 * day_ms), 90 * DAY),
            Ok(())
        );
        assert_eq!(
            key.verify(&token, &site, &visitor, at(90 * day_ms + 1), 90 * DAY),
            Err(SessionError::Expired)
        );
    }
}
