//! Translation in the dashboard, in a real Chromium against the stand-in provider: under a
//! French shopper's line the agent presses "Translate" and reads it in the browser's
//! language; the agent's English reply becomes French in the reply box (not sent) and is
//! sent when the agent presses Send.

use crate::ai_draft::chat_with_model;
use crate::common::llm::{Answer, Provider};
use crate::dashboard::{SHOP, log_in, text_containing};
use crate::support::Browser;
use serde_json::json;

#[tokio::test]
async fn the_agent_reads_a_french_shopper_in_english_and_answers_in_french() {
    let provider = Provider::start().await;
    let chat = chat_with_model(&provider).await;
    let mut shopper = chat.shopper_from(SHOP).await;
    shopper
        .hello(json!({ "page": { "url": format!("{SHOP}/"), "title": "Accueil", "language": "fr-FR" } }))
        .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "Bonjour, ma veste est arrivée déchirée." }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    provider.received(1).await; // the new chat's triage (unscripted: 500, ignored)

    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    let agent_language = browser.js("return navigator.language;").await;
    let agent_language = agent_language.as_str().unwrap();
    browser
        .goto(&chat.url(&format!("/agent/#/inbox/{conversation}")))
        .await;
    text_containing(&browser, "[data-role=transcript]", "déchirée").await;
    // Opening a chat that went to people asks for its summary: let that call pass first.
    provider.received(2).await;
    provider.script([
        Answer::Completion(
            json!({ "translation": "Hello, my jacket arrived torn.", "source_language": "fr" })
                .to_string(),
        ),
        Answer::Completion(
            json!({ "translation": "Désolé ! Nous vous envoyons une nouvelle veste aujourd'hui.", "source_language": "en" })
                .to_string(),
        ),
    ]);
    browser.click("[data-role=translate]").await;
    let line = text_containing(&browser, "[data-role=translation]", "torn").await;
    assert_eq!(line, "Translated from fr: Hello, my jacket arrived torn.");
    let asked = &provider.requests()[2];
    let system = asked["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains(&format!("\"{agent_language}\"")),
        "into the agent's browser language {agent_language}: {system}"
    );

    let button = text_containing(&browser, "[data-role=translate-reply]", "fr-FR").await;
    assert_eq!(button, "Translate to fr-FR");
    browser
        .type_into(
            "[data-role=composer]",
            "Sorry! We are sending you a new jacket today.",
        )
        .await;
    browser.click("[data-role=translate-reply]").await;
    text_containing(
        &browser,
        "[data-role=draft-note]",
        "AI translation into fr-FR",
    )
    .await;
    let french = browser
        .js("return document.querySelector('[data-role=composer]').value;")
        .await;
    assert_eq!(
        french,
        "Désolé ! Nous vous envoyons une nouvelle veste aujourd'hui."
    );
    browser.screenshot("dashboard-ai-translate").await;
    assert!(
        shopper
            .drain()
            .await
            .iter()
            .all(|f| !(f["type"] == "message" && f["author"]["kind"] == "agent")),
        "a translation is never sent by itself"
    );
    browser.click("[data-role=send]").await;
    let sent = shopper
        .until_named("the agent's French reply", |f| {
            f["type"] == "message" && f["author"]["kind"] == "agent"
        })
        .await;
    assert_eq!(
        sent["text"],
        "Désolé ! Nous vous envoyons une nouvelle veste aujourd'hui."
    );
    assert!(browser.console_errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}

/// Owners send intents to teams on the Site settings page and see the model's use today.
#[tokio::test]
async fn owners_send_intents_to_teams_and_see_todays_model_use() {
    let provider = Provider::start().await;
    let chat = chat_with_model(&provider).await;
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser.goto(&chat.url("/agent/#/settings")).await;
    let usage = text_containing(&browser, "[data-role=ai-usage]", "Language model").await;
    assert_eq!(
        usage,
        "Language model: shop-draft-1 — 0 of 500 calls used today (UTC, all servers)."
    );
    let form = "form[data-role=intent-teams]";
    let save = |team: &str| {
        format!(
            "const f = document.querySelector('{form}');\
             f.querySelector('input[data-intent=where_is_my_order]').value = '{team}';\
             f.querySelector('button[type=submit]').click(); return null;"
        )
    };
    browser.js(&save("Order Desk")).await;
    let error = text_containing(&browser, form, "a team is").await;
    assert!(error.contains("a team is 1 to 40"), "{error}");
    browser.js(&save("orders")).await;
    let owner = chat.owner_token().await;
    let until = std::time::Instant::now() + crate::support::DEADLINE;
    loop {
        let saved = chat
            .get_json(&chat.site_path("/chat-settings"), &owner)
            .await;
        if saved["intent_teams"] == json!({ "where_is_my_order": "orders" }) {
            break;
        }
        assert!(std::time::Instant::now() < until, "never saved: {saved}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser
        .js(&format!(
            "document.querySelector('{form}').scrollIntoView(); return null;"
        ))
        .await;
    browser.screenshot("owner-intent-teams").await;

    // The shop's own model: a plain-http URL is refused at its field, an https one saved;
    // the key is not shown again, and the usage line names the shop's own model.
    let provider_form = "form[data-role=ai-provider]";
    let set_provider = |url: &str| {
        format!(
            "const f = document.querySelector('{provider_form}');\
             f.querySelector('input[name=base_url]').value = '{url}';\
             f.querySelector('input[name=model]').value = 'shop-own-1';\
             f.querySelector('input[name=api_key]').value = 'sk-own-secret';\
             f.querySelector('button[type=submit]').click(); return null;"
        )
    };
    browser.js(&set_provider("http://10.0.0.7/v1")).await;
    text_containing(&browser, provider_form, "must be an https URL").await;
    browser
        .js(&set_provider("https://llm.example.net/v1"))
        .await;
    let usage = text_containing(&browser, "[data-role=ai-usage]", "your own").await;
    assert!(
        usage.starts_with("Language model: shop-own-1 (your own)"),
        "{usage}"
    );
    let key_field = browser
        .js(&format!(
            "const i = document.querySelector('{provider_form} input[name=api_key]'); return [i.value, i.placeholder];"
        ))
        .await;
    assert_eq!(key_field, json!(["", "stored — leave empty to keep it"]));
    browser
        .js(&format!(
            "document.querySelector('{provider_form}').scrollIntoView(); return null;"
        ))
        .await;
    browser.screenshot("owner-ai-provider").await;
    // The refused save's 400 is the browser's own log line; nothing else went wrong.
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().all(
            |e| (e.contains("chat-settings") || e.contains("ai-provider"))
                && e.contains("status of 400")
        ),
        "{errors:?}"
    );
    browser.close().await;
    chat.stop().await;
}
