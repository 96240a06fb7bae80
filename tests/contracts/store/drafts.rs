//! The AI-draft figures of the owners' report: drafts made per site and day, and agent
//! messages sent from a draft, unchanged or edited, each counted once.

use super::new_site;
use shopchat::domain::{ConversationId, Timestamp};
use shopchat::store::{DraftDay, DraftMark, prelude::*};
use std::sync::Arc;

store_contract!(
    drafts_made_and_sent_are_counted_per_site_and_day_and_each_message_once,
    draft_figures_past_keeping_are_dropped
);

const DAY_MS: i64 = 86_400_000;

/// Yesterday's UTC midnight: figures are kept only so long, so the days are recent ones.
fn yesterday() -> i64 {
    (Timestamp::now().0.div_euclid(DAY_MS) - 1) * DAY_MS
}

fn date(at: i64) -> String {
    shopchat::report::day_key(Timestamp(at))
}

fn day(date: String, drafted: u64, sent_unchanged: u64, sent_edited: u64) -> DraftDay {
    DraftDay {
        date,
        drafted,
        sent_unchanged,
        sent_edited,
    }
}

async fn drafts_made_and_sent_are_counted_per_site_and_day_and_each_message_once(
    store: Arc<dyn Store>,
) {
    // Two days: the one before yesterday, and yesterday (from its midnight, `day0`).
    let day0 = yesterday();
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let (conv, conv2) = (ConversationId::generate(), ConversationId::generate());
    // The day before: two drafts, one sent unchanged. Yesterday: three drafts, one sent unchanged,
    // two edited (one of them in another conversation with the same seq).
    for at in [day0 - 3_600_000, day0 - 60_000] {
        store.count_draft(&site, Timestamp(at)).await.unwrap();
    }
    for at in [day0, day0 + 1, day0 + DAY_MS - 1] {
        store.count_draft(&site, Timestamp(at)).await.unwrap();
    }
    let send = |conv: &ConversationId, seq: u64, mark: DraftMark, at: i64| {
        let (store, site, conv) = (store.clone(), site.clone(), conv.clone());
        async move {
            store
                .record_draft_send(&site, &conv, seq, mark, Timestamp(at))
                .await
                .unwrap()
        }
    };
    send(&conv, 2, DraftMark::Unchanged, day0 - 1_000).await;
    send(&conv, 4, DraftMark::Unchanged, day0 + 5_000).await;
    send(&conv, 6, DraftMark::Edited, day0 + 6_000).await;
    send(&conv2, 6, DraftMark::Edited, day0 + 7_000).await;
    // A retried send records nothing more, whatever mark it comes with.
    send(&conv, 4, DraftMark::Unchanged, day0 + 5_000).await;
    send(&conv, 6, DraftMark::Unchanged, day0 + 6_000).await;
    // Another site's figures stay its own.
    store.count_draft(&other, Timestamp(day0)).await.unwrap();
    store
        .record_draft_send(&other, &conv2, 9, DraftMark::Unchanged, Timestamp(day0))
        .await
        .unwrap();

    let window = store
        .draft_stats(
            &site,
            Timestamp(day0 - 2 * DAY_MS),
            Timestamp(day0 + 3_600_000),
        )
        .await
        .unwrap();
    assert_eq!(
        window,
        vec![day(date(day0 - 1), 2, 1, 0), day(date(day0), 3, 1, 2)]
    );
    // The window's days are whole UTC days from `from`'s to `to`'s.
    let today = store
        .draft_stats(&site, Timestamp(day0 + 1), Timestamp(day0 + 2))
        .await
        .unwrap();
    assert_eq!(today, vec![day(date(day0), 3, 1, 2)]);
    let before = store
        .draft_stats(
            &site,
            Timestamp(day0 - 5 * DAY_MS),
            Timestamp(day0 - 2 * DAY_MS),
        )
        .await
        .unwrap();
    assert!(before.is_empty(), "{before:?}");
    let theirs = store
        .draft_stats(&other, Timestamp(day0), Timestamp(day0 + 1))
        .await
        .unwrap();
    assert_eq!(theirs, vec![day(date(day0), 1, 1, 0)]);
}

/// Figures are kept longer than the longest report window, and not for ever: on SQLite a
/// site's older rows go when newer ones are written; on Redis each day's keys expire.
async fn draft_figures_past_keeping_are_dropped(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let conv = ConversationId::generate();
    let now = Timestamp::now().0;
    let kept = shopchat::report::DRAFT_DAYS_KEPT;
    let old = now - (kept + 5) * DAY_MS;
    let recent = now - 89 * DAY_MS;
    for at in [old, recent, now] {
        store.count_draft(&site, Timestamp(at)).await.unwrap();
        store
            .record_draft_send(&site, &conv, at as u64, DraftMark::Edited, Timestamp(at))
            .await
            .unwrap();
    }
    let found = store
        .draft_stats(&site, Timestamp(old - DAY_MS), Timestamp(now))
        .await
        .unwrap();
    let dates: Vec<&str> = found.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(
        dates,
        [
            shopchat::report::day_key(Timestamp(recent)),
            shopchat::report::day_key(Timestamp(now))
        ],
        "the day past keeping is gone, the 90-day window's first day is not: {found:?}"
    );
    assert!(found.iter().all(|d| d.drafted == 1 && d.sent_edited == 1));
}
