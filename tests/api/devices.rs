//! One customer across devices: two real shopper sockets (a phone and a laptop) the shop
//! verifies as the same customer share one conversation history and one rule history, the
//! agent who served the customer last gets their next chat, and a visitor who only claims
//! the customer's id (no valid hash) gets nothing of theirs.

use crate::common::Socket;
use crate::common::{PASSWORD, TestApp, spawn_app_as_owner};
use serde_json::{Value, json};
use shopchat::auth::identity_hash;

/// The seeded site's identity secret, as the shop's server holds it.
async fn identity_secret(app: &TestApp, owner: &str) -> String {
    let site = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), owner)
        .await;
    site["identity_secret"].as_str().unwrap().to_owned()
}

/// `shopchat('identify', …)` for customer `user` with the hash the shop's server computed.
async fn identify(socket: &mut Socket, secret: &str, user: &str) {
    socket
        .send(json!({ "type": "event", "name": "identify",
            "props": { "user_id": user, "name": "Eva", "hash": identity_hash(secret, user) } }))
        .await;
}

/// A device that says hello (without a page: no rule runs before it is identified) and is
/// verified as `user`; returns its `welcome` and everything sent until the socket is idle.
async fn device(app: &TestApp, secret: &str, user: &str) -> (Socket, Value, Vec<Value>) {
    let mut socket = app.shopper().await;
    let welcome = socket.hello(json!({})).await;
    identify(&mut socket, secret, user).await;
    let frames = socket.drain().await;
    assert!(frames.iter().all(|f| f["type"] != "error"), "{frames:?}");
    (socket, welcome, frames)
}

fn texts(frames: &[Value]) -> Vec<&str> {
    frames
        .iter()
        .filter(|f| f["type"] == "message")
        .filter_map(|f| f["text"].as_str())
        .collect()
}

/// The shopper writes and gets the `ack`; returns it.
async fn say(socket: &mut Socket, id: &str, text: &str) -> Value {
    socket
        .send(json!({ "type": "message", "client_msg_id": id, "text": text }))
        .await;
    socket.recv_type("ack").await.0
}

#[tokio::test]
async fn a_second_device_sees_the_customers_history_and_both_get_the_agents_messages() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let (_agent_ws, _) = app.agent(&owner).await;

    let (mut phone, phone_welcome, _) = device(&app, &secret, "42").await;
    let ack = say(&mut phone, "p1", "Where is my parcel?").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    app.agent_says(&owner, &conversation, "It ships today.")
        .await;
    phone
        .until(|f| f["type"] == "message" && f["text"] == "It ships today.")
        .await;

    // The laptop: a new browser, verified as the same customer, is sent the history.
    let (mut laptop, laptop_welcome, frames) = device(&app, &secret, "42").await;
    assert_ne!(laptop_welcome["visitor_id"], phone_welcome["visitor_id"]);
    let history = texts(&frames);
    assert!(
        history.contains(&"Where is my parcel?") && history.contains(&"It ships today."),
        "{frames:?}"
    );
    assert!(
        frames.iter().any(|f| f["type"] == "status"
            && f["conversation_id"] == conversation.as_str()
            && f["state"] != "closed"),
        "where the chat stands: {frames:?}"
    );

    // The agent's next message reaches both devices, live.
    app.agent_says(&owner, &conversation, "Tracking: ZX123.")
        .await;
    for socket in [&mut phone, &mut laptop] {
        socket
            .until(|f| f["type"] == "message" && f["text"] == "Tracking: ZX123.")
            .await;
    }
    // The laptop writes in the same conversation; the phone sees it too.
    let from_laptop = say(&mut laptop, "l1", "Thanks!").await;
    assert_eq!(from_laptop["conversation_id"], conversation.as_str());
    phone
        .until(|f| f["type"] == "message" && f["text"] == "Thanks!")
        .await;

    // Agents see one customer: the conversation's visitor is the customer's, with both devices.
    let stored = app.conversation(&owner, &conversation).await;
    let canonical = stored["conversation"]["visitor_id"].as_str().unwrap();
    for welcome in [&phone_welcome, &laptop_welcome] {
        let path = app.site_path(&format!(
            "/visitors/{}",
            welcome["visitor_id"].as_str().unwrap()
        ));
        let visitor = app.get_json(&path, &owner).await;
        assert_eq!(visitor["customer"]["id"], "user:42", "{visitor}");
        assert_eq!(visitor["customer"]["canonical_visitor"], canonical);
        assert_eq!(
            visitor["customer"]["visitors"],
            json!([phone_welcome["visitor_id"], laptop_welcome["visitor_id"]])
        );
    }
    let path = app.site_path(&format!("/visitors/{canonical}"));
    assert_eq!(
        app.get_json(&path, &owner).await["customer"]["id"],
        "user:42"
    );

    // The laptop reloads: it resumes the customer's conversation before any `identify`.
    laptop.close().await;
    let mut reloaded = app.shopper().await;
    let welcome = reloaded
        .hello(json!({ "visitor_id": laptop_welcome["visitor_id"], "session": laptop_welcome["session"] }))
        .await;
    assert_eq!(welcome["visitor_id"], laptop_welcome["visitor_id"]);
    assert!(
        welcome["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == conversation.as_str()),
        "{welcome}"
    );
    let frames = reloaded.drain().await;
    assert!(texts(&frames).contains(&"Thanks!"), "{frames:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_once_per_visitor_rule_fires_once_for_the_customer_across_devices() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    // A tag rule shows nothing, so only its cap can hold it back.
    let rule = app
        .create_rule(
            &owner,
            json!({
                "name": "Tag product viewers",
                "when": "page_view",
                "conditions": { "fact": "page.type", "op": "eq", "value": "product" },
                "actions": [{ "type": "tag", "tag": "browsed-products" }],
                "frequency": { "once_per": "visitor" }
            }),
        )
        .await;
    let product =
        json!({ "url": "https://shop.example/p/jacket", "title": "Jacket", "type": "product" });
    let view = json!({ "type": "event", "name": "page_view", "props": product });

    let (mut phone, _, _) = device(&app, &secret, "7").await;
    phone.send(view.clone()).await;
    phone.drain().await;
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 1);

    let (mut laptop, laptop_welcome, _) = device(&app, &secret, "7").await;
    laptop.send(view.clone()).await;
    laptop.drain().await;
    assert_eq!(
        app.rule_report(&owner, &rule).await["shown"]["fired"],
        1,
        "the customer's second device does not fire it again"
    );
    // The laptop speaks as the customer: the tag is the customer's.
    let path = app.site_path(&format!(
        "/visitors/{}",
        laptop_welcome["visitor_id"].as_str().unwrap()
    ));
    let canonical = app.get_json(&path, &owner).await["customer"]["canonical_visitor"].clone();
    let customer = app
        .get_json(
            &app.site_path(&format!("/visitors/{}", canonical.as_str().unwrap())),
            &owner,
        )
        .await;
    assert_eq!(customer["tags"], json!(["browsed-products"]), "{customer}");

    // Someone who only claims to be customer 7 is another visitor: the rule fires for them.
    let mut claimer = app.shopper().await;
    claimer.hello(json!({})).await;
    claimer
        .send(json!({ "type": "event", "name": "identify", "props": { "user_id": "7", "hash": "00" } }))
        .await;
    let (error, _) = claimer.recv_type("error").await;
    assert_eq!(error["field"], "props.hash");
    claimer.send(view).await;
    claimer.drain().await;
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 2);
    app.stop().await;
}

#[tokio::test]
async fn a_returning_customers_new_chat_goes_to_the_agent_who_served_them_last_while_online() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    let bob_id = app.my_agent_id(&bob).await;
    let owner_id = app.my_agent_id(&owner).await;

    // Bob alone is online: the customer's first chat (on the laptop) is his; he closes it.
    let (mut bob_ws, _) = app.agent(&bob).await;
    let (mut laptop, _, _) = device(&app, &secret, "99").await;
    laptop.send(json!({ "type": "handoff" })).await;
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    let first = routed["conversation_id"].as_str().unwrap().to_owned();
    bob_ws
        .send(json!({ "type": "close", "conversation_id": first, "ref": "c1" }))
        .await;
    bob_ws
        .until(|f| f["type"] == "ok" && f["ref"] == "c1")
        .await;
    // Bob also has a stranger's chat, so the owner (no chat) is who normal routing picks.
    let mut stranger = app.shopper().await;
    stranger.hello(json!({})).await;
    stranger.send(json!({ "type": "handoff" })).await;
    bob_ws.until(|f| f["type"] == "routed").await;

    // The owner comes online; the customer asks again, on the phone: Bob gets it.
    let (mut owner_ws, _) = app.agent(&owner).await;
    let (mut phone, _, _) = device(&app, &secret, "99").await;
    phone.send(json!({ "type": "handoff" })).await;
    let (status, _) = phone.recv_type("status").await;
    let second = status["conversation_id"].as_str().unwrap().to_owned();
    assert_ne!(second, first, "a new conversation, not the closed one");
    let routed = bob_ws.until(|f| f["type"] == "routed").await;
    assert_eq!(routed["conversation_id"], second.as_str());
    let stored = app.conversation(&owner, &second).await;
    assert_eq!(stored["conversation"]["agent"], bob_id, "{stored}");
    bob_ws
        .send(json!({ "type": "close", "conversation_id": second, "ref": "c2" }))
        .await;
    bob_ws
        .until(|f| f["type"] == "ok" && f["ref"] == "c2")
        .await;

    // Bob goes offline: the customer's next chat goes to whoever is online.
    bob_ws.close().await;
    owner_ws
        .until(|f| f["type"] == "presence" && f["agent_id"] == bob_id && f["status"] == "offline")
        .await;
    phone.drain().await;
    phone.send(json!({ "type": "handoff" })).await;
    let routed = owner_ws.until(|f| f["type"] == "routed").await;
    let third = routed["conversation_id"].as_str().unwrap().to_owned();
    assert!(third != first && third != second);
    let stored = app.conversation(&owner, &third).await;
    assert_eq!(stored["conversation"]["agent"], owner_id, "{stored}");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_who_only_claims_the_customers_id_gets_nothing_of_theirs() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let (mut phone, _, _) = device(&app, &secret, "42").await;
    let ack = say(&mut phone, "p1", "My address is Hauptstr. 5").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();

    // Mallory types the customer's id without the shop's hash, and names the conversation.
    let mut mallory = app.shopper().await;
    let welcome = mallory
        .hello(json!({ "last_seq": { conversation.clone(): 0 } }))
        .await;
    assert_eq!(welcome["conversations"], json!([]), "{welcome}");
    mallory
        .send(json!({ "type": "event", "name": "identify", "props": { "user_id": "42", "hash": identity_hash("guessed", "42") } }))
        .await;
    let (error, _) = mallory.recv_type("error").await;
    assert_eq!(error["field"], "props.hash");
    let frames = mallory.drain().await;
    assert!(texts(&frames).is_empty(), "{frames:?}");
    // Her own message opens her own conversation; the customer's next message never reaches her.
    let hers = say(&mut mallory, "m1", "hello").await;
    assert_ne!(hers["conversation_id"], conversation.as_str());
    say(&mut phone, "p2", "Call me at 0123").await;
    let frames = mallory.drain().await;
    assert!(
        !texts(&frames).iter().any(|t| t.contains("0123")),
        "{frames:?}"
    );
    let path = app.site_path(&format!(
        "/visitors/{}",
        welcome["visitor_id"].as_str().unwrap()
    ));
    assert_eq!(app.get_json(&path, &owner).await["customer"], Value::Null);
    // Even a resume naming the conversation replays nothing of it.
    mallory.close().await;
    let mut again = app.shopper().await;
    let resumed = again
        .hello(
            json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"],
            "last_seq": { conversation.clone(): 0 } }),
        )
        .await;
    assert!(
        !resumed["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == conversation.as_str()),
        "{resumed}"
    );
    let frames = again.drain().await;
    assert!(
        !texts(&frames).iter().any(|t| t.contains("Hauptstr")),
        "{frames:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_shared_computer_verified_as_another_customer_leaves_the_first_ones_chat() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let (mut computer, welcome, _) = device(&app, &secret, "anna").await;
    let ack = say(&mut computer, "a1", "Anna's question").await;
    let annas = ack["conversation_id"].as_str().unwrap().to_owned();

    // Anna logs out, Ben logs in on the same browser: the shop identifies Ben.
    identify(&mut computer, &secret, "ben").await;
    computer.drain().await;
    app.agent_says(&owner, &annas, "For Anna only").await;
    // Ben's own chat is his, and Anna's answer never reaches this browser.
    let bens = say(&mut computer, "b1", "Ben's question").await;
    assert_ne!(bens["conversation_id"], annas.as_str());
    let frames = computer.drain().await;
    assert!(!texts(&frames).contains(&"For Anna only"), "{frames:?}");
    let path = app.site_path(&format!(
        "/visitors/{}",
        welcome["visitor_id"].as_str().unwrap()
    ));
    assert_eq!(
        app.get_json(&path, &owner).await["customer"]["id"],
        "user:ben"
    );
    // Anna's record still names Anna: Ben's identity went to Ben's only.
    let stored = app.conversation(&owner, &annas).await;
    let anna = stored["conversation"]["visitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let state = app
        .get_json(&app.site_path(&format!("/visitors/{anna}")), &owner)
        .await;
    assert_eq!(state["attributes"]["user_id"], "anna", "{state}");
    assert_eq!(state["customer"]["id"], "user:anna", "{state}");

    // The next page resumes Ben's chat, not Anna's.
    computer.close().await;
    let mut next = app.shopper().await;
    let resumed = next
        .hello(
            json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"],
            "last_seq": { annas.clone(): 0 } }),
        )
        .await;
    let ids: Vec<&Value> = resumed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, vec![&bens["conversation_id"]], "{resumed}");
    let frames = next.drain().await;
    assert!(
        !texts(&frames).iter().any(|t| t.contains("Anna")),
        "{frames:?}"
    );
    app.stop().await;
}

/// Owners' export or erase of a subject.
async fn privacy(app: &TestApp, owner: &str, what: &str, body: Value) -> Value {
    let response = app
        .post(&app.site_path(&format!("/privacy/{what}")), owner, body)
        .await;
    assert_eq!(response.status(), 200, "{what}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_customers_devices_are_exported_and_erased_with_them() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let (mut phone, phone_welcome, _) = device(&app, &secret, "77").await;
    say(&mut phone, "p1", "My parcel is late").await;
    let (laptop, laptop_welcome, frames) = device(&app, &secret, "77").await;
    assert!(texts(&frames).contains(&"My parcel is late"), "{frames:?}");

    // By the shop's customer id: both browsers, the customer's visitor and the chat.
    let doc = privacy(&app, &owner, "export", json!({ "customer_id": "77" })).await;
    let links = doc["linked_customers"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{doc}");
    assert_eq!(links[0]["customer"], "user:77");
    let devices = links[0]["devices"].to_string();
    for welcome in [&phone_welcome, &laptop_welcome] {
        assert!(
            devices.contains(welcome["visitor_id"].as_str().unwrap()),
            "{doc}"
        );
    }
    let visitors: Vec<&str> = doc["visitors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["visitor_id"].as_str())
        .collect();
    assert!(
        visitors.contains(&links[0]["canonical"].as_str().unwrap()),
        "{doc}"
    );
    assert!(doc.to_string().contains("My parcel is late"), "{doc}");

    // Erased: the links go too, and nothing is left to export.
    phone.close().await;
    laptop.close().await;
    privacy(&app, &owner, "erase", json!({ "customer_id": "77" })).await;
    let doc = privacy(&app, &owner, "export", json!({ "customer_id": "77" })).await;
    assert_eq!(doc["linked_customers"], json!([]), "{doc}");
    assert!(!doc.to_string().contains("My parcel is late"), "{doc}");
    // A browser of theirs verified again starts afresh: no history comes back.
    let (_again, _, frames) = device(&app, &secret, "77").await;
    assert!(!texts(&frames).contains(&"My parcel is late"), "{frames:?}");
    app.stop().await;
}
