//! The dashboard's "Draft reply" in a real Chromium, against a stand-in OpenAI-compatible
//! provider: the agent presses it, the model's draft (grounded in the matching article)
//! lands in the reply box — not sent — with a note naming the article it used; when the
//! provider fails, the box gets the best suggestion and the note says why.

use crate::common::SeedPlan;
use crate::common::llm::{Answer, Provider};
use crate::common::spawn_seeded;
use crate::dashboard::{SHOP, log_in, text_containing};
use crate::support::{Browser, DEADLINE, TestApp};
use serde_json::json;

/// The chat server for `SHOP` with the stand-in provider as its model.
pub(crate) async fn chat_with_model(provider: &Provider) -> TestApp {
    let ai = provider.settings(std::time::Duration::from_secs(5));
    spawn_seeded(
        &SeedPlan::shop("Browser shop", &[SHOP.to_owned()]),
        move |s| {
            s.ai = ai;
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

/// The composer's text.
async fn composer(browser: &Browser) -> String {
    browser
        .js("return document.querySelector('[data-role=composer]').value;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_automatic_draft_fills_an_empty_box_keeps_typed_text_and_counts_in_the_report() {
    let provider = Provider::start().await;
    let chat = chat_with_model(&provider).await;
    let owner = chat.owner_token().await;
    let path = chat.site_path("/chat-settings");
    let mut settings = chat.get_json(&path, &owner).await;
    settings["ai_auto_draft"] = json!(true);
    chat.chat_settings(&owner, settings).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;

    // No bot: the chat opens in the queue, and its triage and its automatic draft ask at
    // once, so each gets an answer that reads as either.
    let first = "Hi! Yes, the Alpine jacket is waterproof (10,000 mm).";
    let both = Answer::Completion(
        json!({ "reply": first, "summary": "Asks whether the jacket is waterproof.",
                "intent": "pre_sale", "tone": "calm", "orders": [] })
        .to_string(),
    );
    provider.script([both.clone(), both]);
    let mut shopper = chat.shopper_from(SHOP).await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "Is the Alpine jacket waterproof?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    provider.received(2).await;
    open_chat(&browser, &chat, &conversation).await;
    text_containing(&browser, "[data-role=transcript]", "Alpine jacket").await;
    let note = text_containing(&browser, "[data-role=draft-note]", "Automatic AI draft").await;
    assert!(note.contains("check it before sending"), "{note}");
    assert_eq!(
        composer(&browser).await,
        first,
        "the empty box got the draft"
    );
    browser.screenshot("dashboard-ai-auto-draft").await;

    // The agent writes their own answer; the next automatic draft does not replace it.
    browser
        .js("const c = document.querySelector('[data-role=composer]'); c.value = ''; c.dispatchEvent(new Event('input')); return true;")
        .await;
    browser
        .type_into("[data-role=composer]", "Let me check the membrane")
        .await;
    let second = "It is, and the seams are taped too.";
    provider.script([Answer::Completion(
        json!({ "reply": second, "orders": [] }).to_string(),
    )]);
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m2", "text": "And the seams?" }))
        .await;
    text_containing(&browser, "[data-role=draft-note]", "your text was kept").await;
    assert_eq!(composer(&browser).await, "Let me check the membrane");
    browser.screenshot("dashboard-ai-auto-draft-kept").await;
    assert!(
        shopper
            .drain()
            .await
            .iter()
            .all(|f| !(f["type"] == "message" && f["author"]["kind"] == "agent")),
        "nothing is sent without the agent"
    );

    // The agent takes the draft after all and sends it as it is: the report counts it.
    browser.click("[data-role=use-draft]").await;
    assert_eq!(composer(&browser).await, second);
    browser.click("[data-role=send]").await;
    let line = shopper
        .until_named("the agent's message", |f| {
            f["type"] == "message" && f["author"]["kind"] == "agent"
        })
        .await;
    assert_eq!(line["text"], second);
    browser.goto(&chat.url("/agent/#/reports")).await;
    let sent = text_containing(&browser, "[data-metric=ai-sent-unchanged]", "1").await;
    assert_eq!(sent, "1");
    let drafted = text_containing(&browser, "[data-metric=ai-drafted]", "2").await;
    assert_eq!(drafted, "2");
    browser
        .js("document.querySelector('[data-role=ai-draft-figures]').scrollIntoView(); return true;")
        .await;
    browser.screenshot("reports-ai-drafts").await;
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}
