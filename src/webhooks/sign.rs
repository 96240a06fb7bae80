//! Signing by the Standard Webhooks convention (<https://www.standardwebhooks.com>), in one
//! place for every outbound call: the receiver checks `webhook-signature` against an HMAC-SHA256
//! over `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed by the base64-decoded part of its
//! `whsec_…` secret, and refuses a timestamp too far from its clock (replays). Pure: the caller
//! passes the time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new secret (the convention asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// A fresh endpoint secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key of a `whsec_…` secret (the prefix is optional, as in the reference
/// libraries); `None` when the rest is not base64.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).ok()
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so keying cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `webhook-signature` value for one attempt: `v1,` and the base64 HMAC-SHA256 over
/// `"{id}.{timestamp}.{body}"` under `key` (the decoded secret).
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(key, id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}

/// Why a delivery does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The timestamp is further than the tolerance from now: a replay, or a bad clock.
    #[error("the timestamp is outside the tolerance")]
    Stale,
    /// No `v1` signature in the header matches.
    #[error("no signature matches")]
    Mismatch,
}

/// Checks a delivery the way a receiver does: `timestamp` within `tolerance_secs` of `now`
/// (both unix seconds), and one of the space-separated `v1,…` signatures of `header` matching
/// (compared in constant time). What tests and receivers written in Rust call.
pub fn verify(
    key: &[u8],
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    if (now - timestamp).abs() > tolerance_secs {
        return Err(VerifyError::Stale);
    }
    let matches = header.split(' ').any(|one| {
        let Some(encoded) = one.strip_prefix("v1,") else {
            return false;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            return false;
        };
        mac(key, id, timestamp, body).verify_slice(&tag).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector the Standard Webhooks reference libraries all check.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signing_reproduces_the_published_test_vector() {
        let key = secret_key(SECRET).unwrap();
        assert_eq!(sign(&key, ID, TS, BODY), SIGNATURE);
        assert_eq!(secret_key(&SECRET[SECRET_PREFIX.len()..]), Some(key));
    }

    #[test]
    fn verify_accepts_the_vector_and_refuses_changes_and_old_timestamps() {
        let key = secret_key(SECRET).unwrap();
        assert_eq!(verify(&key, ID, TS, BODY, SIGNATURE, TS + 10, 300), Ok(()));
        let several = format!("v1,bm9wZQ== {SIGNATURE}");
        assert_eq!(verify(&key, ID, TS, BODY, &several, TS, 300), Ok(()));
        let tampered = br#"{"test": 2432232315}"#;
        assert_eq!(
            verify(&key, ID, TS, tampered, SIGNATURE, TS, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&key, "msg_other", TS, BODY, SIGNATURE, TS, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&key, ID, TS, BODY, SIGNATURE, TS + 301, 300),
            Err(VerifyError::Stale)
        );
    }

    #[test]
    fn new_secrets_are_standard_and_distinct() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(secret_key(&a).map(|k| k.len()), Some(SECRET_BYTES));
    }
}
