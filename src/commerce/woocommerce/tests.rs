//! The mappers on payloads in the shape of the WooCommerce REST API v3 documentation.

use super::{Event, is_ping, parse};
use crate::commerce::{FinancialStatus, OrderStatus, ShipmentStatus};
use rust_decimal::Decimal;
use std::str::FromStr;

const ORDER: &str = include_str!("../../../tests/fixtures/woocommerce/order_updated.json");
const CUSTOMER: &str = include_str!("../../../tests/fixtures/woocommerce/customer_updated.json");

#[test]
fn an_order_maps_with_its_tracking_parcel() {
    let Event::Order(o) = parse("order.updated", ORDER.as_bytes()).unwrap() else {
        panic!("not an order")
    };
    assert_eq!(o.id.as_str(), "727");
    assert_eq!(o.number.as_str(), "727");
    assert_eq!(o.customer_id.as_ref().unwrap().as_str(), "25");
    assert_eq!(o.email.as_ref().unwrap().as_str(), "john.doe@example.com");
    assert_eq!(o.status, OrderStatus::Processing);
    assert_eq!(o.financial_status, Some(FinancialStatus::Paid));
    assert_eq!(o.total, Decimal::from_str("29.35").unwrap());
    assert_eq!(o.items[0].price, Decimal::from(3));
    assert_eq!(o.items[0].sku, None);
    assert_eq!(o.items[1].sku.as_deref(), Some("Bar3"));
    let parcel = &o.shipments[0];
    assert_eq!(parcel.carrier.as_deref(), Some("DHL Express"));
    assert_eq!(parcel.tracking_number.as_deref(), Some("JD0146000012"));
    assert_eq!(parcel.status, ShipmentStatus::Confirmed);
    assert_eq!(parcel.created_at.0, 1_793_750_400_000);
    assert!(o.validate().is_ok());
}

#[test]
fn statuses_guests_and_refunds() {
    let mut v: serde_json::Value = serde_json::from_str(ORDER).unwrap();
    v["customer_id"] = 0.into();
    v["status"] = "refunded".into();
    v["refunds"] = serde_json::json!([{ "id": 726, "reason": "", "total": "-29.35" }]);
    let Event::Order(o) = parse("order.updated", v.to_string().as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(o.customer_id, None, "customer_id 0 is a guest");
    assert_eq!(o.status, OrderStatus::Refunded);
    assert_eq!(o.refunds[0].amount, Decimal::from_str("29.35").unwrap());
    v["status"] = "shipped".into();
    let Event::Order(o) = parse("order.updated", v.to_string().as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(
        o.status,
        OrderStatus::Processing,
        "a plugin's status reads as processing"
    );
}

#[test]
fn a_customer_maps_and_a_ping_is_recognised() {
    let Event::Customer(c) = parse("customer.updated", CUSTOMER.as_bytes()).unwrap() else {
        panic!("not a customer")
    };
    assert_eq!(c.id.as_str(), "25");
    assert_eq!(c.name.as_deref(), Some("John Doe"));
    assert!(c.updated_at > c.created_at);
    assert!(is_ping(None, b"webhook_id=12"));
    assert!(!is_ping(Some("order.updated"), b"webhook_id=12"));
    assert_eq!(
        parse("order.deleted", br#"{"id":727}"#).unwrap(),
        Event::Ignored
    );
    let err = parse("order.updated", br#"{"id":"x"}"#).unwrap_err();
    assert_eq!(err.field, "id");
}
