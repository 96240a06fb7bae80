//! Outbound events: a site's webhook endpoints (bounded per site, per site only) and its
//! delivery log (newest first, trimmed to the newest entries of each site).

use super::new_site;
use shopchat::domain::{EndpointId, SiteId, Timestamp};
use shopchat::store::prelude::*;
use shopchat::store::{DeliveryOutcome, DeliveryRecord, Endpoint, StoreError};
use std::sync::Arc;

store_contract!(
    endpoints_are_kept_per_site_in_order_and_bounded,
    deleting_an_endpoint_needs_its_own_site,
    the_delivery_log_is_newest_first_and_trimmed_per_site,
);

fn endpoint(site: &SiteId, at: i64) -> Endpoint {
    Endpoint {
        id: EndpointId::generate(),
        site_id: site.clone(),
        url: format!("https://hooks.example/{at}"),
        events: vec!["message.created".into(), "conversation.closed".into()],
        description: "CRM".into(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        created_at: Timestamp(at),
    }
}

fn attempt(site: &SiteId, n: u32) -> DeliveryRecord {
    DeliveryRecord {
        site_id: site.clone(),
        endpoint_id: EndpointId::parse("we_logtest0001").unwrap(),
        url: "https://hooks.example/x".into(),
        event_type: "message.created".into(),
        message_id: format!("msg_{n}"),
        attempt: n,
        status: n.is_multiple_of(2).then_some(500),
        error: (!n.is_multiple_of(2)).then(|| "connection refused".into()),
        outcome: DeliveryOutcome::Retrying,
        at: Timestamp(i64::from(n)),
    }
}

/// Endpoints read back whole, oldest first, only on their site; the limit refuses one more.
async fn endpoints_are_kept_per_site_in_order_and_bounded(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let (late, early) = (endpoint(&site, 20), endpoint(&site, 10));
    store.create_endpoint(&late, 3).await.unwrap();
    store.create_endpoint(&early, 3).await.unwrap();
    assert_eq!(store.endpoints(&site).await.unwrap(), vec![early, late]);
    assert!(store.endpoints(&other).await.unwrap().is_empty());
    store
        .create_endpoint(&endpoint(&site, 30), 3)
        .await
        .unwrap();
    let refused = store.create_endpoint(&endpoint(&site, 40), 3).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(store.endpoints(&site).await.unwrap().len(), 3);
    // The bound is per site.
    store
        .create_endpoint(&endpoint(&other, 1), 3)
        .await
        .unwrap();
}

/// A delete names the site: another site's id deletes nothing.
async fn deleting_an_endpoint_needs_its_own_site(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let e = endpoint(&site, 1);
    store.create_endpoint(&e, 10).await.unwrap();
    assert!(!store.delete_endpoint(&other, &e.id).await.unwrap());
    assert_eq!(store.endpoints(&site).await.unwrap().len(), 1);
    assert!(store.delete_endpoint(&site, &e.id).await.unwrap());
    assert!(!store.delete_endpoint(&site, &e.id).await.unwrap());
    assert!(store.endpoints(&site).await.unwrap().is_empty());
}

/// The log reads newest first, keeps only the newest `keep` of a site, and a site's trim
/// leaves another site's entries alone.
async fn the_delivery_log_is_newest_first_and_trimmed_per_site(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    store.record_delivery(&attempt(&other, 1), 3).await.unwrap();
    for n in 1..=5 {
        store.record_delivery(&attempt(&site, n), 3).await.unwrap();
    }
    let log = store.deliveries(&site, 10).await.unwrap();
    assert_eq!(
        log,
        vec![attempt(&site, 5), attempt(&site, 4), attempt(&site, 3)]
    );
    assert_eq!(store.deliveries(&site, 2).await.unwrap().len(), 2);
    assert_eq!(
        store.deliveries(&other, 10).await.unwrap(),
        vec![attempt(&other, 1)]
    );
}
