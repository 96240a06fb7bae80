//! Purchases the shop reports, kept per visitor so agents can answer "where is my order?".

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Orders kept per visitor; enough for "where is my order?", bounded for memory.
pub const MAX_ORDERS: usize = 10;
const MAX_ORDER_ID: usize = 100;

/// A purchase the shop reported with `track('purchase', {order_id, total, currency})`, kept so
/// agents (and canned replies) can speak about the shopper's latest order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = VisitorOrder)]
pub struct Order {
    /// The shop's order number, if it sent a usable one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Order value, if a finite amount of zero or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// ISO currency code, if three letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// When the purchase was reported.
    #[schema(value_type = i64)]
    pub at: Timestamp,
}

impl Order {
    /// Reads a `purchase` event's props leniently: a bad value is dropped, never an error, so
    /// a shop's sloppy tracking call still records that a purchase happened.
    pub fn from_props(props: &Map<String, Value>, at: Timestamp) -> Order {
        let id = match props.get("order_id") {
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_ORDER_ID);
        let total = props
            .get("total")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t >= 0.0);
        let currency = props
            .get("currency")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase);
        Order {
            id,
            total,
            currency,
            at,
        }
    }
}
