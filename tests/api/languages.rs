//! Languages (issue 20) over real sockets: articles' versions per language through the API,
//! the language a shopper is served in (`hello` → `welcome`), the bot answering from the
//! version in that language, the widget's catalogues served to any shop, and the server's
//! own lines (the bot's miss line, the transcript's notices, the rating) in the shopper's
//! language.

use crate::common::{Socket, TestApp, json_of, spawn_app_as_owner};
use reqwest::header;
use serde_json::{Value, json};

/// The site speaks `languages`.
async fn site_speaks(app: &TestApp, owner: &str, languages: &[&str]) {
    let path = app.site_path("/chat-settings");
    let mut settings = app.get_json(&path, owner).await;
    settings["languages"] = json!(languages);
    app.chat_settings(owner, settings).await;
}

fn shipping(translations: Value) -> Value {
    json!({
        "question": "How long does shipping take?",
        "answer": "Delivery takes 2 to 4 working days.",
        "translations": translations,
    })
}

#[tokio::test]
async fn articles_keep_their_versions_per_language_through_the_api() {
    let (app, owner) = spawn_app_as_owner().await;
    let articles = app.site_path("/articles");
    let created = app
        .created(
            &articles,
            &owner,
            shipping(json!({ "fr-CA": { "question": " Délai de livraison ? ", "answer": "2 à 4 jours." } })),
        )
        .await;
    assert_eq!(
        created["translations"],
        json!({ "fr": { "question": "Délai de livraison ?", "answer": "2 à 4 jours." } }),
        "keyed by language code, trimmed"
    );
    let one = format!("{articles}/{}", created["id"].as_str().unwrap());
    assert_eq!(json_of(app.get(&one, &owner).await, 200).await, created);

    // Replaced with the article: German added, French gone.
    let body =
        shipping(json!({ "de": { "question": "Versanddauer?", "answer": "2 bis 4 Tage." } }));
    let replaced = json_of(app.put(&one, &owner, body).await, 200).await;
    assert_eq!(replaced["translations"].as_object().unwrap().len(), 1);
    assert_eq!(replaced["translations"]["de"]["answer"], "2 bis 4 Tage.");

    // Replaced by a client that knows nothing of languages: the versions stay.
    let body = json!({ "question": "How long does shipping take?", "answer": "1 to 3 days." });
    let kept = json_of(app.put(&one, &owner, body).await, 200).await;
    assert_eq!(kept["answer"], "1 to 3 days.");
    assert_eq!(kept["translations"], replaced["translations"]);

    // Without versions: an empty object, as before languages.
    let plain = app
        .created(
            &articles,
            &owner,
            json!({ "question": "Returns?", "answer": "30 days." }),
        )
        .await;
    assert_eq!(plain["translations"], json!({}));

    // Bad versions are refused, naming the field; nothing is stored.
    let too_many: serde_json::Map<String, Value> = (0..21)
        .map(|i| {
            let code = format!("a{}", (b'a' + i) as char);
            (code, json!({ "question": "q", "answer": "a" }))
        })
        .collect();
    for (translations, field) in [
        (
            json!({ "not a tag": { "question": "q", "answer": "a" } }),
            "translations.not a tag",
        ),
        (
            json!({ "fr": { "question": "q", "answer": "  " } }),
            "translations.fr.answer",
        ),
        (
            json!({ "fr": { "question": "", "answer": "a" } }),
            "translations.fr.question",
        ),
        (
            json!({ "fr": { "question": "q".repeat(301), "answer": "a" } }),
            "translations.fr.question",
        ),
        (
            json!({ "fr": { "question": "q", "answer": "a" }, "FR": { "question": "q", "answer": "a" } }),
            "translations.fr",
        ),
        (Value::Object(too_many), "translations"),
    ] {
        let response = app
            .post(&articles, &owner, shipping(translations.clone()))
            .await;
        let body = json_of(response, 422).await;
        assert_eq!(body["error"]["field"], field, "{translations}: {body}");
    }
    let wrong_shape = app
        .post(&articles, &owner, shipping(json!({ "fr": "Délai ?" })))
        .await;
    assert_eq!(wrong_shape.status(), 400);
    let listed = json_of(app.get(&articles, &owner).await, 200).await;
    assert_eq!(listed["articles"].as_array().unwrap().len(), 2);
    app.stop().await;
}

/// A shopper's `hello` with `extra` fields; returns the socket and the `welcome`.
async fn shopper(app: &TestApp, extra: Value) -> (Socket, Value) {
    let mut socket = app.shopper().await;
    let welcome = socket.hello(extra).await;
    (socket, welcome)
}

/// Sends `text` and returns the bot's next message.
async fn bot_reply(socket: &mut Socket, text: &str) -> Value {
    socket
        .send(json!({ "type": "message", "client_msg_id": "q-1", "text": text }))
        .await;
    socket
        .until_named("the bot's answer", |f| {
            f["type"] == "message" && f["author"]["kind"] == "bot"
        })
        .await
}

async fn bot_answer(socket: &mut Socket, text: &str) -> String {
    let answer = bot_reply(socket, text).await;
    answer["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_shopper_is_served_in_their_language_and_the_bot_answers_in_it() {
    let (app, owner) = spawn_app_as_owner().await;
    site_speaks(&app, &owner, &["en", "fr"]).await;
    app.created(
        &app.site_path("/articles"),
        &owner,
        shipping(json!({ "fr": {
            "question": "Combien de temps prend la livraison ?",
            "answer": "La livraison prend 2 à 4 jours ouvrés."
        } })),
    )
    .await;

    // A French browser: French, and the French version answers a French question.
    let (mut french, welcome) = shopper(&app, json!({ "languages": ["fr-FR", "en-US"] })).await;
    assert_eq!(welcome["appearance"]["language"], "fr", "{welcome}");
    assert_eq!(
        bot_answer(&mut french, "Quel est le délai de livraison ?").await,
        "La livraison prend 2 à 4 jours ouvrés."
    );

    // A browser the site does not speak: the site's first language, the article as written.
    let (mut other, welcome) = shopper(&app, json!({ "languages": ["ja", "de"] })).await;
    assert_eq!(welcome["appearance"]["language"], "en", "{welcome}");
    assert_eq!(
        bot_answer(&mut other, "How long does shipping take?").await,
        "Delivery takes 2 to 4 working days."
    );

    // The shop's choice wins over the browser's; an old widget (no languages) gets the
    // site's first language as before.
    let (_, welcome) = shopper(&app, json!({ "language": "fr", "languages": ["en"] })).await;
    assert_eq!(welcome["appearance"]["language"], "fr");
    let (_, welcome) = shopper(&app, json!({})).await;
    assert_eq!(welcome["appearance"]["language"], "en");

    // Too many languages in one hello: refused with the field named; the socket still works.
    let mut flood = app.shopper().await;
    let many: Vec<String> = (0..17).map(|i| format!("x{i}")).collect();
    flood
        .send(json!({ "type": "hello", "languages": many }))
        .await;
    let refused = flood.recv().await;
    assert_eq!(
        (&refused["type"], &refused["code"], &refused["field"]),
        (
            &json!("error"),
            &json!("invalid_field"),
            &json!("languages")
        ),
        "{refused}"
    );
    let welcome = flood.hello(json!({ "languages": ["fr"] })).await;
    assert_eq!(welcome["appearance"]["language"], "fr");
    app.stop().await;
}

#[tokio::test]
async fn the_widgets_catalogues_are_served_to_any_shop_and_unknown_ones_are_404() {
    let (app, _) = spawn_app_as_owner().await;
    let french = app
        .http
        .get(app.url("/widget/lang/fr.json"))
        .header(header::ORIGIN, "https://any-shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(french.status(), 200);
    let headers = french.headers().clone();
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let strings: Value = french.json().await.unwrap();
    assert_eq!(strings["title"], "Discutons");
    assert_eq!(strings["rateStars"], json!(["1 étoile", " étoiles"]));

    let etag = headers[header::ETAG].to_str().unwrap();
    let again = app
        .http
        .get(app.url("/widget/lang/fr.json"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    for missing in [
        "/widget/lang/xx.json",
        "/widget/lang/fr",
        "/widget/lang/.json",
    ] {
        let response = app.http.get(app.url(missing)).send().await.unwrap();
        let body = json_of(response, 404).await;
        assert_eq!(body["error"]["code"], "not_found", "{missing}: {body}");
    }
    app.stop().await;
}

/// A rule that greets every product page, in English and French.
fn greeting_rule(translations: Value) -> Value {
    json!({
        "name": "Greet",
        "when": "page_view",
        "conditions": { "fact": "page.type", "op": "eq", "value": "product" },
        "actions": [{ "type": "message", "text": "Need help with the {{ page.title }}?",
                      "translations": translations, "bot_name": "Ava" }],
        "frequency": { "once_per": "visitor" }
    })
}

#[tokio::test]
async fn a_rules_message_is_sent_in_the_shoppers_language_when_it_has_a_version() {
    let (app, owner) = spawn_app_as_owner().await;
    site_speaks(&app, &owner, &["en", "fr"]).await;
    app.create_rule(
        &owner,
        greeting_rule(json!({ "fr-FR": "Besoin d'aide avec {{ page.title }} ?" })),
    )
    .await;
    let page =
        json!({ "url": "https://shop.example/p/jacket", "title": "Veste", "type": "product" });
    for (languages, expected) in [
        (json!(["fr"]), "Besoin d'aide avec Veste ?"),
        (json!(["en"]), "Need help with the Veste?"),
        (json!(["ja"]), "Need help with the Veste?"),
    ] {
        let (mut shopper, _) = shopper(&app, json!({ "languages": languages, "page": page })).await;
        let (_, before) = shopper.recv_type("proactive").await;
        let message = before
            .iter()
            .find(|f| f["type"] == "message")
            .expect("the message comes first");
        assert_eq!(message["text"], expected, "{languages}");
    }

    // Bad versions are refused by path.
    let rules = app.site_path("/rules");
    for (translations, path) in [
        (
            json!({ "not a tag": "x" }),
            "actions[0].translations.not a tag",
        ),
        (json!({ "fr": "" }), "actions[0].translations.fr"),
        (json!({ "fr": "{{ unclosed" }), "actions[0].translations.fr"),
        (json!("Bonjour"), "actions[0].translations"),
    ] {
        let response = app
            .post(&rules, &owner, greeting_rule(translations.clone()))
            .await;
        let body = json_of(response, 422).await;
        let paths: Vec<&str> = body["error"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["path"].as_str())
            .collect();
        assert!(paths.contains(&path), "{translations}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_canned_reply_is_previewed_in_the_shoppers_language() {
    let (app, owner) = spawn_app_as_owner().await;
    site_speaks(&app, &owner, &["en", "fr"]).await;
    let replies = app.site_path("/canned-replies");
    let reply = app
        .created(
            &replies,
            &owner,
            json!({ "shortcut": "hi", "body": "Hello {{ shopper.name }}!",
                    "translations": { "fr-FR": "Bonjour {{ shopper.name }} !" } }),
        )
        .await;
    assert_eq!(
        reply["translations"],
        json!({ "fr": "Bonjour {{ shopper.name }} !" })
    );
    let id = reply["id"].as_str().unwrap().to_owned();

    // The preview for a French shopper's chat is French; for an English one, as written.
    for (languages, expected) in [
        (json!(["fr"]), "Bonjour Eva !"),
        (json!(["en"]), "Hello Eva!"),
    ] {
        let (mut shopper, _) = shopper(&app, json!({ "languages": languages })).await;
        shopper
            .send(json!({ "type": "event", "name": "identify", "props": { "name": "Eva" } }))
            .await;
        shopper
            .send(json!({ "type": "message", "client_msg_id": "q1", "text": "Hello?" }))
            .await;
        let (ack, _) = shopper.recv_type("ack").await;
        shopper.drain().await;
        let conversation = ack["conversation_id"].as_str().unwrap();
        let path = app.site_path(&format!(
            "/conversations/{conversation}/canned-replies/{id}/preview"
        ));
        let preview = json_of(app.post(&path, &owner, json!({})).await, 200).await;
        assert_eq!(preview["text"], expected, "{languages}");
    }

    // A PUT without `translations` keeps them; bad versions are refused by field.
    let one = format!("{replies}/{id}");
    let kept = json_of(
        app.put(
            &one,
            &owner,
            json!({ "shortcut": "hi", "body": "Hi {{ shopper.name }}!" }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kept["translations"], reply["translations"]);
    for (translations, field) in [
        (json!({ "fr": "{{ unclosed" }), "translations.fr"),
        (json!({ "fr": "" }), "translations.fr"),
        (json!({ "!!": "x" }), "translations.!!"),
    ] {
        let body = json!({ "shortcut": "hi", "body": "Hi", "translations": translations });
        let refused = json_of(app.put(&one, &owner, body).await, 422).await;
        assert_eq!(refused["error"]["field"], field, "{refused}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_greeting_is_in_the_shoppers_language_when_the_site_wrote_one() {
    let (app, owner) = spawn_app_as_owner().await;
    let path = app.site_path("/chat-settings");
    let mut settings = app.get_json(&path, &owner).await;
    settings["languages"] = json!(["en", "fr", "de"]);
    settings["greeting"] = json!("Hi! How can we help?");
    settings["greeting_translations"] = json!({ "fr": "Bonjour ! Comment pouvons-nous aider ?" });
    app.chat_settings(&owner, settings.clone()).await;

    let (_french, welcome) = shopper(&app, json!({ "languages": ["fr-FR"] })).await;
    assert_eq!(
        welcome["appearance"]["greeting"], "Bonjour ! Comment pouvons-nous aider ?",
        "{welcome}"
    );
    // A language the site speaks but wrote no greeting for: the greeting as written.
    let (_german, welcome) = shopper(&app, json!({ "languages": ["de-DE"] })).await;
    assert_eq!(welcome["appearance"]["greeting"], "Hi! How can we help?");

    // A version under something that is not a language code, or empty, names its field.
    for (bad, field) in [
        (
            json!({ "français": "Bonjour" }),
            "greeting_translations.français",
        ),
        (json!({ "fr": "  " }), "greeting_translations.fr"),
    ] {
        settings["greeting_translations"] = bad;
        let body = json_of(app.put(&path, &owner, settings.clone()).await, 400).await;
        assert!(body.to_string().contains(field), "{body}");
    }
    app.stop().await;
}

/// The server's own lines in the transcript, as a shopper's tab receives them: the system
/// message that satisfies `text`.
async fn system_line(socket: &mut Socket, what: &str, text: impl Fn(&str) -> bool) -> String {
    let frame = socket
        .until_named(what, |f| {
            f["type"] == "message"
                && f["author"]["kind"] == "system"
                && f["text"].as_str().is_some_and(&text)
        })
        .await;
    frame["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_servers_own_lines_are_in_the_shoppers_language() {
    let (app, owner) = spawn_app_as_owner().await;
    site_speaks(&app, &owner, &["en", "fr"]).await;
    app.created(&app.site_path("/articles"), &owner, shipping(json!({})))
        .await;
    let (mut agent, _) = app.agent(&owner).await;

    // (the browser's languages, a question the articles do not answer, the widget's button
    // the miss line names, then the lines when the agent joins, closes, and the rating)
    let cases = [
        (
            json!(["fr-FR", "en"]),
            "Vendez-vous des parapluies ?",
            ("Je ne suis pas certain", "« Parler à une personne »"),
            [
                "owner a rejoint la conversation.",
                "owner a clôturé la conversation.",
                "Le client a noté cette conversation 5/5 ★★★★★",
            ],
        ),
        (
            json!(["en-GB"]),
            "Do you sell umbrellas?",
            ("I'm not sure about that one.", "\"Talk to a person\""),
            [
                "owner joined the conversation.",
                "owner closed the conversation.",
                "The shopper rated this chat 5/5 ★★★★★",
            ],
        ),
    ];
    for (languages, question, (miss_start, button), [joined, closed, rated]) in cases {
        let (mut shopper, _) = shopper(&app, json!({ "languages": languages })).await;

        // The bot misses, and says so in the shopper's language, naming the widget's button.
        let reply = bot_reply(&mut shopper, question).await;
        let conversation = reply["conversation_id"].as_str().unwrap().to_owned();
        let miss = reply["text"].as_str().unwrap();
        assert!(
            miss.starts_with(miss_start) && miss.contains(button),
            "{languages}: {miss}"
        );

        // An agent takes the chat from the bot: the shopper reads who joined.
        agent
            .send(json!({ "type": "take", "conversation_id": conversation, "ref": "t" }))
            .await;
        let ok = agent.until(|f| f["ref"] == "t").await;
        assert_eq!(ok["type"], "ok", "{ok}");
        let line = system_line(&mut shopper, "the joined line", |t| t.starts_with("owner")).await;
        assert_eq!(line, joined, "{languages}");

        // The agent closes it, the shopper rates it: both lines in the shopper's language.
        agent
            .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c" }))
            .await;
        let ok = agent.until(|f| f["ref"] == "c").await;
        assert_eq!(ok["type"], "ok", "{ok}");
        let line = system_line(&mut shopper, "the closed line", |t| t.starts_with("owner")).await;
        assert_eq!(line, closed, "{languages}");
        shopper
            .send(json!({ "type": "rate", "conversation_id": conversation, "score": 5 }))
            .await;
        let line = system_line(&mut shopper, "the rating line", |t| t.contains("5/5")).await;
        assert_eq!(line, rated, "{languages}");

        // The transcript keeps the shopper's words, which the agents read too.
        let transcript = app.conversation(&owner, &conversation).await;
        let texts: Vec<&str> = transcript["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["text"].as_str())
            .collect();
        for line in [joined, closed, rated] {
            assert!(texts.contains(&line), "{languages}: {texts:?}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_shopper_waiting_for_a_person_is_told_in_their_language() {
    let (app, owner) = spawn_app_as_owner().await;
    site_speaks(&app, &owner, &["en", "fr"]).await;
    for (languages, asked, thanks) in [
        (
            json!(["fr"]),
            "Vous avez demandé à parler à une personne ; nous vous mettons en relation.",
            "Merci ! Nous vous répondrons à eva@example.com dès que quelqu'un sera de retour.",
        ),
        (
            json!(["en"]),
            "You asked for a person; connecting you now.",
            "Thanks! We will reply to eva@example.com as soon as someone is back.",
        ),
    ] {
        // "Talk to a person" before any message opens a chat in the queue, its first line the
        // handoff notice; with nobody online the shopper leaves an address and is thanked.
        let (mut shopper, _) = shopper(&app, json!({ "languages": languages })).await;
        shopper.send(json!({ "type": "handoff" })).await;
        let line = system_line(&mut shopper, "the handoff line", |_| true).await;
        assert_eq!(line, asked, "{languages}");
        shopper
            .send(json!({ "type": "contact", "email": "eva@example.com" }))
            .await;
        let line = system_line(&mut shopper, "the thanks", |t| t.contains("eva@")).await;
        assert_eq!(line, thanks, "{languages}");
    }
    app.stop().await;
}
