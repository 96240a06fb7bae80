//! WooCommerce's webhooks mapped onto the model: order and customer topics, payloads in the
//! shape of the WooCommerce REST API v3 (what its webhooks send). Pure: the signature is
//! checked and the store written by the application layer (`chat::commerce::ingest`).
//!
//! Topics read: `order.created|updated` (the whole order, with parcels from the
//! "Shipment Tracking" extension's `_wc_shipment_tracking_items` meta if present),
//! `customer.created|updated`. `order.deleted`, `customer.deleted` and every other topic are
//! acknowledged and ignored (shopchat keeps what it was told; the shop's deletion is not a
//! status a shopper asks about).

mod customer;
mod order;
#[cfg(test)]
mod tests;

use super::{Customer, ExternalId, Invalid, Order};

/// What a WooCommerce delivery carries, once mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole order (upserted).
    Order(Box<Order>),
    /// A customer (upserted).
    Customer(Box<Customer>),
    /// A topic shopchat does not read.
    Ignored,
}

/// Whether a body is WooCommerce's ping, sent once when an owner saves the webhook
/// (`webhook_id=12`, form-encoded, without a topic): answered 200, nothing stored.
pub fn is_ping(topic: Option<&str>, body: &[u8]) -> bool {
    topic.is_none_or(|t| t.trim().is_empty()) && body.starts_with(b"webhook_id=") && body.len() < 64
}

/// Maps a delivery of `topic` (the `X-WC-Webhook-Topic` header) with this raw `body`.
pub fn parse(topic: &str, body: &[u8]) -> Result<Event, Invalid> {
    match topic.trim() {
        "order.created" | "order.updated" | "order.restored" => {
            order::map(body).map(|o| Event::Order(Box::new(o)))
        }
        "customer.created" | "customer.updated" => {
            customer::map(body).map(|c| Event::Customer(Box::new(c)))
        }
        _ => Ok(Event::Ignored),
    }
}

/// An id as WooCommerce sends it (an integer), or `Invalid` naming the field.
fn id(field: &str, value: u64) -> Result<ExternalId, Invalid> {
    ExternalId::parse(&value.to_string()).map_err(|e| Invalid {
        field: field.to_owned(),
        reason: e.to_string(),
    })
}
