//! What feeds the shop's data and what it feeds: push-API keys, platform deliveries already
//! handled, commerce settings, and shoppers' return/cancel requests.

use super::commerce::order;
use super::new_site;
use shopchat::commerce::{
    ApiKey, CommerceSettings, ExternalId, OrderRequest, RequestKind, RequestStatus,
};
use shopchat::domain::{ApiKeyId, ConversationId, RequestId, SiteId, Timestamp, VisitorId};
use shopchat::store::{WEBHOOK_MEMORY_MS, prelude::*};
use std::sync::Arc;

store_contract!(
    api_keys_are_created_listed_found_by_hash_and_revoked,
    webhook_deliveries_are_remembered_per_site_and_source,
    commerce_settings_are_defaults_until_set,
    a_request_is_made_once_per_conversation_order_and_kind_while_open,
    another_sites_keys_and_requests_read_as_absent,
);

fn api_key(site: &SiteId, name: &str, hash: &str, at: i64) -> ApiKey {
    ApiKey {
        id: ApiKeyId::generate(),
        site_id: site.clone(),
        name: name.into(),
        prefix: format!("sk_{name}"),
        secret_hash: hash.into(),
        created_at: Timestamp(at),
    }
}

fn request(site: &SiteId, conversation: &ConversationId, kind: RequestKind) -> OrderRequest {
    OrderRequest {
        id: RequestId::generate(),
        site_id: site.clone(),
        order_id: ExternalId::parse("o-1").unwrap(),
        order_number: "#1001".into(),
        kind,
        reason: Some("too small".into()),
        conversation_id: conversation.clone(),
        visitor_id: VisitorId::generate(),
        status: RequestStatus::Open,
        created_at: Timestamp::now(),
    }
}

/// Keys: listed oldest first with their hash, found by hash (the one look-up without a
/// site), revoked once, and gone from every look-up after.
async fn api_keys_are_created_listed_found_by_hash_and_revoked(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let erp = api_key(&site, "erp", &"a".repeat(64), 2_000);
    let sync = api_key(&site, "sync", &"b".repeat(64), 1_000);
    store.create_api_key(&erp).await.unwrap();
    store.create_api_key(&sync).await.unwrap();
    assert_eq!(
        store.api_keys(&site).await.unwrap(),
        [sync.clone(), erp.clone()]
    );
    assert_eq!(
        store.api_key_by_hash(&erp.secret_hash).await.unwrap(),
        Some(erp.clone())
    );
    assert_eq!(store.api_key_by_hash(&"c".repeat(64)).await.unwrap(), None);
    assert!(store.revoke_api_key(&site, &erp.id).await.unwrap());
    assert!(!store.revoke_api_key(&site, &erp.id).await.unwrap());
    assert_eq!(store.api_key_by_hash(&erp.secret_hash).await.unwrap(), None);
    assert_eq!(
        store.api_keys(&site).await.unwrap(),
        std::slice::from_ref(&sync)
    );
    assert_eq!(
        store.api_key_by_hash(&sync.secret_hash).await.unwrap(),
        Some(sync)
    );
}

/// A delivery is seen once remembered, per site and per platform; one remembered longer ago
/// than [`WEBHOOK_MEMORY_MS`] is forgotten.
async fn webhook_deliveries_are_remembered_per_site_and_source(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let now = Timestamp::now();
    assert!(!store.webhook_seen(&site, "shopify", "d-1").await.unwrap());
    store
        .remember_webhook(&site, "shopify", "d-1", now)
        .await
        .unwrap();
    assert!(store.webhook_seen(&site, "shopify", "d-1").await.unwrap());
    // Remembering twice is fine.
    store
        .remember_webhook(&site, "shopify", "d-1", now)
        .await
        .unwrap();
    assert!(store.webhook_seen(&site, "shopify", "d-1").await.unwrap());
    assert!(
        !store
            .webhook_seen(&site, "woocommerce", "d-1")
            .await
            .unwrap()
    );
    assert!(!store.webhook_seen(&other, "shopify", "d-1").await.unwrap());
    store
        .remember_webhook(&other, "shopify", "d-1", now)
        .await
        .unwrap();
    assert!(store.webhook_seen(&other, "shopify", "d-1").await.unwrap());
    // Handled longer ago than the memory: forgotten (a platform stopped retrying long ago).
    let long_ago = Timestamp(now.0 - WEBHOOK_MEMORY_MS - 60_000);
    store
        .remember_webhook(&site, "shopify", "d-old", long_ago)
        .await
        .unwrap();
    assert!(!store.webhook_seen(&site, "shopify", "d-old").await.unwrap());
    let lately = Timestamp(now.0 - WEBHOOK_MEMORY_MS + 60_000);
    store
        .remember_webhook(&site, "shopify", "d-late", lately)
        .await
        .unwrap();
    assert!(
        store
            .webhook_seen(&site, "shopify", "d-late")
            .await
            .unwrap()
    );
}

/// Defaults until an owner sets them; then exactly what was set, for that site only.
async fn commerce_settings_are_defaults_until_set(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    assert_eq!(
        store.commerce_settings(&site).await.unwrap(),
        CommerceSettings::default()
    );
    let settings = CommerceSettings {
        shopify_secret: Some("shpss_x".into()),
        woocommerce_secret: None,
        stuck_after_days: 9,
        vip_total_spent: Some("500.50".parse().unwrap()),
        vip_tags: vec!["vip".into(), "gold".into()],
        self_service: false,
    };
    store.set_commerce_settings(&site, &settings).await.unwrap();
    assert_eq!(store.commerce_settings(&site).await.unwrap(), settings);
    assert_eq!(
        store.commerce_settings(&other).await.unwrap(),
        CommerceSettings::default()
    );
    let mut changed = settings.clone();
    changed.stuck_after_days = 3;
    store.set_commerce_settings(&site, &changed).await.unwrap();
    assert_eq!(store.commerce_settings(&site).await.unwrap(), changed);
}

/// A double click makes one request; another kind or a request after the first is done
/// makes a new one; requests are listed per order, oldest first, with their status.
async fn a_request_is_made_once_per_conversation_order_and_kind_while_open(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    store
        .upsert_order(&site, order("o-1", "#1001", 1_000, 5_000))
        .await
        .unwrap();
    let conversation = ConversationId::generate();
    let first = request(&site, &conversation, RequestKind::Return);
    assert_eq!(store.create_request(&first).await.unwrap(), first);
    let double = request(&site, &conversation, RequestKind::Return);
    assert_eq!(
        store.create_request(&double).await.unwrap(),
        first,
        "the open one is returned"
    );
    let mut cancel = request(&site, &conversation, RequestKind::Cancel);
    cancel.created_at = Timestamp(first.created_at.0 + 1);
    assert_eq!(store.create_request(&cancel).await.unwrap(), cancel);
    let mut elsewhere = request(&site, &ConversationId::generate(), RequestKind::Return);
    elsewhere.created_at = Timestamp(first.created_at.0 + 2);
    assert_eq!(store.create_request(&elsewhere).await.unwrap(), elsewhere);
    let order_id = ExternalId::parse("o-1").unwrap();
    let listed = store.order_requests(&site, &order_id).await.unwrap();
    assert_eq!(listed, [first.clone(), cancel.clone(), elsewhere.clone()]);

    assert!(
        store
            .set_request_status(&site, &first.id, RequestStatus::Done)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_request_status(&site, &RequestId::generate(), RequestStatus::Done)
            .await
            .unwrap()
    );
    let listed = store.order_requests(&site, &order_id).await.unwrap();
    assert_eq!(listed[0].status, RequestStatus::Done);
    // The first is done: the same click now makes a new request.
    let mut again = request(&site, &conversation, RequestKind::Return);
    again.created_at = Timestamp(first.created_at.0 + 3);
    assert_eq!(store.create_request(&again).await.unwrap(), again);
    let another = request(&site, &conversation, RequestKind::Return);
    assert_eq!(store.create_request(&another).await.unwrap(), again);
    assert_eq!(
        store.order_requests(&site, &order_id).await.unwrap().len(),
        4
    );
    let none = ExternalId::parse("o-2").unwrap();
    assert!(store.order_requests(&site, &none).await.unwrap().is_empty());
}

/// Another site's keys and requests do not exist for this one: not listed, not revocable,
/// their status not settable.
async fn another_sites_keys_and_requests_read_as_absent(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let key = api_key(&site, "erp", &"d".repeat(64), 1_000);
    store.create_api_key(&key).await.unwrap();
    assert!(store.api_keys(&other).await.unwrap().is_empty());
    assert!(!store.revoke_api_key(&other, &key.id).await.unwrap());
    // Found by hash, it names its own site: that is how a push request learns where it writes.
    let found = store.api_key_by_hash(&key.secret_hash).await.unwrap();
    assert_eq!(found.map(|k| k.site_id), Some(site.clone()));

    let made = request(&site, &ConversationId::generate(), RequestKind::Cancel);
    store.create_request(&made).await.unwrap();
    let order_id = ExternalId::parse("o-1").unwrap();
    assert!(
        store
            .order_requests(&other, &order_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .set_request_status(&other, &made.id, RequestStatus::Done)
            .await
            .unwrap()
    );
    let listed = store.order_requests(&site, &order_id).await.unwrap();
    assert_eq!(listed, [made]);
}
