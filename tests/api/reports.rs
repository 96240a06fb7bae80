//! The owners' site report, suggested replies, the visitor filter and a visitor's orders,
//! driven by real shoppers and agents over real sockets.

use crate::common::{PASSWORD, Shopper, TestApp, json_of, spawn_app, spawn_app_as_owner};
use serde_json::{Value, json};

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let path = format!("/api/v1/sites/{}/{path}", app.seed.site_id);
    app.created(&path, token, body).await
}

/// A shopper who said hello; returns the socket and its visitor id.
async fn shopper(app: &TestApp) -> (Shopper, String) {
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    (shopper, visitor)
}

/// The shopper asks for a person; returns the queued conversation's id.
async fn asks_for_person(shopper: &mut Shopper) -> String {
    shopper.send(json!({ "type": "handoff" })).await;
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "queued", "{status}");
    status["conversation_id"].as_str().unwrap().to_owned()
}

async fn says(shopper: &mut Shopper, id: &str, text: &str) -> String {
    shopper
        .send(json!({ "type": "message", "client_msg_id": id, "text": text }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    ack["conversation_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_site_report_counts_days_handoffs_first_responses_and_rules() {
    let (app, owner) = spawn_app_as_owner().await;
    let report_path = format!("/api/v1/sites/{}/report", app.seed.site_id);
    let empty = json_of(app.get(&report_path, &owner).await, 200).await;
    assert_eq!(empty["days"].as_array().unwrap().len(), 14);
    assert_eq!(empty["totals"]["conversations"], 0);
    assert_eq!(
        empty["first_response"],
        json!({ "count": 0, "median_ms": null, "p90_ms": null })
    );

    // An article makes the bot available; a rule sends big carts to people.
    created(
        &app,
        &owner,
        "articles",
        json!({ "question": "How long does shipping take?", "answer": "Orders ship within 24 hours." }),
    )
    .await;
    let rule = created(
        &app,
        &owner,
        "rules",
        json!({
            "name": "Big cart to a person",
            "when": "cart_update",
            "conditions": { "all": [{ "fact": "cart.total", "op": "gte", "value": 200 }] },
            "actions": [{ "type": "route_to_human", "priority": "high" }]
        }),
    )
    .await;
    let rule_id = rule["id"].as_str().unwrap();

    // 1: the shopper asks for a person and an agent answers.
    let (mut asker, _) = shopper(&app).await;
    let asked = asks_for_person(&mut asker).await;
    let reply = app.agent_says(&owner, &asked, "Hi, how can I help?").await;
    // 2: the bot answers and nobody else is needed.
    let (mut reader, _) = shopper(&app).await;
    reader
        .send(json!({ "type": "message", "client_msg_id": "q", "text": "how long does shipping take?" }))
        .await;
    // The ack, the echo of the shopper's line and the bot's answer, whatever their order.
    let mut bot_answered = false;
    while !bot_answered {
        let frame = reader.recv().await;
        bot_answered = frame["type"] == "message" && frame["author"]["kind"] == "bot";
    }
    // 3: a big cart goes to people; nobody answers.
    let (mut buyer, _) = shopper(&app).await;
    buyer
        .send(json!({ "type": "event", "name": "cart_update", "props": { "total": 340, "currency": "EUR", "items": [] } }))
        .await;
    let (status, _) = buyer.recv_type("status").await;
    assert_eq!(status["state"], "queued");
    buyer.drain().await;

    let report = json_of(app.get(&format!("{report_path}?days=3"), &owner).await, 200).await;
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 3);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        days[2],
        json!({ "date": today, "conversations": 3, "handed_off": 2 })
    );
    assert_eq!(days[0]["conversations"], 0);
    assert!(days[0]["date"].as_str().unwrap() < days[1]["date"].as_str().unwrap());
    assert_eq!(
        report["handoff_reasons"],
        json!({ "shopper_asked": 1, "bot_missed": 0, "trigger": 1, "external_bot": 0, "order_help": 0 })
    );
    assert_eq!(
        report["totals"],
        json!({ "conversations": 3, "bot_only": 1, "with_agent": 1 })
    );
    // The wait is exactly from queueing to the agent's first message.
    let stored = app.conversation(&owner, &asked).await;
    let waited = reply["message"]["ts"].as_i64().unwrap()
        - stored["conversation"]["queued_at"].as_i64().unwrap();
    assert!(waited >= 0);
    assert_eq!(
        report["first_response"],
        json!({ "count": 1, "median_ms": waited, "p90_ms": waited })
    );
    let from = report["from"].as_i64().unwrap();
    let to = report["to"].as_i64().unwrap();
    assert_eq!(from % 86_400_000, 0, "the window starts at midnight UTC");
    assert!(to - from > 2 * 86_400_000 && to - from <= 3 * 86_400_000);

    // Each rule's numbers are exactly its own report's.
    let rules = report["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    let own: Value = json_of(
        app.get(
            &format!("/api/v1/sites/{}/rules/{rule_id}/report", app.seed.site_id),
            &owner,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rules[0]["rule_id"], rule_id);
    assert_eq!(rules[0]["name"], "Big cart to a person");
    assert_eq!(rules[0]["enabled"], true);
    assert_eq!(rules[0]["shown"], own["shown"]);
    assert_eq!(rules[0]["held_out"], own["held_out"]);
    assert_eq!(rules[0]["uplift"], own["uplift"]);
    assert_eq!(rules[0]["shown"]["fired"], 1);
    app.stop().await;
}

#[tokio::test]
async fn the_report_is_for_owners_and_days_must_be_1_to_90() {
    let (app, owner) = spawn_app_as_owner().await;
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    let path = format!("/api/v1/sites/{}/report", app.seed.site_id);
    for bad in ["0", "91", "-1", "x", "1.5", ""] {
        let refused = json_of(app.get(&format!("{path}?days={bad}"), &owner).await, 400).await;
        assert_eq!(refused["error"]["field"], "days", "days={bad}");
    }
    for good in [1, 90] {
        let report = json_of(app.get(&format!("{path}?days={good}"), &owner).await, 200).await;
        assert_eq!(report["days"].as_array().unwrap().len(), good);
    }
    assert_eq!(app.get(&path, &agent).await.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn suggestions_rank_canned_replies_and_articles_against_the_shoppers_last_message() {
    let (app, owner) = spawn_app_as_owner().await;
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    let size = created(
        &app,
        &owner,
        "canned-replies",
        json!({ "shortcut": "size", "title": "Size advice",
                "body": "Our jackets run small, so take one size up. Your cart: {{ cart.total_formatted }}." }),
    )
    .await;
    created(
        &app,
        &owner,
        "canned-replies",
        json!({ "shortcut": "thanks", "body": "Thank you for shopping with us!" }),
    )
    .await;
    created(
        &app,
        &owner,
        "canned-replies",
        json!({ "shortcut": "ship", "body": "We ship within 24 hours." }),
    )
    .await;
    let article = created(
        &app,
        &owner,
        "articles",
        json!({ "question": "How do I find my size?", "answer": "Every product page has a size chart." }),
    )
    .await;

    let (mut shopper, _) = shopper(&app).await;
    let conversation = asks_for_person(&mut shopper).await;
    let path = format!(
        "/api/v1/sites/{}/conversations/{conversation}/suggestions",
        app.seed.site_id
    );
    let none = json_of(app.get(&path, &agent).await, 200).await;
    assert_eq!(none, json!({ "query": null, "suggestions": [] }));

    shopper
        .send(json!({ "type": "event", "name": "cart_update", "props": { "total": 89.9, "currency": "EUR", "items": [] } }))
        .await;
    assert_eq!(
        says(&mut shopper, "m1", "which size should I take?").await,
        conversation
    );
    shopper.drain().await;

    let got = json_of(app.get(&path, &agent).await, 200).await;
    assert_eq!(got["query"], "which size should I take?");
    let list = got["suggestions"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 5, "{got}");
    let first = &list[0];
    assert_eq!(first["kind"], "canned");
    assert_eq!(first["id"], size["id"]);
    assert_eq!(first["title"], "Size advice");
    assert_eq!(first["shortcut"], "/size");
    assert_eq!(
        first["text"],
        "Our jackets run small, so take one size up. Your cart: 89.90 EUR."
    );
    // The same text the preview gives.
    let preview = json_of(
        app.post(
            &format!(
                "/api/v1/sites/{}/conversations/{conversation}/canned-replies/{}/preview",
                app.seed.site_id,
                size["id"].as_str().unwrap()
            ),
            &agent,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(first["text"], preview["text"]);
    let found = list
        .iter()
        .find(|s| s["kind"] == "article")
        .expect("the size article is suggested");
    assert_eq!(found["id"], article["id"]);
    assert_eq!(found["title"], "How do I find my size?");
    assert_eq!(found["text"], "Every product page has a size chart.");
    assert!(found.get("shortcut").is_none());
    assert!(
        list.iter().all(|s| s["shortcut"] != "/thanks"),
        "nothing about thanks: {got}"
    );
    let scores: Vec<f64> = list.iter().map(|s| s["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|s| *s > 0.0));

    // Another site's agent, in their own site's path, finds no such conversation.
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let elsewhere = format!(
        "/api/v1/sites/{}/conversations/{conversation}/suggestions",
        app.seed.other_site_id
    );
    assert_eq!(app.get(&elsewhere, &outsider).await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn conversations_filter_by_visitor_and_a_visitor_shows_its_orders() {
    let app = spawn_app().await;
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    let (mut eva, eva_id) = shopper(&app).await;
    let evas = says(&mut eva, "e", "hello from Eva").await;
    let (mut tom, _) = shopper(&app).await;
    let toms = says(&mut tom, "t", "hello from Tom").await;
    assert_ne!(evas, toms);

    let list = format!("/api/v1/sites/{}/conversations", app.seed.site_id);
    let all = json_of(app.get(&list, &agent).await, 200).await;
    assert_eq!(all["conversations"].as_array().unwrap().len(), 2);
    let only = json_of(
        app.get(&format!("{list}?visitor={eva_id}"), &agent).await,
        200,
    )
    .await;
    let ids: Vec<&Value> = only["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(evas)]);
    let bad = json_of(app.get(&format!("{list}?visitor=nope"), &agent).await, 400).await;
    assert_eq!(bad["error"]["field"], "visitor");

    eva.send(json!({ "type": "event", "name": "purchase", "props": { "order_id": "A-7", "total": 20, "currency": "EUR" } }))
        .await;
    eva.drain().await;
    let visitor = json_of(
        app.get(
            &format!("/api/v1/sites/{}/visitors/{eva_id}", app.seed.site_id),
            &agent,
        )
        .await,
        200,
    )
    .await;
    let orders = visitor["orders"].as_array().expect("orders listed");
    assert_eq!(orders.len(), 1, "{visitor}");
    assert_eq!(orders[0]["id"], "A-7");
    assert_eq!(orders[0]["total"], 20.0);
    assert_eq!(orders[0]["currency"], "EUR");
    app.stop().await;
}
