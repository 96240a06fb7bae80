//! Consent mode (`data-consent="required"`): until the shop's consent manager says yes, the
//! widget sends no browsing event and no page, and keeps nothing in the browser's storage;
//! the chat works all the same, keeping only its own identity in the tab once the shopper
//! uses it. Consent then carries the chat on as the same visitor with tracking; withdrawing
//! it deletes what was kept.

use crate::support::{Scene, shop_page, snippet};
use serde_json::{Value, json};

/// Records every frame the page sends on a WebSocket in `window.__sent`, and the shop's
/// calls made before the widget loads: a product page's cart and a page view.
const RECORDER: &str = "<script>window.__sent = [];\
    const nativeSend = WebSocket.prototype.send;\
    WebSocket.prototype.send = function (data) { window.__sent.push(JSON.parse(data)); return nativeSend.call(this, data); };\
    window.shopchat=window.shopchat||function(){(shopchat.q=shopchat.q||[]).push(arguments)};\
    shopchat('cart', { total: 49.9, currency: 'EUR', items: [{ sku: 'TENT-2', qty: 1, price: 49.9 }] });</script>\
    <script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"Product\",\"name\":\"Trail tent\",\"sku\":\"TENT-2\",\"offers\":{\"price\":\"49.90\",\"priceCurrency\":\"EUR\"}}</script>";

/// Our keys in the page's localStorage and sessionStorage.
const STORED: &str = "const ours = (area) => Object.keys(area).filter((k) => k.startsWith('shopchat'));\
    return { local: ours(localStorage), session: ours(sessionStorage) };";

fn frames_of(sent: &Value, kind: &str) -> Vec<Value> {
    sent.as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == kind)
        .cloned()
        .collect()
}

#[tokio::test]
async fn without_consent_nothing_is_tracked_or_stored_and_the_chat_still_works() {
    let scene = Scene::new(1280).await;
    let page = shop_page(&scene.chat, RECORDER, "<p>Trail tent, 49.90 EUR.</p>").replace(
        &snippet(&scene.chat),
        &snippet(&scene.chat).replace("data-site=", "data-consent=\"required\" data-site="),
    );
    scene.shop.page("/tent", page);
    scene
        .browser
        .goto(&format!(
            "{}?email=ann%40example.com",
            scene.shop.url("/tent")
        ))
        .await;
    // The widget is connected (welcome came) and holds its tongue.
    scene
        .browser
        .wait_for(
            "the hello",
            "return window.__sent.some((f) => f.type === 'hello');",
        )
        .await;
    scene.browser.open_chat().await;
    let note = scene
        .browser
        .wait_for(
            "the note on what the chat keeps",
            "const n = $('[data-role=stores]'); return n && !n.hidden && n.textContent;",
        )
        .await;
    assert!(
        note.as_str().unwrap().contains("only in this tab"),
        "{note}"
    );
    scene.browser.resize(390, 812).await;
    scene
        .browser
        .wait_for(
            "the panel's animation to end",
            "return $('[data-role=panel]').getAnimations().length === 0;",
        )
        .await;
    scene.browser.screenshot("consent-note-390").await;
    scene.browser.resize(1280, 900).await;
    assert_eq!(
        scene.browser.js(STORED).await,
        json!({ "local": [], "session": [] }),
        "nothing is stored before consent or a chat"
    );

    // The shopper writes: the chat works.
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.browser.say("Is the trail tent waterproof?").await;
    let frame = agent
        .until_named("the shopper's message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let conversation = frame["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    scene
        .chat
        .agent_says(&scene.token, &conversation, "Yes, 3000 mm.")
        .await;
    scene.browser.message("agent", "3000 mm").await;

    // Everything the page sent went out after the message was queued behind the shop's
    // cart call: had any browsing event been allowed, it would be in here.
    let sent = scene.browser.js("return window.__sent;").await;
    assert!(
        frames_of(&sent, "event").is_empty(),
        "no browsing event: {sent}"
    );
    let hello = &frames_of(&sent, "hello")[0];
    assert_eq!(hello["consent"], false, "{hello}");
    assert!(hello.get("page").is_none(), "no page in the hello: {hello}");
    assert!(!sent.to_string().contains("ann%40example.com"));
    let stored = scene.browser.js(STORED).await;
    assert_eq!(stored["local"], json!([]), "{stored}");
    assert_eq!(
        stored["session"],
        json!([format!("shopchat:{}", scene.chat.seed.public_key)]),
        "the chat's own identity, for this tab only: {stored}"
    );
    let chatting_as = scene
        .browser
        .js(&format!(
            "return JSON.parse(sessionStorage.getItem({})).vid;",
            json!(format!("shopchat:{}", scene.chat.seed.public_key))
        ))
        .await;

    // The consent manager says yes: the same visitor, now tracked and remembered.
    scene.browser.js("shopchat('consent', true);").await;
    let state = scene
        .visitor_state(|s| {
            s["current_page"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/tent"))
        })
        .await;
    assert!(
        !state.to_string().contains("ann%40example.com"),
        "the query string stays home: {state}"
    );
    assert!(
        state["cart"].is_null(),
        "the cart set before consent never left: {state}"
    );
    let kept_as = scene
        .browser
        .js(&format!(
            "return JSON.parse(localStorage.getItem({})).vid;",
            json!(format!("shopchat:{}", scene.chat.seed.public_key))
        ))
        .await;
    assert_eq!(
        kept_as, chatting_as,
        "consent carries the chat's visitor on"
    );
    assert_eq!(scene.browser.js(STORED).await["session"], json!([]));
    scene
        .browser
        .wait_for(
            "the product view once consented",
            "return window.__sent.some((f) => f.type === 'event' && f.name === 'product_view');",
        )
        .await;
    scene
        .browser
        .wait_for("the note gone", "return $('[data-role=stores]').hidden;")
        .await;
    // The chat goes on in the same conversation.
    scene.browser.say("And the weight?").await;
    agent
        .until_named("the second message in the same chat", |f| {
            f["type"] == "message"
                && f["message"]["conversation_id"] == conversation.as_str()
                && f["message"]["text"] == "And the weight?"
        })
        .await;

    // Withdrawn: the identity leaves localStorage; the chat going on stays in this tab.
    scene.browser.js("shopchat('consent', false);").await;
    let stored = scene.browser.js(STORED).await;
    assert_eq!(stored["local"], json!([]), "{stored}");
    assert_eq!(stored["session"].as_array().unwrap().len(), 1, "{stored}");
    scene.finish().await;
}

#[tokio::test]
async fn a_shopper_who_never_chats_leaves_no_trace_until_consent() {
    let scene = Scene::new(1280).await;
    let page = shop_page(&scene.chat, RECORDER, "<p>Trail tent.</p>").replace(
        &snippet(&scene.chat),
        &snippet(&scene.chat).replace("data-site=", "data-consent=\"required\" data-site="),
    );
    scene.shop.page("/tent", page);
    scene.visit("/tent").await;
    scene
        .browser
        .wait_for(
            "the hello",
            "return window.__sent.some((f) => f.type === 'hello');",
        )
        .await;
    // Scrolling, a call to track and reopening: still nothing goes out or is kept.
    scene
        .browser
        .js("shopchat('track', 'newsletter_view'); window.scrollTo(0, 10000);")
        .await;
    scene.browser.reload().await;
    scene
        .browser
        .wait_for(
            "the hello after the reload",
            "return window.__sent.some((f) => f.type === 'hello');",
        )
        .await;
    scene.browser.js("shopchat('consent', true);").await;
    // Consent given: events flow, and the first of them is the product view of this page.
    let first = scene
        .browser
        .wait_for(
            "the first event once consented",
            "return window.__sent.find((f) => f.type === 'event') || null;",
        )
        .await;
    assert_eq!(first["name"], "product_view", "{first}");
    let hellos = scene
        .browser
        .js("return window.__sent.filter((f) => f.type === 'hello');")
        .await;
    assert_eq!(hellos[0]["consent"], false, "{hellos}");
    assert!(hellos[0].get("visitor_id").is_none(), "{hellos}");
    scene
        .browser
        .wait_for(
            "the identity stored once consented",
            &format!(
                "return localStorage.getItem({}) !== null;",
                json!(format!("shopchat:{}", scene.chat.seed.public_key))
            ),
        )
        .await;
    scene.finish().await;
}
