//! The shop's data as owners' templates see it: `{{ order.status }}`,
//! `{{ order.tracking_url }}`, `{{ customer.total_spent }}`. Everything is already text a
//! shopper can read (money with its currency, dates as days), because a template cannot format
//! a decimal or a timestamp itself (the sandbox refuses the filters that would).

use super::{Customer, Order};
use crate::domain::Timestamp;
use serde_json::{Value, json};

/// A day as shoppers read it in an English message: `3 Dec 2026` (UTC).
pub fn day(at: Timestamp) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(at.0).map(|t| t.format("%-d %b %Y").to_string())
}

/// `order.*`: the order a message is about (the newest, unless the caller picked one).
pub fn order_view(order: &Order) -> Value {
    let parcel = order.latest_shipment();
    json!({
        "number": order.number.as_str(),
        "status": order.status_label(),
        "order_status": order.status,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "total": order.total.to_string(),
        "total_formatted": order.total_money().formatted(),
        "currency": order.currency.as_str(),
        "items": order.items_line(),
        "item_count": order.items.iter().map(|i| u64::from(i.quantity)).sum::<u64>(),
        "placed": day(order.created_at),
        "carrier": parcel.and_then(|p| p.carrier.clone()),
        "tracking_number": parcel.and_then(|p| p.tracking_number.clone()),
        "tracking_url": parcel.and_then(|p| p.tracking_url.clone()),
        "shipment_status": parcel.map(|p| p.status.label()),
        "estimated_delivery": parcel.and_then(|p| p.estimated_delivery).and_then(day),
        "status_url": order.status_url,
    })
}

/// `customer.*`: who the shopper is to the shop.
pub fn customer_view(customer: &Customer) -> Value {
    json!({
        "name": customer.name,
        "orders_count": customer.orders_count,
        "total_spent": customer.total_spent.as_ref().map(super::Money::formatted),
        "tags": customer.tags,
        "since": day(customer.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_ready_to_print() {
        let order: Order = serde_json::from_value(json!({
            "id": "1", "number": "#1001", "status": "processing", "currency": "EUR",
            "items": [{ "name": "Trail Shoe", "quantity": 2, "price": "59.95" }],
            "total": "119.9", "created_at": 1_764_547_200_000_i64, "updated_at": 1,
            "shipments": [{ "id": "f1", "carrier": "DHL", "tracking_url": "https://t.example/1",
                "status": "in_transit", "estimated_delivery": 1_764_806_400_000_i64,
                "created_at": 2, "updated_at": 2 }]
        }))
        .unwrap();
        let v = order_view(&order);
        assert_eq!(v["status"], "in transit");
        assert_eq!(v["total_formatted"], "€119.90");
        assert_eq!(v["items"], "2 × Trail Shoe");
        assert_eq!(v["item_count"], 2);
        assert_eq!(v["placed"], "1 Dec 2025");
        assert_eq!(v["estimated_delivery"], "4 Dec 2025");
        assert_eq!(v["carrier"], "DHL");
        assert_eq!(v["order_status"], "processing");
        let customer: Customer = serde_json::from_value(json!({
            "id": "7", "orders_count": 3, "total_spent": { "amount": "420", "currency": "EUR" },
            "tags": ["vip"], "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        let c = customer_view(&customer);
        assert_eq!(c["total_spent"], "€420.00");
        assert_eq!(c["orders_count"], 3);
    }
}
