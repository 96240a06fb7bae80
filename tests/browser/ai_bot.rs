//! The bot answering with the model, as the shopper sees it in the widget in a real
//! Chromium: the answer is a bot bubble labelled with the bot's name and "bot", and its
//! source sits on its own last line, as plain text. The owner switches it on in the
//! dashboard's Site settings.

use crate::common::llm::{Answer, Provider};
use crate::common::{SeedPlan, spawn_seeded};
use crate::dashboard::log_in;
use crate::support::{Browser, DEADLINE, ShopServer, shop_page};
use serde_json::json;
use shopchat::ai::answer::INSTRUCTIONS;

#[tokio::test]
async fn the_models_answer_is_a_labelled_bot_bubble_citing_its_article() {
    let provider = Provider::start().await;
    let shop = ShopServer::start().await;
    let ai = provider.settings(std::time::Duration::from_secs(5));
    let chat = spawn_seeded(
        &SeedPlan::shop("Browser shop", &[shop.origin()]),
        move |s| {
            s.ai = ai;
        },
    )
    .await
    .with_deadline(DEADLINE);
    shop.page("/", shop_page(&chat, "", "<p>Welcome.</p>"));
    let owner = chat.owner_token().await;
    chat.add_article(
        &owner,
        "Which payment methods do you accept?",
        "We accept credit cards, PayPal, Klarna invoice and bank transfer.",
    )
    .await;
    let article = chat.get_json(&chat.site_path("/articles"), &owner).await["articles"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    provider.script_for(
        INSTRUCTIONS,
        [Answer::Completion(
            json!({ "reply": "Yes! PayPal is one of the options at checkout.",
                    "article": article, "confidence": 0.9, "handoff": false })
            .to_string(),
        )],
    );

    // The owner switches it on in Site settings.
    let browser = Browser::start(1280).await;
    log_in(&browser, &chat).await;
    browser.goto(&chat.url("/agent/#/settings")).await;
    let form = "form[data-role=chat-settings]";
    browser.click(&format!("{form} input[name=ai_bot]")).await;
    browser
        .js(&format!(
            "document.querySelector('{form} input[name=ai_bot_min_confidence]').value = '0.7';"
        ))
        .await;
    browser.click(&format!("{form} button[type=submit]")).await;
    let path = chat.site_path("/chat-settings");
    let until = std::time::Instant::now() + DEADLINE;
    loop {
        let saved = chat.get_json(&path, &owner).await;
        if saved["ai_bot"] == true {
            assert_eq!(saved["ai_bot_min_confidence"], 0.7, "{saved}");
            break;
        }
        assert!(std::time::Instant::now() < until, "never saved: {saved}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    browser
        .js(&format!(
            "document.querySelector('{form} input[name=ai_bot]').scrollIntoView({{block: 'center'}});"
        ))
        .await;
    browser.screenshot("dashboard-ai-bot-setting").await;

    browser.goto(&shop.url("/")).await;
    browser.open_chat().await;
    browser.say("Can I pay with <b>PayPal</b>?").await;
    let answer = browser.message("bot", "PayPal is one of").await;
    assert_eq!(
        answer["text"],
        "Yes! PayPal is one of the options at checkout.\n\nSource: Which payment methods do you accept?"
    );
    let author = answer["author"].as_str().unwrap();
    assert!(
        author.contains("Shop assistant") && author.to_lowercase().contains("bot"),
        "labelled as the bot: {author}"
    );
    // The shopper's own words stayed text in the widget, and went to the model as data.
    let mine = browser.message("shopper", "PayPal").await;
    assert_eq!(mine["text"], "Can I pay with <b>PayPal</b>?");
    let request = &provider.requests_for(INSTRUCTIONS)[0];
    assert!(
        request["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("Can I pay with <b>PayPal</b>?")
    );
    // The source is on its own line: the bubble keeps the line breaks (the screenshot shows it).
    let white_space = browser
        .js(
            "const t = $$('[data-role=messages] div[data-kind=bot] [data-role=text]').pop();\
             return getComputedStyle(t).whiteSpace;",
        )
        .await;
    assert_eq!(white_space, "pre-wrap");
    browser.screenshot("widget-ai-bot-answer").await;
    // The test shop serves no favicon; anything else in the console is the widget's.
    let errors: Vec<String> = browser
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("/favicon.ico"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await;
    chat.stop().await;
}
