//! Shopify's webhooks mapped onto the model: which topics shopchat reads and what each
//! payload (in the shape of shopify.dev's webhook reference) becomes. Pure: the signature is
//! checked and the store written by the application layer (`chat::commerce::ingest`).
//!
//! Topics read: `orders/create|updated|paid|cancelled|fulfilled|partially_fulfilled` (the
//! whole order), `fulfillments/create|update` (one parcel), `refunds/create` (one refund),
//! `customers/create|update`. Every other topic is acknowledged and ignored, so Shopify does
//! not retry it (`orders/edited` carries only the edit; the `orders/updated` that follows it
//! carries the order).

mod customer;
mod fulfillment;
mod order;
mod refund;
#[cfg(test)]
mod tests;

use super::{Customer, ExternalId, Invalid, Order, Refund, Shipment};

/// What a Shopify delivery carries, once mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole order (upserted).
    Order(Box<Order>),
    /// One parcel of an order that should already be stored.
    Shipment {
        /// The order's id.
        order_id: ExternalId,
        /// The parcel.
        shipment: Shipment,
    },
    /// One refund of an order that should already be stored.
    Refund {
        /// The order's id.
        order_id: ExternalId,
        /// The refund.
        refund: Refund,
    },
    /// A customer (upserted).
    Customer(Box<Customer>),
    /// A topic shopchat does not read.
    Ignored,
}

/// Maps a delivery of `topic` (the `X-Shopify-Topic` header) with this raw `body`; a payload
/// that does not fit is [`Invalid`] naming the field.
pub fn parse(topic: &str, body: &[u8]) -> Result<Event, Invalid> {
    match topic.trim() {
        "orders/create"
        | "orders/updated"
        | "orders/paid"
        | "orders/cancelled"
        | "orders/fulfilled"
        | "orders/partially_fulfilled" => order::map(body).map(|o| Event::Order(Box::new(o))),
        "fulfillments/create" | "fulfillments/update" => fulfillment::map(body)
            .map(|(order_id, shipment)| Event::Shipment { order_id, shipment }),
        "refunds/create" => {
            refund::map(body).map(|(order_id, refund)| Event::Refund { order_id, refund })
        }
        "customers/create" | "customers/update" => {
            customer::map(body).map(|c| Event::Customer(Box::new(c)))
        }
        _ => Ok(Event::Ignored),
    }
}

/// An id as Shopify sends it (a 64-bit integer), or `Invalid` naming the field.
fn id(field: &str, value: &serde_json::Value) -> Result<ExternalId, Invalid> {
    serde_json::from_value(value.clone()).map_err(|e| Invalid {
        field: field.to_owned(),
        reason: format!("must be Shopify's id: {e}"),
    })
}
