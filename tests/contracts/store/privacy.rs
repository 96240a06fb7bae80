//! Data-subject rights on both stores: an export finds everything about a person by each
//! selector (visitor id, email, customer id) through the same function the REST API and the
//! CLI run; an erasure removes all of it, is idempotent and leaves other visitors and sites
//! untouched; on Redis no key or index entry naming the erased visitor or conversation is
//! left (the memory is freed). Retention and the audit are in `privacy_retention.rs`.

use super::privacy_seed::{ANN, email, seed_person, texts};
use shopchat::chat::privacy::{erase_audited, export_audited};
use shopchat::commerce::ExternalId;
use shopchat::privacy::{Action, Actor, Subject};
use shopchat::store::prelude::*;
use std::sync::Arc;

store_contract!(
    export_finds_everything_about_a_person_by_each_selector,
    erase_removes_it_all_and_leaves_others_untouched,
);

/// By email: both of Ann's browsers (one through the customer record her address names),
/// her messages, notes, inbound email, outbox row, suppression, customer, orders and
/// request; nothing of Bob's or of the other site. By customer id and by visitor id: the
/// browsers and records those lead to.
async fn export_finds_everything_about_a_person_by_each_selector(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let s = seed_person(store).await;
    let by_email = export_audited(store, &s.site, &Subject::Email(email(ANN)), Actor::Cli)
        .await
        .unwrap();
    let mut visitors: Vec<_> = by_email
        .visitors
        .iter()
        .map(|v| v.visitor_id.clone())
        .collect();
    visitors.sort();
    let mut expected = vec![s.phone.clone(), s.laptop.clone()];
    expected.sort();
    assert_eq!(visitors, expected, "both browsers, no one else's");
    let t = texts(&by_email);
    assert!(t.contains(&"my jacket is too small".to_owned()), "{t:?}");
    assert!(t.contains(&"where is order 1001".to_owned()), "{t:?}");
    assert!(
        t.contains(&"Happy to help".to_owned()),
        "agents' lines too: {t:?}"
    );
    assert!(
        !t.iter()
            .any(|x| x.contains("bob") || x.contains("elsewhere")),
        "{t:?}"
    );
    let phone = by_email
        .visitors
        .iter()
        .find(|v| v.visitor_id == s.phone)
        .unwrap();
    assert!(phone.browsing.is_some(), "browsing state");
    let conv = phone
        .conversations
        .iter()
        .find(|c| c.conversation.id == s.conv)
        .unwrap();
    assert_eq!(conv.notes.len(), 1);
    assert_eq!(conv.inbound_emails.len(), 1);
    assert_eq!(
        by_email.emails.len(),
        1,
        "the outbox row to Ann on this site only"
    );
    assert_eq!(by_email.suppressions.len(), 1);
    assert_eq!(by_email.customers.len(), 1);
    let mut orders: Vec<_> = by_email
        .orders
        .iter()
        .map(|o| o.id.as_str().to_owned())
        .collect();
    orders.sort();
    assert_eq!(orders, ["o-ann-1", "o-ann-2"]);
    assert_eq!(by_email.order_requests.len(), 1);
    let counts = by_email.counts();
    assert_eq!(
        (counts.visitors, counts.conversations, counts.messages),
        (2, 2, 4)
    );

    let by_customer = export_audited(
        store,
        &s.site,
        &Subject::CustomerId(ExternalId::parse("cust-ann").unwrap()),
        Actor::Cli,
    )
    .await
    .unwrap();
    let mut ids: Vec<_> = by_customer
        .visitors
        .iter()
        .map(|v| v.visitor_id.clone())
        .collect();
    ids.sort();
    assert_eq!(
        ids, expected,
        "the browser verified as the customer, and the one verified by the customer's address"
    );
    assert_eq!(by_customer.customers.len(), 1);
    assert!(
        by_customer
            .orders
            .iter()
            .any(|o| o.id.as_str() == "o-ann-1")
    );

    let by_visitor = export_audited(
        store,
        &s.site,
        &Subject::VisitorId(s.phone.clone()),
        Actor::Cli,
    )
    .await
    .unwrap();
    assert_eq!(
        by_visitor.visitors.len(),
        2,
        "the browser, and through the address it proved the person's other browser"
    );
    assert_eq!(
        by_visitor.visitors[0].visitor_id, s.phone,
        "the one asked about first"
    );
    assert_eq!(
        by_visitor.emails.len(),
        1,
        "the address the visitor proved leads to its email"
    );

    let nobody = export_audited(
        store,
        &s.site,
        &Subject::Email(email("nobody@example.com")),
        Actor::Cli,
    )
    .await
    .unwrap();
    assert!(nobody.counts().is_empty(), "{:?}", nobody.counts());
    let audit = store.audit(&s.site, 10).await.unwrap();
    assert_eq!(audit.len(), 4);
    assert!(
        audit
            .iter()
            .all(|e| e.action == Action::Export && e.actor == Actor::Cli)
    );
}

/// Erasing Ann by email removes both browsers, every conversation with its messages,
/// notes, thread and inbound email, the outbox row and log entry, the suppression, the
/// customer, orders and request; an export afterwards is empty; a second erasure removes
/// nothing and fails nothing; Bob and the other site keep everything.
async fn erase_removes_it_all_and_leaves_others_untouched(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let s = seed_person(store).await;
    let ann = Subject::Email(email(ANN));
    let (counts, visitors) = erase_audited(store, &s.site, &ann, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(visitors.len(), 2);
    assert_eq!(
        (
            counts.visitors,
            counts.conversations,
            counts.messages,
            counts.notes
        ),
        (2, 2, 4, 2)
    );
    assert_eq!(
        (
            counts.customers,
            counts.orders,
            counts.requests,
            counts.suppressions
        ),
        (1, 2, 1, 1)
    );
    assert!(
        counts.emails >= 3,
        "inbound, outbox row and log entry: {counts:?}"
    );

    for v in [&s.phone, &s.laptop] {
        assert!(store.load_visitor(&s.site, v).await.unwrap().is_none());
        assert!(
            store
                .open_conversations(&s.site, v)
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(store.conversation(&s.conv).await.unwrap().is_none());
    assert!(
        store
            .messages_after(&s.conv, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.notes(&s.conv).await.unwrap().is_empty());
    assert!(store.inbound_emails(&s.conv).await.unwrap().is_empty());
    assert!(store.suppression(&s.site, ANN).await.unwrap().is_none());
    assert!(store.emails_to(&s.site, ANN, 10).await.unwrap().is_empty());
    assert!(
        store
            .email_log(&s.site, 10)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.to.eq_ignore_ascii_case(ANN))
    );
    assert!(
        store
            .customer(&s.site, &ExternalId::parse("cust-ann").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .customer_by_email(&s.site, &email(ANN))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order(&s.site, &ExternalId::parse("o-ann-1").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order_by_number(&s.site, "1002")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .order_requests(&s.site, &ExternalId::parse("o-ann-1").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    let after = export_audited(store, &s.site, &ann, Actor::Cli)
        .await
        .unwrap();
    assert!(after.counts().is_empty(), "{:?}", after.counts());

    let (again, _) = erase_audited(store, &s.site, &ann, Actor::Cli)
        .await
        .unwrap();
    assert!(again.is_empty(), "idempotent: {again:?}");
    let (by_id, _) = erase_audited(
        store,
        &s.site,
        &Subject::VisitorId(s.phone.clone()),
        Actor::Cli,
    )
    .await
    .unwrap();
    assert!(by_id.is_empty(), "{by_id:?}");

    // Bob and the other site keep everything.
    assert!(
        store
            .load_visitor(&s.site, &s.other)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .messages_after(&s.other_conv, 0, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.notes(&s.other_conv).await.unwrap().len(), 1);
    assert_eq!(
        store
            .emails_to(&s.site, "bob@example.com", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .customer(&s.site, &ExternalId::parse("cust-bob").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .order(&s.site, &ExternalId::parse("o-bob-1").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .load_visitor(&s.other_site, &s.elsewhere)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .open_conversations(&s.other_site, &s.elsewhere)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .suppression(&s.other_site, ANN)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.emails_to(&s.other_site, ANN, 10).await.unwrap().len(),
        1
    );
    assert!(
        store
            .customer(&s.other_site, &ExternalId::parse("cust-ann").unwrap())
            .await
            .unwrap()
            .is_some()
    );

    let audit = store.audit(&s.site, 10).await.unwrap();
    assert_eq!(audit[0].action, Action::Erase, "newest first");
    assert_eq!(audit.len(), 4, "three erasures and one export");
}

/// On Redis an erasure deletes keys and index entries, not just records: afterwards no key
/// of the store names the erased visitor or conversation, and no hash, set, list or stream
/// holds either id (Bob's data, left in place, shows the scan sees what exists).
#[tokio::test]
async fn redis_erasure_leaves_no_key_or_index_entry_naming_the_person() {
    let server = crate::redis_server::RedisServer::start().await;
    let prefix = crate::redis_server::unique_prefix();
    let store = shopchat::store::redis::RedisStore::connect(&server.url(), &prefix)
        .await
        .unwrap();
    let s = seed_person(&store).await;
    let ann_convs = store.open_conversations(&s.site, &s.laptop).await.unwrap();
    let mut ids = vec![
        s.phone.to_string(),
        s.laptop.to_string(),
        s.conv.to_string(),
    ];
    ids.extend(ann_convs.iter().map(|c| c.id.to_string()));
    let token = store
        .thread(&s.site, &s.conv, "unused")
        .await
        .unwrap()
        .token;
    erase_audited(&store, &s.site, &Subject::Email(email(ANN)), Actor::Cli)
        .await
        .unwrap();
    assert!(store.thread_by_token(&token).await.unwrap().is_none());

    let client = ::redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = ::redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut seen_bob = false;
    for key in &keys {
        for id in &ids {
            assert!(!key.contains(id.as_str()), "key {key} names {id}");
        }
        assert!(
            !key.contains(&token),
            "key {key} is the erased thread's token"
        );
        let kind: String = ::redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let content: Vec<String> = match kind.as_str() {
            "string" => vec![
                ::redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
            ],
            "hash" => ::redis::cmd("HGETALL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "zset" => ::redis::cmd("ZRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "list" => ::redis::cmd("LRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "set" => ::redis::cmd("SMEMBERS")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "stream" => {
                let v: ::redis::Value = ::redis::cmd("XRANGE")
                    .arg(key)
                    .arg("-")
                    .arg("+")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                vec![format!("{v:?}")]
            }
            other => panic!("unexpected type {other} of {key}"),
        };
        // Ann's records on the other site stay: its keys, and its outbox row in `{mail}`.
        let other_site = s.other_site.as_str();
        let elsewhere = key.contains(other_site) || content.iter().any(|i| i == other_site);
        for item in &content {
            seen_bob |= item.contains(s.other.as_str());
            for id in &ids {
                assert!(
                    !item.contains(id.as_str()),
                    "{key} ({kind}) still holds {id}: {item}"
                );
            }
            assert!(
                elsewhere || !item.to_lowercase().contains(ANN),
                "{key} ({kind}) still holds the address: {item}"
            );
        }
    }
    assert!(seen_bob, "the scan reads the data that is still there");
}
