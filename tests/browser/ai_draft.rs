//! The dashboard's "Draft reply" in a real Chromium, against a stand-in OpenAI-compatible
//! provider: the agent presses it, the model's draft (grounded in the matching article)
//! lands in the reply box — not sent — with a note naming the article it used; when the
//! provider fails, the box gets the best suggestion and the note says why.

use crate::common::SeedPlan;
use crate::common::llm::{API_KEY, Answer, MODEL, Provider};
use crate::common::spawn_seeded;
use crate::dashboard::{SHOP, log_in, text_containing};
use crate::support::{Browser, DEADLINE, TestApp};
use serde_json::json;

/// The chat server for `SHOP` with the stand-in provider as its model.
pub(crate) async fn chat_with_model(provider: &Provider) -> TestApp {
    let base = provider.base_url.clone();
    spawn_seeded(
        &SeedPlan::shop("Browser shop", &[SHOP.to_owned()]),
        move |s| {
            s.ai.base_url = Some(base);
            s.ai.model = MODEL.into();
            s.ai.api_key = Some(API_KEY.into());
            s.ai.timeout = std::time::Duration::from_secs(5);
        },
    )
    .await
    .with_deadline(DEADLINE)
}

/// Opens the conversation in the logged-in dashboard, as a link to it would.
async fn open_chat(browser: &Browser, chat: &TestApp, conversation: &str) {
    browser
        .goto(&chat.url(&format!("/agent/#/inbox/{conversation}")))
        .await;
}

#[tokio::test]
async fn the_agent_drafts_a_reply_edits_it_and_the_note_says_what_it_used() {
    let provider = Provider::start().await;
    let chat = chat_with_model(&provider).await;
    let owner = chat.owner_token().await;
    chat.add_article(
        &owner,
        "How long does shipping take?",
        "We ship within 2 working days; delivery takes 3 to 5 days.",
    )
    .await;
    let article = chat.get_json(&chat.site_path("/articles"), &owner).await["articles"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut shopper = chat.shopper_from(SHOP).await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "How long does shipping to Vienna take?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    provider.received(1).await; // the new chat's triage (unscripted: 500, ignored)

    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    open_chat(&browser, &chat, &conversation).await;
    text_containing(&browser, "[data-role=transcript]", "shipping to Vienna").await;
    provider.script([
        Answer::Completion(
            json!({ "reply": "Hi! We ship within 2 working days; to Vienna it then takes 3 to 5 days.",
                    "articles": [article] })
            .to_string(),
        ),
        Answer::Status(503),
    ]);
    browser.click("[data-role=draft]").await;
    let note = text_containing(&browser, "[data-role=draft-note]", "AI draft").await;
    assert!(note.contains("How long does shipping take?"), "{note}");
    let draft = browser
        .js("return document.querySelector('[data-role=composer]').value;")
        .await;
    assert_eq!(
        draft,
        "Hi! We ship within 2 working days; to Vienna it then takes 3 to 5 days."
    );
    browser.screenshot("dashboard-ai-draft").await;
    // Nothing was sent: the shopper's side got no agent message.
    assert!(
        shopper
            .drain()
            .await
            .iter()
            .all(|f| !(f["type"] == "message" && f["author"]["kind"] == "agent")),
        "a draft is never sent by itself"
    );

    // The provider fails: the best suggestion, and the note says so.
    browser.click("[data-role=draft]").await;
    let note = text_containing(&browser, "[data-role=draft-note]", "Best suggestion").await;
    assert!(note.contains("the model failed"), "{note}");
    let fallback = browser
        .js("return document.querySelector('[data-role=composer]').value;")
        .await;
    assert_eq!(
        fallback,
        "We ship within 2 working days; delivery takes 3 to 5 days."
    );
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn the_agent_taking_over_from_the_bot_sees_the_summary_intent_and_tone() {
    let provider = Provider::start().await;
    let chat = chat_with_model(&provider).await;
    let mut shopper = chat.shopper_from(SHOP).await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "My jacket arrived torn. I want a person now." }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    provider.received(1).await; // the new chat's triage (unscripted: 500, ignored)
    shopper
        .send(json!({ "type": "handoff", "conversation_id": conversation }))
        .await;
    shopper
        .until_named("the chat handed to people", |f| {
            f["type"] == "status" && f["state"] != "bot"
        })
        .await;
    provider.script([Answer::Completion(
        json!({ "summary": "The shopper's jacket arrived torn; they want a person.",
                "intent": "complaint", "tone": "upset", "orders": [] })
        .to_string(),
    )]);
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    open_chat(&browser, &chat, &conversation).await;
    let text = text_containing(&browser, "[data-role=ai-summary-text]", "torn").await;
    assert_eq!(
        text,
        "The shopper's jacket arrived torn; they want a person."
    );
    let facts = text_containing(&browser, "[data-role=ai-summary-facts]", "Intent").await;
    assert_eq!(facts, "Intent: complaint · Tone: upset");
    browser.screenshot("dashboard-ai-summary").await;
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}
