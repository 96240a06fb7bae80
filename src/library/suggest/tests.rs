//! Ranking of canned replies and articles, and how the order's state moves replies up.

use super::*;
use crate::domain::{SiteId, Timestamp};

fn site() -> SiteId {
    SiteId::parse("site_testtesttest").unwrap()
}

fn canned(shortcut: &str, title: Option<&str>, body: &str) -> CannedReply {
    CannedReply {
        id: CannedId::generate(),
        site_id: site(),
        shortcut: shortcut.into(),
        title: title.map(str::to_owned),
        body: body.into(),
        translations: Default::default(),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
    }
}

fn article(question: &str, answer: &str) -> Article {
    Article {
        id: ArticleId::generate(),
        site_id: site(),
        question: question.into(),
        answer: answer.into(),
        translations: Default::default(),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
    }
}

fn library() -> (Vec<CannedReply>, Vec<Article>) {
    (
        vec![
            canned(
                "size",
                Some("Size advice"),
                "Our sizes run small: take one size up. Your cart is {{ cart.total }}.",
            ),
            canned("thanks", None, "Thank you for shopping with us!"),
            canned("ship", Some("Shipping times"), "We ship within 24 hours."),
        ],
        vec![
            article(
                "How long does delivery take?",
                "Delivery takes 2-3 working days.",
            ),
            article(
                "How do I find my size?",
                "Every product page has a size chart.",
            ),
        ],
    )
}

#[test]
fn a_size_question_ranks_the_size_reply_and_article_first() {
    let (canned, articles) = library();
    let ranked = rank(
        "which size should I take?",
        &canned,
        &articles,
        Language::English,
        None,
        MAX_SUGGESTIONS,
    );
    assert_eq!(ranked[0].source, Source::Canned(canned[0].id.clone()));
    assert!(
        ranked
            .iter()
            .any(|s| s.source == Source::Article(articles[1].id.clone())),
        "the size article is a candidate too"
    );
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(
        ranked
            .iter()
            .all(|s| s.source != Source::Canned(canned[1].id.clone())),
        "the thank-you reply shares no word with the question"
    );
}

#[test]
fn articles_win_when_they_match_better() {
    let (canned, articles) = library();
    let ranked = rank(
        "how long does delivery take",
        &canned,
        &articles,
        Language::English,
        None,
        MAX_SUGGESTIONS,
    );
    assert_eq!(ranked[0].source, Source::Article(articles[0].id.clone()));
}

#[test]
fn nothing_to_rank_or_nothing_matching_is_empty() {
    let (canned, articles) = library();
    assert!(rank("asdf", &canned, &articles, Language::English, None, 5).is_empty());
    assert!(rank("size", &[], &[], Language::English, None, 5).is_empty());
    assert!(rank("size", &canned, &articles, Language::English, None, 0).is_empty());
}

/// A library with a reply for each order state, and the size reply.
fn order_library() -> Vec<CannedReply> {
    vec![
        canned(
            "size",
            Some("Size advice"),
            "Our sizes run small: take one size up.",
        ),
        canned(
            "track",
            Some("Tracking"),
            "Your order {{ order.number }} is with {{ order.carrier }}: {{ order.tracking_url }}",
        ),
        canned(
            "delivered",
            None,
            "The carrier shows it as delivered on {{ order.placed }}.",
        ),
        canned(
            "refund",
            Some("Refund"),
            "Your order was cancelled; the refund takes 5 days.",
        ),
        canned(
            "late",
            Some("Delay"),
            "Sorry for the delay, we look into it with the carrier.",
        ),
        canned("thanks", None, "Thank you for shopping with us!"),
    ]
}

fn first(message: &str, canned: &[CannedReply], focus: Option<OrderFocus>) -> Option<String> {
    let ranked = rank(
        message,
        canned,
        &[],
        Language::English,
        focus,
        MAX_SUGGESTIONS,
    );
    ranked.first().map(|s| {
        let Source::Canned(id) = &s.source else {
            panic!("only replies here")
        };
        canned
            .iter()
            .find(|c| &c.id == id)
            .unwrap()
            .shortcut
            .clone()
    })
}

#[test]
fn the_orders_state_puts_the_fitting_reply_first() {
    let canned = order_library();
    // Words alone: "where is it" is stop words, nothing to suggest.
    assert_eq!(first("where is it?", &canned, None), None);
    assert_eq!(
        first("where is it?", &canned, Some(OrderFocus::OnItsWay)).as_deref(),
        Some("track")
    );
    assert_eq!(
        first("Where is my order?", &canned, Some(OrderFocus::Delivered)).as_deref(),
        Some("delivered")
    );
    assert_eq!(
        first(
            "when do I get my money back for the order",
            &canned,
            Some(OrderFocus::Cancelled)
        )
        .as_deref(),
        Some("refund")
    );
    assert_eq!(
        first("wo bleibt mein paket", &canned, Some(OrderFocus::Stuck)).as_deref(),
        Some("late")
    );
    // A question about something else keeps its best match, whatever the order does.
    assert_eq!(
        first(
            "which size should I take?",
            &canned,
            Some(OrderFocus::OnItsWay)
        )
        .as_deref(),
        Some("size")
    );
    let ranked = rank(
        "which size should I take?",
        &canned,
        &[],
        Language::English,
        Some(OrderFocus::OnItsWay),
        MAX_SUGGESTIONS,
    );
    assert!(
        ranked
            .iter()
            .all(|s| s.source != Source::Canned(canned[1].id.clone())),
        "the tracking reply does not join a size question"
    );
    assert!(asks_about_order("Wo ist es?") && !asks_about_order("would you help"));
}

#[test]
fn at_most_the_limit() {
    let canned: Vec<CannedReply> = (0..8)
        .map(|i| canned(&format!("s{i}"), None, "size help"))
        .collect();
    assert_eq!(
        rank("size", &canned, &[], Language::English, None, 5).len(),
        5
    );
}
