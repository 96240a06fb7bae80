//! Proactive chat: a dwell rule's teaser, and a dismissed teaser staying away.

use crate::support::Scene;
use serde_json::json;

const TEASER: &str = "Cold outside? Ask us about sizes.";

#[tokio::test]
async fn a_dwell_teaser_shows_and_once_dismissed_stays_away_after_a_reload() {
    let scene = Scene::new(1280).await;
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
    scene.visit("/").await;

    let shown = scene
        .browser
        .wait_for(
            "the teaser",
            "const t = $('[data-role=teaser]'); const text = $('[data-role=teaser-text]');\
             return t && t.getClientRects().length > 0 && text ? text.textContent : null;",
        )
        .await;
    assert!(shown.as_str().unwrap().contains("Cold outside"), "{shown}");
    scene.browser.screenshot("teaser-1280").await;

    scene
        .browser
        .js("$('[data-role=teaser] button[data-role=dismiss]').click();")
        .await;
    scene
        .browser
        .wait_for(
            "the teaser to go",
            "const t = $('[data-role=teaser]'); return !t || t.getClientRects().length === 0;",
        )
        .await;

    scene.browser.reload().await;
    scene.browser.widget_ready().await;
    // The rule's dwell (1 s) has passed three times over on the reloaded page, with the
    // widget connected all along: a teaser that were coming would be here.
    scene
        .browser
        .wait_for(
            "three seconds on the reloaded page, connected",
            "return performance.now() > 3000 &&\
             window.__sockets.some((s) => s.url.includes('/ws/shopper') && s.events.includes('open'));",
        )
        .await;
    let teaser = scene
        .browser
        .js("const t = $('[data-role=teaser]'); return !!t && t.getClientRects().length > 0;")
        .await;
    assert_eq!(
        teaser, false,
        "the dismissed teaser came back after a reload"
    );
    scene.finish().await;
}
