//! The pre-chat form end to end (issue 20): the owner sets it up in the dashboard's site
//! settings, a shopper's widget asks for it, will not send the first message without the
//! required answers, and the chat reaches the agent of the topic's team; a shopper the shop
//! identified is not asked. Screenshots: `widget-prechat-{1280,390}`, `dashboard-prechat-1280`.

use crate::common::app::spawn_seeded;
use crate::common::seed::{Account, SeedPlan};
use crate::dashboard::{log_in, text_containing};
use crate::support::{Browser, DEADLINE, PASSWORD, Scene, ShopServer, shop_page};
use serde_json::json;

const SETTINGS: &str = "form[data-role=prechat-settings]";

/// The owner fills the dashboard's pre-chat section: required email, two topics, the first
/// for the `logistics` team; waits until the server has it.
async fn owner_sets_up_the_form(scene: &Scene) {
    log_in(&scene.browser, &scene.chat).await;
    scene
        .browser
        .goto(&scene.chat.url("/agent/#/settings"))
        .await;
    scene.browser.element(SETTINGS).await;
    scene
        .browser
        .js(&format!(
            "const f = document.querySelector('{SETTINGS}');\
             f.querySelector('input[name=\"prechat.enabled\"]').checked = true;\
             f.querySelector('select[name=\"prechat.email\"]').value = 'required';\
             f.querySelector('textarea[name=\"prechat.topics\"]').value = 'Order & delivery | logistics\\nProduct advice';\
             f.querySelector('button[type=submit]').click(); return null;"
        ))
        .await;
    text_containing(&scene.browser, "[data-role=toasts]", "Pre-chat form saved").await;
    scene
        .browser
        .js(&format!(
            "document.querySelector('{SETTINGS}').scrollIntoView(); return null;"
        ))
        .await;
    scene.browser.screenshot("dashboard-prechat-1280").await;
    let saved = scene
        .chat
        .get_json(&scene.chat.site_path("/chat-settings"), &scene.token)
        .await;
    assert_eq!(saved["prechat"]["enabled"], true, "{saved}");
    assert_eq!(
        saved["prechat"]["topics"][0],
        json!({ "id": "order-delivery", "label": "Order & delivery", "team": "logistics" })
    );
}

/// The usual scene, with Bob as a second agent of the shop.
async fn scene_with_bob() -> Scene {
    let shop = ShopServer::start().await;
    let plan = SeedPlan {
        extra_accounts: vec![Account {
            email: "bob@shop.example",
            name: "Bob",
            on_other_site: false,
            owner: false,
        }],
        ..SeedPlan::shop("Browser shop", &[shop.origin()])
    };
    let chat = spawn_seeded(&plan, |_| {}).await.with_deadline(DEADLINE);
    shop.page("/", shop_page(&chat, "", "<p>Welcome.</p>"));
    let token = chat.owner_token().await;
    let browser = Browser::start(1280).await;
    Scene {
        shop,
        chat,
        browser,
        token,
    }
}

#[tokio::test]
async fn the_form_is_asked_first_and_the_topic_picks_the_team() {
    let scene = scene_with_bob().await;
    // No bot: the chat goes straight to people. Bob has the logistics skill.
    scene
        .chat
        .edit_chat_settings(&scene.token, |s| {
            s["bot_enabled"] = json!(false);
        })
        .await;
    let bob_id = scene.chat.agent_id(&scene.token, "bob@shop.example").await;
    let response = scene
        .chat
        .patch(
            &format!("/api/v1/sites/{}/agents/{bob_id}", scene.chat.seed.site_id),
            &scene.token,
            json!({ "skills": ["logistics"] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    owner_sets_up_the_form(&scene).await;
    let bob = scene.chat.login("bob@shop.example", PASSWORD).await;
    let (_ann_ws, _) = scene.chat.agent(&scene.token).await;
    let (mut bob_ws, _) = scene.chat.agent(&bob).await;

    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene
        .browser
        .wait_for(
            "the pre-chat form with its two topics",
            "const f = $('form[data-role=prechat]'); return !!f && !f.hidden && f.querySelectorAll('option').length === 3;",
        )
        .await;
    assert_eq!(
        scene
            .browser
            .js("return $('button[data-role=handoff]').hidden;")
            .await,
        true,
        "no way around the form to a person"
    );
    // Without the required email the message stays in the box, unsent.
    scene.browser.say("Where is my parcel?").await;
    assert_eq!(
        scene
            .browser
            .js("return [$$('[data-kind=shopper]').length, $('textarea[data-role=input]').value, $('#pc-email').matches(':invalid')];")
            .await,
        json!([0, "Where is my parcel?", true])
    );
    scene
        .browser
        .js("const set = (id, v) => { const e = $(id); e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); };\
             set('#pc-name', 'Ana Lima'); set('#pc-email', 'ana@example.com'); set('#pc-topic', 'order-delivery'); return null;")
        .await;
    scene.browser.screenshot("widget-prechat-1280").await;
    scene.browser.phone().await;
    scene.browser.screenshot("widget-prechat-390").await;
    scene.browser.resize(1280, 900).await;
    scene
        .browser
        .js("$('button[data-role=send]').click(); return null;")
        .await;
    scene
        .browser
        .message("shopper", "Where is my parcel?")
        .await;
    scene
        .browser
        .wait_for(
            "the form gone once the chat started",
            "return $('form[data-role=prechat]').hidden;",
        )
        .await;

    let routed = bob_ws
        .until_named("the chat routed to Bob", |f| f["type"] == "routed")
        .await;
    let conversation = routed["conversation_id"].as_str().unwrap();
    let stored = scene.chat.conversation(&scene.token, conversation).await;
    assert_eq!(stored["conversation"]["skill"], "logistics", "{stored}");
    assert_eq!(stored["conversation"]["contact_email"], "ana@example.com");
    assert!(
        stored["conversation"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("topic-order-delivery")),
        "{stored}"
    );
    let state = scene
        .visitor_state(|s| s["attributes"]["name"] == "Ana Lima")
        .await;
    assert_eq!(state["attributes"]["contact_email"], "ana@example.com");
    scene.finish().await;
}

#[tokio::test]
async fn a_shopper_the_shop_identified_is_not_asked() {
    let scene = Scene::new(1280).await;
    scene
        .chat
        .edit_chat_settings(&scene.token, |s| {
            s["prechat"] = json!({ "enabled": true, "when": "always", "name": "required",
            "email": "required", "topics": [] });
        })
        .await;
    // The shop's page says who is logged in before the widget loads.
    let identify = "<script>window.shopchat=window.shopchat||function(){(shopchat.q=shopchat.q||[]).push(arguments)};\
        shopchat('identify', { user_id: 42, name: 'Kim' });</script>";
    scene.shop.page(
        "/account",
        shop_page(&scene.chat, identify, "<p>Your account</p>"),
    );
    // An anonymous shopper is asked…
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene
        .browser
        .wait_for(
            "the form for an anonymous shopper",
            "const f = $('form[data-role=prechat]'); return !!f && !f.hidden;",
        )
        .await;
    // …and, once logged in (the same browser), no longer.
    scene.visit("/account").await;
    scene.browser.open_chat().await;
    scene.browser.say("Hi, a question about my account").await;
    scene
        .browser
        .message("shopper", "a question about my account")
        .await;
    scene
        .browser
        .wait_for(
            "the message acknowledged",
            "return !!$('[data-kind=shopper][data-seq]');",
        )
        .await;
    assert_eq!(
        scene
            .browser
            .js("return $('form[data-role=prechat]').hidden;")
            .await,
        true
    );
    scene.finish().await;
}
