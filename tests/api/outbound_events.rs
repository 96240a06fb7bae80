//! Outbound events: owners register endpoints, a shopper's chat reaches them as signed
//! Standard Webhooks deliveries (checked here by an independent verifier with the secret from
//! the create answer), an endpoint hears only the types it asked for, a failing receiver is
//! retried with the same `webhook-id` and the delivery log shows each attempt, only the
//! site's owners manage any of it, and rule webhooks carry the same signature.

use crate::common::http_peer::{header, read_request};
use crate::common::{Account, DEADLINE, PASSWORD, SeedPlan, TestApp, spawn_seeded};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    id: String,
    timestamp: String,
    signature: String,
    legacy: String,
    raw: String,
    body: Value,
}

/// A stand-in for the shop's own stack: records every request and answers each with the next
/// of `statuses` (then 200).
pub(crate) struct Receiver {
    pub(crate) url: String,
    got: Arc<Mutex<Vec<Delivery>>>,
    changed: watch::Receiver<usize>,
}

pub(crate) async fn receiver(statuses: Vec<u16>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let (tx, changed) = watch::channel(0usize);
    let statuses = Arc::new(Mutex::new(statuses.into_iter()));
    let record = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let Some((head, raw)) = read_request(&mut socket).await else {
                continue;
            };
            let status = statuses.lock().unwrap().next().unwrap_or(200);
            let response =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = socket.write_all(response.as_bytes()).await;
            let delivery = Delivery {
                id: header(&head, "webhook-id"),
                timestamp: header(&head, "webhook-timestamp"),
                signature: header(&head, "webhook-signature"),
                legacy: header(&head, "x-shopchat-signature"),
                body: serde_json::from_str(&raw).unwrap_or(Value::Null),
                raw,
            };
            record.lock().unwrap().push(delivery);
            tx.send_modify(|n| *n += 1);
        }
    });
    Receiver { url, got, changed }
}

impl Receiver {
    /// Waits (with the test deadline) until what arrived satisfies `done`; returns it.
    pub(crate) async fn until(
        &self,
        what: &str,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let mut changed = self.changed.clone();
        let got = self.got.clone();
        let waited =
            tokio::time::timeout(DEADLINE, changed.wait_for(|_| done(&got.lock().unwrap()))).await;
        let all = self.got.lock().unwrap().clone();
        assert!(waited.is_ok(), "timed out waiting for {what}; got {all:#?}");
        all
    }

    /// Waits for a delivery of event type `kind`.
    async fn event(&self, kind: &str) -> Delivery {
        let all = self
            .until(kind, |d| d.iter().any(|d| d.body["type"] == kind))
            .await;
        all.into_iter().find(|d| d.body["type"] == kind).unwrap()
    }
}

/// The Standard Webhooks check, written out here apart from the server's code: HMAC-SHA256
/// over `id.timestamp.body` keyed by `key`, base64, `v1,` first; a timestamp within 5 min.
fn verifies_with_key(key: &[u8], d: &Delivery) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{}.{}.{}", d.id, d.timestamp, d.raw).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let fresh = (now - d.timestamp.parse::<i64>().unwrap()).abs() <= 300;
    fresh && d.signature.split(' ').any(|s| s == expected)
}

/// The same check with a `whsec_…` secret.
fn verifies(secret: &str, d: &Delivery) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    verifies_with_key(&key, d)
}

const ALL: [&str; 7] = [
    "conversation.created",
    "conversation.handed_off",
    "conversation.assigned",
    "conversation.closed",
    "message.created",
    "contact.captured",
    "return.requested",
];

/// The standard seed plus an owner of the neighbours' site; http receivers allowed, retries
/// a few milliseconds apart.
pub(crate) async fn app() -> TestApp {
    let rival = Account {
        email: "rival@other.example",
        name: "Rival",
        on_other_site: true,
        owner: true,
    };
    spawn_seeded(&SeedPlan::standard_and(vec![rival]), |s| {
        s.allow_http_webhooks = true;
        s.webhook_retry = Duration::from_millis(20);
    })
    .await
}

pub(crate) async fn create_endpoint(
    app: &TestApp,
    owner: &str,
    url: &str,
    events: &[&str],
) -> Value {
    let body = json!({ "url": url, "events": events, "description": "the CRM" });
    let created = app.post(&app.site_path("/webhooks"), owner, body).await;
    crate::common::json_of(created, 201).await
}

#[tokio::test]
async fn a_shoppers_chat_reaches_the_endpoints_signed_and_each_hears_only_its_types() {
    let app = app().await;
    let owner = app.owner_token().await;
    let everything = receiver(vec![]).await;
    let closes_only = receiver(vec![]).await;
    let all = create_endpoint(&app, &owner, &everything.url, &ALL).await;
    let closed = create_endpoint(&app, &owner, &closes_only.url, &["conversation.closed"]).await;
    let secret = all["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{all}");
    app.add_article(
        &owner,
        "How long does shipping take?",
        "We ship within 2 days.",
    )
    .await;
    app.chat_settings(&owner, json!({ "auto_assign": false }))
        .await;
    let (mut agent, _) = app.agent(&owner).await;

    // The bot answers, the shopper asks for a person and leaves an email; the owner takes
    // the chat, answers and closes it.
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q1", "text": "How long does shipping take?" }))
        .await;
    let bot = shopper
        .until(|f| f["type"] == "message" && f["author"]["kind"] == "bot")
        .await;
    let conversation = bot["conversation_id"].as_str().unwrap().to_owned();
    shopper.send(json!({ "type": "handoff" })).await;
    shopper
        .until(|f| f["type"] == "status" && f["state"] == "queued")
        .await;
    shopper
        .send(json!({ "type": "contact", "email": "kari@example.no" }))
        .await;
    shopper
        .until(|f| f["type"] == "message" && f["text"].as_str().unwrap_or("").contains("kari@"))
        .await;
    agent
        .send(json!({ "type": "take", "conversation_id": conversation, "ref": "t" }))
        .await;
    agent.until(|f| f["type"] == "ok" && f["ref"] == "t").await;
    app.agent_says(&owner, &conversation, "Hi, Ann here.").await;
    agent
        .send(json!({ "type": "close", "conversation_id": conversation, "ref": "c" }))
        .await;
    agent.until(|f| f["type"] == "ok" && f["ref"] == "c").await;

    // Every event arrives once, signed with this endpoint's secret, about this chat.
    let got = everything
        .until("the whole chat", |d| {
            d.iter().any(|d| d.body["type"] == "conversation.closed")
                && d.iter()
                    .filter(|d| d.body["type"] == "message.created")
                    .count()
                    >= 3
        })
        .await;
    for d in &got {
        assert!(verifies(&secret, d), "signature of {d:#?}");
        assert!(d.id.starts_with("msg_"), "{}", d.id);
        assert_eq!(d.body["data"]["site_id"], app.seed.site_id.as_str());
        assert_eq!(d.body["data"]["conversation_id"], conversation.as_str());
        assert_eq!(d.body["data"]["visitor_id"], visitor.as_str());
        assert!(
            d.body["timestamp"].as_str().unwrap().ends_with('Z'),
            "{}",
            d.body
        );
        assert!(
            d.legacy.is_empty(),
            "endpoint events carry no legacy header"
        );
    }
    let mut ids: Vec<&str> = got.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "one webhook-id per message");
    let of = |kind: &str| {
        got.iter()
            .filter(|d| d.body["type"] == kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(of("conversation.created").len(), 1);
    let handed = of("conversation.handed_off");
    assert_eq!(handed.len(), 1, "{handed:#?}");
    assert_eq!(handed[0].body["data"]["from"], "bot");
    assert_eq!(handed[0].body["data"]["handoff_reason"], "shopper_asked");
    let assigned = of("conversation.assigned");
    assert_eq!(assigned.len(), 1);
    assert!(
        assigned[0].body["data"]["agent_id"]
            .as_str()
            .unwrap()
            .starts_with("ag_")
    );
    assert_eq!(of("conversation.closed")[0].body["data"]["state"], "closed");
    assert_eq!(
        of("contact.captured")[0].body["data"]["email"],
        "kari@example.no"
    );
    let authors: Vec<(&str, &str)> = of("message.created")
        .iter()
        .map(|d| {
            let m = &d.body["data"]["message"];
            (
                m["author"]["kind"].as_str().unwrap(),
                m["text"].as_str().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("shopper", "How long does shipping take?"),
        ("bot", "We ship within 2 days."),
        ("agent", "Hi, Ann here."),
    ] {
        assert!(authors.contains(&expected), "{expected:?} in {authors:?}");
    }
    assert_eq!(
        authors.len(),
        3,
        "system notices are not events: {authors:?}"
    );

    // The other endpoint heard the close only, signed with its own secret.
    let close = closes_only.event("conversation.closed").await;
    let only = closes_only.got.lock().unwrap().clone();
    assert_eq!(only.len(), 1, "{only:#?}");
    assert!(verifies(closed["secret"].as_str().unwrap(), &close));
    assert!(
        !verifies(&secret, &close),
        "each endpoint has its own secret"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_webhook_id_again_and_the_log_shows_each_attempt() {
    let app = app().await;
    let owner = app.owner_token().await;
    let flaky = receiver(vec![500, 500]).await;
    let endpoint = create_endpoint(&app, &owner, &flaky.url, &["message.created"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let test = app
        .post(
            &app.site_path(&format!("/webhooks/{id}/test")),
            &owner,
            json!({}),
        )
        .await;
    let message_id = crate::common::json_of(test, 202).await["message_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let got = flaky.until("three attempts", |d| d.len() >= 3).await;
    assert_eq!(got.len(), 3);
    for d in &got {
        assert_eq!(d.id, message_id, "the same webhook-id on every attempt");
        assert_eq!(d.body["type"], "webhook.test");
        assert!(verifies(endpoint["secret"].as_str().unwrap(), d));
    }

    // The log: newest first, two failures with the receiver's status, then delivered.
    let path = app.site_path("/webhooks/deliveries");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let log = loop {
        let log = app.get_json(&path, &owner).await["deliveries"].clone();
        if log.as_array().unwrap().len() >= 3 {
            break log;
        }
        assert!(tokio::time::Instant::now() < deadline, "log: {log}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let rows: Vec<(u64, Value, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["message_id"], message_id.as_str());
            assert_eq!(e["endpoint_id"], id);
            assert_eq!(e["event_type"], "webhook.test");
            (
                e["attempt"].as_u64().unwrap(),
                e["status"].clone(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (3, json!(200), "delivered"),
            (2, json!(500), "retrying"),
            (1, json!(500), "retrying"),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn only_the_sites_owners_manage_endpoints_and_bad_ones_are_refused_by_field() {
    let app = app().await;
    let owner = app.owner_token().await;
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    let rival = app.login("rival@other.example", PASSWORD).await;
    let hooks = app.site_path("/webhooks");
    let created = create_endpoint(
        &app,
        &owner,
        "https://crm.example/hooks",
        &["message.created"],
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();

    // The list shows the secret's prefix only.
    let list = app.get_json(&hooks, &owner).await;
    let listed = &list["endpoints"][0];
    assert_eq!(listed["id"], id);
    assert_eq!(listed["description"], "the CRM");
    assert!(listed.get("secret").is_none(), "{list}");
    assert!(
        secret.starts_with(
            listed["secret_prefix"]
                .as_str()
                .unwrap()
                .trim_end_matches('…')
        )
    );
    assert!(!list.to_string().contains(secret));

    // A plain agent of the site and another site's owner get 403 on every route.
    let body = json!({ "url": "https://evil.example", "events": ["message.created"] });
    for token in [&agent, &rival] {
        assert_eq!(app.get(&hooks, token).await.status(), 403);
        assert_eq!(app.post(&hooks, token, body.clone()).await.status(), 403);
        let one = format!("{hooks}/{id}");
        assert_eq!(app.delete(&one, token).await.status(), 403);
        assert_eq!(
            app.post(&format!("{one}/test"), token, json!({}))
                .await
                .status(),
            403
        );
        let log = app.site_path("/webhooks/deliveries");
        assert_eq!(app.get(&log, token).await.status(), 403);
    }
    // The rival's own site does not list it, and cannot delete it through its own path.
    let theirs = format!("/api/v1/sites/{}/webhooks", app.seed.other_site_id);
    let their_list = app.get_json(&theirs, &rival).await;
    assert_eq!(their_list["endpoints"], json!([]));
    assert_eq!(
        app.delete(&format!("{theirs}/{id}"), &rival).await.status(),
        404
    );

    // Bad values name their field.
    for (body, field) in [
        (
            json!({ "url": "ftp://crm.example", "events": ["message.created"] }),
            "url",
        ),
        (
            json!({ "url": "not a url", "events": ["message.created"] }),
            "url",
        ),
        (
            json!({ "url": "https://crm.example", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "https://crm.example", "events": ["order.paid"] }),
            "events",
        ),
        (
            json!({ "url": "https://crm.example", "events": ["message.created"], "description": "x".repeat(201) }),
            "description",
        ),
        (json!({ "events": ["message.created"] }), "url"),
    ] {
        let refused = app.post(&hooks, &owner, body.clone()).await;
        assert_eq!(refused.status(), 400, "{body}");
        let refused: Value = refused.json().await.unwrap();
        assert_eq!(refused["error"]["field"], field, "{body}: {refused}");
    }

    // At most ten per site.
    for n in 1..10 {
        create_endpoint(&app, &owner, &format!("https://crm.example/{n}"), &ALL).await;
    }
    let eleventh = app
        .post(
            &hooks,
            &owner,
            json!({ "url": "https://crm.example/11", "events": ALL }),
        )
        .await;
    assert_eq!(eleventh.status(), 409);

    // Deleted once; then it is gone.
    assert_eq!(
        app.delete(&format!("{hooks}/{id}"), &owner).await.status(),
        204
    );
    assert_eq!(
        app.delete(&format!("{hooks}/{id}"), &owner).await.status(),
        404
    );
    let list = app.get_json(&hooks, &owner).await;
    assert_eq!(list["endpoints"].as_array().unwrap().len(), 9);
    app.stop().await;
}

#[tokio::test]
async fn plain_http_endpoints_need_the_servers_permission() {
    let app = crate::common::spawn_app().await;
    let owner = app.owner_token().await;
    let refused = app
        .post(
            &app.site_path("/webhooks"),
            &owner,
            json!({ "url": "http://crm.example/hooks", "events": ["message.created"] }),
        )
        .await;
    let refused = crate::common::json_of(refused, 400).await;
    assert_eq!(refused["error"]["field"], "url");
    app.stop().await;
}

#[tokio::test]
async fn a_rule_webhook_carries_the_standard_headers_keyed_by_the_identity_secret() {
    let app = app().await;
    let owner = app.owner_token().await;
    let hook = receiver(vec![]).await;
    app.create_rule(
        &owner,
        json!({
            "name": "Tell the CRM",
            "when": "add_to_cart",
            "actions": [{ "type": "webhook", "url": hook.url }]
        }),
    )
    .await;
    let mut shopper = app.shopper().await;
    shopper
        .hello(json!({ "page": { "url": "https://shop.example/p/jacket", "type": "product" } }))
        .await;
    shopper
        .send(json!({ "type": "event", "name": "add_to_cart", "props": { "sku": "J-1", "price": 129 } }))
        .await;
    let got = hook.until("the rule's webhook", |d| !d.is_empty()).await;
    let d = &got[0];
    assert_eq!(d.body["event"], "rule.fired");
    let site = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), &owner)
        .await;
    let identity = site["identity_secret"].as_str().unwrap();
    assert!(d.id.starts_with("msg_"), "{d:#?}");
    assert!(verifies_with_key(identity.as_bytes(), d), "{d:#?}");
    // The legacy header stays for one release.
    assert_eq!(d.legacy, shopchat::webhooks::signature(identity, &d.raw));
    app.stop().await;
}
