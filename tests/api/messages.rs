use crate::common::{spawn_app, spawn_app_as_owner};
use serde_json::{Value, json};

fn seqs(frames: &[Value]) -> Vec<u64> {
    frames
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| f["seq"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_message_is_acknowledged_once_per_client_msg_id_and_stored_once() {
    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;

    let message =
        json!({ "type": "message", "client_msg_id": "m-1", "text": "Does this jacket run small?" });
    shopper.send(message.clone()).await;
    let (first, _) = shopper.recv_type("ack").await;
    let (status, _) = shopper.recv_type("status").await;
    assert_eq!(
        status["state"], "queued",
        "the first message opens a conversation, queued for people on a site without a bot"
    );
    assert_eq!(status["conversation_id"], first["conversation_id"]);
    shopper.send(message.clone()).await;
    shopper.send(message).await;
    let (second, _) = shopper.recv_type("ack").await;
    let (third, _) = shopper.recv_type("ack").await;
    assert_eq!(first, second);
    assert_eq!(first, third);
    assert_eq!(first["client_msg_id"], "m-1");
    assert_eq!(first["seq"], 1);

    // The echo (for the shopper's other tabs) came once, and nothing else is in flight.
    let rest = shopper.drain().await;
    assert!(seqs(&rest).len() <= 1, "{rest:?}");

    let owner = app.owner_token().await;
    let conversation = first["conversation_id"].as_str().unwrap();
    let path = format!(
        "/api/v1/sites/{}/conversations/{conversation}/messages",
        app.seed.site_id
    );
    let stored: Value = app.get_json(&path, &owner).await;
    let messages = stored["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "stored once: {stored}");
    assert_eq!(messages[0]["text"], "Does this jacket run small?");
    assert_eq!(messages[0]["author"]["kind"], "shopper");
    app.stop().await;
}

#[tokio::test]
async fn agent_messages_arrive_live_and_missed_ones_arrive_once_after_reconnect() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q1", "text": "Is this in stock?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();

    // Live: the agent's reply reaches the open socket, labelled as an agent. Replying takes
    // the queued chat, which the transcript records first (seq 2).
    app.agent_says(&owner, &conversation, "Yes, in all sizes.")
        .await;
    let mut live = shopper.recv_type("message").await.0;
    while live["seq"] == 1 {
        live = shopper.recv_type("message").await.0;
    }
    assert_eq!(live["seq"], 2);
    assert_eq!(live["author"]["kind"], "system");
    assert!(live["text"].as_str().unwrap().contains("joined"), "{live}");
    let live = shopper.recv_type("message").await.0;
    assert_eq!(live["seq"], 3);
    assert_eq!(live["author"]["kind"], "agent");
    assert_eq!(live["text"], "Yes, in all sizes.");
    shopper.close().await;

    // Offline: three more replies.
    for text in ["Anything else?", "We ship tomorrow.", "Bye!"] {
        app.agent_says(&owner, &conversation, text).await;
    }

    // Reconnect with the last seq seen: exactly 4, 5, 6 in order, once.
    let mut back = app.shopper().await;
    let resumed = back
        .hello(json!({
            "visitor_id": welcome["visitor_id"],
            "session": welcome["session"],
            "last_seq": { conversation.clone(): 3 },
        }))
        .await;
    assert_eq!(resumed["visitor_id"], welcome["visitor_id"]);
    assert_eq!(resumed["conversations"][0]["id"], conversation.as_str());
    assert_eq!(resumed["conversations"][0]["last_seq"], 6);
    let frames = back.drain().await;
    assert_eq!(seqs(&frames), vec![4, 5, 6], "{frames:?}");
    let texts: Vec<&str> = frames.iter().filter_map(|f| f["text"].as_str()).collect();
    assert_eq!(texts, ["Anything else?", "We ship tomorrow.", "Bye!"]);
    // Then where the chat stands, so a reloaded widget shows who has it.
    let status = frames.last().unwrap();
    assert_eq!(status["type"], "status", "{frames:?}");
    assert_eq!(status["state"], "assigned");
    assert_eq!(status["agent"], "owner");

    // And a further live message comes once, with no replay of the old ones.
    app.agent_says(&owner, &conversation, "One more thing")
        .await;
    let frames = back.drain().await;
    assert_eq!(seqs(&frames), vec![7]);

    // A tab that has seen everything replays nothing, and the next live message is the only
    // one it gets (an empty replay used to make the next message refill the whole history).
    let mut fresh = app.shopper().await;
    fresh
        .hello(json!({
            "visitor_id": welcome["visitor_id"],
            "session": welcome["session"],
            "last_seq": { conversation.clone(): 7 },
        }))
        .await;
    let frames = fresh.drain().await;
    assert!(seqs(&frames).is_empty(), "{frames:?}");
    app.agent_says(&owner, &conversation, "Still there?").await;
    let frames = fresh.drain().await;
    assert_eq!(seqs(&frames), vec![8], "{frames:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_page_change_without_last_seq_gets_the_whole_open_conversation() {
    let app = spawn_app().await;
    let mut first_page = app.shopper().await;
    let welcome = first_page.hello(json!({})).await;
    first_page
        .send(json!({ "type": "message", "client_msg_id": "a", "text": "first" }))
        .await;
    first_page.recv_type("ack").await;
    first_page
        .send(json!({ "type": "message", "client_msg_id": "b", "text": "second" }))
        .await;
    first_page.recv_type("ack").await;
    first_page.close().await;

    let mut next_page = app.shopper().await;
    next_page
        .hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    let frames = next_page.drain().await;
    assert_eq!(seqs(&frames), vec![1, 2]);
    app.stop().await;
}

#[tokio::test]
async fn a_session_for_another_visitor_or_site_is_refused() {
    let app = spawn_app().await;
    let mut a = app.shopper().await;
    let alice = a.hello(json!({})).await;
    let mut b = app.shopper().await;
    let bob = b.hello(json!({})).await;

    // Bob's session with Alice's visitor id: refused, and no welcome.
    let mut thief = app.shopper().await;
    thief.send(json!({ "type": "hello", "visitor_id": alice["visitor_id"], "session": bob["session"] })).await;
    let refused = thief.recv().await;
    assert_eq!(
        (refused["code"].as_str(), refused["field"].as_str()),
        (Some("bad_session"), Some("session"))
    );

    // Alice's real session, but on the other site's socket: refused too.
    let other_url = app.ws_url(&app.seed.other_public_key);
    let mut elsewhere = crate::common::Shopper::connect(&other_url, Some("https://other.example"))
        .await
        .unwrap();
    elsewhere.send(json!({ "type": "hello", "visitor_id": alice["visitor_id"], "session": alice["session"] })).await;
    assert_eq!(elsewhere.recv().await["code"], "bad_session");

    // A tampered token is refused.
    let mut tamper = app.shopper().await;
    let token = alice["session"].as_str().unwrap();
    let forged = format!("{}x", &token[..token.len() - 1]);
    tamper
        .send(json!({ "type": "hello", "visitor_id": alice["visitor_id"], "session": forged }))
        .await;
    assert_eq!(tamper.recv().await["code"], "bad_session");

    // The refused socket can still start afresh as a new visitor.
    let fresh = thief.hello(json!({})).await;
    assert_ne!(fresh["visitor_id"], alice["visitor_id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_shoppers_message_reaches_its_other_tabs() {
    let app = spawn_app().await;
    let mut tab1 = app.shopper().await;
    let welcome = tab1.hello(json!({})).await;
    let mut tab2 = app.shopper().await;
    tab2.hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    tab1.send(json!({ "type": "message", "client_msg_id": "t", "text": "from tab one" }))
        .await;
    let (echo, _) = tab2.recv_type("message").await;
    assert_eq!(echo["text"], "from tab one");
    assert_eq!(echo["author"]["kind"], "shopper");
    app.stop().await;
}

#[tokio::test]
async fn a_seq_past_every_message_returns_none_instead_of_wrapping_to_all() {
    let app = crate::common::spawn_app().await;
    let owner = app.owner_token().await;
    let mut shopper = app.shopper().await;
    shopper.hello(serde_json::json!({})).await;
    for (id, text) in [("a", "one"), ("b", "two")] {
        shopper
            .send(serde_json::json!({ "type": "message", "client_msg_id": id, "text": text }))
            .await;
        shopper.recv_type("ack").await;
    }
    let (ack, _) = shopper.recv_type("message").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    let path = |after: &str| {
        format!(
            "/api/v1/sites/{}/conversations/{conversation}/messages?after={after}",
            app.seed.site_id
        )
    };
    let texts = |body: serde_json::Value| -> Vec<String> {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["author"]["kind"] == "shopper")
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let all: serde_json::Value = app.get_json(&path("0"), &owner).await;
    assert_eq!(texts(all), ["one", "two"]);
    for after in ["18446744073709551615", "9223372036854775808"] {
        let response = app.get(&path(after), &owner).await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["messages"], serde_json::json!([]), "after={after}");
    }
}
