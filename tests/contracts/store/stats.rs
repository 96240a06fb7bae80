//! The owners' site report.

use super::{new_site, shopper_message};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{Author, AuthorKind, MessageText, Timestamp, VisitorId};
use shopchat::store::{NewMessage, prelude::*};
use std::sync::Arc;

store_contract!(site_stats_count_conversations_per_day_and_reason_with_first_response_times);

/// Conversations per UTC day and handoff reason, totals and first-response times, for a
/// window of creation times.
async fn site_stats_count_conversations_per_day_and_reason_with_first_response_times(
    store: Arc<dyn Store>,
) {
    use shopchat::conversation::{HandoffReason, Opening};
    use shopchat::store::DayStats;
    // 2026-03-10T00:00:00Z.
    const DAY: i64 = 1_773_100_800_000;
    const DAY_MS: i64 = 86_400_000;
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let at = |ts: i64, mut message: NewMessage| {
        message.ts = Timestamp(ts);
        message
    };
    let queued = Opening {
        lifecycle: Lifecycle::new(false),
        reason: Some(HandoffReason::ShopperAsked),
        cart_total: 0.0,
    };
    // Ten chats queued on the 10th, answered after 1 s, 2 s, … 10 s.
    for i in 0..10i64 {
        let visitor = VisitorId::generate();
        let start = DAY + 3_600_000 + i * 60_000;
        let opened = store
            .append_to_visitor(
                &site,
                &visitor,
                at(start, shopper_message(&visitor, None, "help")),
                &queued,
            )
            .await
            .unwrap();
        let reply = NewMessage {
            author: Author {
                kind: AuthorKind::Agent,
                name: "Ann".into(),
            },
            author_id: "ag_contract".into(),
            text: MessageText::parse("hi", 4000).unwrap(),
            client_msg_id: None,
            ts: Timestamp(start + (i + 1) * 1000),
            attachments: Vec::new(),
        };
        store
            .append_message(&opened.conversation.id, reply)
            .await
            .unwrap();
    }
    // One bot-only chat on the 9th; one before the window; one on another site.
    for (site, ts) in [
        (&site, DAY - DAY_MS + 5),
        (&site, DAY - DAY_MS - 1),
        (&other, DAY + 5),
    ] {
        let visitor = VisitorId::generate();
        store
            .append_to_visitor(
                site,
                &visitor,
                at(ts, shopper_message(&visitor, None, "hi")),
                &Lifecycle::new(true).into(),
            )
            .await
            .unwrap();
    }
    let stats = store
        .site_stats(&site, Timestamp(DAY - DAY_MS), Timestamp(DAY + DAY_MS))
        .await
        .unwrap();
    assert_eq!(
        stats.days,
        [
            DayStats {
                date: "2026-03-09".into(),
                conversations: 1,
                handed_off: 0
            },
            DayStats {
                date: "2026-03-10".into(),
                conversations: 10,
                handed_off: 10
            },
        ]
    );
    assert_eq!(stats.handoff_reasons, [(HandoffReason::ShopperAsked, 10)]);
    assert_eq!(
        (stats.conversations, stats.bot_only, stats.with_agent),
        (11, 1, 10)
    );
    // Nearest rank: the 5th and the 9th of ten waits.
    assert_eq!(stats.responses, 10);
    assert_eq!(stats.median_response_ms, Some(5000));
    assert_eq!(stats.p90_response_ms, Some(9000));

    let none = store
        .site_stats(&other, Timestamp(DAY + DAY_MS), Timestamp(DAY + 2 * DAY_MS))
        .await
        .unwrap();
    assert_eq!(none, shopchat::store::SiteStats::default());
}
