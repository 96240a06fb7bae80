//! Identified shoppers. A shop that knows who is logged in passes `identify({user_id or
//! email, hash})`, where `hash` is the hex HMAC-SHA256 of that id under the site's identity
//! secret, computed on the shop's server. Without a valid hash anyone could claim to be any
//! customer from the browser console, so the id is then dropped and the rest kept as
//! anonymous data.

use crate::domain::VerifiedId;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What an `identify` turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No `user_id` or `email`: plain attributes.
    Attributes,
    /// The hash matches: this is that customer, named by the id the hash covered.
    Verified(VerifiedId),
    /// An id without a matching hash: the id was removed, the rest kept as anonymous data.
    Unverified,
}

/// The hash a shop's server computes for `id`: lowercase hex HMAC-SHA256 under `secret`.
pub fn identity_hash(secret: &str, id: &str) -> String {
    // HMAC takes keys of any length, so keying cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks an `identify` event's properties in place: the `hash` is always removed, and
/// `user_id`/`email` are removed unless the hash proves them.
pub fn verify_identity(secret: &str, props: &mut Map<String, Value>) -> Identity {
    let hash = props.remove("hash");
    let user_id = props.get("user_id").and_then(id_text);
    let id = user_id
        .clone()
        .or_else(|| props.get("email").and_then(id_text));
    let Some(id) = id else {
        return Identity::Attributes;
    };
    let expected = identity_hash(secret, &id);
    let given = hash
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Identity::Verified(match user_id {
            Some(user) => VerifiedId::UserId(user),
            None => VerifiedId::Email(id.trim().to_lowercase()),
        })
    } else {
        props.remove("user_id");
        props.remove("email");
        Identity::Unverified
    }
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_matching_hash_proves_the_id_and_anything_else_is_anonymous() {
        let secret = "s3cret";
        let mut good =
            props(json!({ "user_id": "42", "name": "Eva", "hash": identity_hash(secret, "42") }));
        assert_eq!(
            verify_identity(secret, &mut good),
            Identity::Verified(VerifiedId::UserId("42".into()))
        );
        assert_eq!(good.get("user_id"), Some(&json!("42")));
        assert!(good.get("hash").is_none(), "the hash is never stored");

        let mut forged = props(
            json!({ "user_id": "42", "email": "eva@x.example", "name": "Eva", "hash": "00" }),
        );
        assert_eq!(verify_identity(secret, &mut forged), Identity::Unverified);
        assert!(forged.get("user_id").is_none() && forged.get("email").is_none());
        assert_eq!(
            forged.get("name"),
            Some(&json!("Eva")),
            "kept as anonymous data"
        );

        let mut by_email = props(
            json!({ "email": "eva@x.example", "hash": identity_hash(secret, "eva@x.example").to_uppercase() }),
        );
        assert_eq!(
            verify_identity(secret, &mut by_email),
            Identity::Verified(VerifiedId::Email("eva@x.example".into()))
        );

        let mut other_site =
            props(json!({ "user_id": "42", "hash": identity_hash("other", "42") }));
        assert_eq!(
            verify_identity(secret, &mut other_site),
            Identity::Unverified
        );

        let mut plain = props(json!({ "name": "Eva" }));
        assert_eq!(verify_identity(secret, &mut plain), Identity::Attributes);
    }
}
