//! How events change a visitor's state: page counting, sessions, the bounded trail, the cart,
//! campaign and identity facts, and the kept orders.

use super::state::TRAIL_LEN;
use super::*;
use crate::domain::Timestamp;
use serde_json::{Map, json};

fn page(url: &str) -> BrowsingEvent {
    let props = json!({ "url": url, "title": "T" });
    BrowsingEvent::parse("page_view", props.as_object().unwrap().clone()).unwrap()
}

#[test]
fn page_views_count_once_per_page_and_set_time_on_page() {
    let mut s = VisitorState::first_visit(Timestamp(0));
    s.apply(&page("https://s.example/a"), Timestamp(10));
    s.apply(&page("https://s.example/a"), Timestamp(20));
    s.apply(&page("https://s.example/b?x=1"), Timestamp(30));
    assert_eq!(s.pages_this_session, 2);
    assert_eq!(s.current_page.as_ref().unwrap().path, "/b");
    assert_eq!(s.time_on_page(Timestamp(100)), Some(70));
    assert_eq!(s.trail.len(), 2);
}

#[test]
fn a_long_gap_starts_a_new_visit() {
    let mut s = VisitorState::first_visit(Timestamp(0));
    s.apply(&page("https://s.example/a"), Timestamp(1));
    s.returns(Timestamp(1 + SESSION_GAP_MS));
    assert_eq!((s.visits, s.pages_this_session), (1, 1));
    s.returns(Timestamp(2 + 2 * SESSION_GAP_MS + 1));
    assert_eq!((s.visits, s.pages_this_session), (2, 0));
    assert!(s.is_returning());
}

#[test]
fn trail_is_bounded() {
    let mut s = VisitorState::first_visit(Timestamp(0));
    for i in 0..100 {
        s.apply(&page(&format!("https://s.example/{i}")), Timestamp(i));
    }
    assert_eq!(s.trail.len(), TRAIL_LEN);
    assert_eq!(s.trail.back().unwrap().page.path, "/99");
}

#[test]
fn cart_product_campaign_and_identity_facts() {
    let mut s = VisitorState::first_visit(Timestamp(0));
    let props = |v: serde_json::Value| v.as_object().unwrap().clone();
    let landing = props(
        json!({ "url": "https://s.example/?utm_source=news&utm_campaign=fall",
        "referrer": "https://www.google.com/search?q=x", "device": "mobile", "language": "de-DE" }),
    );
    s.apply(
        &BrowsingEvent::parse("page_view", landing).unwrap(),
        Timestamp(1),
    );
    assert_eq!(s.utm.source.as_deref(), Some("news"));
    assert_eq!(s.referrer_host.as_deref(), Some("www.google.com"));
    assert_eq!(
        (s.device.as_deref(), s.language.as_deref()),
        (Some("mobile"), Some("de-DE"))
    );
    let product = props(json!({ "sku": "J-1", "name": "Jacket", "price": 120.0 }));
    s.apply(
        &BrowsingEvent::parse("product_view", product).unwrap(),
        Timestamp(2),
    );
    let add = props(json!({ "sku": "J-1", "qty": 2, "price": 120.0 }));
    s.apply(
        &BrowsingEvent::parse("add_to_cart", add.clone()).unwrap(),
        Timestamp(3),
    );
    s.apply(
        &BrowsingEvent::parse("add_to_cart", add).unwrap(),
        Timestamp(4),
    );
    let cart = s.cart.as_ref().unwrap();
    assert_eq!(
        (cart.total, cart.item_count(), cart.items.len()),
        (480.0, 4, 1)
    );
    s.apply(
        &BrowsingEvent::parse(
            "identify",
            props(json!({ "email": "a@b.c", "tier": "gold" })),
        )
        .unwrap(),
        Timestamp(5),
    );
    assert!(s.identified);
    assert_eq!(s.attributes["tier"], "gold");
    s.apply(
        &BrowsingEvent::parse("exit_intent", Map::new()).unwrap(),
        Timestamp(6),
    );
    assert!(s.exit_intent);
    assert_eq!(s.last_event.as_ref().unwrap().0, "exit_intent");
    s.apply(&page("https://s.example/other"), Timestamp(7));
    assert!(
        !s.exit_intent && s.product.is_none(),
        "page facts reset on a new page"
    );
    assert_eq!(
        s.utm.source.as_deref(),
        Some("news"),
        "the campaign is the session's"
    );
}

#[test]
fn purchases_keep_the_last_orders_and_drop_bad_values() {
    let mut s = VisitorState::first_visit(Timestamp(0));
    let props = |v: serde_json::Value| v.as_object().unwrap().clone();
    let good = props(json!({ "order_id": "A-1", "total": 89.9, "currency": "eur" }));
    s.apply(
        &BrowsingEvent::parse("purchase", good).unwrap(),
        Timestamp(1),
    );
    let order = s.orders.back().unwrap();
    assert_eq!(order.id.as_deref(), Some("A-1"));
    assert_eq!(order.total, Some(89.9));
    assert_eq!(order.currency.as_deref(), Some("EUR"));
    assert_eq!(order.at, Timestamp(1));

    let bad = props(json!({ "order_id": "x".repeat(500), "total": -3, "currency": "euro" }));
    s.apply(
        &BrowsingEvent::parse("purchase", bad).unwrap(),
        Timestamp(2),
    );
    let order = s.orders.back().unwrap();
    assert_eq!(
        (order.id.as_deref(), order.total, order.currency.as_deref()),
        (None, None, None)
    );
    assert_eq!(s.last_event.as_ref().unwrap().0, "purchase");

    for i in 0..20 {
        let p = props(json!({ "order_id": i, "total": i }));
        s.apply(
            &BrowsingEvent::parse("purchase", p).unwrap(),
            Timestamp(10 + i),
        );
    }
    assert_eq!(s.orders.len(), MAX_ORDERS);
    assert_eq!(s.orders.back().unwrap().id.as_deref(), Some("19"));
    assert_eq!(s.orders.front().unwrap().id.as_deref(), Some("10"));

    // A state stored before orders existed still loads.
    let mut stored = serde_json::to_value(&s).unwrap();
    stored.as_object_mut().unwrap().remove("orders");
    let loaded: VisitorState = serde_json::from_value(stored).unwrap();
    assert!(loaded.orders.is_empty());
}

#[test]
fn long_titles_and_referrers_are_cut_at_a_character_boundary() {
    let title: String = "é".repeat(299) + "xyz";
    let referrer: String = "https://r.example/".to_owned() + &"ü".repeat(3000);
    let props = json!({ "url": "https://s.example/", "title": title, "referrer": referrer });
    let page = PageInfo::from_props(props.as_object().unwrap()).unwrap();
    assert_eq!(
        page.title,
        Some(title.chars().take(300).collect::<String>())
    );
    assert_eq!(page.title.as_ref().map(|t| t.chars().count()), Some(300));
    assert_eq!(
        page.referrer,
        Some(referrer.chars().take(2048).collect::<String>())
    );
    let short = json!({ "url": "https://s.example/", "title": "Jacket" });
    let page = PageInfo::from_props(short.as_object().unwrap()).unwrap();
    assert_eq!(page.title.as_deref(), Some("Jacket"));
}

#[test]
fn known_device_classes_and_common_languages_are_kept_without_a_copy_and_others_as_sent() {
    let parse =
        |v: serde_json::Value| PageInfo::from_props(v.as_object().unwrap()).expect("a valid page");
    let common =
        parse(json!({ "url": "https://s.example/", "device": "tablet", "language": "de-DE" }));
    assert!(matches!(common.device, Some(Known::Borrowed("tablet"))));
    assert!(matches!(common.language, Some(Known::Borrowed("de-DE"))));
    let rare = parse(json!({ "url": "https://s.example/", "language": "gsw-CH" }));
    assert!(matches!(&rare.language, Some(Known::Owned(tag)) if tag == "gsw-CH"));
    // Stored and read back as plain text, whichever way it was kept.
    let stored = serde_json::to_value(&*common).unwrap();
    assert_eq!(
        (stored["device"].as_str(), stored["language"].as_str()),
        (Some("tablet"), Some("de-DE"))
    );
    let back: PageData = serde_json::from_value(stored).unwrap();
    assert_eq!(
        (back.device.as_deref(), back.language.as_deref()),
        (Some("tablet"), Some("de-DE"))
    );
}
