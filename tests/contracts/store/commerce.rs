//! The shop's customers and orders: upserts by the shop's ids where an older update never
//! overwrites a newer one, parcels merged by id, look-ups by customer, email and order number,
//! and a back-fill in one call. Keys, deliveries, settings and requests are in
//! `commerce_keys.rs`.

use super::new_site;
use serde_json::json;
use shopchat::commerce::{
    Customer, CustomerKey, ExternalId, Order, OrderChange, OrderNumber, Shipment, Upsert,
};
use shopchat::domain::{Email, Timestamp};
use shopchat::store::{StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    customers_are_created_updated_and_never_overwritten_by_older_updates,
    orders_are_created_updated_and_replays_change_nothing,
    parcels_are_merged_by_id_across_whole_order_and_part_updates,
    a_change_to_an_unknown_order_is_not_found,
    orders_for_finds_by_customer_id_and_by_email_newest_first_and_limited,
    order_by_number_ignores_the_hash_spaces_and_case,
    another_sites_customers_and_orders_read_as_absent,
    an_import_of_two_thousand_orders_in_one_call_counts_each_outcome,
);

/// An order in the push API's shape: `id`, placed at `created`, last changed at `updated`.
pub(super) fn order(id: &str, number: &str, created: i64, updated: i64) -> Order {
    serde_json::from_value(json!({
        "id": id,
        "number": number,
        "customer_id": "c-1",
        "email": "Bob@Example.com",
        "status": "processing",
        "financial_status": "paid",
        "currency": "EUR",
        "items": [{ "sku": "TS-44", "name": "Trail Shoe", "quantity": 2, "price": "59.95" }],
        "total": "119.90",
        "created_at": created,
        "updated_at": updated
    }))
    .unwrap()
}

/// A customer as the shop reports them.
pub(super) fn customer(id: &str, email: &str, updated: i64) -> Customer {
    serde_json::from_value(json!({
        "id": id, "email": email, "name": "Bob", "tags": ["vip"], "orders_count": 3,
        "total_spent": { "amount": "420.10", "currency": "EUR" },
        "created_at": 1, "updated_at": updated
    }))
    .unwrap()
}

fn shipment(id: &str, status: &str, updated: i64) -> Shipment {
    serde_json::from_value(json!({
        "id": id, "carrier": "DHL", "tracking_number": format!("JD-{id}"),
        "tracking_url": format!("https://track.example/{id}"), "status": status,
        "created_at": 2_000, "updated_at": updated
    }))
    .unwrap()
}

fn ext(id: &str) -> ExternalId {
    ExternalId::parse(id).unwrap()
}

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

/// Created, then updated by a newer record, unchanged by an older one or a replay; by email
/// the most recently updated customer wins.
async fn customers_are_created_updated_and_never_overwritten_by_older_updates(
    store: Arc<dyn Store>,
) {
    let site = new_site(store.as_ref()).await;
    let first = customer("c-1", "bob@example.com", 10);
    assert_eq!(
        store.upsert_customer(&site, first.clone()).await.unwrap(),
        Upsert::Created
    );
    assert_eq!(
        store.customer(&site, &ext("c-1")).await.unwrap(),
        Some(first.clone()),
        "read back exactly, money and all"
    );
    assert_eq!(
        store.upsert_customer(&site, first.clone()).await.unwrap(),
        Upsert::Unchanged,
        "a replay"
    );
    let mut newer = customer("c-1", "bob@new.example", 20);
    newer.orders_count = 4;
    assert_eq!(
        store.upsert_customer(&site, newer.clone()).await.unwrap(),
        Upsert::Updated
    );
    let mut older = customer("c-1", "bob@example.com", 15);
    older.orders_count = 1;
    assert_eq!(
        store.upsert_customer(&site, older).await.unwrap(),
        Upsert::Unchanged,
        "an older update"
    );
    assert_eq!(
        store.customer(&site, &ext("c-1")).await.unwrap(),
        Some(newer.clone())
    );
    // The email moved with the update: the old one finds nobody now.
    let by_old = store
        .customer_by_email(&site, &email("bob@example.com"))
        .await
        .unwrap();
    assert_eq!(by_old, None);
    // Two customers with one email: the most recently updated.
    let other = customer("c-2", "BOB@new.example", 30);
    store.upsert_customer(&site, other.clone()).await.unwrap();
    let found = store
        .customer_by_email(&site, &email("bob@new.example"))
        .await
        .unwrap();
    assert_eq!(found, Some(other));
    let mut newest = newer;
    newest.updated_at = Timestamp(40);
    store.upsert_customer(&site, newest.clone()).await.unwrap();
    let found = store
        .customer_by_email(&site, &email("bob@new.example"))
        .await
        .unwrap();
    assert_eq!(found, Some(newest));
}

/// Orders follow the same rule; a replay changes nothing and reports so.
async fn orders_are_created_updated_and_replays_change_nothing(store: Arc<dyn Store>) {
    use shopchat::commerce::OrderStatus;
    let site = new_site(store.as_ref()).await;
    let placed = order("o-1", "#1001", 1_000, 5_000);
    assert_eq!(
        store.upsert_order(&site, placed.clone()).await.unwrap(),
        Upsert::Created
    );
    assert_eq!(
        store.upsert_order(&site, placed.clone()).await.unwrap(),
        Upsert::Unchanged
    );
    assert_eq!(
        store.order(&site, &ext("o-1")).await.unwrap(),
        Some(placed.clone())
    );
    let mut late = order("o-1", "#1001", 1_000, 4_000);
    late.status = OrderStatus::Cancelled;
    assert_eq!(
        store.upsert_order(&site, late).await.unwrap(),
        Upsert::Unchanged
    );
    let mut done = order("o-1", "#1001", 1_000, 6_000);
    done.status = OrderStatus::Completed;
    assert_eq!(
        store.upsert_order(&site, done.clone()).await.unwrap(),
        Upsert::Updated
    );
    let stored = store.order(&site, &ext("o-1")).await.unwrap().unwrap();
    assert_eq!(stored, done);
    assert_eq!(stored.total_money().formatted(), "€119.90");
}

/// A parcel that came through its own event survives an older copy of the whole order that
/// arrives after it; a newer copy of the parcel replaces it, an older one does not.
async fn parcels_are_merged_by_id_across_whole_order_and_part_updates(store: Arc<dyn Store>) {
    use shopchat::commerce::OrderStatus;
    let site = new_site(store.as_ref()).await;
    store
        .upsert_order(&site, order("o-1", "#1001", 1_000, 5_000))
        .await
        .unwrap();
    let part = OrderChange::Shipment(shipment("f1", "in_transit", 7_000));
    assert_eq!(
        store
            .change_order(&site, &ext("o-1"), part.clone())
            .await
            .unwrap(),
        Upsert::Updated
    );
    assert_eq!(
        store.change_order(&site, &ext("o-1"), part).await.unwrap(),
        Upsert::Unchanged,
        "the same parcel event twice"
    );
    // The whole order as it was before the parcel, with a newer header, and a second parcel.
    let mut whole = order("o-1", "#1001", 1_000, 6_000);
    whole.status = OrderStatus::Completed;
    whole.shipments.push(shipment("f2", "pending", 6_000));
    assert_eq!(
        store.upsert_order(&site, whole).await.unwrap(),
        Upsert::Updated
    );
    let stored = store.order(&site, &ext("o-1")).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Completed);
    let mut ids: Vec<_> = stored.shipments.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["f1", "f2"], "both parcels are kept");
    let stale = OrderChange::Shipment(shipment("f1", "pending", 6_500));
    assert_eq!(
        store.change_order(&site, &ext("o-1"), stale).await.unwrap(),
        Upsert::Unchanged
    );
    let delivered = OrderChange::Shipment(shipment("f1", "delivered", 9_000));
    store
        .change_order(&site, &ext("o-1"), delivered)
        .await
        .unwrap();
    let stored = store.order(&site, &ext("o-1")).await.unwrap().unwrap();
    let f1 = stored.shipments.iter().find(|s| s.id.as_str() == "f1");
    assert_eq!(f1.map(|s| s.status.label()), Some("delivered"));
    // A refund is stored once per id.
    let refund: shopchat::commerce::Refund =
        serde_json::from_value(json!({ "id": "r1", "amount": "10.00", "created_at": 9_500 }))
            .unwrap();
    let change = OrderChange::Refund(refund);
    assert_eq!(
        store
            .change_order(&site, &ext("o-1"), change.clone())
            .await
            .unwrap(),
        Upsert::Updated
    );
    assert_eq!(
        store
            .change_order(&site, &ext("o-1"), change)
            .await
            .unwrap(),
        Upsert::Unchanged
    );
    let stored = store.order(&site, &ext("o-1")).await.unwrap().unwrap();
    assert_eq!(stored.refunded().to_string(), "10.00");
}

/// A part-change for an order the store has never seen is `NotFound("order")` and stores
/// nothing (the platform retries once the order has arrived).
async fn a_change_to_an_unknown_order_is_not_found(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let change = OrderChange::Shipment(shipment("f1", "in_transit", 7_000));
    assert!(matches!(
        store.change_order(&site, &ext("nope"), change).await,
        Err(StoreError::NotFound("order"))
    ));
    assert_eq!(store.order(&site, &ext("nope")).await.unwrap(), None);
}

/// By customer id, by email (a guest order has no customer id), or both; newest placed first;
/// at most `limit`; nothing for an empty key. An order whose email changes moves with it.
async fn orders_for_finds_by_customer_id_and_by_email_newest_first_and_limited(
    store: Arc<dyn Store>,
) {
    let site = new_site(store.as_ref()).await;
    for i in 0..5_i64 {
        let o = order(&format!("o-{i}"), &format!("#{i}"), 1_000 + i, 5_000);
        store.upsert_order(&site, o).await.unwrap();
    }
    let mut guest = order("g-1", "#900", 2_000, 5_000);
    guest.customer_id = None;
    store.upsert_order(&site, guest).await.unwrap();
    let mut stranger = order("x-1", "#901", 3_000, 5_000);
    stranger.customer_id = Some(ext("c-9"));
    stranger.email = Some(email("eve@example.com"));
    store.upsert_order(&site, stranger).await.unwrap();

    let ids = |list: Vec<Order>| -> Vec<String> {
        list.into_iter().map(|o| o.id.as_str().to_owned()).collect()
    };
    let by_id = CustomerKey {
        customer_id: Some(ext("c-1")),
        email: None,
    };
    assert_eq!(
        ids(store.orders_for(&site, &by_id, 10).await.unwrap()),
        ["o-4", "o-3", "o-2", "o-1", "o-0"]
    );
    let by_email = CustomerKey {
        customer_id: None,
        email: Some(email("bob@example.com")),
    };
    assert_eq!(
        ids(store.orders_for(&site, &by_email, 10).await.unwrap()),
        ["g-1", "o-4", "o-3", "o-2", "o-1", "o-0"],
        "the guest order is found by its email"
    );
    let both = CustomerKey {
        customer_id: Some(ext("c-1")),
        email: Some(email("bob@example.com")),
    };
    assert_eq!(
        ids(store.orders_for(&site, &both, 3).await.unwrap()),
        ["g-1", "o-4", "o-3"],
        "newest first, each once, at most the limit"
    );
    assert!(
        store
            .orders_for(&site, &CustomerKey::default(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.orders_for(&site, &both, 0).await.unwrap().is_empty());
    // The shop corrects the guest order's email: it leaves Bob's list.
    let mut corrected = order("g-1", "#900", 2_000, 6_000);
    corrected.customer_id = None;
    corrected.email = Some(email("eve@example.com"));
    store.upsert_order(&site, corrected).await.unwrap();
    assert_eq!(
        ids(store.orders_for(&site, &by_email, 10).await.unwrap()),
        ["o-4", "o-3", "o-2", "o-1", "o-0"]
    );
    // A large limit is capped, not an error.
    assert_eq!(
        store
            .orders_for(&site, &by_id, u32::MAX)
            .await
            .unwrap()
            .len(),
        5
    );
}

/// `#SHOP-1001`, `shop-1001` and ` # Shop-1001 ` find the same order.
async fn order_by_number_ignores_the_hash_spaces_and_case(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    store
        .upsert_order(&site, order("o-1", "#SHOP-1001", 1_000, 5_000))
        .await
        .unwrap();
    for typed in ["#SHOP-1001", "shop-1001", " # Shop-1001 "] {
        let found = store
            .order_by_number(&site, &OrderNumber::key_of(typed))
            .await
            .unwrap();
        assert_eq!(
            found.map(|o| o.id.as_str().to_owned()).as_deref(),
            Some("o-1"),
            "{typed:?}"
        );
    }
    let missing = store
        .order_by_number(&site, &OrderNumber::key_of("#1002"))
        .await
        .unwrap();
    assert_eq!(missing, None);
    // A renumbered order is found by its new number only.
    store
        .upsert_order(&site, order("o-1", "#SHOP-2001", 1_000, 6_000))
        .await
        .unwrap();
    let old = store.order_by_number(&site, "shop-1001").await.unwrap();
    assert_eq!(old, None);
    assert!(
        store
            .order_by_number(&site, "shop-2001")
            .await
            .unwrap()
            .is_some()
    );
}

/// Another site's customers and orders do not exist for this one, by any look-up, and the
/// same shop ids on two sites are two records.
async fn another_sites_customers_and_orders_read_as_absent(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    store
        .upsert_customer(&site, customer("c-1", "bob@example.com", 10))
        .await
        .unwrap();
    store
        .upsert_order(&site, order("o-1", "#1001", 1_000, 5_000))
        .await
        .unwrap();
    assert_eq!(store.customer(&other, &ext("c-1")).await.unwrap(), None);
    let by_email = store
        .customer_by_email(&other, &email("bob@example.com"))
        .await
        .unwrap();
    assert_eq!(by_email, None);
    assert_eq!(store.order(&other, &ext("o-1")).await.unwrap(), None);
    assert_eq!(store.order_by_number(&other, "1001").await.unwrap(), None);
    let key = CustomerKey {
        customer_id: Some(ext("c-1")),
        email: Some(email("bob@example.com")),
    };
    assert!(store.orders_for(&other, &key, 10).await.unwrap().is_empty());
    let change = OrderChange::Shipment(shipment("f1", "in_transit", 7_000));
    assert!(matches!(
        store.change_order(&other, &ext("o-1"), change).await,
        Err(StoreError::NotFound("order"))
    ));
    // The same ids on the other site are its own records; the first site's stay as they were.
    assert_eq!(
        store
            .upsert_order(&other, order("o-1", "#1001", 1_000, 1_000))
            .await
            .unwrap(),
        Upsert::Created
    );
    let mine = store.order(&site, &ext("o-1")).await.unwrap().unwrap();
    assert_eq!(mine.updated_at, Timestamp(5_000));
    assert_eq!(store.orders_for(&site, &key, 10).await.unwrap().len(), 1);
}

/// A back-fill of 2,000 orders and 500 customers in one call: each record counted by its
/// outcome, and the same batch again changes nothing.
async fn an_import_of_two_thousand_orders_in_one_call_counts_each_outcome(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    // 100 orders are already there: 50 older than the back-fill's copy, 50 newer.
    for i in 0..100_i64 {
        let updated = if i < 50 { 1_000 } else { 9_000 };
        let o = order(&format!("o-{i}"), &format!("#{i}"), 500 + i, updated);
        store.upsert_order(&site, o).await.unwrap();
    }
    let customers: Vec<Customer> = (0..500)
        .map(|i| customer(&format!("c-{i}"), &format!("u{i}@example.com"), 5_000))
        .collect();
    let orders: Vec<Order> = (0..2_000_i64)
        .map(|i| {
            let mut o = order(&format!("o-{i}"), &format!("#{i}"), 500 + i, 5_000);
            o.customer_id = Some(ext(&format!("c-{}", i % 500)));
            o
        })
        .collect();
    let report = store
        .import(&site, customers.clone(), orders.clone())
        .await
        .unwrap();
    assert_eq!(
        (report.customers.created, report.customers.updated),
        (500, 0)
    );
    assert_eq!(
        (
            report.orders.created,
            report.orders.updated,
            report.orders.unchanged
        ),
        (1_900, 50, 50)
    );
    let again = store.import(&site, customers, orders).await.unwrap();
    assert_eq!(again.customers.unchanged, 500);
    assert_eq!(again.orders.unchanged, 2_000);
    // Stored and indexed: customer c-7 has orders 7, 507, 1007, 1507, newest placed first.
    let key = CustomerKey {
        customer_id: Some(ext("c-7")),
        email: None,
    };
    let list: Vec<_> = store
        .orders_for(&site, &key, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id.as_str().to_owned())
        .collect();
    assert_eq!(list, ["o-1507", "o-1007", "o-507", "o-7"]);
    let kept = store.order(&site, &ext("o-60")).await.unwrap().unwrap();
    assert_eq!(
        kept.updated_at,
        Timestamp(9_000),
        "the newer stored order stays"
    );
    assert!(
        store
            .order_by_number(&site, "1999")
            .await
            .unwrap()
            .is_some()
    );
}
