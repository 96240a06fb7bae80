//! A shopper rates a closed chat in the widget on a phone, and the owner sees the rating in
//! the report's CSAT chart.

use crate::dashboard::{log_in, text_containing};
use crate::support::Scene;
use serde_json::json;

#[tokio::test]
async fn a_shopper_rates_a_closed_chat_and_the_owner_sees_it_in_the_csat_chart() {
    let scene = Scene::new(1280).await;
    scene
        .chat
        .chat_settings(&scene.token, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    let browser = &scene.browser;
    browser.phone().await;
    scene.visit("/").await;
    browser.open_chat().await;
    browser.ask_for_a_person().await;
    let asked = agent
        .until_named("the shopper's chat going to people", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "system"
        })
        .await;
    let id = asked["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    agent
        .send(json!({ "type": "take", "conversation_id": id, "ref": "t" }))
        .await;
    agent.until(|f| f["ref"] == "t").await;
    scene
        .chat
        .agent_says(&scene.token, &id, "All sorted!")
        .await;
    browser.message("agent", "All sorted!").await;
    agent
        .send(json!({ "type": "close", "conversation_id": id, "ref": "c" }))
        .await;
    agent.until(|f| f["ref"] == "c").await;

    // The rating row: five labelled stars, a comment, Send.
    let labels = browser
        .wait_for(
            "the rating row under the closed chat",
            "const f = $('[data-role=rate]');\
             return f && !f.hidden && $$('[data-role=star]').map((s) => s.getAttribute('aria-label'));",
        )
        .await;
    assert_eq!(
        labels,
        json!(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"])
    );
    browser
        .js("$('[data-role=star][aria-label=\"4 stars\"]').click();\
             const c = $('[data-role=rate-comment]'); c.value = 'Nice <i>and</i> quick'; return true;")
        .await;
    let pressed = browser
        .js("return $$('[data-role=star]').map((s) => s.getAttribute('aria-pressed'));")
        .await;
    assert_eq!(pressed, json!(["true", "true", "true", "true", "false"]));
    browser.screenshot("rating-row-390").await;
    let violations = browser.axe_violations().await;
    assert!(violations.is_empty(), "{violations:#?}");
    browser
        .js("$('[data-role=rate] button:not([data-role=star])').click(); return true;")
        .await;
    browser
        .wait_for(
            "the thanks for the rating",
            "return $('[data-role=rate]').textContent === 'Thanks for your feedback!';",
        )
        .await;
    // The line in the chat, as text (the comment's markup is not markup).
    let line = browser.message("system", "rated this chat 4/5").await;
    assert!(
        line["text"]
            .as_str()
            .unwrap()
            .contains("“Nice <i>and</i> quick”"),
        "{line}"
    );
    assert_eq!(
        browser
            .js("return $$('[data-role=messages] i').length;")
            .await,
        json!(0)
    );
    browser.screenshot("rating-thanks-390").await;

    // The owner's report: the day's bar in the CSAT chart carries the rating.
    browser.resize(1280, 900).await;
    log_in(browser, &scene.chat).await;
    browser.goto(&scene.chat.url("/agent/#/reports")).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let bar = browser
        .wait_for(
            "the CSAT chart's bar for today",
            &format!(
                "const r = document.querySelector('[data-chart=csat] rect[data-date=\"{today}\"]');\
                 return r && {{ csat: r.getAttribute('data-csat'), ratings: r.getAttribute('data-ratings') }};"
            ),
        )
        .await;
    assert_eq!(bar, json!({ "csat": "100", "ratings": "1" }));
    let label = browser
        .js("return document.querySelector('[data-chart=csat]').getAttribute('aria-label');")
        .await;
    assert!(
        label
            .as_str()
            .unwrap()
            .contains(&format!("{today}: 100% of 1")),
        "{label}"
    );
    let figure = text_containing(browser, "[data-metric=csat]", "%").await;
    assert_eq!(figure, "100%");
    let row = text_containing(browser, "[data-role=csat-agents] tbody tr", "100%").await;
    assert!(row.contains('1'), "{row}");
    browser
        .js("document.querySelector('[data-role=csat-figures]').scrollIntoView(); return true;")
        .await;
    browser.screenshot("reports-csat-1280").await;
    // The agent's own view, on their profile: their chats' rating beside everyone's.
    browser.goto(&scene.chat.url("/agent/#/profile")).await;
    let mine = text_containing(browser, "[data-role=my-csat]", "of your chats").await;
    assert!(mine.contains("rated 1 of your chats"), "{mine}");
    assert!(mine.contains("100% gave 4 or 5 stars"), "{mine}");
    browser
        .wait_for(
            "the agent's own CSAT chart",
            &format!(
                "return !!document.querySelector('[data-role=my-ratings] [data-chart=csat] rect[data-date=\"{today}\"]');"
            ),
        )
        .await;
    browser
        .js("document.querySelector('[data-role=my-ratings]').scrollIntoView(); return true;")
        .await;
    browser.screenshot("profile-ratings-1280").await;
    browser.assert_no_console_errors().await;
    scene.finish().await;
}
