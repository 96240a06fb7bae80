//! What the shop's own systems say about a visitor, for rules: `customer.orders_count`,
//! `customer.total_spent`, `customer.tags`, `last_order.status`,
//! `last_order.fulfillment_status`, `last_order.days_since`, and `{{ order.* }}` /
//! `{{ customer.* }}` in rule messages. Filled only for a visitor whose identity the shop
//! verified (a rule message goes to the shopper, so it may only say what is theirs), loaded
//! once when the shopper connects or identifies — never per event.

use crate::domain::Timestamp;
use serde_json::Value;

/// The shop's facts about one verified visitor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShopFacts {
    /// Orders placed so far (the customer record's count, else the orders seen).
    pub orders_count: u32,
    /// Money spent so far, in the customer's currency (for thresholds, not arithmetic).
    pub total_spent: Option<f64>,
    /// The shop's tags on the customer.
    pub tags: Vec<String>,
    /// The newest order's status (`processing`, `completed`, `cancelled`…).
    pub last_order_status: Option<String>,
    /// The newest order's fulfilment (`unfulfilled`, `partial`, `fulfilled`, `restocked`).
    pub last_order_fulfillment: Option<String>,
    /// When the newest order was placed.
    pub last_order_at: Option<Timestamp>,
    /// `{{ order.* }}`: the newest order as template variables.
    pub order_view: Option<Value>,
    /// `{{ customer.* }}`: the customer record as template variables.
    pub customer_view: Option<Value>,
}
