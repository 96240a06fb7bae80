//! What Shopify's and WooCommerce's webhooks have in common, kept pure so the mappers can be
//! unit-tested on the platforms' published examples: the signature both use (base64 of an
//! HMAC-SHA256 of the raw body), their times, their amounts (text in one place, numbers in
//! another) and the bounds a platform record is cut to rather than refused — a platform that
//! gets a 4xx retries and finally disables the subscription, so a long name or a 300th line
//! item must not lose the whole order.

use super::{Invalid, MAX_TEXT, check_url};
use crate::domain::{Email, Timestamp};
use base64::Engine;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use sha2::Sha256;
use std::str::FromStr;
use subtle::ConstantTimeEq;

/// Whether `signature` (the header's base64 text) is the HMAC-SHA256 of the raw `body` under
/// `secret`. Compared in constant time, so a forger learns nothing from how long a refusal
/// took; a header that is not base64 is simply wrong.
pub fn signature_matches(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let expected = sign(secret, body);
    given.len() == expected.len() && bool::from(given.ct_eq(&expected))
}

/// The raw HMAC-SHA256 of `body` under `secret`.
fn sign(secret: &str, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of every length (longer ones are hashed first), so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The header value a platform would send for `body`: for tests, examples and the load
/// generator, which stand in for the platforms.
pub fn signature_of(secret: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sign(secret, body))
}

/// An ISO-8601 time with an offset (`2026-11-03T10:15:00-05:00`, Shopify) or without one
/// (`2026-11-03T15:15:00`, WooCommerce's `_gmt` fields, read as UTC).
pub fn parse_time(field: &str, text: &str) -> Result<Timestamp, Invalid> {
    let t = text.trim();
    let ms = chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp_millis())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|d| d.and_utc().timestamp_millis())
        })
        .map_err(|_| Invalid {
            field: field.to_owned(),
            reason: "must be an ISO-8601 date and time".to_owned(),
        })?;
    Ok(Timestamp(ms))
}

/// An optional time: absent, null or empty is `None`.
pub fn parse_time_opt(field: &str, text: Option<&str>) -> Result<Option<Timestamp>, Invalid> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse_time(field, t).map(Some),
    }
}

/// An amount as platforms send it: `"199.00"` or `21.99`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Amount(pub Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(t) => t,
            Raw::Number(n) => n.to_string(),
        };
        let t = text.trim();
        if t.is_empty() {
            return Ok(Amount(Decimal::ZERO));
        }
        Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .map(Amount)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not an amount")))
    }
}

/// A count as platforms send it: `3` or `"3"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(u64),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Count(u32::try_from(n).unwrap_or(u32::MAX))),
            Raw::Text(t) => t
                .trim()
                .parse::<u32>()
                .map(Count)
                .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a count"))),
        }
    }
}

/// Text cut to [`MAX_TEXT`] characters; empty becomes `None`.
pub fn short_text(text: Option<&str>) -> Option<String> {
    let t = text?.trim();
    (!t.is_empty()).then(|| t.chars().take(MAX_TEXT).collect())
}

/// A link kept only if it may become clickable (absolute `http(s)`): a platform's odd link is
/// dropped rather than failing the record it came with.
pub fn web_link(text: Option<&str>) -> Option<String> {
    let t = text?.trim();
    check_url("link", Some(t)).ok().map(|()| t.to_owned())
}

/// An email kept only if it is one; a platform's guest order may carry none or junk.
pub fn email(text: Option<&str>) -> Option<Email> {
    text.and_then(|t| Email::parse(t).ok())
}

/// A platform's JSON decoded with the path of the failing field (`line_items[2].price`), as
/// [`Invalid`], so a refused delivery says what was wrong.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Invalid> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let reason = e.inner().to_string();
        // A missing field's path is its parent's; the message names the field itself.
        let missing = reason
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| match e.path().to_string().as_str() {
                "." => name.to_owned(),
                parent => format!("{parent}.{name}"),
            });
        Invalid {
            field: missing.unwrap_or_else(|| e.path().to_string()),
            reason,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_over_the_raw_bytes() {
        let body = br#"{"id":1}"#;
        let sig = signature_of("s3cret", body);
        assert!(signature_matches("s3cret", body, &sig));
        assert!(!signature_matches("other", body, &sig));
        assert!(!signature_matches("s3cret", br#"{"id": 1}"#, &sig));
        assert!(!signature_matches("s3cret", body, "not base64!"));
        assert!(!signature_matches("s3cret", body, ""));
    }

    #[test]
    fn times_with_and_without_offsets() {
        let shopify = parse_time("t", "2026-01-01T10:00:00-05:00").unwrap();
        let woo = parse_time("t", "2026-01-01T15:00:00").unwrap();
        assert_eq!(shopify, woo);
        assert!(parse_time("created_at", "yesterday").is_err());
        assert_eq!(parse_time_opt("t", Some("")).unwrap(), None);
    }

    #[test]
    fn amounts_and_counts_from_text_or_numbers() {
        let a: Amount = serde_json::from_str("\"199.00\"").unwrap();
        assert_eq!(a.0, Decimal::from_str("199.00").unwrap());
        let b: Amount = serde_json::from_str("21.99").unwrap();
        assert_eq!(b.0, Decimal::from_str("21.99").unwrap());
        assert!(serde_json::from_str::<Amount>("\"abc\"").is_err());
        let c: Count = serde_json::from_str("\"3\"").unwrap();
        assert_eq!(c.0, 3);
        assert_eq!(web_link(Some("javascript:alert(1)")), None);
        assert_eq!(
            web_link(Some("https://track.example/1")).as_deref(),
            Some("https://track.example/1")
        );
    }
}
