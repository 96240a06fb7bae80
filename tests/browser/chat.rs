//! Talking: the bot, a person, hostile text, and a reload.

use crate::support::Scene;
use serde_json::json;

#[tokio::test]
async fn the_shopper_asks_and_gets_the_bots_answer_labelled_as_the_bot() {
    let scene = Scene::new(1280).await;
    scene
        .chat
        .add_article(
            &scene.token,
            "How long does shipping take?",
            "We ship within 2 working days; delivery takes 3 to 5 days.",
        )
        .await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.say("How long does shipping take?").await;

    scene.browser.message("shopper", "shipping take").await;
    let answer = scene.browser.message("bot", "within 2 working days").await;
    let author = answer["author"].as_str().unwrap_or_default();
    assert!(
        !author.is_empty(),
        "the bot's message names its author: {answer}"
    );
    scene.finish().await;
}

#[tokio::test]
async fn talk_to_a_person_reaches_an_agent_whose_reply_appears() {
    let scene = Scene::new(1280).await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.ask_for_a_person().await;

    let frame = agent
        .until_named("the shopper's chat coming to people", |f| {
            f["type"] == "routed"
                || (f["type"] == "conversation"
                    && matches!(
                        f["conversation"]["state"].as_str(),
                        Some("queued" | "assigned")
                    ))
        })
        .await;
    let conversation = frame["conversation_id"]
        .as_str()
        .or(frame["conversation"]["id"].as_str())
        .unwrap()
        .to_owned();
    agent
        .send(json!({ "type": "message", "conversation_id": conversation,
            "client_msg_id": "reply-1", "text": "Hi, this is Ann. How can I help?" }))
        .await;
    let reply = scene.browser.message("agent", "this is Ann").await;
    assert_eq!(reply["text"], "Hi, this is Ann. How can I help?");
    scene.finish().await;
}

#[tokio::test]
async fn an_agents_html_shows_as_literal_text() {
    let scene = Scene::new(1280).await;
    let (mut agent, _) = scene.chat.agent(&scene.token).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.say("Hello?").await;
    let frame = agent
        .until_named("the shopper's message", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let conversation = frame["message"]["conversation_id"].as_str().unwrap();

    let hostile =
        "<img src=x onerror=alert(1)> and <script>window.__pwned = 1</script> <b>bold</b>";
    let path = scene
        .chat
        .site_path(&format!("/conversations/{conversation}/messages"));
    let response = scene
        .chat
        .post(&path, &scene.token, json!({ "text": hostile }))
        .await;
    assert_eq!(response.status(), 201);

    let shown = scene.browser.message("agent", "onerror").await;
    assert_eq!(shown["text"], hostile);
    let elements = scene
        .browser
        .js("return { img: $$('[data-role=messages] img').length, script: $$('[data-role=messages] script').length,\
             b: $$('[data-role=messages] b').length, pwned: window.__pwned === undefined ? null : window.__pwned };")
        .await;
    assert_eq!(
        elements,
        json!({ "img": 0, "script": 0, "b": 0, "pwned": null })
    );
    scene.finish().await;
}

#[tokio::test]
async fn reloading_the_page_keeps_the_conversation() {
    let scene = Scene::new(1280).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.say("Do you ship to Austria?").await;
    scene.browser.message("shopper", "ship to Austria").await;

    scene.browser.reload().await;
    scene.browser.open_chat().await;
    let again = scene.browser.message("shopper", "ship to Austria").await;
    assert_eq!(again["text"], "Do you ship to Austria?");
    let count = scene
        .browser
        .js("return $$('[data-role=messages] div[data-kind=shopper]').length;")
        .await;
    assert_eq!(count, 1, "the message is shown once after the reload");
    scene.finish().await;
}

#[tokio::test]
async fn with_nobody_online_the_shopper_leaves_an_email_for_the_answer() {
    let scene = Scene::new(1280).await;
    scene.visit("/").await;
    scene.browser.open_chat().await;
    scene.browser.ask_for_a_person().await;

    // No agent is connected: the widget says so and offers the email form.
    scene
        .browser
        .wait_for(
            "the offline email form",
            "const f = $('form[data-role=offline]'); return !!f && f.getClientRects().length > 0;",
        )
        .await;
    scene
        .browser
        .js(
            "const email = $('form[data-role=offline] input[data-role=email]');\
             email.value = 'eva@example.com';\
             email.dispatchEvent(new Event('input', { bubbles: true }));\
             $('form[data-role=offline]').requestSubmit();",
        )
        .await;

    let path = scene.chat.site_path("/conversations?status=open");
    let until = tokio::time::Instant::now() + crate::support::DEADLINE;
    loop {
        let listed: serde_json::Value = scene.chat.get_json(&path, &scene.token).await;
        let found = listed["conversations"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["contact_email"] == "eva@example.com"));
        if found {
            break;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the email never reached the conversation: {listed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    scene.finish().await;
}
