//! The mappers on payloads in the shape of shopify.dev's webhook examples.

use super::{Event, parse};
use crate::commerce::{FinancialStatus, OrderStatus, ShipmentStatus};
use rust_decimal::Decimal;
use std::str::FromStr;

const ORDER: &str = include_str!("../../../tests/fixtures/shopify/orders_create.json");
const FULFILLMENT: &str = include_str!("../../../tests/fixtures/shopify/fulfillments_update.json");
const REFUND: &str = include_str!("../../../tests/fixtures/shopify/refunds_create.json");
const CUSTOMER: &str = include_str!("../../../tests/fixtures/shopify/customers_update.json");

fn d(t: &str) -> Decimal {
    Decimal::from_str(t).unwrap()
}

#[test]
fn an_order_maps_with_exact_money_and_times() {
    let Event::Order(order) = parse("orders/create", ORDER.as_bytes()).unwrap() else {
        panic!("not an order")
    };
    assert_eq!(order.id.as_str(), "820982911946154508");
    assert_eq!(order.number.as_str(), "#9999");
    assert_eq!(
        order.customer_id.as_ref().unwrap().as_str(),
        "115310627314723954"
    );
    assert_eq!(order.email.as_ref().unwrap().as_str(), "jon@example.com");
    assert_eq!(order.status, OrderStatus::Processing);
    assert_eq!(order.financial_status, Some(FinancialStatus::Paid));
    assert_eq!(order.total, d("403.00"));
    assert_eq!(order.shipping, Some(d("10.00")));
    assert_eq!(order.items.len(), 2);
    assert_eq!(order.items[0].sku.as_deref(), Some("IPOD2008PINK"));
    assert_eq!(order.items[0].price, d("199.00"));
    // 2026-11-02T12:08:13-05:00 is 17:08:13 UTC.
    assert_eq!(order.created_at.0, 1_793_639_293_000);
    assert!(order.validate().is_ok());
    assert!(order.status_url.unwrap().starts_with("https://"));
}

#[test]
fn a_cancelled_or_fulfilled_order_says_so() {
    let mut v: serde_json::Value = serde_json::from_str(ORDER).unwrap();
    v["cancelled_at"] = "2026-11-02T13:00:00-05:00".into();
    let Event::Order(o) = parse("orders/cancelled", v.to_string().as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(o.status, OrderStatus::Cancelled);
    v["cancelled_at"] = serde_json::Value::Null;
    v["fulfillment_status"] = "fulfilled".into();
    let Event::Order(o) = parse("orders/fulfilled", v.to_string().as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(o.status, OrderStatus::Completed);
    v["financial_status"] = "something_new".into();
    let Event::Order(o) = parse("orders/updated", v.to_string().as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(o.financial_status, None);
}

#[test]
fn a_fulfillment_maps_to_a_parcel_of_its_order() {
    let Event::Shipment { order_id, shipment } =
        parse("fulfillments/update", FULFILLMENT.as_bytes()).unwrap()
    else {
        panic!("not a shipment")
    };
    assert_eq!(order_id.as_str(), "820982911946154508");
    assert_eq!(shipment.carrier.as_deref(), Some("UPS"));
    assert_eq!(shipment.tracking_number.as_deref(), Some("1Z2345"));
    assert!(
        shipment
            .tracking_url
            .unwrap()
            .starts_with("https://www.ups.com/")
    );
    assert_eq!(shipment.status, ShipmentStatus::InTransit);
    let mut v: serde_json::Value = serde_json::from_str(FULFILLMENT).unwrap();
    v["tracking_url"] = "javascript:alert(1)".into();
    v["tracking_urls"] = serde_json::json!([]);
    v["shipment_status"] = "delivered".into();
    let Event::Shipment { shipment, .. } =
        parse("fulfillments/update", v.to_string().as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(shipment.tracking_url, None, "only http(s) links are kept");
    assert_eq!(shipment.status, ShipmentStatus::Delivered);
}

#[test]
fn a_refund_counts_its_successful_transactions() {
    let Event::Refund { order_id, refund } = parse("refunds/create", REFUND.as_bytes()).unwrap()
    else {
        panic!("not a refund")
    };
    assert_eq!(order_id.as_str(), "820982911946154508");
    assert_eq!(refund.amount, d("199.00"));
    assert_eq!(refund.note.as_deref(), Some("Things were damaged"));
}

#[test]
fn a_customer_maps_tags_and_spend() {
    let Event::Customer(c) = parse("customers/update", CUSTOMER.as_bytes()).unwrap() else {
        panic!("not a customer")
    };
    assert_eq!(c.id.as_str(), "706405506930370084");
    assert_eq!(c.name.as_deref(), Some("Bob Biller"));
    assert_eq!(c.tags, vec!["VIP", "wholesale"]);
    assert_eq!(c.orders_count, 3);
    assert_eq!(c.total_spent.unwrap().formatted(), "$412.50");
}

#[test]
fn unknown_topics_are_ignored_and_bad_payloads_name_the_field() {
    assert_eq!(parse("products/create", b"{}").unwrap(), Event::Ignored);
    let mut v: serde_json::Value = serde_json::from_str(ORDER).unwrap();
    v["line_items"][1]["price"] = "lots".into();
    let err = parse("orders/updated", v.to_string().as_bytes()).unwrap_err();
    assert_eq!(err.field, "line_items[1].price");
    v["line_items"][1]["price"] = "1.00".into();
    v["currency"] = "EURO".into();
    assert_eq!(
        parse("orders/updated", v.to_string().as_bytes())
            .unwrap_err()
            .field,
        "currency"
    );
}
