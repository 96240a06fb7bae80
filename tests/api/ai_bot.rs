//! The bot answering shoppers with the model (`ai_bot`), against the stand-in provider
//! (tests/common/llm.rs): a grounded answer reaches the shopper labelled as the bot with its
//! source, and the request carries the matching article; whenever the model is off, unsure,
//! declining, failing, slow, malformed or over budget, the shopper gets exactly today's
//! answer. What the model may see of whom: `ai_bot_scope.rs`.

use crate::common::llm::{Answer, MODEL, Provider};
use crate::common::{Socket, TestApp, spawn_app_with};
use serde_json::{Value, json};
use shopchat::ai::answer::INSTRUCTIONS;

pub const PAY_Q: &str = "Which payment methods do you accept?";
pub const PAY_A: &str = "We accept credit cards, PayPal, Klarna invoice and bank transfer.";
pub const SHIP_Q: &str = "How long does shipping take?";
pub const SHIP_A: &str = "Parcels leave within 24 hours and arrive in 2 to 3 working days.";
const SIZE_Q: &str = "How do I find my size?";
const SIZE_A: &str = "Every product page has a size chart; between two sizes, pick the larger.";
/// What the knowledge-base bot says when nothing matches (src/chat/bot.rs).
pub const MISS: &str = "I'm not sure about that one.";

/// A server with the stand-in provider, three articles and the site's chat settings
/// (`ai_bot` and the rest as `settings` says, defaults otherwise); the owner's token and
/// the article ids by question.
pub async fn shop(
    provider: &Provider,
    settings: Value,
) -> (TestApp, String, Vec<(String, String)>) {
    shop_with_budget(provider, settings, 500).await
}

/// [`shop`] with `daily` model calls per site per day.
async fn shop_with_budget(
    provider: &Provider,
    settings: Value,
    daily: u32,
) -> (TestApp, String, Vec<(String, String)>) {
    let ai = provider.settings(std::time::Duration::from_millis(800));
    let app = spawn_app_with(move |s| {
        s.ai = ai;
        s.ai.daily_requests = daily;
    })
    .await;
    let owner = app.owner_token().await;
    app.chat_settings(&owner, settings).await;
    for (q, a) in [(PAY_Q, PAY_A), (SHIP_Q, SHIP_A), (SIZE_Q, SIZE_A)] {
        app.add_article(&owner, q, a).await;
    }
    let listed = app.get_json(&app.site_path("/articles"), &owner).await;
    let ids = listed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["question"].as_str().unwrap().to_owned(),
                a["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (app, owner, ids)
}

pub fn id_of(ids: &[(String, String)], question: &str) -> String {
    ids.iter().find(|(q, _)| q == question).unwrap().1.clone()
}

/// A completion as the bot's instructions ask for it.
pub fn answer(reply: &str, article: Option<&str>, confidence: f64, handoff: bool) -> Answer {
    Answer::Completion(
        json!({ "reply": reply, "article": article, "confidence": confidence, "handoff": handoff })
            .to_string(),
    )
}

/// Sends `text` and returns the bot's next message frame.
pub async fn ask(shopper: &mut Socket, id: &str, text: &str) -> Value {
    shopper
        .send(json!({ "type": "message", "client_msg_id": id, "text": text }))
        .await;
    shopper
        .until_named("the bot's message", |f| {
            f["type"] == "message" && f["author"]["kind"] == "bot"
        })
        .await
}

/// The grounding a request carried (its user message, parsed), after checking the request
/// is the fixed instructions then the data.
pub fn grounding_of(request: &Value) -> Value {
    let messages = request["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{request}");
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(
        messages[0]["content"], INSTRUCTIONS,
        "the instructions are the fixed text"
    );
    let data = messages[1]["content"].as_str().unwrap();
    serde_json::from_str(data.strip_prefix("DATA:\n").unwrap()).unwrap()
}

fn article_ids(grounding: &Value) -> Vec<String> {
    grounding["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_grounded_answer_reaches_the_shopper_as_the_bot_citing_its_article() {
    let provider = Provider::start().await;
    let (app, _owner, ids) = shop(&provider, json!({ "ai_bot": true })).await;
    let pay = id_of(&ids, PAY_Q);
    provider.script_for(
        INSTRUCTIONS,
        [answer(
            "Yes, you can pay with PayPal at checkout.",
            Some(&pay),
            0.92,
            false,
        )],
    );
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let said = ask(&mut shopper, "m1", "Can I pay with PayPal?").await;
    assert_eq!(said["author"]["kind"], "bot", "{said}");
    assert_eq!(said["author"]["name"], "Shop assistant", "{said}");
    assert_eq!(
        said["text"],
        format!("Yes, you can pay with PayPal at checkout.\n\nSource: {PAY_Q}"),
        "{said}"
    );

    let requests = provider.requests_for(INSTRUCTIONS);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["model"], MODEL);
    let grounding = grounding_of(&requests[0]);
    let offered = article_ids(&grounding);
    assert!(offered.contains(&pay), "the matching article: {grounding}");
    assert!(
        !offered.contains(&id_of(&ids, SIZE_Q)) && !offered.contains(&id_of(&ids, SHIP_Q)),
        "no unrelated article: {grounding}"
    );
    let body = grounding["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == pay.as_str())
        .unwrap();
    assert_eq!(body["title"], PAY_Q);
    assert_eq!(body["body"], PAY_A);
    let lines = grounding["conversation"].as_array().unwrap();
    assert_eq!(
        lines.last().unwrap(),
        &json!({ "from": "shopper", "text": "Can I pay with PayPal?" })
    );
    assert_eq!(
        grounding["orders"],
        json!([]),
        "an anonymous shopper has none"
    );

    // The transcript keeps it as the bot's, as the shopper saw it.
    let conversation = said["conversation_id"].as_str().unwrap().to_owned();
    let owner = app.owner_token().await;
    let transcript = app.conversation(&owner, &conversation).await;
    let stored = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["author"]["kind"] == "bot")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(stored["text"], said["text"], "{transcript}");
    app.stop().await;
}

#[tokio::test]
async fn an_unsure_or_declining_model_gives_way_to_the_keyword_answer_the_miss_and_the_handoff() {
    let provider = Provider::start().await;
    let (app, owner, ids) = shop(&provider, json!({ "ai_bot": true })).await;
    let pay = id_of(&ids, PAY_Q);
    provider.script_for(
        INSTRUCTIONS,
        [
            answer("PayPal, I think.", Some(&pay), 0.3, false),
            answer("Maybe.", Some(&pay), 0.99, true),
        ],
    );
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    // Below the default threshold (0.6): the knowledge base's own answer, uncited.
    let said = ask(&mut shopper, "m1", "Can I pay with PayPal?").await;
    assert_eq!(said["text"], PAY_A, "{said}");
    assert_eq!(provider.requests_for(INSTRUCTIONS).len(), 1);

    // A site whose keyword bot would miss, handing off at the first miss: the model
    // declines, so the bot misses and hands the chat to people, as without a model.
    let conversation = said["conversation_id"].as_str().unwrap().to_owned();
    app.chat_settings(
        &owner,
        json!({ "ai_bot": true, "bot_min_score": 100.0, "bot_max_misses": 1 }),
    )
    .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m2", "text": "Do you take PayPal?" }))
        .await;
    let status = shopper
        .until_named("the handoff", |f| {
            f["type"] == "status" && f["state"] == "queued"
        })
        .await;
    assert_eq!(status["conversation_id"], conversation.as_str());
    assert_eq!(provider.requests_for(INSTRUCTIONS).len(), 2);
    let stored = app.conversation(&owner, &conversation).await;
    assert_eq!(stored["conversation"]["handoff_reason"], "bot_missed");
    let bot_lines: Vec<_> = stored["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"]["kind"] == "bot")
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(
        bot_lines,
        vec![json!(PAY_A)],
        "nothing of the model's was sent"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_slow_or_malformed_provider_leaves_the_keyword_answer() {
    let provider = Provider::start().await;
    let (app, _owner, ids) = shop(&provider, json!({ "ai_bot": true })).await;
    let pay = id_of(&ids, PAY_Q);
    provider.script_for(
        INSTRUCTIONS,
        [
            Answer::Status(503),
            Answer::Malformed,
            Answer::Completion("Sure, PayPal works!".into()),
            Answer::Silent,
            // Cites an article it was not offered: nothing to stand on.
            answer("We take Bitcoin.", Some("art_notoffered"), 0.95, false),
        ],
    );
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    for (i, text) in [
        "Can I pay with PayPal?",
        "Do you accept PayPal?",
        "PayPal possible?",
        "Paying by PayPal ok?",
        "PayPal payment?",
    ]
    .iter()
    .enumerate()
    {
        let said = ask(&mut shopper, &format!("m{i}"), text).await;
        assert_eq!(said["text"], PAY_A, "message {i}: {said}");
    }
    let requests = provider.requests_for(INSTRUCTIONS);
    assert_eq!(requests.len(), 5, "each message asked the model");
    assert!(article_ids(&grounding_of(&requests[4])).contains(&pay));
    app.stop().await;
}

#[tokio::test]
async fn past_the_sites_daily_budget_the_bot_answers_as_without_the_model() {
    let provider = Provider::start().await;
    // Two calls a day: the new chat's triage and the bot's first answer.
    let (app, _owner, ids) = shop_with_budget(&provider, json!({ "ai_bot": true }), 2).await;
    let pay = id_of(&ids, PAY_Q);
    provider.script_for(
        INSTRUCTIONS,
        [
            answer("Yes, PayPal works.", Some(&pay), 0.9, false),
            answer("Still PayPal.", Some(&pay), 0.9, false),
        ],
    );
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let said = ask(&mut shopper, "m1", "Can I pay with PayPal?").await;
    assert_eq!(
        said["text"],
        format!("Yes, PayPal works.\n\nSource: {PAY_Q}")
    );
    provider.received(2).await;
    let said = ask(&mut shopper, "m2", "Do you accept PayPal?").await;
    assert_eq!(
        said["text"], PAY_A,
        "the budget acts before the call: {said}"
    );
    assert_eq!(provider.requests().len(), 2, "no third call was made");
    app.stop().await;
}

#[tokio::test]
async fn with_the_site_settings_off_nothing_goes_to_the_model_and_the_threshold_is_validated() {
    let provider = Provider::start().await;
    let (app, owner, ids) = shop(&provider, json!({})).await;
    let path = app.site_path("/chat-settings");
    let settings = app.get_json(&path, &owner).await;
    assert_eq!(settings["ai_bot"], false, "off by default: {settings}");
    assert_eq!(settings["ai_bot_min_confidence"], 0.6, "{settings}");
    let pay = id_of(&ids, PAY_Q);
    provider.script_for(
        INSTRUCTIONS,
        [answer("Yes, PayPal.", Some(&pay), 0.99, false)],
    );
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let said = ask(&mut shopper, "m1", "Can I pay with PayPal?").await;
    // The model would have been asked before this answer was sent, in the same task.
    assert_eq!(said["text"], PAY_A, "{said}");
    assert!(provider.requests_for(INSTRUCTIONS).is_empty());
    // `ai_bot` on but the site's master switch `ai_assist` off: still nothing goes out.
    app.chat_settings(&owner, json!({ "ai_bot": true, "ai_assist": false }))
        .await;
    let said = ask(&mut shopper, "m2", "Do you accept PayPal?").await;
    assert_eq!(said["text"], PAY_A, "{said}");
    assert!(provider.requests_for(INSTRUCTIONS).is_empty());

    for bad in [json!(1.5), json!(-0.1)] {
        let response = app
            .put(
                &path,
                &owner,
                json!({ "ai_bot": true, "ai_bot_min_confidence": bad }),
            )
            .await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field"], "ai_bot_min_confidence", "{body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn asking_for_a_person_hands_off_without_asking_the_model() {
    let provider = Provider::start().await;
    let (app, _owner, _) = shop(&provider, json!({ "ai_bot": true })).await;
    provider.script_for(
        INSTRUCTIONS,
        [answer("I can help you myself!", None, 0.99, false)],
    );
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "I want to talk to a person, please" }))
        .await;
    shopper
        .until_named("the handoff", |f| {
            f["type"] == "status" && f["state"] == "queued"
        })
        .await;
    // The new chat's triage was asked (it starts before the handoff is decided); the bot
    // was not, and has nothing to say in a chat people have.
    provider.received(1).await;
    assert!(provider.requests_for(INSTRUCTIONS).is_empty());
    assert!(
        !provider.requests()[0]["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains(INSTRUCTIONS)
    );
    app.stop().await;
}
