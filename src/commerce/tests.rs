use super::*;
use crate::domain::Timestamp;
use serde_json::json;

const DAY: i64 = 24 * 60 * 60 * 1000;

fn order(updated: i64) -> Order {
    serde_json::from_value(json!({
        "id": 450789469,
        "number": "#1001",
        "customer_id": "207119551",
        "email": "Bob@Example.com",
        "status": "processing",
        "financial_status": "paid",
        "currency": "eur",
        "items": [{ "sku": "TS-44", "name": "Trail Shoe", "quantity": 2, "price": "59.95" }],
        "total": "119.90",
        "created_at": 1_000,
        "updated_at": updated
    }))
    .unwrap()
}

fn shipment(id: &str, status: &str, updated: i64) -> Shipment {
    serde_json::from_value(json!({
        "id": id, "carrier": "DHL", "tracking_number": "JD0123",
        "tracking_url": "https://track.example/JD0123", "status": status,
        "created_at": 2_000, "updated_at": updated
    }))
    .unwrap()
}

#[test]
fn an_order_parses_from_the_push_shape_with_exact_money() {
    let o = order(5_000);
    assert_eq!(o.id.as_str(), "450789469");
    assert_eq!(o.email.as_ref().unwrap().as_str(), "bob@example.com");
    assert_eq!(o.total_money().formatted(), "€119.90");
    assert_eq!(o.items_line(), "2 × Trail Shoe");
    assert_eq!(o.status_label(), "being prepared");
    assert!(o.validate().is_ok());
}

#[test]
fn an_older_update_never_overwrites_a_newer_one_and_a_replay_changes_nothing() {
    let stored = order(5_000);
    let mut older = order(4_000);
    older.status = OrderStatus::Cancelled;
    assert_eq!(merge_order(Some(&stored), older), (Upsert::Unchanged, None));
    assert_eq!(
        merge_order(Some(&stored), stored.clone()),
        (Upsert::Unchanged, None)
    );
    let mut newer = order(6_000);
    newer.status = OrderStatus::Completed;
    let (outcome, saved) = merge_order(Some(&stored), newer);
    assert_eq!(outcome, Upsert::Updated);
    assert_eq!(saved.unwrap().status, OrderStatus::Completed);
    assert_eq!(merge_order(None, stored).0, Upsert::Created);
}

#[test]
fn a_parcel_from_its_own_event_survives_an_older_copy_of_the_whole_order() {
    let stored = order(5_000);
    let with_parcel = apply_change(
        &stored,
        OrderChange::Shipment(shipment("f1", "in_transit", 7_000)),
    )
    .unwrap();
    // A copy of the order from before the parcel, delivered late, with a newer header.
    let mut late = order(6_000);
    late.status = OrderStatus::Completed;
    let (outcome, saved) = merge_order(Some(&with_parcel), late);
    let saved = saved.unwrap();
    assert_eq!(outcome, Upsert::Updated);
    assert_eq!(saved.status, OrderStatus::Completed);
    assert_eq!(saved.shipments.len(), 1, "the parcel is kept");
    assert_eq!(saved.status_label(), "in transit");
    // An older copy of the parcel changes nothing; a newer one replaces it.
    assert!(
        apply_change(
            &saved,
            OrderChange::Shipment(shipment("f1", "pending", 6_500))
        )
        .is_none()
    );
    let delivered = apply_change(
        &saved,
        OrderChange::Shipment(shipment("f1", "delivered", 9_000)),
    )
    .unwrap();
    assert_eq!(delivered.status_label(), "delivered");
}

#[test]
fn customers_follow_the_same_rule() {
    let customer: Customer = serde_json::from_value(json!({
        "id": 207119551, "email": "bob@example.com", "name": "Bob", "tags": ["vip"],
        "orders_count": 3, "total_spent": { "amount": "420.00", "currency": "EUR" },
        "created_at": 1, "updated_at": 10
    }))
    .unwrap();
    let mut older = customer.clone();
    older.updated_at = Timestamp(9);
    older.orders_count = 1;
    assert_eq!(merge_customer(Some(&customer), older).0, Upsert::Unchanged);
    let mut newer = customer.clone();
    newer.updated_at = Timestamp(11);
    assert_eq!(merge_customer(Some(&customer), newer).0, Upsert::Updated);
}

#[test]
fn links_that_become_clickable_must_be_http_and_lists_are_bounded() {
    let mut o = order(1);
    o.shipments.push(shipment("f1", "in_transit", 1));
    o.shipments[0].tracking_url = Some("javascript:alert(1)".into());
    let err = o.validate().unwrap_err();
    assert_eq!(err.field, "shipments[0].tracking_url");
    let mut o = order(1);
    o.items = vec![o.items[0].clone(); MAX_LINE_ITEMS + 1];
    assert_eq!(o.validate().unwrap_err().field, "items");
    let mut o = order(1);
    o.items[0].name = " ".into();
    assert_eq!(o.validate().unwrap_err().field, "items[0].name");
}

#[test]
fn stuck_orders_are_recognised_and_healthy_ones_are_not() {
    let now = Timestamp(30 * DAY);
    let mut o = order(1);
    // Paid, nothing shipped for 30 days.
    assert_eq!(
        stuck::stuck(&o, now, 5),
        Some(StuckReason::NotShipped { days: 29 })
    );
    assert_eq!(stuck::stuck(&o, Timestamp(2 * DAY), 5), None);
    let mut parcel = shipment("f1", "in_transit", 20 * DAY);
    o.shipments.push(parcel.clone());
    assert_eq!(
        stuck::stuck(&o, now, 5),
        Some(StuckReason::NoMovement { days: 10 })
    );
    assert_eq!(stuck::stuck(&o, now, 14), None);
    parcel.status = ShipmentStatus::Failure;
    o.shipments[0] = parcel.clone();
    assert!(matches!(
        stuck::stuck(&o, now, 5),
        Some(StuckReason::DeliveryProblem { .. })
    ));
    parcel.status = ShipmentStatus::Delivered;
    o.shipments[0] = parcel;
    assert_eq!(stuck::stuck(&o, now, 5), None);
    o.status = OrderStatus::Cancelled;
    o.shipments.clear();
    assert_eq!(stuck::stuck(&o, now, 5), None);
}
