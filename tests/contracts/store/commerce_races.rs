//! Back-fills and racing writers: an import of thousands of records in one call, the same
//! record twice in one batch, and many writers changing one order at once. Whatever the
//! interleaving, each record ends as the merge rules say and nothing a writer was told is
//! stored is lost.

use super::commerce::{customer, ext, order, shipment};
use super::new_site;
use shopchat::commerce::{Customer, CustomerKey, Order, OrderChange, Upsert};
use shopchat::domain::Timestamp;
use shopchat::store::prelude::*;
use std::sync::Arc;

store_contract!(
    an_import_of_two_thousand_orders_in_one_call_counts_each_outcome,
    the_same_order_twice_in_one_import_is_applied_in_turn,
    concurrent_parcel_updates_and_whole_order_copies_are_all_kept,
);

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

/// A batch holding an order twice (an older and a newer copy, in that order) applies both
/// in turn: the first creates it, the second updates it; a stale third copy changes nothing.
async fn the_same_order_twice_in_one_import_is_applied_in_turn(store: Arc<dyn Store>) {
    use shopchat::commerce::OrderStatus;
    let site = new_site(store.as_ref()).await;
    let first = order("o-1", "#1001", 1_000, 5_000);
    let mut second = order("o-1", "#1001", 1_000, 6_000);
    second.status = OrderStatus::Completed;
    let mut stale = order("o-1", "#1001", 1_000, 5_500);
    stale.status = OrderStatus::Cancelled;
    let report = store
        .import(&site, Vec::new(), vec![first, second.clone(), stale])
        .await
        .unwrap();
    assert_eq!(
        (
            report.orders.created,
            report.orders.updated,
            report.orders.unchanged
        ),
        (1, 1, 1)
    );
    assert_eq!(store.order(&site, &ext("o-1")).await.unwrap(), Some(second));
}

/// Twelve parcel events and four copies of the whole order (each with a parcel of its own)
/// for one order, all at once: every write that reported success is in the stored order.
async fn concurrent_parcel_updates_and_whole_order_copies_are_all_kept(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    store
        .upsert_order(&site, order("o-1", "#1001", 1_000, 5_000))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (store, site) = (store.clone(), site.clone());
        tasks.push(tokio::spawn(async move {
            let parcel = shipment(&format!("p-{i}"), "in_transit", 7_000 + i);
            store
                .change_order(&site, &ext("o-1"), OrderChange::Shipment(parcel))
                .await
        }));
    }
    for i in 0..4 {
        let (store, site) = (store.clone(), site.clone());
        tasks.push(tokio::spawn(async move {
            let mut whole = order("o-1", "#1001", 1_000, 6_000 + i);
            whole
                .shipments
                .push(shipment(&format!("w-{i}"), "pending", 6_000 + i));
            store.upsert_order(&site, whole).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), Upsert::Updated);
    }
    let stored = store.order(&site, &ext("o-1")).await.unwrap().unwrap();
    let mut ids: Vec<_> = stored
        .shipments
        .iter()
        .map(|s| s.id.as_str().to_owned())
        .collect();
    ids.sort_unstable();
    let mut want: Vec<_> = (0..12)
        .map(|i| format!("p-{i}"))
        .chain((0..4).map(|i| format!("w-{i}")))
        .collect();
    want.sort_unstable();
    assert_eq!(ids, want, "no parcel lost to a race");
    assert_eq!(stored.updated_at, Timestamp(6_003), "the newest header won");
}
