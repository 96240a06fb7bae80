//! Email records beside the outbox: threads (one per conversation, found by token only while
//! the conversation exists, emailed seq only rising), suppressions (per site, case-blind),
//! inbound records (per conversation, in order) and one-time codes (taken once, never after
//! they expire).

use super::{new_site, shopper_message};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{ConversationId, SiteId, Timestamp, VisitorId};
use shopchat::email::{InboundRecord, Suppression, SuppressionReason, thread};
use shopchat::store::prelude::*;
use std::sync::Arc;

store_contract!(
    a_conversation_has_one_thread_found_by_its_token,
    suppressions_are_per_site_and_case_blind,
    inbound_records_are_kept_per_conversation_in_order,
    a_code_is_taken_once_and_never_after_it_expires,
);

async fn conversation(store: &dyn Store, site: &SiteId) -> ConversationId {
    let visitor = VisitorId::generate();
    store
        .append_to_visitor(
            site,
            &visitor,
            shopper_message(&visitor, None, "hello"),
            &Lifecycle::new(true).into(),
        )
        .await
        .unwrap()
        .conversation
        .id
}

/// The first call creates the thread with the given token, later ones return it; the token
/// finds it, and its emailed seq only rises.
async fn a_conversation_has_one_thread_found_by_its_token(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let conv = conversation(store.as_ref(), &site).await;
    let token = thread::new_token();
    let t = store.thread(&site, &conv, &token).await.unwrap();
    assert_eq!(
        (&t.token, &t.conversation_id, &t.site_id, t.emailed_seq),
        (&token, &conv, &site, 0)
    );
    let again = store
        .thread(&site, &conv, &thread::new_token())
        .await
        .unwrap();
    assert_eq!(again, t);
    store.mark_emailed(&conv, 5).await.unwrap();
    store.mark_emailed(&conv, 3).await.unwrap();
    let found = store.thread_by_token(&token).await.unwrap().unwrap();
    assert_eq!((found.conversation_id, found.emailed_seq), (conv, 5));
    assert_eq!(
        store.thread_by_token(&thread::new_token()).await.unwrap(),
        None
    );
    // A conversation that does not exist (or is not the site's) gets no thread.
    let other = new_site(store.as_ref()).await;
    let theirs = conversation(store.as_ref(), &other).await;
    assert!(store.thread(&site, &theirs, &token).await.is_err());
    assert!(
        store
            .thread(&site, &ConversationId::generate(), &thread::new_token())
            .await
            .is_err()
    );
}

/// An address is suppressed per site, whatever its case; it can be lifted once.
async fn suppressions_are_per_site_and_case_blind(store: Arc<dyn Store>) {
    let (site, other) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    let entry = |email: &str, at: i64| Suppression {
        site_id: site.clone(),
        email: email.into(),
        reason: SuppressionReason::Bounced,
        detail: Some("550 no such user".into()),
        at: Timestamp(at),
    };
    store.suppress(&entry("Ann@X.example", 1)).await.unwrap();
    store.suppress(&entry("bob@x.example", 2)).await.unwrap();
    let mut unsub = entry("ann@x.example", 3);
    unsub.reason = SuppressionReason::Unsubscribed;
    store.suppress(&unsub).await.unwrap();
    let found = store
        .suppression(&site, "ANN@x.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.email.as_str(), found.reason),
        ("ann@x.example", SuppressionReason::Unsubscribed)
    );
    assert_eq!(
        store.suppression(&other, "ann@x.example").await.unwrap(),
        None
    );
    let list = store.suppressions(&site, 10).await.unwrap();
    let emails: Vec<_> = list.iter().map(|s| s.email.as_str()).collect();
    assert_eq!(emails, vec!["ann@x.example", "bob@x.example"]);
    assert_eq!(store.suppressions(&site, 1).await.unwrap().len(), 1);
    assert!(store.suppressions(&other, 10).await.unwrap().is_empty());
    assert!(!store.unsuppress(&other, "ann@x.example").await.unwrap());
    assert!(store.unsuppress(&site, "Ann@x.example").await.unwrap());
    assert!(!store.unsuppress(&site, "ann@x.example").await.unwrap());
    assert_eq!(
        store.suppression(&site, "ann@x.example").await.unwrap(),
        None
    );
}

/// Inbound records come back in arrival order, per conversation.
async fn inbound_records_are_kept_per_conversation_in_order(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let (a, b) = (
        conversation(store.as_ref(), &site).await,
        conversation(store.as_ref(), &site).await,
    );
    let record = |conv: &ConversationId, n: i64| InboundRecord {
        message_id: shopchat::domain::MessageId::generate(),
        conversation_id: conv.clone(),
        from: "a@x.example".into(),
        other_sender: n == 2,
        subject: format!("Re: {n}"),
        original: format!("text {n}\n> quoted"),
        at: Timestamp(n),
    };
    let (first, second) = (record(&a, 1), record(&a, 2));
    store.record_inbound(&first).await.unwrap();
    store.record_inbound(&record(&b, 3)).await.unwrap();
    store.record_inbound(&second).await.unwrap();
    assert_eq!(store.inbound_emails(&a).await.unwrap(), vec![first, second]);
    assert_eq!(store.inbound_emails(&b).await.unwrap().len(), 1);
    assert!(
        store
            .inbound_emails(&ConversationId::generate())
            .await
            .unwrap()
            .is_empty()
    );
}

/// A code is taken only with its hash, before it expires, once; a new one replaces the old.
async fn a_code_is_taken_once_and_never_after_it_expires(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    store
        .put_email_code(&site, "A@x.example", "h1", Timestamp(100))
        .await
        .unwrap();
    let take = |site: &SiteId, hash: &'static str, now: i64| {
        let (store, site) = (store.clone(), site.clone());
        async move {
            store
                .take_email_code(&site, "a@X.example", hash, Timestamp(now))
                .await
                .unwrap()
        }
    };
    assert!(!take(&other, "h1", 10).await);
    assert!(!take(&site, "wrong", 10).await);
    assert!(take(&site, "h1", 10).await);
    assert!(!take(&site, "h1", 11).await);
    store
        .put_email_code(&site, "a@x.example", "h2", Timestamp(100))
        .await
        .unwrap();
    store
        .put_email_code(&site, "a@x.example", "h3", Timestamp(100))
        .await
        .unwrap();
    assert!(!take(&site, "h2", 10).await);
    assert!(!take(&site, "h3", 100).await);
    assert!(!take(&site, "h3", 50).await);
}
