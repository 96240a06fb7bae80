//! "Where is my order?" in a real browser: a shopper the shop identified presses the button,
//! sees their order with a working tracking link (the stored URL, opened safely in a new tab),
//! and a stuck order goes to a person whom the agent socket sees waiting. Screenshots at
//! desktop and phone width.

use crate::common::seed::{SeedPlan, seed_plan};
use crate::common::{start, test_settings};
use crate::support::{Browser, DEADLINE, Scene, ShopServer, shop_page};
use serde_json::json;
use shopchat::auth::identity_hash;
use shopchat::commerce::Order;
use shopchat::domain::{SiteId, Timestamp};
use shopchat::store::prelude::*;
use shopchat::store::sqlite::SqliteStore;
use tempfile::TempDir;

const DAY: i64 = 24 * 60 * 60 * 1000;

/// Customer `cust-1`'s order `number`, shipped by DHL with `tracking_url`, its parcel last
/// moved `quiet_days` ago.
fn order(number: &str, tracking_url: &str, age_days: i64, quiet_days: i64) -> Order {
    let now = Timestamp::now().0;
    let placed = now - age_days * DAY;
    serde_json::from_value(json!({
        "id": format!("ord-{number}"), "number": format!("#{number}"), "customer_id": "cust-1",
        "email": "eva@example.com", "status": "completed", "fulfillment_status": "fulfilled",
        "currency": "EUR", "total": "89.90",
        "items": [{ "name": "Alpine Down Jacket", "quantity": 1, "price": "89.90" }],
        "shipments": [{
            "id": format!("ship-{number}"), "carrier": "DHL", "tracking_number": format!("00340{number}"),
            "tracking_url": tracking_url, "status": "in_transit",
            "events": [{ "at": now - quiet_days * DAY, "status": "in_transit" }],
            "created_at": placed + DAY, "updated_at": now - quiet_days * DAY,
        }],
        "created_at": placed, "updated_at": placed + DAY,
    }))
    .unwrap()
}

/// A scene whose store holds a moving order (#1001) and a stuck one (#1003) of `cust-1`, and
/// whose shop page identifies the shopper as `cust-1` with the shop's hash; the browser's
/// user speaks `language` (Chromium's default with `None`).
async fn scene_with_orders(width: u32, language: Option<&str>) -> (Scene, TempDir) {
    let shop = ShopServer::start().await;
    let dir = TempDir::new().unwrap();
    let seed = seed_plan(
        dir.path(),
        &SeedPlan::shop("Browser shop", &[shop.origin()]),
    )
    .await;
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = SiteId::parse(&seed.site_id).unwrap();
    let tracking = shop.url("/track/1001");
    store
        .upsert_order(&site, order("1001", &tracking, 2, 0))
        .await
        .unwrap();
    let stuck = shop.url("/track/1003");
    store
        .upsert_order(&site, order("1003", &stuck, 14, 9))
        .await
        .unwrap();
    let secret = store.site(&site).await.unwrap().unwrap().identity_secret;
    store.close().await;
    let chat = start(test_settings(dir.path()), seed)
        .await
        .with_deadline(DEADLINE);
    let identify = format!(
        "<script>window.shopchat=window.shopchat||function(){{(shopchat.q=shopchat.q||[]).push(arguments)}};\
         shopchat('identify', {{ user_id: 'cust-1', name: 'Eva', hash: '{}' }});</script>",
        identity_hash(&secret, "cust-1")
    );
    shop.page(
        "/",
        shop_page(&chat, &identify, "<p>Welcome back, Eva.</p>"),
    );
    shop.page("/track/1001", "<h1>Parcel 1001 is on its way</h1>".into());
    let token = chat.owner_token().await;
    let browser = Browser::start_in(width, language).await;
    (
        Scene {
            shop,
            chat,
            browser,
            token,
        },
        dir,
    )
}

#[tokio::test]
async fn an_identified_shopper_presses_the_button_sees_the_tracking_link_and_a_stuck_order_reaches_an_agent()
 {
    let (scene, _dir) = scene_with_orders(1280, None).await;
    // The chat starts with the bot (it has an article), and agents pick from the queue.
    scene
        .chat
        .add_article(
            &scene.token,
            "Do you ship abroad?",
            "Yes, to all of Europe.",
        )
        .await;
    scene
        .chat
        .chat_settings(&scene.token, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene
        .browser
        .wait_for(
            "the Where is my order? button",
            "const b = $('button[data-role=wismo]'); return !!b && !b.hidden && b.textContent;",
        )
        .await;
    scene
        .browser
        .js("$('button[data-role=wismo]').click();")
        .await;

    // The bot answers from the store: the moving order with its link, the stuck one honestly.
    let answer = scene.browser.message("bot", "#1001").await;
    let text = answer["text"].as_str().unwrap();
    assert!(
        text.contains("in transit") && text.contains("DHL"),
        "{text}"
    );
    assert!(text.contains("hasn't moved for 9 days"), "{text}");
    let tracking = scene.shop.url("/track/1001");
    let cards = scene
        .browser
        .wait_for(
            "the order cards",
            "const cards = $$('[data-role=order]'); if (cards.length < 2) return null;\
             return cards.map(c => { const a = c.querySelector('a[data-role=tracking]');\
               return { text: c.textContent, href: a && a.href, target: a && a.target, rel: a && a.rel }; });",
        )
        .await;
    let moving = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["text"].as_str().unwrap().contains("#1001"))
        .unwrap();
    assert_eq!(moving["href"], tracking.as_str(), "{cards}");
    assert_eq!(moving["target"], "_blank");
    assert_eq!(moving["rel"], "noopener noreferrer");
    // The link in the bot's words is a link too, to the same stored URL.
    let in_text = scene
        .browser
        .js("return $$('[data-kind=bot] [data-role=text] a').map(a => a.href);")
        .await;
    assert!(
        in_text.as_array().unwrap().contains(&json!(tracking)),
        "{in_text}"
    );
    // It works: the shop's tracking page answers at that address.
    let page = reqwest::get(&tracking).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Parcel 1001"));

    // The stuck order went to people: the agent sees the chat waiting, and why.
    let queued = agent
        .until_named("the chat waiting for a person", |f| {
            f["type"] == "conversation"
                && f["conversation"]["state"] == "queued"
                && f["conversation"]["handoff_reason"] == "order_help"
        })
        .await;
    assert!(
        queued["conversation"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("wismo")),
        "{queued}"
    );
    scene
        .browser
        .wait_for(
            "the status line saying a person will come",
            "const s = $('[data-role=status]'); return !!s && !s.hidden && s.textContent;",
        )
        .await;
    scene.browser.screenshot("orders-1280").await;

    scene.browser.resize(375, 812).await;
    scene
        .browser
        .wait_for("the phone-width layout", "return window.innerWidth <= 400;")
        .await;
    scene
        .browser
        .js("$('[data-role=order]').scrollIntoView();")
        .await;
    scene.browser.screenshot("orders-375").await;
    let errors = scene.browser.errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    scene.finish().await;
}

#[tokio::test]
async fn a_shopper_the_shop_did_not_identify_gets_the_look_up_form() {
    let scene = Scene::new(375).await;
    scene.browser.resize(375, 812).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene
        .browser
        .wait_for(
            "the Where is my order? button",
            "const b = $('button[data-role=wismo]'); return !!b && !b.hidden;",
        )
        .await;
    scene
        .browser
        .js("$('button[data-role=wismo]').click();")
        .await;
    scene
        .browser
        .wait_for(
            "the look-up form",
            "const f = $('form[data-role=lookup]'); return !!f && !f.hidden;",
        )
        .await;
    scene
        .browser
        .js("$('[data-role=lookup-number]').value = '1001';\
             $('[data-role=lookup-email]').value = 'nobody@example.com';")
        .await;
    scene
        .browser
        .js("$('form[data-role=lookup] button').click();")
        .await;
    let error = scene
        .browser
        .wait_for(
            "the refusal in the form",
            "return $('[data-role=lookup-error]').textContent;",
        )
        .await;
    assert_eq!(error, "no order matches that number and email");
    scene.browser.screenshot("orders-lookup-375").await;
    scene.finish().await;
}

/// Issue 20: a French shopper's order cards, in French words and with the date and the money
/// written the French way by the browser (`89,90 €`), not the server's `89.90 EUR`.
#[tokio::test]
async fn order_cards_are_written_in_the_shoppers_language_and_locale() {
    let (scene, _dir) = scene_with_orders(1280, Some("fr")).await;
    scene
        .chat
        .chat_settings(&scene.token, json!({ "languages": ["en", "fr"] }))
        .await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene
        .browser
        .wait_for(
            "the French Where is my order? button",
            "const b = $('button[data-role=wismo]'); return !!b && !b.hidden && b.textContent === 'Où est ma commande ?';",
        )
        .await;
    scene
        .browser
        .js("$('button[data-role=wismo]').click();")
        .await;
    let card = scene
        .browser
        .wait_for(
            "the order cards",
            "const c = $$('[data-role=order]').find(c => c.textContent.includes('#1001'));\
             return c ? c.textContent : null;",
        )
        .await;
    let text = card.as_str().unwrap();
    assert!(text.starts_with("Commande #1001"), "{text}");
    // French grouping: a comma for decimals, the euro sign after a (narrow) space.
    let money = shows_french_total(text);
    assert!(money, "89,90 € in {text}");
    assert!(!text.contains("89.90 EUR"), "{text}");
    scene.finish().await;
}

/// Whether `text` holds `Total 89,90 €`, with any of the spaces French formatting uses.
fn shows_french_total(text: &str) -> bool {
    let spaced = text.replace(['\u{a0}', '\u{202f}'], " ");
    spaced.contains("Total 89,90 €")
}
