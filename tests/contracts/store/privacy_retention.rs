//! Retention and the audit on both stores: retention removes only what is past its period,
//! in bounded batches, per site; the sweep applies each site's own periods; the audit keeps
//! the newest entries and an email only as a digest.

use super::new_site;
use super::privacy_seed::{chat, email, visitor_with};
use shopchat::chat::privacy::sweep;
use shopchat::conversation::Stage;
use shopchat::domain::{ConversationId, Timestamp, VisitorId};
use shopchat::privacy::{Action, Actor, RetentionSettings, Subject};
use shopchat::store::prelude::*;
use std::sync::Arc;

store_contract!(
    retention_removes_only_what_is_past_its_period,
    the_sweep_applies_each_sites_own_periods,
    the_audit_keeps_the_newest_entries_and_no_address,
    browsing_retention_takes_the_links_across_devices_with_it,
);

/// Waits (without sleeping a fixed time) until the clock has moved past `t`, so what is
/// written next is strictly younger.
fn after(t: Timestamp) {
    while Timestamp::now() <= t {
        std::hint::spin_loop();
    }
}

/// Closes a conversation as the service does (compare-and-set on its version).
async fn close(store: &dyn Store, conv: &ConversationId) {
    let mut c = store.conversation(conv).await.unwrap().unwrap();
    let version = c.lifecycle.version;
    c.lifecycle.stage = Stage::Closed;
    c.lifecycle.closed_at = Some(Timestamp::now());
    store.save_conversation(&c, version, None).await.unwrap();
}

/// Browsing states saved before the cutoff go, younger ones stay; closed conversations last
/// active before it go with their messages, open ones and younger closed ones stay; another
/// site is untouched; batches are bounded and a second run removes nothing.
async fn retention_removes_only_what_is_past_its_period(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (site, other_site) = (new_site(store).await, new_site(store).await);
    let old: Vec<VisitorId> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(visitor_with(store, &site, None).await);
        }
        v
    };
    let old_elsewhere = visitor_with(store, &other_site, None).await;
    let old_closed = chat(store, &site, &old[0], "old and closed").await;
    close(store, &old_closed).await;
    let still_open = chat(store, &site, &old[1], "old but open").await;
    let closed_elsewhere = chat(store, &other_site, &old_elsewhere, "closed elsewhere").await;
    close(store, &closed_elsewhere).await;
    let t = Timestamp::now();
    after(t);
    let young = visitor_with(store, &site, None).await;
    let young_closed = chat(store, &site, &young, "young and closed").await;
    close(store, &young_closed).await;
    let cutoff = Timestamp(t.0 + 1);

    assert_eq!(
        store.expire_visitors(&site, cutoff, 2).await.unwrap(),
        2,
        "bounded batch"
    );
    assert_eq!(store.expire_visitors(&site, cutoff, 2).await.unwrap(), 1);
    assert_eq!(store.expire_visitors(&site, cutoff, 2).await.unwrap(), 0);
    for v in &old {
        assert!(store.load_visitor(&site, v).await.unwrap().is_none());
    }
    assert!(store.load_visitor(&site, &young).await.unwrap().is_some());
    assert!(
        store
            .load_visitor(&other_site, &old_elsewhere)
            .await
            .unwrap()
            .is_some()
    );

    assert_eq!(
        store.expire_conversations(&site, cutoff, 10).await.unwrap(),
        1
    );
    assert_eq!(
        store.expire_conversations(&site, cutoff, 10).await.unwrap(),
        0
    );
    assert!(store.conversation(&old_closed).await.unwrap().is_none());
    assert!(
        store
            .messages_after(&old_closed, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.notes(&old_closed).await.unwrap().is_empty());
    assert!(
        store.conversation(&still_open).await.unwrap().is_some(),
        "open stays"
    );
    assert!(
        store.conversation(&young_closed).await.unwrap().is_some(),
        "young stays"
    );
    assert!(
        store
            .conversation(&closed_elsewhere)
            .await
            .unwrap()
            .is_some(),
        "other site"
    );
    assert!(
        store
            .open_conversations(&site, &old[1])
            .await
            .unwrap()
            .len()
            == 1
    );
}

/// The sweep reads each site's own periods: a week from now, the site that keeps one day
/// loses its browsing state and closed chats, the site on the defaults keeps them.
async fn the_sweep_applies_each_sites_own_periods(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (short, default) = (new_site(store).await, new_site(store).await);
    store
        .put_retention(
            &short,
            &RetentionSettings {
                browsing_days: 1,
                closed_conversation_days: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.retention(&default).await.unwrap(), None);
    let mut convs = Vec::new();
    let mut visitors = Vec::new();
    for site in [&short, &default] {
        let v = visitor_with(store, site, None).await;
        let c = chat(store, site, &v, "hello").await;
        close(store, &c).await;
        visitors.push(v);
        convs.push(c);
    }
    let week = Timestamp(Timestamp::now().0 + 7 * 86_400_000);
    let report = sweep(store, week, &|| false).await.unwrap();
    assert_eq!(
        (report.visitors, report.conversations),
        (1, 1),
        "{report:?}"
    );
    assert!(
        store
            .load_visitor(&short, &visitors[0])
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.conversation(&convs[0]).await.unwrap().is_none());
    assert!(
        store
            .load_visitor(&default, &visitors[1])
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.conversation(&convs[1]).await.unwrap().is_some());
    let again = sweep(store, week, &|| false).await.unwrap();
    assert_eq!((again.visitors, again.conversations), (0, 0));
}

/// The audit lists newest first, keeps the newest `keep` per site, and an email subject is
/// stored as a digest: the address appears nowhere in it.
async fn the_audit_keeps_the_newest_entries_and_no_address(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (site, other) = (new_site(store).await, new_site(store).await);
    for n in 0..5 {
        let entry = shopchat::privacy::AuditEntry::new(
            &site,
            Timestamp(n),
            Actor::Cli,
            Action::Erase,
            &Subject::Email(email(&format!("p{n}@example.com"))),
            Default::default(),
        );
        store.record_audit(&entry, 3).await.unwrap();
    }
    let list = store.audit(&site, 10).await.unwrap();
    let times: Vec<i64> = list.iter().map(|e| e.at.0).collect();
    assert_eq!(times, [4, 3, 2]);
    let json = serde_json::to_string(&list).unwrap();
    assert!(!json.contains("@example.com"), "{json}");
    assert!(store.audit(&other, 10).await.unwrap().is_empty());
}

/// Visitors a Redis store saved before the `visitors-seen` index existed are indexed once,
/// at connect, by the `last_seen_at` their state records: the browsing period reaches them.
#[tokio::test]
async fn redis_indexes_visitors_saved_before_the_index_once_at_connect() {
    let server = crate::redis_server::RedisServer::start().await;
    let prefix = crate::redis_server::unique_prefix();
    let store = shopchat::store::redis::RedisStore::connect(&server.url(), &prefix)
        .await
        .unwrap();
    let site = new_site(&store).await;
    let (old, young) = (VisitorId::generate(), VisitorId::generate());
    let client = ::redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    // As the store wrote a visitor before the index: the state alone.
    for (visitor, seen) in [(&old, 1_000), (&young, 5_000)] {
        let mut record = shopchat::triggers::VisitorRecord::first_visit(Timestamp(seen));
        record.last_seen_at = Timestamp(seen);
        let _: () = ::redis::cmd("SET")
            .arg(format!("{prefix}{{{site}}}:visitor:{visitor}"))
            .arg(serde_json::to_string(&record).unwrap())
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    // The first connect marked the back-fill done (there was nothing then); an upgrade
    // meets a Redis without the mark.
    let _: () = ::redis::cmd("DEL")
        .arg(format!("{prefix}{{dir}}:migrated:visitors-seen"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let upgraded = shopchat::store::redis::RedisStore::connect(&server.url(), &prefix)
        .await
        .unwrap();
    assert_eq!(
        upgraded
            .expire_visitors(&site, Timestamp(2_000), 10)
            .await
            .unwrap(),
        1
    );
    assert!(upgraded.load_visitor(&site, &old).await.unwrap().is_none());
    assert!(
        upgraded
            .load_visitor(&site, &young)
            .await
            .unwrap()
            .is_some()
    );
}

/// A customer's links go with the browsing state they belong to: an idle device loses its own
/// link (the customer keeps the others), and once the canonical visitor is idle (no device
/// active) the customer's link and every device's go; another customer is untouched.
async fn browsing_retention_takes_the_links_across_devices_with_it(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let site = new_site(store).await;
    let site_ref = &site;
    let link = |customer: &'static str, device: VisitorId, canonical: VisitorId| async move {
        store
            .link_customer(site_ref, customer, &device, &canonical, Timestamp::now())
            .await
            .unwrap()
    };
    // Old: customer 1's canonical visitor and first device; customer 2's first device.
    let canonical = visitor_with(store, &site, None).await;
    let idle_device = visitor_with(store, &site, None).await;
    assert_eq!(
        link("user:1", idle_device.clone(), canonical.clone()).await,
        canonical
    );
    let other_canonical = VisitorId::generate();
    let others_idle_device = visitor_with(store, &site, None).await;
    link(
        "user:2",
        others_idle_device.clone(),
        other_canonical.clone(),
    )
    .await;
    let t = Timestamp::now();
    after(t);
    // Young: a second device of each, and customer 2's canonical visitor.
    let active = visitor_with(store, &site, None).await;
    link("user:1", active.clone(), VisitorId::generate()).await;
    let others_active = visitor_with(store, &site, None).await;
    link("user:2", others_active.clone(), VisitorId::generate()).await;
    let mut record = shopchat::triggers::VisitorRecord::first_visit(Timestamp::now());
    record.identified = true;
    store
        .save_visitor(&site, &other_canonical, &record)
        .await
        .unwrap();

    assert_eq!(
        store
            .expire_visitors(&site, Timestamp(t.0 + 1), 100)
            .await
            .unwrap(),
        3
    );
    // Customer 1's canonical visitor was idle: the whole link went, the active device too.
    assert!(
        store
            .customer_canonical(&site, "user:1")
            .await
            .unwrap()
            .is_none()
    );
    for v in [&canonical, &idle_device, &active] {
        assert!(
            store.visitor_customer(&site, v).await.unwrap().is_none(),
            "{v}"
        );
    }
    // Customer 2 is active on another device: only the idle device's link went.
    assert_eq!(
        store.customer_canonical(&site, "user:2").await.unwrap(),
        Some(other_canonical.clone())
    );
    assert!(
        store
            .visitor_customer(&site, &others_idle_device)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.customer_visitors(&site, "user:2", 10).await.unwrap(),
        vec![others_active.clone()]
    );
}
