//! Email: per-site settings; the outbox (idempotent on its key for ever, claimed with a
//! lease no two callers share, finished with a bounded log), hourly counts, threads (one per
//! conversation, found by token only while the conversation exists), suppressions, inbound
//! records and one-time codes (taken once, never after they expire).

use super::{new_site, shopper_message};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{ConversationId, EmailId, SiteId, Timestamp, VisitorId};
use shopchat::email::{
    EmailKind, EmailLogEntry, EmailOutcome, EmailSettings, EmailStatus, InboundRecord, OutboxEmail,
    Suppression, SuppressionReason, thread,
};
use shopchat::store::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

store_contract!(
    email_settings_are_kept_per_site,
    an_email_key_is_queued_once_per_site_for_ever,
    a_claim_leases_due_rows_and_counts_the_attempt,
    concurrent_claims_never_share_a_row,
    finishing_sets_the_status_and_the_log_is_trimmed_per_site,
    hourly_counts_are_per_site_and_per_recipient,
    a_conversation_has_one_thread_found_by_its_token,
    suppressions_are_per_site_and_case_blind,
    inbound_records_are_kept_per_conversation_in_order,
    a_code_is_taken_once_and_never_after_it_expires,
);

fn row(site: &SiteId, key: &str, to: &str, due: i64, created: i64) -> OutboxEmail {
    OutboxEmail {
        id: EmailId::generate(),
        site_id: site.clone(),
        key: key.into(),
        kind: EmailKind::Reply,
        to: to.into(),
        conversation_id: None,
        up_to_seq: 0,
        data: "{}".into(),
        attempts: 0,
        due_at: Timestamp(due),
        created_at: Timestamp(created),
        status: EmailStatus::Pending,
    }
}

fn log(e: &OutboxEmail, attempt: u32, outcome: EmailOutcome) -> EmailLogEntry {
    EmailLogEntry {
        site_id: e.site_id.clone(),
        email_id: e.id.clone(),
        kind: e.kind,
        to: e.to.clone(),
        conversation_id: e.conversation_id.clone(),
        attempt,
        outcome,
        detail: Some(format!("attempt {attempt}")),
        at: Timestamp(i64::from(attempt)),
    }
}

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

/// Settings read back as saved, on their site only; a site without any has none.
async fn email_settings_are_kept_per_site(store: Arc<dyn Store>) {
    let (site, other) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    assert_eq!(store.email_settings(&site).await.unwrap(), None);
    let mut settings = EmailSettings {
        from_name: Some("Shop".into()),
        reply_delay_secs: 10,
        ..EmailSettings::default()
    };
    store.put_email_settings(&site, &settings).await.unwrap();
    settings.enabled = false;
    store.put_email_settings(&site, &settings).await.unwrap();
    assert_eq!(store.email_settings(&site).await.unwrap(), Some(settings));
    assert_eq!(store.email_settings(&other).await.unwrap(), None);
}

/// The same key on the same site is refused whatever the first row became; another site
/// may use it.
async fn an_email_key_is_queued_once_per_site_for_ever(store: Arc<dyn Store>) {
    let (site, other) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    let first = row(&site, "reply:c:3", "A@x.example", 0, 1);
    assert!(store.enqueue_email(&first).await.unwrap());
    assert!(
        !store
            .enqueue_email(&row(&site, "reply:c:3", "b@x.example", 0, 2))
            .await
            .unwrap()
    );
    assert_eq!(
        store.email_by_key(&site, "reply:c:3").await.unwrap(),
        Some(first.clone())
    );
    let claimed = store
        .claim_emails(Timestamp(10), Timestamp(100), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .finish_email(&first.id, &log(&first, 1, EmailOutcome::Failed), 10)
        .await
        .unwrap();
    assert!(
        !store
            .enqueue_email(&row(&site, "reply:c:3", "a@x.example", 0, 3))
            .await
            .unwrap()
    );
    assert!(
        store
            .enqueue_email(&row(&other, "reply:c:3", "a@x.example", 0, 3))
            .await
            .unwrap()
    );
    assert_eq!(store.email_by_key(&site, "nope").await.unwrap(), None);
}

/// Only due rows are claimed, oldest due first; a claimed row is not claimed again until its
/// lease runs out, and then with one more attempt.
async fn a_claim_leases_due_rows_and_counts_the_attempt(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let late = row(&site, "a", "a@x.example", 200, 1);
    let early = row(&site, "b", "a@x.example", 100, 1);
    let future = row(&site, "c", "a@x.example", 5_000, 1);
    for e in [&late, &early, &future] {
        store.enqueue_email(e).await.unwrap();
    }
    assert_eq!(store.pending_emails().await.unwrap(), 3);
    let got = store
        .claim_emails(Timestamp(300), Timestamp(1_000), 10)
        .await
        .unwrap();
    let ids: Vec<_> = got.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids, vec![early.id.clone(), late.id.clone()]);
    assert!(got.iter().all(|e| e.attempts == 1));
    assert!(
        store
            .claim_emails(Timestamp(999), Timestamp(2_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The lease ran out (the node died): taken again, second attempt; the limit holds.
    let again = store
        .claim_emails(Timestamp(1_000), Timestamp(2_000), 1)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id.clone(), again[0].attempts), (early.id, 2));
    assert_eq!(store.pending_emails().await.unwrap(), 3);
}

/// Claims racing from many tasks (nodes) hand each row to exactly one of them.
async fn concurrent_claims_never_share_a_row(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    for i in 0..40 {
        store
            .enqueue_email(&row(&site, &format!("k{i}"), "a@x.example", i, 1))
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_emails(Timestamp(100), Timestamp(10_000), 3)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|e| e.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "a row was claimed twice");
        }
    }
    assert_eq!(total, 40);
}

/// Sent, failed and skipped are final; a retry is due again at its time with the lease
/// freed. Each attempt is logged, newest first, and the log keeps the newest of each site.
async fn finishing_sets_the_status_and_the_log_is_trimmed_per_site(store: Arc<dyn Store>) {
    let (site, other) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    let e = row(&site, "r", "a@x.example", 0, 1);
    store.enqueue_email(&e).await.unwrap();
    let o = row(&other, "o", "a@x.example", 0, 1);
    store.enqueue_email(&o).await.unwrap();
    store
        .claim_emails(Timestamp(1), Timestamp(1_000), 10)
        .await
        .unwrap();
    let retry = EmailOutcome::Retry {
        next_at: Timestamp(50),
    };
    store
        .finish_email(&e.id, &log(&e, 1, retry), 3)
        .await
        .unwrap();
    store
        .finish_email(&o.id, &log(&o, 1, EmailOutcome::Skipped), 3)
        .await
        .unwrap();
    let pending = store.email_by_key(&site, "r").await.unwrap().unwrap();
    assert_eq!(
        (pending.status, pending.due_at, pending.attempts),
        (EmailStatus::Pending, Timestamp(50), 1)
    );
    assert!(
        store
            .claim_emails(Timestamp(49), Timestamp(1_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    for attempt in 2..=4 {
        let got = store
            .claim_emails(Timestamp(50), Timestamp(60), 10)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        let outcome = if attempt == 4 {
            EmailOutcome::Sent { up_to_seq: 7 }
        } else {
            EmailOutcome::Retry {
                next_at: Timestamp(50),
            }
        };
        store
            .finish_email(&e.id, &log(&e, attempt, outcome), 3)
            .await
            .unwrap();
    }
    let sent = store.email_by_key(&site, "r").await.unwrap().unwrap();
    assert_eq!((sent.status, sent.attempts), (EmailStatus::Sent, 4));
    assert_eq!(store.pending_emails().await.unwrap(), 0);
    assert!(
        store
            .claim_emails(Timestamp(10_000), Timestamp(20_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let entries = store.email_log(&site, 10).await.unwrap();
    let attempts: Vec<u32> = entries.iter().map(|l| l.attempt).collect();
    assert_eq!(attempts, vec![4, 3, 2]);
    assert_eq!(entries[0].outcome, EmailOutcome::Sent { up_to_seq: 7 });
    assert_eq!(store.email_log(&site, 1).await.unwrap().len(), 1);
    let theirs = store.email_log(&other, 10).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].outcome, EmailOutcome::Skipped);
    let failed = row(&other, "f", "a@x.example", 0, 1);
    store.enqueue_email(&failed).await.unwrap();
    store
        .finish_email(&failed.id, &log(&failed, 1, EmailOutcome::Failed), 3)
        .await
        .unwrap();
    let failed = store.email_by_key(&other, "f").await.unwrap().unwrap();
    assert_eq!(failed.status, EmailStatus::Failed);
}

/// What was queued since a time, for the site and for one (case-blind) address.
async fn hourly_counts_are_per_site_and_per_recipient(store: Arc<dyn Store>) {
    let (site, other) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    for (i, (to, at)) in [
        ("a@x.example", 100),
        ("A@X.example", 200),
        ("b@x.example", 300),
        ("a@x.example", 50),
    ]
    .iter()
    .enumerate()
    {
        store
            .enqueue_email(&row(&site, &format!("k{i}"), to, 0, *at))
            .await
            .unwrap();
    }
    store
        .enqueue_email(&row(&other, "k", "a@x.example", 0, 500))
        .await
        .unwrap();
    let count = |to: Option<&'static str>, since: i64| {
        let (store, site) = (store.clone(), site.clone());
        async move {
            store
                .emails_since(&site, to, Timestamp(since))
                .await
                .unwrap()
        }
    };
    assert_eq!(count(None, 100).await, 3);
    assert_eq!(count(None, 0).await, 4);
    assert_eq!(count(Some("a@x.example"), 100).await, 2);
    assert_eq!(count(Some("a@X.EXAMPLE"), 0).await, 3);
    assert_eq!(count(Some("c@x.example"), 0).await, 0);
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
