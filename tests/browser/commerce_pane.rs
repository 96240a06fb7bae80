//! The dashboard's Customer section in a real Chromium: an agent opens the chat of a shopper
//! the shop signed in, and beside it sees the customer's profile and orders from the shop's
//! records — the status, a working tracking link, and a stuck order flagged with its reason —
//! on a desktop and on a phone. The shop's records are written before the server starts.

use crate::common::seed::{SeedPlan, seed_plan};
use crate::common::{start, test_settings};
use crate::dashboard::{SHOP, log_in, text_containing};
use crate::support::{Browser, DEADLINE, TestApp};
use serde_json::json;
use shopchat::auth::identity_hash;
use shopchat::commerce::{Customer, Order};
use shopchat::domain::{SiteId, Timestamp};
use shopchat::store::prelude::*;
use shopchat::store::sqlite::SqliteStore;
use tempfile::TempDir;

const DAY: i64 = 24 * 60 * 60 * 1000;
const TRACKING: &str = "https://track.example/dhl/1Z999?lang=en";

/// The chat server for `SHOP` with Eva's customer record and two orders already stored.
async fn server_with_orders() -> (TestApp, TempDir) {
    let dir = TempDir::new().unwrap();
    let seed = seed_plan(
        dir.path(),
        &SeedPlan::shop("Browser shop", &[SHOP.to_owned()]),
    )
    .await;
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = SiteId::parse(&seed.site_id).unwrap();
    let t = Timestamp::now().0;
    let customer: Customer = serde_json::from_value(json!({
        "id": "c-42", "email": "eva@example.com", "name": "Eva <img src=x onerror=window.__xss=1>",
        "tags": ["vip"], "orders_count": 3, "total_spent": { "amount": "420.5", "currency": "EUR" },
        "created_at": t - 400 * DAY, "updated_at": t - DAY }))
    .unwrap();
    store.upsert_customer(&site, customer).await.unwrap();
    let kari: Customer = serde_json::from_value(json!({
        "id": "c-77", "email": "kari@example.no", "name": "Kari", "orders_count": 1,
        "created_at": t - 30 * DAY, "updated_at": t - 30 * DAY }))
    .unwrap();
    store.upsert_customer(&site, kari).await.unwrap();
    for order in [
        json!({ "id": "o-1002", "number": "#1002", "customer_id": "c-42", "status": "processing",
            "financial_status": "paid", "fulfillment_status": "fulfilled", "currency": "EUR",
            "total": "119.90",
            "items": [{ "sku": "TS-1", "name": "Trail Shoe", "quantity": 2, "price": "59.95" }],
            "shipments": [{ "id": "f-1", "carrier": "DHL", "tracking_number": "1Z999",
                "tracking_url": TRACKING, "status": "in_transit", "estimated_delivery": t + 2 * DAY,
                "events": [{ "at": t - DAY, "status": "in_transit",
                             "description": "Arrived at sort facility", "location": "Leipzig" }],
                "created_at": t - 2 * DAY, "updated_at": t - DAY }],
            "created_at": t - 3 * DAY, "updated_at": t - DAY }),
        json!({ "id": "o-1001", "number": "#1001", "customer_id": "c-42", "status": "processing",
            "financial_status": "paid", "currency": "EUR", "total": "89",
            "items": [{ "name": "Rain Jacket", "quantity": 1, "price": "89" }],
            "created_at": t - 20 * DAY, "updated_at": t - 20 * DAY }),
        json!({ "id": "o-2001", "number": "#2001", "email": "kari@example.no", "status": "completed",
            "fulfillment_status": "fulfilled", "currency": "NOK", "total": "35",
            "items": [{ "name": "Socks", "quantity": 1, "price": "35" }],
            "created_at": t - 30 * DAY, "updated_at": t - 30 * DAY }),
    ] {
        let order: Order = serde_json::from_value(order).unwrap();
        store.upsert_order(&site, order).await.unwrap();
    }
    store.close().await;
    let app = start(test_settings(dir.path()), seed)
        .await
        .with_deadline(DEADLINE);
    (app, dir)
}

#[tokio::test]
async fn the_agent_sees_the_customers_orders_tracking_link_and_stuck_order_beside_the_chat() {
    let (chat, _dir) = server_with_orders().await;
    let owner = chat.owner_token().await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;

    // Eva, signed in by the shop, asks about her parcel.
    let site = chat
        .get_json(&format!("/api/v1/sites/{}", chat.seed.site_id), &owner)
        .await;
    let secret = site["identity_secret"].as_str().unwrap();
    let mut eva = chat.shopper_from(SHOP).await;
    eva.hello(json!({ "page": { "url": format!("{SHOP}/account"), "title": "Account" } }))
        .await;
    eva.send(json!({ "type": "event", "name": "identify",
                     "props": { "user_id": "c-42", "hash": identity_hash(secret, "c-42") } }))
        .await;
    eva.send(json!({ "type": "message", "client_msg_id": "m1", "text": "Where is my parcel?" }))
        .await;
    let (ack, _) = eva.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();

    browser
        .goto(&chat.url(&format!("/agent/#/inbox/{conversation}")))
        .await;
    text_containing(&browser, "[data-role=transcript]", "Where is my parcel?").await;
    text_containing(
        &browser,
        "[data-role=customer] [data-role=order-number]",
        "#1002",
    )
    .await;

    // Profile, as text: the markup in the name stays characters.
    let profile = text_containing(&browser, "[data-role=customer-profile]", "€420.50").await;
    assert!(profile.contains("Eva <img"), "{profile}");
    assert_eq!(browser.js("return window.__xss === undefined;").await, true);
    assert_eq!(
        browser
            .js("return !!document.querySelector('[data-role=customer-unverified]');")
            .await,
        false,
        "a verified shopper is not marked unverified"
    );

    // The newest order: its status and a tracking link that opens the carrier's page safely.
    let first = browser
        .js(
            "const o = document.querySelector('[data-role=shop-order]');\
             const a = o.querySelector('a[data-role=tracking-link]');\
             return { number: o.querySelector('[data-role=order-number]').textContent,\
                      status: o.querySelector('[data-role=order-status]').textContent,\
                      open: o.open, href: a && a.getAttribute('href'), target: a && a.target,\
                      rel: a && a.rel, visible: !!a && a.getClientRects().length > 0,\
                      text: o.textContent };",
        )
        .await;
    assert_eq!(first["number"], "#1002", "{first}");
    assert_eq!(first["status"], "in transit");
    assert_eq!(first["open"], true, "the newest order is open");
    assert_eq!(first["href"], TRACKING);
    assert_eq!(first["target"], "_blank");
    assert_eq!(first["rel"], "noopener noreferrer");
    assert_eq!(first["visible"], true);
    let text = first["text"].as_str().unwrap();
    for part in [
        "2 × Trail Shoe",
        "€119.90",
        "DHL",
        "Arrived at sort facility",
        "Leipzig",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }

    // The order paid 20 days ago and never shipped: a visible badge and the reason.
    let stuck = browser
        .wait_for(
            "the stuck badge on #1001",
            "const o = [...document.querySelectorAll('[data-role=shop-order]')]\
               .find((d) => d.querySelector('[data-role=order-number]').textContent === '#1001');\
             const badge = o && o.querySelector('[data-role=stuck-badge]');\
             const reason = o && o.querySelector('[data-role=stuck-reason]');\
             return badge && badge.getClientRects().length > 0 && reason\
               ? { badge: badge.textContent, reason: reason.textContent } : null;",
        )
        .await;
    assert_eq!(stuck["badge"], "Stuck");
    assert_eq!(
        stuck["reason"],
        "Needs a person: placed 20 days ago and not shipped yet"
    );
    browser.screenshot("dashboard-customer-1280").await;

    // Collapsing an order survives a refresh.
    browser
        .click("[data-role=shop-order][data-order-id=o-1002] > summary")
        .await;
    browser.click("[data-role=customer-refresh]").await;
    browser
        .wait_for(
            "the refreshed section with #1002 still closed",
            "const s = document.querySelector('[data-role=customer]');\
             const o = s.querySelector('[data-order-id=o-1002]');\
             return s.getAttribute('aria-busy') === 'false' && !!o && !o.open;",
        )
        .await;
    browser
        .click("[data-role=shop-order][data-order-id=o-1002] > summary")
        .await;

    // A phone: one column, nothing wider than the screen.
    browser.resize(375, 812).await;
    browser
        .wait_for("the phone-width layout", "return window.innerWidth <= 400;")
        .await;
    let fits = browser
        .wait_for(
            "the customer section within the screen",
            "const s = document.querySelector('[data-role=customer]');\
             s.scrollIntoView();\
             window.scrollBy(0, -document.querySelector('.topbar').offsetHeight - 8);\
             const r = s.getBoundingClientRect();\
             return r.right <= window.innerWidth + 1\
               && document.documentElement.scrollWidth <= window.innerWidth\
               ? { right: r.right, width: window.innerWidth } : null;",
        )
        .await;
    assert!(fits["right"].as_f64().unwrap() > 200.0, "{fits}");
    browser.screenshot("dashboard-customer-375").await;

    // Kari only typed an email her orders were placed with: shown, marked unverified.
    let mut kari = chat.shopper_from(SHOP).await;
    kari.hello(json!({})).await;
    kari.send(json!({ "type": "message", "client_msg_id": "k1", "text": "Any news on my socks?" }))
        .await;
    let (ack, _) = kari.recv_type("ack").await;
    let second = ack["conversation_id"].as_str().unwrap().to_owned();
    kari.send(json!({ "type": "contact", "email": "kari@example.no" }))
        .await;
    kari.until_named("the thanks for the email", |f| {
        f["type"] == "message"
            && f["text"]
                .as_str()
                .is_some_and(|t| t.contains("kari@example.no"))
    })
    .await;
    browser.resize(1280, 900).await;
    browser
        .goto(&chat.url(&format!("/agent/#/inbox/{second}")))
        .await;
    text_containing(
        &browser,
        "[data-role=customer] [data-role=order-number]",
        "#2001",
    )
    .await;
    let mark = text_containing(&browser, "[data-role=customer-unverified]", "Unverified").await;
    assert!(
        mark.contains("matched by the email the shopper typed"),
        "{mark}"
    );
    browser.screenshot("dashboard-customer-unverified").await;
    kari.close().await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    eva.close().await;
    browser.close().await;
    chat.stop().await;
}
