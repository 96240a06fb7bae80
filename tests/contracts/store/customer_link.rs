//! One customer across devices: the first link mints the customer's canonical visitor and
//! every later device gets the same one; a device belongs to one customer at a time; links
//! are per site; forgetting removes every pointer; and devices linking at the same moment
//! (many tasks on one store, and two nodes on one Redis) all end with one canonical visitor.

use super::new_site;
use shopchat::domain::{Timestamp, VisitorId};
use shopchat::store::prelude::*;
use shopchat::store::redis::RedisStore;
use std::sync::Arc;

store_contract!(
    the_first_link_mints_the_canonical_visitor_and_later_devices_share_it,
    a_device_linked_to_another_customer_moves,
    links_are_per_site_and_an_unlinked_visitor_has_no_customer,
    forgetting_a_customer_removes_every_pointer,
    erasing_one_device_unlinks_only_it,
    devices_linking_at_the_same_moment_get_one_canonical_visitor,
);

/// Device one's link mints the canonical visitor (the `fresh` id it brought); device two's
/// fresh id is ignored and it gets the same; both, and the canonical visitor itself, name the
/// customer; the devices are listed first linked first, without the canonical one.
async fn the_first_link_mints_the_canonical_visitor_and_later_devices_share_it(
    store: Arc<dyn Store>,
) {
    let site = new_site(store.as_ref()).await;
    let (one, two) = (VisitorId::generate(), VisitorId::generate());
    let minted = VisitorId::generate();
    let canonical = store
        .link_customer(&site, "user:42", &one, &minted, Timestamp(1_000))
        .await
        .unwrap();
    assert_eq!(canonical, minted);
    let again = store
        .link_customer(
            &site,
            "user:42",
            &two,
            &VisitorId::generate(),
            Timestamp(2_000),
        )
        .await
        .unwrap();
    assert_eq!(
        again, canonical,
        "the second device gets the same canonical visitor"
    );
    // Linking a device again changes nothing (it keeps its first link time).
    let repeat = store
        .link_customer(
            &site,
            "user:42",
            &one,
            &VisitorId::generate(),
            Timestamp(3_000),
        )
        .await
        .unwrap();
    assert_eq!(repeat, canonical);
    for visitor in [&one, &two, &canonical] {
        let link = store
            .visitor_customer(&site, visitor)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (link.customer.as_str(), &link.canonical),
            ("user:42", &canonical)
        );
    }
    let devices = store.customer_visitors(&site, "user:42", 10).await.unwrap();
    assert_eq!(devices, vec![one.clone(), two.clone()]);
    let first = store.customer_visitors(&site, "user:42", 1).await.unwrap();
    assert_eq!(first, vec![one]);
}

/// A shared computer: the device verified as customer A, then as customer B, is B's only.
async fn a_device_linked_to_another_customer_moves(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let shared = VisitorId::generate();
    let a = store
        .link_customer(
            &site,
            "user:a",
            &shared,
            &VisitorId::generate(),
            Timestamp(1),
        )
        .await
        .unwrap();
    let b = store
        .link_customer(
            &site,
            "email:b@x.example",
            &shared,
            &VisitorId::generate(),
            Timestamp(2),
        )
        .await
        .unwrap();
    assert_ne!(a, b, "two customers never share a canonical visitor");
    let link = store
        .visitor_customer(&site, &shared)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (link.customer.as_str(), link.canonical),
        ("email:b@x.example", b)
    );
    assert!(
        store
            .customer_visitors(&site, "user:a", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .customer_visitors(&site, "email:b@x.example", 10)
            .await
            .unwrap(),
        vec![shared]
    );
    // A's canonical visitor still names A: its conversations stay A's.
    let of_a = store.visitor_customer(&site, &a).await.unwrap().unwrap();
    assert_eq!(of_a.customer, "user:a");
}

/// The same customer id on another site is another customer; a visitor never linked has none.
async fn links_are_per_site_and_an_unlinked_visitor_has_no_customer(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let device = VisitorId::generate();
    let here = store
        .link_customer(
            &site,
            "user:7",
            &device,
            &VisitorId::generate(),
            Timestamp(1),
        )
        .await
        .unwrap();
    let there = store
        .link_customer(
            &other,
            "user:7",
            &VisitorId::generate(),
            &VisitorId::generate(),
            Timestamp(1),
        )
        .await
        .unwrap();
    assert_ne!(here, there);
    assert!(
        store
            .visitor_customer(&other, &device)
            .await
            .unwrap()
            .is_none()
    );
    let stranger = VisitorId::generate();
    assert!(
        store
            .visitor_customer(&site, &stranger)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .customer_visitors(&site, "user:8", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Erasure: the customer's link, its devices' pointers and the canonical visitor's go; a
/// later link starts a new canonical visitor; forgetting nothing says so.
async fn forgetting_a_customer_removes_every_pointer(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let (one, two) = (VisitorId::generate(), VisitorId::generate());
    let canonical = store
        .link_customer(&site, "user:9", &one, &VisitorId::generate(), Timestamp(1))
        .await
        .unwrap();
    store
        .link_customer(&site, "user:9", &two, &VisitorId::generate(), Timestamp(2))
        .await
        .unwrap();
    let (gone, devices) = store
        .forget_customer(&site, "user:9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (gone, devices),
        (canonical.clone(), vec![one.clone(), two.clone()])
    );
    for visitor in [&one, &two, &canonical] {
        assert!(
            store
                .visitor_customer(&site, visitor)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        store
            .customer_visitors(&site, "user:9", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .forget_customer(&site, "user:9")
            .await
            .unwrap()
            .is_none()
    );
    let fresh = VisitorId::generate();
    let next = store
        .link_customer(&site, "user:9", &one, &fresh, Timestamp(3))
        .await
        .unwrap();
    assert_eq!(next, fresh, "a new canonical visitor after erasure");
}

/// Erasing one visitor: its link goes, the customer and its other devices stay; the
/// canonical visitor cannot be unlinked on its own.
async fn erasing_one_device_unlinks_only_it(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let (one, two) = (VisitorId::generate(), VisitorId::generate());
    let canonical = store
        .link_customer(&site, "user:5", &one, &VisitorId::generate(), Timestamp(1))
        .await
        .unwrap();
    store
        .link_customer(&site, "user:5", &two, &VisitorId::generate(), Timestamp(2))
        .await
        .unwrap();
    assert_eq!(
        store.customer_canonical(&site, "user:5").await.unwrap(),
        Some(canonical.clone())
    );
    assert!(
        store
            .customer_canonical(&site, "user:6")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.unlink_visitor(&site, &one).await.unwrap());
    assert!(!store.unlink_visitor(&site, &one).await.unwrap());
    assert!(store.visitor_customer(&site, &one).await.unwrap().is_none());
    assert_eq!(
        store.customer_visitors(&site, "user:5", 10).await.unwrap(),
        vec![two.clone()]
    );
    assert!(!store.unlink_visitor(&site, &canonical).await.unwrap());
    let still = store.visitor_customer(&site, &canonical).await.unwrap();
    assert_eq!(still.map(|l| l.canonical), Some(canonical.clone()));
    assert!(store.visitor_customer(&site, &two).await.unwrap().is_some());
}

/// Twenty devices verify at once, each bringing its own fresh id: one of those ids wins and
/// every device is told that one.
async fn devices_linking_at_the_same_moment_get_one_canonical_visitor(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let fresh: Vec<VisitorId> = (0..20).map(|_| VisitorId::generate()).collect();
    let links = fresh.iter().map(|mine| {
        let (store, site, mine) = (store.clone(), site.clone(), mine.clone());
        tokio::spawn(async move {
            store
                .link_customer(
                    &site,
                    "user:race",
                    &VisitorId::generate(),
                    &mine,
                    Timestamp(5),
                )
                .await
                .unwrap()
        })
    });
    let mut got = Vec::new();
    for link in links.collect::<Vec<_>>() {
        got.push(link.await.unwrap());
    }
    assert!(got.iter().all(|c| c == &got[0]), "{got:?}");
    assert!(fresh.contains(&got[0]));
    assert_eq!(
        store
            .customer_visitors(&site, "user:race", 50)
            .await
            .unwrap()
            .len(),
        20
    );
}

/// Two nodes on one Redis: two browsers of one customer verify at the same moment, each on
/// its own node (its own connection), many times over; every pair ends with one canonical
/// visitor.
#[tokio::test]
async fn two_redis_nodes_linking_one_customer_at_once_agree() {
    let server = crate::redis_server::RedisServer::start().await;
    let prefix = crate::redis_server::unique_prefix();
    let node_a = Arc::new(RedisStore::connect(&server.url(), &prefix).await.unwrap());
    let node_b = Arc::new(RedisStore::connect(&server.url(), &prefix).await.unwrap());
    let site = new_site(node_a.as_ref()).await;
    for round in 0..50 {
        let customer = format!("user:{round}");
        let link = |node: Arc<RedisStore>| {
            let (site, customer) = (site.clone(), customer.clone());
            tokio::spawn(async move {
                node.link_customer(
                    &site,
                    &customer,
                    &VisitorId::generate(),
                    &VisitorId::generate(),
                    Timestamp(round),
                )
                .await
                .unwrap()
            })
        };
        let (a, b) = (link(node_a.clone()), link(node_b.clone()));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert_eq!(a, b, "round {round}: one canonical visitor");
        let devices = node_b
            .customer_visitors(&site, &customer, 10)
            .await
            .unwrap();
        assert_eq!(devices.len(), 2);
    }
}
