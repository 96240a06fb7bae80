//! A new message while the shop's tab is in the background (issue 20's small things): a count
//! in the tab's title and one short tone, the title back as it was when the shopper returns,
//! and neither when the site turned `tab_alerts` off. The tab goes to the background for real
//! (another tab in front, `document.hidden`); the page counts the tones by wrapping the
//! browser's own AudioContext before the widget loads.

use crate::support::{Scene, shop_page};
use serde_json::json;

/// Counts oscillator starts on the page's real AudioContext.
const TONE_COUNTER: &str = "<script>window.__tones = 0;\
  (function () { var A = window.AudioContext; if (!A) return;\
    window.AudioContext = class extends A { createOscillator() { var o = super.createOscillator();\
      var start = o.start.bind(o); o.start = function () { window.__tones++; return start.apply(null, arguments); };\
      return o; } }; })();</script>";

/// The shopper writes on `/jackets` (so the tone is armed), the tab goes to the background,
/// an agent answers; returns the background tab's title and tone count once the answer is
/// on that page, and the tab's handle.
async fn answer_in_the_background(scene: &Scene) -> (String, i64, fantoccini::wd::WindowHandle) {
    scene.shop.page(
        "/jackets",
        shop_page(
            &scene.chat,
            &format!("{TONE_COUNTER}<script>document.title = 'Jackets';</script>"),
            "<p>Jackets</p>",
        ),
    );
    scene.shop.page("/other", "<p>Another tab</p>".into());
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.visit("/jackets").await;
    scene.browser.open_chat().await;
    scene.browser.say("Is the blue one warm?").await;
    let said = agent
        .until_named("the shopper's message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let conversation = said["message"]["conversation_id"].as_str().unwrap();
    let shop_tab = scene
        .browser
        .open_tab_in_front(&scene.shop.url("/other"))
        .await;
    scene
        .browser
        .wait_for(
            "the shop's tab in the background",
            "return !!window.opener && window.opener.document.hidden;",
        )
        .await;
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
            "client_msg_id": "warm-1", "text": "Very warm, down-filled." }))
        .await;
    let seen = scene
        .browser
        .wait_for(
            "the answer on the background page",
            "const r = window.opener.document.querySelector('#shopchat-root');\
             const m = r && r.shadowRoot.querySelector('[data-kind=agent]');\
             return m ? [window.opener.document.title, window.opener.__tones] : null;",
        )
        .await;
    (
        seen[0].as_str().unwrap().to_owned(),
        seen[1].as_i64().unwrap(),
        shop_tab,
    )
}

#[tokio::test]
async fn a_background_tab_counts_the_answer_in_its_title_and_sounds_once() {
    let scene = Scene::new(1280).await;
    // The agent takes the chat from the start: no bot in between.
    scene
        .chat
        .edit_chat_settings(&scene.token, |s| {
            s["bot_enabled"] = json!(false);
        })
        .await;
    let (title, tones, shop_tab) = answer_in_the_background(&scene).await;
    assert_eq!(title, "(1) Jackets");
    assert_eq!(tones, 1, "one tone for one message");
    scene.browser.back_to(shop_tab).await;
    scene
        .browser
        .wait_for(
            "the title as it was once the shopper is back",
            "return document.title === 'Jackets';",
        )
        .await;
    scene.finish().await;
}

#[tokio::test]
async fn a_site_that_turned_alerts_off_leaves_the_title_and_stays_silent() {
    let scene = Scene::new(1280).await;
    scene
        .chat
        .edit_chat_settings(&scene.token, |s| {
            s["bot_enabled"] = json!(false);
            s["tab_alerts"] = json!(false);
        })
        .await;
    let (title, tones, _) = answer_in_the_background(&scene).await;
    assert_eq!(title, "Jackets");
    assert_eq!(tones, 0);
    scene.finish().await;
}
