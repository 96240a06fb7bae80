//! Conversations end to end over real sockets: the bot answers from an article, the shopper
//! asks for a person, an agent takes the chat, both sides talk and type, the chat is
//! transferred and closed; races, the offline path, notes. Grace periods and the external bot
//! have their own files.

use crate::common::{PASSWORD, Shopper, TestApp, spawn_app_as_owner};
use serde_json::{Value, json};

/// An agent frame about a conversation in a given state.
pub fn conversation_in(id: &str, state: &'static str) -> impl Fn(&Value) -> bool {
    let id = id.to_owned();
    move |f: &Value| {
        f["type"] == "conversation"
            && f["conversation"]["id"] == id.as_str()
            && f["conversation"]["state"] == state
    }
}

/// A shopper who has said hello and asked for a person; returns the queued conversation id.
pub async fn waiting_shopper(app: &TestApp) -> (Shopper, String) {
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper.send(json!({ "type": "handoff" })).await;
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "queued", "{status}");
    let id = status["conversation_id"].as_str().unwrap().to_owned();
    (shopper, id)
}

#[tokio::test]
async fn bot_answers_then_a_person_takes_over_talks_transfers_and_closes() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    app.add_article(
        &owner,
        "How long does shipping take?",
        "We ship within 2 working days; delivery takes 3 to 5 days.",
    )
    .await;
    app.add_article(
        &owner,
        "Can I return an item?",
        "Yes, within 30 days, free of charge.",
    )
    .await;
    // Agents pick chats from the queue by hand on this site.
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut ann_ws, ready) = app.agent(&owner).await;
    assert_eq!(ready["agent"]["status"], "online");
    let (mut bob_ws, _) = app.agent(&bob).await;

    // The bot answers from the article, labelled as a bot, offering a person.
    let mut shopper = app.shopper().await;
    let welcome = shopper
        .hello(json!({ "page": { "url": "https://shop.example/jackets/alpine" } }))
        .await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    let joined = ann_ws
        .until(|f| f["type"] == "visitor" && f["visitor"]["visitor_id"] == visitor.as_str())
        .await;
    assert_eq!(joined["change"], "joined");
    assert_eq!(
        joined["visitor"]["current_page"]["path"], "/jackets/alpine",
        "live visitors show the page"
    );
    shopper
        .send(json!({ "type": "message", "client_msg_id": "s1", "text": "how long does shipping take to Germany?" }))
        .await;
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "bot");
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    let answer = loop {
        let (m, _) = shopper.recv_type("message").await;
        if m["author"]["kind"] == "bot" {
            break m;
        }
    };
    assert!(
        answer["text"].as_str().unwrap().contains("2 working days"),
        "{answer}"
    );
    assert_eq!(answer["offers_handoff"], true);

    // Asking for a person hands the chat to the queue; agents see it waiting.
    shopper
        .send(json!({ "type": "message", "client_msg_id": "s2", "text": "I'd rather talk to a real person please" }))
        .await;
    let (status, skipped) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "queued");
    assert!(
        skipped
            .iter()
            .any(|f| f["author"]["kind"] == "system"
                && f["text"].as_str().unwrap().contains("person")),
        "the transcript says why: {skipped:?}"
    );
    let queued = ann_ws.until(conversation_in(&conversation, "queued")).await;
    assert_eq!(queued["conversation"]["handoff_reason"], "shopper_asked");

    // Ann takes it; the shopper learns who joined.
    ann_ws
        .send(json!({ "type": "take", "conversation_id": conversation, "ref": "t1" }))
        .await;
    let ok = ann_ws.until(|f| f["ref"] == "t1").await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "assigned");
    assert_eq!(status["agent"], "owner");

    // Typing both ways.
    ann_ws
        .send(json!({ "type": "typing", "conversation_id": conversation }))
        .await;
    let (typing, _) = shopper.recv_type("typing").await;
    assert_eq!(typing["author"]["kind"], "agent");
    assert_eq!(typing["active"], true);
    shopper
        .send(json!({ "type": "typing", "active": true }))
        .await;
    let typing = ann_ws
        .until(|f| f["type"] == "typing" && f["author"]["kind"] == "shopper")
        .await;
    assert_eq!(typing["conversation_id"], conversation.as_str());

    // Messages both ways; the agent's is acknowledged once per client_msg_id.
    ann_ws
        .send(json!({ "type": "message", "conversation_id": conversation, "client_msg_id": "a1", "text": "Hi, I'm Ann. Which size?" }))
        .await;
    let ack = ann_ws.until(|f| f["type"] == "ack").await;
    assert_eq!(ack["client_msg_id"], "a1");
    let (m, _) = shopper.recv_type("message").await;
    assert_eq!(m["author"]["kind"], "agent");
    assert_eq!(m["text"], "Hi, I'm Ann. Which size?");
    ann_ws
        .send(json!({ "type": "message", "conversation_id": conversation, "client_msg_id": "a1", "text": "Hi, I'm Ann. Which size?" }))
        .await;
    let again = ann_ws.until(|f| f["type"] == "ack").await;
    assert_eq!(again["message"]["id"], ack["message"]["id"], "stored once");
    shopper
        .send(json!({ "type": "message", "client_msg_id": "s3", "text": "Medium, thanks" }))
        .await;
    let heard = ann_ws
        .until(|f| f["type"] == "message" && f["message"]["author"]["kind"] == "shopper")
        .await;
    assert_eq!(heard["message"]["text"], "Medium, thanks");

    // Ann hands it to Bob, who is told; Bob closes it.
    let bob_id = app.agent_id(&owner, "bob@shop.example").await;
    ann_ws
        .send(json!({ "type": "transfer", "conversation_id": conversation, "to_agent": bob_id, "ref": "x" }))
        .await;
    let ok = ann_ws.until(|f| f["ref"] == "x").await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str());
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["agent"], "bob");
    // Ann no longer has it: her close is refused.
    ann_ws
        .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c0" }))
        .await;
    let refused = ann_ws.until(|f| f["ref"] == "c0").await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    bob_ws
        .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c1" }))
        .await;
    let ok = bob_ws.until(|f| f["ref"] == "c1").await;
    assert_eq!(ok["type"], "ok", "{ok}");
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["state"], "closed");

    // The transcript has every step, system lines included, in order.
    let transcript = app.conversation(&owner, &conversation).await;
    let kinds: Vec<&str> = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["author"]["kind"].as_str().unwrap_or("note"))
        .collect();
    assert_eq!(
        kinds,
        [
            "shopper", "bot", "shopper", "system", "system", "agent", "shopper", "system", "system"
        ],
        "{transcript}"
    );
    app.stop().await;
}

#[tokio::test]
async fn two_agents_taking_the_same_chat_at_once_exactly_one_wins() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (mut bob_ws, _) = app.agent(&bob).await;
    for round in 0..5 {
        let (_shopper, conversation) = waiting_shopper(&app).await;
        let take = |r: &str| json!({ "type": "take", "conversation_id": conversation, "ref": r });
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        // Both commands are on the wire before either answer is read.
        ann_ws.send(take(&a)).await;
        bob_ws.send(take(&b)).await;
        let ann = ann_ws.until(|f| f["ref"] == a.as_str()).await;
        let bob = bob_ws.until(|f| f["ref"] == b.as_str()).await;
        let wins = [&ann, &bob].iter().filter(|f| f["type"] == "ok").count();
        assert_eq!(wins, 1, "exactly one wins: {ann} / {bob}");
        let loser = if ann["type"] == "ok" { &bob } else { &ann };
        assert_eq!(loser["code"], "not_allowed");
        let stored = app.conversation(&owner, &conversation).await;
        assert_eq!(stored["conversation"]["state"], "assigned");
        let joined = stored["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["text"].as_str().unwrap_or("").contains("joined"))
            .count();
        assert_eq!(joined, 1, "one join in the transcript");
    }
    app.stop().await;
}

#[tokio::test]
async fn nobody_online_the_shopper_is_told_leaves_an_email_and_agents_find_it_later() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q", "text": "Do you ship to Norway?" }))
        .await;
    let status = loop {
        let (s, _) = shopper.recv_type("status").await;
        if s["nobody_online"] == true {
            break s;
        }
    };
    assert_eq!(status["state"], "queued");
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "contact", "email": "not an email" }))
        .await;
    let (err, _) = shopper.recv_type("error").await;
    assert_eq!(err["field"], "email");
    shopper
        .send(json!({ "type": "contact", "email": "kari@example.no" }))
        .await;
    let (thanks, _) = shopper.recv_type("message").await;
    assert!(thanks["text"].as_str().unwrap().contains("kari@example.no"));

    // An agent coming online sees the waiting chat with the email, and routing gives it.
    let (mut ann_ws, ready) = app.agent(&owner).await;
    let waiting = ready["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == conversation.as_str())
        .cloned()
        .expect("the offline message is listed");
    assert_eq!(waiting["contact_email"], "kari@example.no");
    let routed = ann_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str());
    app.stop().await;
}

#[tokio::test]
async fn internal_notes_reach_agents_and_never_the_shopper() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (mut bob_ws, _) = app.agent(&bob).await;
    let (mut shopper, conversation) = waiting_shopper(&app).await;
    ann_ws
        .send(json!({ "type": "note", "conversation_id": conversation, "text": "VIP: gold customer", "ref": "n" }))
        .await;
    assert_eq!(ann_ws.until(|f| f["ref"] == "n").await["type"], "ok");
    let seen = bob_ws.until(|f| f["type"] == "note").await;
    assert_eq!(seen["note"]["text"], "VIP: gold customer");
    let path = format!(
        "/api/v1/sites/{}/conversations/{conversation}/notes",
        app.seed.site_id
    );
    let response = app
        .post(&path, &bob, json!({ "text": "asked about sizes" }))
        .await;
    assert_eq!(response.status(), 201);

    let frames = shopper.drain().await;
    let leaked: Vec<&Value> = frames
        .iter()
        .filter(|f| f.to_string().contains("VIP") || f.to_string().contains("asked about"))
        .collect();
    assert!(leaked.is_empty(), "notes reached the shopper: {leaked:?}");
    // Nor on a reconnect replay.
    let transcript = app.conversation(&owner, &conversation).await;
    let notes: Vec<&Value> = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .collect();
    assert_eq!(notes.len(), 2);
    let messages: Value = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/conversations/{conversation}/messages",
                app.seed.site_id
            ),
            &owner,
        )
        .await;
    assert!(!messages.to_string().contains("VIP"));
    app.stop().await;
}

#[tokio::test]
async fn keyword_rules_tag_and_raise_priority_and_conversations_filter_and_search() {
    let (app, owner) = spawn_app_as_owner().await;
    app.chat_settings(
        &owner,
        json!({ "keyword_rules": [{ "keywords": ["refund", "money back"], "tag": "refund", "priority": 3 }] }),
    )
    .await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "r", "text": "I want my money back for order 991" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let id = ack["conversation_id"].as_str().unwrap();
    let mut other = app.shopper().await;
    other.hello(json!({})).await;
    other
        .send(json!({ "type": "message", "client_msg_id": "o", "text": "Nice shop" }))
        .await;
    other.recv_type("ack").await;
    shopper.drain().await;
    other.drain().await;

    let list = |query: &str| {
        let path = format!("/api/v1/sites/{}/conversations?{query}", app.seed.site_id);
        let app = &app;
        let owner = owner.clone();
        async move {
            let response = app.get(&path, &owner).await;
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }
    };
    let (_, tagged) = list("tag=refund").await;
    let tagged = tagged["conversations"].as_array().unwrap().clone();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0]["id"], id);
    assert_eq!(tagged[0]["priority"], 3);
    // The search index takes a message a moment after its ack: wait for it, with a deadline.
    let until = tokio::time::Instant::now() + app.deadline;
    loop {
        let (_, found) = list("q=ORDER%20991").await;
        let found = found["conversations"].as_array().unwrap().clone();
        if found.len() == 1 {
            assert_eq!(found[0]["id"], id);
            break;
        }
        assert!(tokio::time::Instant::now() < until, "ORDER 991 never found");
        tokio::task::yield_now().await;
    }
    let (_, queued) = list("status=queued").await;
    assert_eq!(queued["conversations"].as_array().unwrap().len(), 2);
    let (_, closed) = list("status=closed").await;
    assert!(closed["conversations"].as_array().unwrap().is_empty());
    let (status, bad) = list("status=sleeping").await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["field"], "status");
    app.stop().await;
}

#[tokio::test]
async fn the_bot_hands_off_after_missing_twice_in_a_row() {
    let (app, owner) = spawn_app_as_owner().await;
    app.add_article(
        &owner,
        "What are your opening hours?",
        "Monday to Friday, 9 to 17.",
    )
    .await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    let mut bot_lines = Vec::new();
    for (i, text) in ["zorblax quantum?", "flibber jabber wocky"]
        .iter()
        .enumerate()
    {
        shopper
            .send(json!({ "type": "message", "client_msg_id": format!("m{i}"), "text": text }))
            .await;
        if i == 0 {
            loop {
                let (m, _) = shopper.recv_type("message").await;
                if m["author"]["kind"] == "bot" {
                    bot_lines.push(m);
                    break;
                }
            }
        }
    }
    assert!(bot_lines[0]["text"].as_str().unwrap().contains("person"));
    let status = loop {
        let (s, _) = shopper.recv_type("status").await;
        if s["state"] == "queued" {
            break s;
        }
    };
    let id = status["conversation_id"].as_str().unwrap();
    let stored = app.conversation(&owner, id).await;
    assert_eq!(stored["conversation"]["handoff_reason"], "bot_missed");
    app.stop().await;
}

#[tokio::test]
async fn a_closed_chat_reopens_when_the_shopper_writes_within_the_window() {
    let (app, owner) = spawn_app_as_owner().await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (mut shopper, conversation) = waiting_shopper(&app).await;
    ann_ws
        .send(json!({ "type": "take", "conversation_id": conversation, "ref": "t" }))
        .await;
    ann_ws.until(|f| f["ref"] == "t").await;
    ann_ws
        .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c" }))
        .await;
    ann_ws.until(|f| f["ref"] == "c").await;
    loop {
        let (s, _) = shopper.recv_type("status").await;
        if s["state"] == "closed" {
            break;
        }
    }
    shopper
        .send(json!({ "type": "message", "client_msg_id": "again", "text": "One more question" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    assert_eq!(
        ack["conversation_id"],
        conversation.as_str(),
        "same conversation"
    );
    let reopened = ann_ws.until(conversation_in(&conversation, "queued")).await;
    assert_eq!(
        reopened["conversation"]["last_agent"],
        app.my_agent_id(&owner).await
    );

    // Outside the window (0 s) a new conversation starts instead.
    app.chat_settings(
        &owner,
        json!({ "auto_assign": false, "reopen_window_secs": 0 }),
    )
    .await;
    ann_ws
        .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c2" }))
        .await;
    let closed = ann_ws.until(|f| f["ref"] == "c2").await;
    assert_eq!(closed["type"], "ok", "{closed}");
    shopper
        .send(json!({ "type": "message", "client_msg_id": "later", "text": "Hello again" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    assert_ne!(ack["conversation_id"], conversation.as_str());
    app.stop().await;
}

#[tokio::test]
async fn a_trigger_routes_a_big_cart_straight_to_a_person_and_alerts_agents() {
    let (app, owner) = spawn_app_as_owner().await;
    let rule = json!({
        "name": "Big cart to a person",
        "when": "cart_update",
        "conditions": { "all": [{ "fact": "cart.total", "op": "gte", "value": 200 }] },
        "actions": [
            { "type": "route_to_human", "priority": "high" },
            { "type": "alert_agents", "text": "Cart of {{ cart.total }} waiting" }
        ]
    });
    let path = format!("/api/v1/sites/{}/rules", app.seed.site_id);
    let created = app.post(&path, &owner, rule).await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let (mut ann_ws, _) = app.agent(&owner).await;

    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "event", "name": "cart_update", "props": { "total": 50, "currency": "EUR", "items": [] } }))
        .await;
    shopper
        .send(json!({ "type": "event", "name": "cart_update", "props": { "total": 340, "currency": "EUR", "items": [{ "sku": "coat", "price": 340 }] } }))
        .await;
    // The rule's actions run in order: the chat is routed (to Ann, the only one online),
    // then agents are alerted.
    let routed = ann_ws.until(|f| f["type"] == "routed").await;
    let alert = ann_ws.until(|f| f["type"] == "alert").await;
    assert_eq!(alert["text"], "Cart of 340 waiting");
    assert_eq!(alert["visitor_id"], welcome["visitor_id"]);
    let id = routed["conversation_id"].as_str().unwrap();
    let stored = app.conversation(&owner, id).await;
    assert_eq!(stored["conversation"]["handoff_reason"], "trigger");
    assert_eq!(stored["conversation"]["priority"], 5);
    assert_eq!(stored["conversation"]["cart_total"], 340.0);
    assert_eq!(stored["conversation"]["state"], "assigned");
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(status["conversation_id"], id);
    app.stop().await;
}

#[tokio::test]
async fn a_transfer_to_a_team_routes_to_an_agent_with_that_skill() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (_, conversation) = waiting_shopper(&app).await;
    ann_ws
        .until(|f| f["type"] == "routed" && f["conversation_id"] == conversation.as_str())
        .await;

    // Bob does returns; he comes online with nothing to take.
    let bob_id = app.agent_id(&owner, "bob@shop.example").await;
    let response = app
        .patch(
            &format!("/api/v1/sites/{}/agents/{bob_id}", app.seed.site_id),
            &owner,
            json!({ "skills": ["returns"] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    // Not to Bob in person while he is offline: nobody would answer.
    ann_ws
        .send(json!({ "type": "transfer", "conversation_id": conversation, "to_agent": bob_id, "ref": "off" }))
        .await;
    let refused = ann_ws.until(|f| f["ref"] == "off").await;
    assert_eq!(refused["code"], "invalid_field", "{refused}");
    assert_eq!(refused["field"], "to_agent");
    let (mut bob_ws, _) = app.agent(&bob).await;

    ann_ws
        .send(json!({ "type": "transfer", "conversation_id": conversation, "to_team": "returns", "ref": "t" }))
        .await;
    assert_eq!(ann_ws.until(|f| f["ref"] == "t").await["type"], "ok");
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], conversation.as_str());
    let stored = app.conversation(&owner, &conversation).await;
    assert_eq!(stored["conversation"]["agent"], bob_id.as_str());
    assert_eq!(stored["conversation"]["skill"], "returns");
    app.stop().await;
}

#[tokio::test]
async fn closing_a_chat_clears_in_conversation_which_holds_proactive_rules_back() {
    let (app, owner) = spawn_app_as_owner().await;
    let (mut ann_ws, _) = app.agent(&owner).await;
    let (mut shopper, conversation) = waiting_shopper(&app).await;
    let visitor_path =
        |visitor: &str| format!("/api/v1/sites/{}/visitors/{visitor}", app.seed.site_id);
    let stored = app.conversation(&owner, &conversation).await;
    let visitor = stored["conversation"]["visitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let state: Value = app.get_json(&visitor_path(&visitor), &owner).await;
    assert_eq!(state["in_conversation"], true);

    ann_ws
        .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c" }))
        .await;
    assert_eq!(ann_ws.until(|f| f["ref"] == "c").await["type"], "ok");
    loop {
        let (s, _) = shopper.recv_type("status").await;
        if s["state"] == "closed" {
            break;
        }
    }
    let state: Value = app.get_json(&visitor_path(&visitor), &owner).await;
    assert_eq!(state["in_conversation"], false);
    app.stop().await;
}
