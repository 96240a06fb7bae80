//! "Where is my order?" in the widget, end to end over real sockets: a shopper the shop
//! identified gets their own orders from the bot with the tracking link; nobody else does
//! (another customer, a forged or altered `identify`, another site); a shopper the shop did
//! not identify proves one order with number and email within an attempt budget; a stuck
//! order goes to a person with a note; return requests are made once and handed off; the bot
//! stays out of a chat an agent has. Orders are written into the store before the server
//! starts, as the shop's systems would have sent them.

use crate::common::http_peer::read_request;
use crate::common::seed::{SeedPlan, seed_plan};
use crate::common::{Shopper, TestApp, start, test_settings};
use serde_json::{Value, json};
use shopchat::auth::identity_hash;
use shopchat::commerce::Order;
use shopchat::domain::SiteId;
use shopchat::store::prelude::*;
use shopchat::store::sqlite::SqliteStore;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

const DAY: i64 = 24 * 60 * 60 * 1000;

fn now() -> i64 {
    shopchat::domain::Timestamp::now().0
}

/// An order of customer `customer` (email `email`), placed `age_days` ago, with one parcel
/// in `parcel` status that last moved `quiet_days` ago (no parcel for `None`).
fn order(
    number: &str,
    customer: &str,
    email: &str,
    age_days: i64,
    parcel: Option<(&str, i64)>,
) -> Order {
    let placed = now() - age_days * DAY;
    let shipments = match parcel {
        Some((status, quiet_days)) => json!([{
            "id": format!("ship-{number}"),
            "carrier": "DHL",
            "tracking_number": format!("TRK{number}"),
            "tracking_url": format!("https://track.example/{number}"),
            "status": status,
            "estimated_delivery": now() + 2 * DAY,
            "events": [{ "at": now() - quiet_days * DAY, "status": status }],
            "created_at": placed + DAY,
            "updated_at": now() - quiet_days * DAY,
        }]),
        None => json!([]),
    };
    serde_json::from_value(json!({
        "id": format!("ord-{number}"),
        "number": format!("#{number}"),
        "customer_id": customer,
        "email": email,
        "status": if parcel.is_some() { "completed" } else { "processing" },
        "fulfillment_status": if parcel.is_some() { "fulfilled" } else { "unfulfilled" },
        "currency": "EUR",
        "items": [{ "sku": "TS-1", "name": "Trail Shoe", "quantity": 2, "price": "59.50" }],
        "total": "119.00",
        "shipments": shipments,
        "created_at": placed,
        "updated_at": placed + DAY,
    }))
    .unwrap()
}

/// A seeded server whose store already holds `orders` (on the other site for `true`), with
/// the seeded site's identity secret. The temp dir lives as long as the returned guard.
async fn shop_with(orders: Vec<(bool, Order)>) -> (TestApp, String, TempDir) {
    let dir = TempDir::new().unwrap();
    let seed = seed_plan(dir.path(), &SeedPlan::standard()).await;
    let store = SqliteStore::open(dir.path()).unwrap();
    let site = SiteId::parse(&seed.site_id).unwrap();
    let other = SiteId::parse(&seed.other_site_id).unwrap();
    for (on_other, order) in orders {
        let target = if on_other { &other } else { &site };
        store.upsert_order(target, order).await.unwrap();
    }
    let secret = store.site(&site).await.unwrap().unwrap().identity_secret;
    store.close().await;
    let mut settings = test_settings(dir.path());
    settings.allow_http_webhooks = true;
    let app = start(settings, seed).await;
    (app, secret, dir)
}

/// A shopper who said hello and, with a `user_id`, identified as that customer with the
/// shop's hash (`hash: None` sends none; `Some("...")` sends that one).
async fn shopper_as(app: &TestApp, identify: Option<Value>) -> Shopper {
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    assert_eq!(welcome["appearance"]["self_service"], true, "{welcome}");
    if let Some(props) = identify {
        shopper
            .send(json!({ "type": "event", "name": "identify", "props": props }))
            .await;
    }
    shopper.drain().await;
    shopper
}

fn verified(secret: &str, user: &str) -> Value {
    json!({ "user_id": user, "name": "Eva", "hash": identity_hash(secret, user) })
}

/// The next bot message, and what came before it.
async fn bot_says(shopper: &mut Shopper) -> (String, Vec<Value>) {
    let mut before = Vec::new();
    loop {
        let (m, skipped) = shopper.recv_type("message").await;
        before.extend(skipped);
        if m["author"]["kind"] == "bot" {
            return (m["text"].as_str().unwrap().to_owned(), before);
        }
        before.push(m);
    }
}

async fn ask(shopper: &mut Shopper, id: &str, text: &str) {
    shopper
        .send(json!({ "type": "message", "client_msg_id": id, "text": text }))
        .await;
}

#[tokio::test]
async fn an_identified_shopper_gets_their_orders_with_the_tracking_link() {
    let (app, secret, _dir) = shop_with(vec![
        (
            false,
            order(
                "1001",
                "cust-1",
                "eva@example.com",
                3,
                Some(("in_transit", 1)),
            ),
        ),
        (false, order("1002", "cust-1", "eva@example.com", 1, None)),
        (
            false,
            order(
                "1900",
                "cust-9",
                "mallory@example.com",
                2,
                Some(("in_transit", 0)),
            ),
        ),
    ])
    .await;
    let mut eva = shopper_as(&app, Some(verified(&secret, "cust-1"))).await;

    // In words.
    ask(&mut eva, "w1", "Hi, where is my order?").await;
    let (text, _) = bot_says(&mut eva).await;
    assert!(text.contains("#1001") && text.contains("#1002"), "{text}");
    assert!(text.contains("in transit"), "{text}");
    assert!(text.contains("https://track.example/1001"), "{text}");
    assert!(
        text.contains("2 × Trail Shoe") && text.contains("€119.00"),
        "{text}"
    );
    assert!(!text.contains("#1900"), "another customer's order: {text}");
    let (cards, _) = eva.recv_type("orders").await;
    let first = &cards["orders"][1];
    assert_eq!(first["number"], "#1001", "{cards}");
    assert_eq!(first["tracking_url"], "https://track.example/1001");
    assert_eq!(first["carrier"], "DHL");
    assert_eq!(first["can_return"], true);
    assert_eq!(cards["orders"][0]["can_cancel"], true, "not shipped yet");

    // With the button: the question is stored as the shopper's, the answer is the same.
    eva.send(json!({ "type": "orders" })).await;
    let (text, before) = bot_says(&mut eva).await;
    assert!(
        before
            .iter()
            .any(|m| m["author"]["kind"] == "shopper" && m["text"] == "Where is my order?"),
        "{before:?}"
    );
    assert!(text.contains("https://track.example/1001"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn nobody_else_sees_a_customers_orders_whatever_they_put_in_identify() {
    let (app, secret, _dir) = shop_with(vec![(
        false,
        order(
            "1001",
            "cust-1",
            "eva@example.com",
            3,
            Some(("in_transit", 1)),
        ),
    )])
    .await;
    let leaked = |text: &str| text.contains("1001") || text.contains("track.example");

    // Another customer of the shop: verified, no orders of their own.
    let mut bob = shopper_as(&app, Some(verified(&secret, "cust-2"))).await;
    ask(&mut bob, "b1", "where is my order").await;
    let (text, _) = bot_says(&mut bob).await;
    assert!(text.contains("couldn't find any orders"), "{text}");
    assert!(!leaked(&text), "{text}");
    bob.send(json!({ "type": "orders" })).await;
    let (text, _) = bot_says(&mut bob).await;
    assert!(!leaked(&text), "{text}");

    // Eva's user_id with a forged hash, and with none: not verified, asked to prove an order.
    for (n, props) in [
        json!({ "user_id": "cust-1", "hash": "00" }),
        json!({ "user_id": "cust-1" }),
    ]
    .into_iter()
    .enumerate()
    {
        let mut mallory = shopper_as(&app, Some(props)).await;
        ask(&mut mallory, &format!("m{n}"), "where is my order?").await;
        let (text, _) = bot_says(&mut mallory).await;
        assert!(text.contains("order number"), "{text}");
        assert!(!leaked(&text), "{text}");
        let (form, _) = mallory.recv_type("orders").await;
        assert_eq!(
            form,
            json!({ "type": "orders", "orders": [], "lookup": true })
        );
        mallory.send(json!({ "type": "orders" })).await;
        let (form, _) = mallory.recv_type("orders").await;
        assert_eq!(form["orders"], json!([]), "{form}");
        // Return on Eva's order by its number: no such order for this shopper.
        mallory
            .send(json!({ "type": "order_request", "order": "#1001", "kind": "return" }))
            .await;
        let (error, _) = mallory.recv_type("error").await;
        assert_eq!(error["code"], "not_found", "{error}");
    }

    // Verified as someone else, plus Eva's email as a plain attribute: still only their own.
    let mut trudy = shopper_as(
        &app,
        Some(json!({ "user_id": "cust-3", "email": "eva@example.com", "hash": identity_hash(&secret, "cust-3") })),
    )
    .await;
    ask(&mut trudy, "t1", "where is my order?").await;
    let (text, _) = bot_says(&mut trudy).await;
    assert!(!leaked(&text), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn number_and_email_prove_one_order_and_failures_are_budgeted() {
    let (app, _secret, _dir) = shop_with(vec![
        (
            false,
            order(
                "1001",
                "cust-1",
                "eva@example.com",
                3,
                Some(("in_transit", 1)),
            ),
        ),
        (
            true,
            order(
                "2001",
                "other-1",
                "olga@example.com",
                3,
                Some(("in_transit", 1)),
            ),
        ),
    ])
    .await;
    let mut guest = shopper_as(&app, None).await;

    // The right pair, typed loosely: the order, with its card.
    guest
        .send(json!({ "type": "order_lookup", "number": " 1001 ", "email": "Eva@Example.com" }))
        .await;
    let (text, before) = bot_says(&mut guest).await;
    assert!(before.iter().all(|f| f["type"] != "error"), "{before:?}");
    assert!(
        text.contains("#1001") && text.contains("https://track.example/1001"),
        "{text}"
    );
    let (cards, _) = guest.recv_type("orders").await;
    assert_eq!(cards["orders"][0]["number"], "#1001");

    // Now proven on this connection: a return on it is accepted.
    guest
        .send(json!({ "type": "order_request", "order": "1001", "kind": "return", "reason": "too small" }))
        .await;
    let (text, _) = bot_says(&mut guest).await;
    assert!(text.contains("nothing has been refunded"), "{text}");

    // Wrong email, wrong number, another site's order: the same words.
    let mut stranger = shopper_as(&app, None).await;
    let mut refusals = Vec::new();
    for (number, email) in [
        ("1001", "mallory@example.com"),
        ("9999", "eva@example.com"),
        ("2001", "olga@example.com"),
    ] {
        stranger
            .send(json!({ "type": "order_lookup", "number": number, "email": email }))
            .await;
        let (error, skipped) = stranger.recv_type("error").await;
        assert!(
            skipped.iter().all(|f| f["type"] != "message"),
            "{skipped:?}"
        );
        refusals.push(error);
    }
    assert_eq!(refusals[0]["code"], "not_found");
    assert_eq!(
        refusals[0]["message"],
        "no order matches that number and email"
    );
    assert!(refusals.iter().all(|e| e == &refusals[0]), "{refusals:?}");

    // Two more failures spend this address's budget of five: even the right pair is refused.
    for email in ["a@example.com", "b@example.com"] {
        stranger
            .send(json!({ "type": "order_lookup", "number": "1001", "email": email }))
            .await;
        stranger.recv_type("error").await;
    }
    stranger
        .send(json!({ "type": "order_lookup", "number": "1001", "email": "eva@example.com" }))
        .await;
    let (error, _) = stranger.recv_type("error").await;
    assert_eq!(error["code"], "rate_limited", "{error}");

    // Bad input names the field; it is not a failed guess.
    stranger
        .send(json!({ "type": "order_lookup", "number": "1001", "email": "not-an-email" }))
        .await;
    let (error, _) = stranger.recv_type("error").await;
    assert_eq!(
        (error["code"].clone(), error["field"].clone()),
        (json!("invalid_field"), json!("email"))
    );
    stranger
        .send(json!({ "type": "order_lookup", "number": "1001" }))
        .await;
    let (error, _) = stranger.recv_type("error").await;
    assert_eq!(error["field"], "email", "{error}");
    app.stop().await;
}

#[tokio::test]
async fn a_stuck_order_goes_to_a_person_with_a_note_and_no_cheerful_status() {
    let (app, secret, _dir) = shop_with(vec![(
        false,
        order(
            "1003",
            "cust-1",
            "eva@example.com",
            12,
            Some(("in_transit", 9)),
        ),
    )])
    .await;
    let owner = app.owner_token().await;
    // A bot that answers from articles, so the chat starts with the bot.
    app.add_article(&owner, "Do you ship abroad?", "Yes, to all of Europe.")
        .await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = app.agent(&owner).await;

    let mut eva = shopper_as(&app, Some(verified(&secret, "cust-1"))).await;
    ask(&mut eva, "s1", "where is my parcel").await;
    let (text, _) = bot_says(&mut eva).await;
    assert!(text.contains("#1003"), "{text}");
    assert!(text.contains("hasn't moved for 9 days"), "{text}");
    assert!(text.contains("passing this to a person"), "{text}");
    assert!(!text.contains("in transit"), "no cheerful status: {text}");
    let (cards, _) = eva.recv_type("orders").await;
    assert_eq!(cards["orders"][0]["with_a_person"], true, "{cards}");
    let (status, _) = eva.recv_type("status").await;
    assert_eq!(status["state"], "queued");
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();

    // The agent sees it waiting, why, tagged, with the order in a note.
    let queued = agent
        .until(|f| {
            f["type"] == "conversation"
                && f["conversation"]["id"] == conversation.as_str()
                && f["conversation"]["state"] == "queued"
        })
        .await;
    assert_eq!(queued["conversation"]["handoff_reason"], "order_help");
    assert!(
        queued["conversation"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("wismo")),
        "{queued}"
    );
    let transcript = app.conversation(&owner, &conversation).await;
    let notes: Vec<&Value> = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .collect();
    assert_eq!(notes.len(), 1, "{transcript}");
    let note = notes[0].to_string();
    assert!(
        note.contains("#1003") && note.contains("has not moved for 9 days"),
        "{note}"
    );
    app.stop().await;
}

/// The shop's own stack: an endpoint that answers 200 and hands each event's body over.
async fn events_receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            if let Some((_, raw)) = read_request(&mut socket).await {
                let ok = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = socket.write_all(ok.as_bytes()).await;
                let _ = tx.send(serde_json::from_str(&raw).unwrap_or(Value::Null));
            }
        }
    });
    (url, rx)
}

#[tokio::test]
async fn a_return_request_is_made_once_handed_off_and_the_shopper_told_the_truth() {
    let (app, secret, _dir) = shop_with(vec![(
        false,
        order(
            "1004",
            "cust-1",
            "eva@example.com",
            10,
            Some(("delivered", 4)),
        ),
    )])
    .await;
    let owner = app.owner_token().await;
    app.add_article(&owner, "Do you ship abroad?", "Yes, to all of Europe.")
        .await;
    let (url, mut events) = events_receiver().await;
    let endpoint = json!({ "url": url, "events": ["return.requested"] });
    let created = app
        .post(&app.site_path("/webhooks"), &owner, endpoint)
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let mut eva = shopper_as(&app, Some(verified(&secret, "cust-1"))).await;
    eva.send(json!({ "type": "orders" })).await;
    let (cards, _) = eva.recv_type("orders").await;
    assert_eq!(cards["orders"][0]["can_return"], true, "{cards}");
    assert_eq!(cards["orders"][0]["can_cancel"], false, "{cards}");

    // A double click.
    for _ in 0..2 {
        eva.send(json!({ "type": "order_request", "order": "#1004", "kind": "return", "reason": "too small" }))
            .await;
    }
    let (text, _) = bot_says(&mut eva).await;
    assert_eq!(
        text,
        "Thanks. A person from the team will review your return request for order #1004 and \
         reply here; nothing has been refunded or cancelled yet."
    );
    let (status, _) = eva.recv_type("status").await;
    assert_eq!(status["state"], "queued");
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    let after = eva.drain().await;
    assert!(after.iter().all(|f| f["type"] != "error"), "{after:?}");

    let transcript = app.conversation(&owner, &conversation).await;
    let entries = transcript["entries"].as_array().unwrap().clone();
    let count = |test: &dyn Fn(&Value) -> bool| entries.iter().filter(|e| test(e)).count();
    assert_eq!(
        count(&|e| e["kind"] == "note"),
        1,
        "one request, one note: {transcript}"
    );
    assert_eq!(
        count(&|e| e["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("I'd like to return order #1004"))),
        1,
        "{transcript}"
    );
    let note = entries
        .iter()
        .find(|e| e["kind"] == "note")
        .unwrap()
        .to_string();
    assert!(
        note.contains("#1004") && note.contains("too small"),
        "{note}"
    );
    assert_eq!(transcript["conversation"]["handoff_reason"], "order_help");
    assert!(
        transcript["conversation"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("return")),
        "{transcript}"
    );
    // The shop's stack hears of it once, with the order.
    let event = tokio::time::timeout(crate::common::DEADLINE, events.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event["type"], "return.requested", "{event}");
    assert_eq!(event["data"]["order_number"], "#1004", "{event}");
    assert_eq!(event["data"]["kind"], "return");
    assert_eq!(event["data"]["conversation_id"], conversation.as_str());
    app.stop().await;
    assert!(events.try_recv().is_err(), "one request, one event");
}

#[tokio::test]
async fn the_bot_says_nothing_about_orders_once_an_agent_has_the_chat() {
    let (app, secret, _dir) = shop_with(vec![(
        false,
        order(
            "1005",
            "cust-1",
            "eva@example.com",
            3,
            Some(("in_transit", 1)),
        ),
    )])
    .await;
    let owner = app.owner_token().await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = app.agent(&owner).await;
    let mut eva = shopper_as(&app, Some(verified(&secret, "cust-1"))).await;
    eva.send(json!({ "type": "handoff" })).await;
    let (status, _) = eva.recv_type("status").await;
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    agent
        .send(json!({ "type": "take", "conversation_id": conversation, "ref": "t" }))
        .await;
    let ok = agent.until(|f| f["ref"] == "t").await;
    assert_eq!(ok["type"], "ok", "{ok}");
    eva.until(|f| f["type"] == "status" && f["state"] == "assigned")
        .await;

    ask(&mut eva, "q1", "where is my order?").await;
    eva.send(json!({ "type": "orders" })).await;
    eva.recv_type("ack").await;
    app.agent_says(&owner, &conversation, "Let me check that for you.")
        .await;
    let reply = eva
        .until(|f| f["type"] == "message" && f["author"]["kind"] == "agent")
        .await;
    assert_eq!(reply["text"], "Let me check that for you.");
    let transcript = app.conversation(&owner, &conversation).await;
    let entries = transcript["entries"].as_array().unwrap();
    assert!(
        entries.iter().all(|e| e["author"]["kind"] != "bot"),
        "the bot stayed out: {transcript}"
    );
    assert!(
        !transcript.to_string().contains("track.example"),
        "{transcript}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_return_in_words_must_name_the_order_and_a_policy_question_stays_the_bots() {
    let (app, secret, _dir) = shop_with(vec![(
        false,
        order(
            "1006",
            "cust-1",
            "eva@example.com",
            10,
            Some(("delivered", 4)),
        ),
    )])
    .await;
    let owner = app.owner_token().await;
    app.add_article(
        &owner,
        "Can I return an item?",
        "Yes, within 30 days, free of charge.",
    )
    .await;

    // A policy question, even from a customer: the knowledge base answers, no request.
    let mut eva = shopper_as(&app, Some(verified(&secret, "cust-1"))).await;
    ask(&mut eva, "p1", "Can I return an item I bought?").await;
    let (text, _) = bot_says(&mut eva).await;
    assert!(text.contains("30 days"), "{text}");

    // Naming the order makes the request.
    ask(
        &mut eva,
        "p2",
        "I want to return order #1006, it's too small",
    )
    .await;
    let (text, _) = bot_says(&mut eva).await;
    assert!(
        text.contains("return request for order #1006")
            && text.contains("nothing has been refunded"),
        "{text}"
    );
    let (status, _) = eva.recv_type("status").await;
    assert_eq!(status["state"], "queued");

    // A stranger naming the same order gets the knowledge base, never the order.
    let mut stranger = shopper_as(&app, None).await;
    ask(&mut stranger, "p3", "I want to return order #1006").await;
    let (text, _) = bot_says(&mut stranger).await;
    assert!(!text.contains("1006"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn with_self_service_off_the_widget_hides_it_and_the_bot_answers_as_before() {
    let (app, secret, _dir) = shop_with(vec![(
        false,
        order(
            "1007",
            "cust-1",
            "eva@example.com",
            3,
            Some(("in_transit", 1)),
        ),
    )])
    .await;
    let owner = app.owner_token().await;
    let path = app.site_path("/commerce/settings");
    let changed = app
        .put(&path, &owner, json!({ "self_service": false }))
        .await;
    assert_eq!(changed.status(), 200, "{:?}", changed.text().await);

    let mut eva = app.shopper().await;
    let welcome = eva.hello(json!({})).await;
    assert_eq!(welcome["appearance"]["self_service"], false, "{welcome}");
    eva.send(json!({ "type": "event", "name": "identify", "props": verified(&secret, "cust-1") }))
        .await;
    eva.send(json!({ "type": "orders" })).await;
    let (error, _) = eva.recv_type("error").await;
    assert_eq!(error["code"], "not_allowed", "{error}");
    eva.send(json!({ "type": "order_lookup", "number": "1007", "email": "eva@example.com" }))
        .await;
    let (error, _) = eva.recv_type("error").await;
    assert_eq!(error["code"], "not_allowed", "{error}");
    ask(&mut eva, "o1", "where is my order?").await;
    eva.recv_type("ack").await;
    let after = eva.drain().await;
    assert!(
        after
            .iter()
            .all(|f| f["type"] != "orders" && !f["text"].as_str().unwrap_or("").contains("1007")),
        "{after:?}"
    );
    app.stop().await;
}
