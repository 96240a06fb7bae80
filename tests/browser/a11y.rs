//! axe-core (WCAG 2.2 AA) finds nothing in the widget, with the default colour and owners'
//! brand colours (bright, mid-grey, pale), on a desktop and on a phone, in every state a
//! shopper meets: launcher alone, proactive teaser, the open panel with the shopper's, the
//! bot's and an agent's messages, the order look-up form and the email form of a chat nobody
//! is online to take. axe-core comes from `AXE_CORE_JS` (default `support::AXE_CORE_JS`,
//! installed by `.ci/run`); without it the tests fail.

use crate::support::{Scene, shop_page};
use serde_json::{Value, json};

/// None: the site never set a colour (the widget's own blue).
const COLOURS: [Option<&str>; 6] = [
    None,
    Some("#ff6600"),
    Some("#00a3e0"),
    Some("#888888"),
    Some("#e91e63"),
    Some("#ffeb3b"),
];

const TEASER: &str = "Need help choosing a size?";

/// One state's violations, readable, or nothing.
async fn audit(scene: &Scene, state: &str, failures: &mut Vec<String>) {
    let violations = scene.browser.axe_violations().await;
    if !violations.is_empty() {
        failures.push(format!(
            "{state}: {}",
            serde_json::to_string_pretty(&Value::Array(violations)).unwrap()
        ));
    }
}

async fn shown(scene: &Scene, what: &str, css: &str) {
    scene
        .browser
        .wait_for(
            what,
            &format!(
                "const e = $({}); return !!e && e.getClientRects().length > 0;",
                json!(css)
            ),
        )
        .await;
}

/// Every state with every colour, in a window `phone` or desktop wide.
async fn every_state_with_every_colour(phone: bool) {
    let scene = Scene::new(1280).await;
    if phone {
        scene.browser.phone().await;
    }
    scene
        .shop
        .page("/blank", "<!doctype html><title>Blank</title>".into());
    scene
        .chat
        .add_article(
            &scene.token,
            "Do you have the jacket in XL?",
            "Yes: the Alpine Down Jacket comes in XS to XXL.",
        )
        .await;
    scene
        .chat
        .create_rule(
            &scene.token,
            json!({
                "name": "Short dwell",
                "when": ["page_view"],
                "conditions": { "all": [{ "fact": "time_on_page", "op": "gte", "value": 1 }] },
                "actions": [{ "type": "message", "text": TEASER }]
            }),
        )
        .await;
    scene.shop.page(
        "/",
        shop_page(&scene.chat, "", "<main><p>Welcome.</p></main>"),
    );
    let mut failures = Vec::new();
    for (round, colour) in COLOURS.into_iter().enumerate() {
        let name = colour.unwrap_or("default");
        if let Some(colour) = colour {
            scene
                .chat
                .chat_settings(&scene.token, json!({ "color": colour }))
                .await;
        }
        // A new shopper each round (the teaser is once per visitor): storage cleared on a
        // page of the shop without the widget.
        scene.visit("/blank").await;
        scene
            .browser
            .js("localStorage.clear(); sessionStorage.clear();")
            .await;
        scene.visit("/").await;
        scene.browser.widget_ready().await;
        let welcomed = if colour.is_some() {
            "return !!$('.widget') && $('.widget').style.getPropertyValue('--accent') !== '';"
        } else {
            "return Object.keys(localStorage).some((k) => k.startsWith('shopchat:'));"
        };
        scene.browser.wait_for("the site's welcome", welcomed).await;
        audit(&scene, &format!("{name}: launcher"), &mut failures).await;

        shown(&scene, "the teaser", "[data-role=teaser]").await;
        audit(&scene, &format!("{name}: teaser"), &mut failures).await;

        scene.browser.open_chat().await;
        scene.browser.say("Do you have the jacket in XL?").await;
        scene.browser.message("shopper", "jacket in XL").await;
        scene.browser.message("bot", "XS to XXL").await;
        shown(&scene, "the order button", "button[data-role=wismo]").await;
        scene
            .browser
            .js("$('button[data-role=wismo]').click();")
            .await;
        shown(&scene, "the order look-up form", "form[data-role=lookup]").await;
        audit(
            &scene,
            &format!("{name}: messages and order form"),
            &mut failures,
        )
        .await;

        // Nobody online: the email form.
        scene.browser.ask_for_a_person().await;
        shown(&scene, "the offline email form", "form[data-role=offline]").await;
        audit(&scene, &format!("{name}: email form"), &mut failures).await;

        // An agent comes, takes the chat and answers.
        let (mut agent, _) = scene.chat.agent(&scene.token).await;
        let conversation = scene
            .browser
            .wait_for(
                "the conversation's id",
                "const b = $('[data-conv]'); return b && b.getAttribute('data-conv');",
            )
            .await;
        agent
            .send(json!({ "type": "take", "conversation_id": conversation, "ref": "take" }))
            .await;
        let ok = agent
            .until_named("the take's answer", |f| f["ref"] == "take")
            .await;
        assert_eq!(ok["type"], "ok", "{ok}");
        agent
            .send(json!({ "type": "message", "conversation_id": conversation,
                "client_msg_id": format!("a11y-{round}"), "text": "Hi, this is Ann. XL is in stock." }))
            .await;
        let ack = agent
            .until_named("the agent's message stored", |f| {
                f["type"] == "ack" || f["type"] == "error"
            })
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
        scene.browser.message("agent", "this is Ann").await;
        audit(&scene, &format!("{name}: agent's answer"), &mut failures).await;
        // The agent steps away, so the next round's shopper finds nobody online again.
        agent
            .send(json!({ "type": "status", "status": "away", "ref": "away" }))
            .await;
        let ok = agent
            .until_named("the status's answer", |f| f["ref"] == "away")
            .await;
        assert_eq!(ok["type"], "ok", "{ok}");
    }
    assert!(
        failures.is_empty(),
        "axe found WCAG 2.2 AA violations ({} wide):\n{}",
        if phone { "phone" } else { "desktop" },
        failures.join("\n")
    );
    scene.finish().await;
}

#[tokio::test]
async fn axe_finds_nothing_in_any_state_with_any_colour_on_a_desktop() {
    every_state_with_every_colour(false).await;
}

#[tokio::test]
async fn axe_finds_nothing_in_any_state_with_any_colour_on_a_phone() {
    every_state_with_every_colour(true).await;
}
