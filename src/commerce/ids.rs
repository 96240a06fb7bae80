//! The shop's own identifiers: a customer's, an order's or a shipment's id in the shop's
//! system, and the order number a shopper reads on their confirmation. They are the keys every
//! upsert is idempotent on, so they are checked once here and compared as parsed values.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a shop identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommerceIdError {
    /// Empty, too long, or holding control characters.
    #[error("must be 1 to {max} printable characters")]
    Invalid {
        /// The longest accepted, in characters.
        max: usize,
    },
}

/// Longest external id kept: Shopify's are 64-bit integers, WooCommerce's too; a shop's own
/// system may use UUIDs or composite keys.
const MAX_EXTERNAL_ID: usize = 128;
/// Longest order number: shops print prefixes and suffixes (`#SHOP-2026-000123`).
const MAX_ORDER_NUMBER: usize = 64;

fn printable(text: &str, max: usize) -> Result<&str, CommerceIdError> {
    let t = text.trim();
    let ok = !t.is_empty() && t.chars().count() <= max && !t.chars().any(char::is_control);
    if ok {
        Ok(t)
    } else {
        Err(CommerceIdError::Invalid { max })
    }
}

/// An id in the shop's own system (a Shopify `id`, a WooCommerce `id`, or whatever the shop's
/// back end uses), as text so every platform fits one type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "IdText", into = "String")]
pub struct ExternalId(String);

impl ExternalId {
    /// Trims and checks the id.
    pub fn parse(text: &str) -> Result<Self, CommerceIdError> {
        printable(text, MAX_EXTERNAL_ID).map(|t| ExternalId(t.to_owned()))
    }

    /// The id as text, for storage and the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An id as platforms send it: Shopify and WooCommerce send integers, other shops strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdText {
    Text(String),
    Number(u64),
}

impl TryFrom<IdText> for ExternalId {
    type Error = CommerceIdError;
    fn try_from(value: IdText) -> Result<Self, Self::Error> {
        match value {
            IdText::Text(t) => ExternalId::parse(&t),
            IdText::Number(n) => ExternalId::parse(&n.to_string()),
        }
    }
}

impl From<ExternalId> for String {
    fn from(id: ExternalId) -> String {
        id.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number a shopper sees on their order confirmation (`#1001`, `SHOP-123`). Kept as the
/// shop prints it; [`OrderNumber::key`] is the form look-ups compare, so `#1001`, `1001` and
/// ` #1001 ` typed in the widget all find the same order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "IdText", into = "String")]
pub struct OrderNumber(String);

impl OrderNumber {
    /// Trims and checks the number.
    pub fn parse(text: &str) -> Result<Self, CommerceIdError> {
        printable(text, MAX_ORDER_NUMBER).map(|t| OrderNumber(t.to_owned()))
    }

    /// The number as the shop prints it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comparison key: without a leading `#`, without spaces, lower-cased.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// The comparison key of text a shopper typed, without parsing it first.
    pub fn key_of(text: &str) -> String {
        text.trim()
            .trim_start_matches('#')
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    }
}

impl TryFrom<IdText> for OrderNumber {
    type Error = CommerceIdError;
    fn try_from(value: IdText) -> Result<Self, Self::Error> {
        match value {
            IdText::Text(t) => OrderNumber::parse(&t),
            IdText::Number(n) => OrderNumber::parse(&n.to_string()),
        }
    }
}

impl From<OrderNumber> for String {
    fn from(n: OrderNumber) -> String {
        n.0
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_numbers_and_text_and_refuse_empty_or_control() {
        let n: ExternalId = serde_json::from_str("450789469").unwrap();
        assert_eq!(n.as_str(), "450789469");
        let t: ExternalId = serde_json::from_str("\" gid-7 \"").unwrap();
        assert_eq!(t.as_str(), "gid-7");
        assert!(serde_json::from_str::<ExternalId>("\"\"").is_err());
        assert!(serde_json::from_str::<ExternalId>("\"a\\nb\"").is_err());
        assert!(ExternalId::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn order_numbers_compare_as_a_shopper_types_them() {
        let n = OrderNumber::parse("#SHOP-1001").unwrap();
        assert_eq!(n.as_str(), "#SHOP-1001");
        assert_eq!(n.key(), OrderNumber::key_of(" shop-1001 "));
        assert_eq!(OrderNumber::key_of("# 1001"), "1001");
    }
}
