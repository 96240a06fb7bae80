//! Email: per-site settings; the outbox (idempotent on its key for ever, claimed with a
//! lease no two callers share, finished with a bounded log) and its hourly counts. Threads,
//! suppressions, inbound records and codes are in `mail_records.rs`.

use super::new_site;
use shopchat::domain::{EmailId, SiteId, Timestamp};
use shopchat::email::{
    EmailKind, EmailLogEntry, EmailOutcome, EmailSettings, EmailStatus, OutboxEmail,
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
    rows_that_ended_long_ago_are_pruned_with_their_keys,
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
    // (Rows whose leases ran out together come back in no promised order.)
    let again = store
        .claim_emails(Timestamp(1_000), Timestamp(2_000), 1)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!([&early.id, &late.id].contains(&&again[0].id));
    assert_eq!(again[0].attempts, 2);
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

/// What was queued since a time and not skipped, for the site and for one (case-blind)
/// address.
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
    // A skipped email was never sent: it leaves both counts.
    let skipped = store.email_by_key(&site, "k1").await.unwrap().unwrap();
    store
        .finish_email(&skipped.id, &log(&skipped, 1, EmailOutcome::Skipped), 10)
        .await
        .unwrap();
    assert_eq!(count(None, 0).await, 3);
    assert_eq!(count(Some("a@x.example"), 0).await, 2);
}

/// Rows that ended before a time go, a bounded number a call, with their keys (the key can be
/// queued again); rows that ended later and pending rows stay.
async fn rows_that_ended_long_ago_are_pruned_with_their_keys(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let ended_at = |e: &OutboxEmail, outcome: EmailOutcome, at: i64| EmailLogEntry {
        at: Timestamp(at),
        ..log(e, 1, outcome)
    };
    let sent = row(&site, "a", "a@x.example", 0, 1);
    let skipped = row(&site, "b", "b@x.example", 0, 1);
    let failed = row(&site, "c", "c@x.example", 0, 1);
    let pending = row(&site, "d", "d@x.example", 1_000_000, 1);
    for e in [&sent, &skipped, &failed, &pending] {
        assert!(store.enqueue_email(e).await.unwrap());
    }
    let claimed = store
        .claim_emails(Timestamp(10), Timestamp(100_000), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    let finish = [
        (&sent, EmailOutcome::Sent { up_to_seq: 0 }, 100),
        (&skipped, EmailOutcome::Skipped, 200),
        (&failed, EmailOutcome::Failed, 5_000),
    ];
    for (e, outcome, at) in finish {
        store
            .finish_email(&e.id, &ended_at(e, outcome, at), 10)
            .await
            .unwrap();
    }
    assert_eq!(store.prune_emails(Timestamp(1_000), 1).await.unwrap(), 1);
    assert_eq!(store.prune_emails(Timestamp(1_000), 10).await.unwrap(), 1);
    assert_eq!(store.prune_emails(Timestamp(1_000), 10).await.unwrap(), 0);
    for gone in ["a", "b"] {
        assert!(
            store.email_by_key(&site, gone).await.unwrap().is_none(),
            "{gone}"
        );
    }
    for kept in ["c", "d"] {
        assert!(
            store.email_by_key(&site, kept).await.unwrap().is_some(),
            "{kept}"
        );
    }
    assert_eq!(store.pending_emails().await.unwrap(), 1);
    // The key of a pruned row is free again; a kept one is not.
    assert!(
        store
            .enqueue_email(&row(&site, "a", "a@x.example", 0, 2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .enqueue_email(&row(&site, "c", "c@x.example", 0, 2))
            .await
            .unwrap()
    );
}
