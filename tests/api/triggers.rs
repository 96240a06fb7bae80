//! Trigger rules end to end: the owner API, and proactive messages on real shopper sockets.

use crate::common::{PASSWORD, spawn_app_as_owner, start, test_settings};
use serde_json::{Value, json};

/// A rule that greets a shopper who has been on a product page for `secs`.
fn dwell(secs: f64, frequency: Value, holdout: u8) -> Value {
    json!({
        "name": "Dwell",
        "when": "page_view",
        "conditions": { "all": [
            { "fact": "page.type", "op": "eq", "value": "product" },
            { "fact": "time_on_page", "op": "gte", "value": secs }
        ] },
        "actions": [{ "type": "message", "text": "Need help with the size of the {{ product.name }}?", "bot_name": "Ava" }],
        "frequency": frequency,
        "holdout_percent": holdout
    })
}

fn product_page() -> Value {
    json!({ "url": "https://shop.example/p/jacket", "title": "Jacket", "type": "product" })
}

fn bot_messages(frames: &[Value]) -> usize {
    frames
        .iter()
        .filter(|f| f["type"] == "message" && f["author"]["kind"] == "bot")
        .count()
}

#[tokio::test]
async fn owners_manage_rules_and_bad_rules_are_refused_by_path() {
    let (app, owner) = spawn_app_as_owner().await;
    let rules = format!("/api/v1/sites/{}/rules", app.seed.site_id);

    let bad = app
        .post(
            &rules,
            &owner,
            json!({
                "name": "broken",
                "conditions": { "all": [
                    { "fact": "page.path", "op": "eq", "value": "/" },
                    { "fact": "cart.total", "op": "gte", "value": 1 },
                    { "fact": "cart.total", "op": "gtt", "value": 1 }
                ] },
                "actions": [{ "type": "message", "text": "hi" }]
            }),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    let errors = body["error"]["errors"].as_array().unwrap();
    assert_eq!(errors[0]["path"], "conditions.all[2].op");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown operator \"gtt\"")
    );

    let id = app
        .create_rule(&owner, dwell(40.0, json!({ "once_per": "visitor" }), 0))
        .await;
    let one = format!("{rules}/{id}");
    let got: Value = app.get_json(&one, &owner).await;
    assert_eq!(
        (got["name"].as_str(), got["enabled"].as_bool()),
        (Some("Dwell"), Some(true))
    );

    let mut changed = dwell(60.0, json!({ "once_per": "session" }), 0);
    changed["name"] = json!("Longer dwell");
    let replaced = app.put(&one, &owner, changed).await;
    assert_eq!(replaced.status(), 200);
    let disabled: Value = app
        .post(&format!("{one}/disable"), &owner, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disabled["enabled"], false);
    let listed: Value = app.get_json(&rules, &owner).await;
    assert_eq!(listed["rules"][0]["name"], "Longer dwell");

    // Not the outsider's site, and agents (not owners) of a site do not manage its rules.
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    assert_eq!(app.get(&rules, &outsider).await.status(), 403);
    let their_rules = format!("/api/v1/sites/{}/rules", app.seed.other_site_id);
    assert_eq!(
        app.get(&their_rules, &outsider).await.status(),
        403,
        "agent role"
    );

    let deleted = app.delete(&one, &owner).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&one, &owner).await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_shopper_lingering_on_a_product_gets_the_bot_message_once_across_tabs_and_reconnects() {
    let (app, owner) = spawn_app_as_owner().await;
    let rule = app
        .create_rule(&owner, dwell(0.5, json!({ "once_per": "visitor" }), 0))
        .await;

    let mut tab1 = app.shopper().await;
    let welcome = tab1.hello(json!({ "page": product_page() })).await;
    tab1.send(json!({ "type": "event", "name": "product_view", "props": { "sku": "J-1", "name": "Alpine jacket" } })).await;
    tab1.drain().await;
    // Leave mid-dwell and come back on the same page, in two tabs.
    tab1.close().await;
    let resume = json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"], "page": product_page() });
    let mut tab2 = app.shopper().await;
    tab2.hello(resume.clone()).await;
    let mut tab3 = app.shopper().await;
    tab3.hello(resume).await;

    // The timer fires once; both open tabs see the proactive message, labelled as the bot.
    for tab in [&mut tab2, &mut tab3] {
        let (proactive, before) = tab.recv_type("proactive").await;
        assert_eq!(proactive["rule_id"], rule.as_str());
        let message = before
            .iter()
            .find(|f| f["type"] == "message")
            .expect("the message comes first");
        assert_eq!(message["author"]["kind"], "bot");
        assert_eq!(message["author"]["name"], "Ava");
        assert_eq!(
            message["text"],
            "Need help with the size of the Alpine jacket?"
        );
    }
    // Another page view re-evaluates: nothing more.
    tab2.send(json!({ "type": "event", "name": "page_view", "props": product_page() }))
        .await;
    assert_eq!(bot_messages(&tab2.drain().await), 0);
    assert_eq!(bot_messages(&tab3.drain().await), 0);
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 1);

    // The funnel follows the shopper: opened the widget, replied, bought.
    tab2.send(json!({ "type": "event", "name": "widget_open" }))
        .await;
    tab2.send(json!({ "type": "message", "client_msg_id": "r1", "text": "Yes, is M big?" }))
        .await;
    tab2.recv_type("ack").await;
    tab2.send(json!({ "type": "event", "name": "purchase", "props": { "total": 129 } }))
        .await;
    tab2.send(json!({ "type": "event", "name": "purchase", "props": { "total": 129 } }))
        .await;
    tab2.drain().await;
    let funnel = app.rule_report(&owner, &rule).await;
    assert_eq!(funnel["shown"]["opened"], 1);
    assert_eq!(funnel["shown"]["replied"], 1);
    assert_eq!(
        funnel["shown"]["converted"], 1,
        "a second purchase is not a second conversion"
    );
    assert_eq!(funnel["shown"]["conversion_rate"], 1.0);

    app.stop().await;
}

#[tokio::test]
async fn once_per_visitor_survives_a_restart() {
    let (app, owner) = spawn_app_as_owner().await;
    // A tag rule shows nothing, so no open conversation can be what holds it back.
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
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({ "page": product_page() })).await;
    shopper.drain().await;
    assert_eq!(app.rule_report(&owner, &rule).await["shown"]["fired"], 1);
    let visitor = format!(
        "/api/v1/sites/{}/visitors/{}",
        app.seed.site_id,
        welcome["visitor_id"].as_str().unwrap()
    );
    shopper.close().await;

    let seed = app.seed.clone();
    let dir = app.stop().await.unwrap();
    let app = start(test_settings(dir.path()), seed).await;
    let mut back = app.shopper().await;
    let other_product = json!({ "url": "https://shop.example/p/boots", "type": "product" });
    back.hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"], "page": other_product })).await;
    back.send(json!({ "type": "event", "name": "page_view", "props": product_page() }))
        .await;
    back.drain().await;
    assert_eq!(
        app.rule_report(&owner, &rule).await["shown"]["fired"],
        1,
        "not fired again after the restart"
    );
    let state: Value = app.get_json(&visitor, &owner).await;
    assert_eq!(state["tags"], json!(["browsed-products"]));
    app.stop().await;
    drop(dir);
}

#[tokio::test]
async fn held_out_visitors_see_nothing_but_are_counted() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut rule = dwell(0.0, json!({ "once_per": "visitor" }), 100);
    rule["conditions"] = json!({ "fact": "page.type", "op": "eq", "value": "product" });
    let rule = app.create_rule(&owner, rule).await;

    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": product_page() })).await;
    shopper
        .send(json!({ "type": "event", "name": "checkout_complete" }))
        .await;
    let frames = shopper.drain().await;
    assert!(
        frames
            .iter()
            .all(|f| f["type"] != "proactive" && f["type"] != "message"),
        "{frames:?}"
    );
    let funnel = app.rule_report(&owner, &rule).await;
    assert_eq!(funnel["held_out"]["fired"], 1);
    assert_eq!(funnel["held_out"]["converted"], 1);
    assert_eq!(funnel["shown"]["fired"], 0);
    app.stop().await;
}

#[tokio::test]
async fn simulate_shows_when_rules_fire_and_why_not() {
    let (app, owner) = spawn_app_as_owner().await;
    let journey = json!({
        "steps": [
            { "at": 0, "event": "page_view", "props": { "url": "https://shop.example/p/1", "type": "product" } },
            { "at": 12, "event": "cart_update", "props": { "total": 80 } }
        ],
        "rules": [
            dwell(40.0, json!({ "once_per": "visitor" }), 0),
            { "name": "Big cart", "when": "cart_update",
              "conditions": { "fact": "cart.total", "op": "gte", "value": 100 },
              "actions": [{ "type": "tag", "tag": "big" }] }
        ]
    });
    let response = app
        .post(
            &format!("/api/v1/sites/{}/rules/simulate", app.seed.site_id),
            &owner,
            journey,
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rules"][0]["fires_at_ms"], 40_000);
    assert_eq!(body["rules"][1]["fires_at_ms"], Value::Null);
    assert_eq!(body["rules"][1]["failed"][0], "cart.total gte 100 (is 80)");

    let bad = json!({ "steps": [{ "at": -1, "event": "page_view" }] });
    let refused = app
        .post(
            &format!("/api/v1/sites/{}/rules/simulate", app.seed.site_id),
            &owner,
            bad,
        )
        .await;
    assert_eq!(refused.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_action_posts_the_firing_signed_with_the_sites_secret() {
    use crate::common::http_peer::read_request;
    use tokio::io::AsyncWriteExt;
    let app = crate::common::spawn_app_with(|s| s.allow_http_webhooks = true).await;
    let owner = app.owner_token().await;
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!(
        "http://127.0.0.1:{}/hook",
        receiver.local_addr().unwrap().port()
    );
    let rule = app
        .create_rule(
            &owner,
            json!({
                "name": "Tell the CRM",
                "when": "add_to_cart",
                "actions": [{ "type": "webhook", "url": hook }]
            }),
        )
        .await;

    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({ "page": product_page() })).await;
    shopper.send(json!({ "type": "event", "name": "add_to_cart", "props": { "sku": "J-1", "price": 129 } })).await;

    let (mut conn, _) = tokio::time::timeout(crate::common::DEADLINE, receiver.accept())
        .await
        .unwrap()
        .unwrap();
    let (head, body) = tokio::time::timeout(crate::common::DEADLINE, read_request(&mut conn))
        .await
        .unwrap()
        .expect("connection closed early");
    conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        .await
        .unwrap();
    assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");

    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["event"], "rule.fired");
    assert_eq!(payload["rule_id"], rule.as_str());
    assert_eq!(payload["visitor_id"], welcome["visitor_id"]);
    assert_eq!(payload["cart"]["total"], 129.0);
    let site: Value = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), &owner)
        .await;
    let expected = shopchat::webhooks::signature(site["identity_secret"].as_str().unwrap(), &body);
    let signature = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("X-Shopchat-Signature: ")
                .or_else(|| l.strip_prefix("x-shopchat-signature: "))
        })
        .expect("a signature header");
    assert_eq!(signature, expected);
    app.stop().await;
}

#[tokio::test]
async fn business_hours_follow_the_sites_settings() {
    let (app, owner) = spawn_app_as_owner().await;
    let settings = format!("/api/v1/sites/{}/trigger-settings", app.seed.site_id);
    let mut body: Value = app.get_json(&settings, &owner).await;
    assert_eq!(body["fatigue_max"], 1);

    body["business_hours"] =
        json!({ "timezone": "Mars/Olympus", "days": [1], "open": "09:00", "close": "17:00" });
    let refused = app.put(&settings, &owner, body.clone()).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"]["field"],
        "business_hours.timezone"
    );

    // Open from 00:00 to 00:00 on no time at all: always closed.
    body["business_hours"] = json!({ "timezone": "Europe/Berlin", "days": [1, 2, 3, 4, 5, 6, 7], "open": "00:00", "close": "00:00" });
    let saved = app.put(&settings, &owner, body.clone()).await;
    assert_eq!(saved.status(), 200);
    let open_rule = app.create_rule(&owner, json!({ "name": "open", "when": "page_view",
        "conditions": { "fact": "business_hours", "op": "eq", "value": true }, "actions": [{ "type": "tag", "tag": "open" }] })).await;
    let closed_rule = app.create_rule(&owner, json!({ "name": "closed", "when": "page_view",
        "conditions": { "fact": "business_hours", "op": "eq", "value": false }, "actions": [{ "type": "tag", "tag": "closed" }] })).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": product_page() })).await;
    shopper.drain().await;
    assert_eq!(
        app.rule_report(&owner, &closed_rule).await["shown"]["fired"],
        1
    );
    assert_eq!(
        app.rule_report(&owner, &open_rule).await["shown"]["fired"],
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn no_proactive_message_while_the_shopper_types() {
    let (app, owner) = spawn_app_as_owner().await;
    app.create_rule(&owner, dwell(0.3, json!({ "once_per": "visitor" }), 0))
        .await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({ "page": product_page() })).await;
    shopper
        .send(json!({ "type": "typing", "active": true }))
        .await;

    // Wait (polling the visitor's state, with a deadline) until the dwell has passed.
    let path = format!(
        "/api/v1/sites/{}/visitors/{}",
        app.seed.site_id,
        welcome["visitor_id"].as_str().unwrap()
    );
    let deadline = std::time::Instant::now() + crate::common::DEADLINE;
    while app.get(&path, &owner).await.json::<Value>().await.unwrap()["time_on_page_ms"]
        .as_i64()
        .unwrap_or(0)
        < 600
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the dwell never passed"
        );
        tokio::task::yield_now().await;
    }
    let while_typing = shopper.drain().await;
    assert!(
        while_typing.iter().all(|f| f["type"] != "proactive"),
        "{while_typing:?}"
    );

    // Typing stops: the held-back rule fires at once.
    shopper
        .send(json!({ "type": "typing", "active": false }))
        .await;
    let (proactive, _) = shopper.recv_type("proactive").await;
    assert!(proactive["conversation_id"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn a_dismissed_rule_stays_quiet_for_that_visitor() {
    let (app, owner) = spawn_app_as_owner().await;
    // A generous budget, so only the dismissal can hold the rule back.
    let settings = format!("/api/v1/sites/{}/trigger-settings", app.seed.site_id);
    let budget =
        json!({ "fatigue_max": 100, "fatigue_window_secs": 3600, "attribution_window_secs": 3600 });
    let saved = app.put(&settings, &owner, budget.clone()).await;
    assert_eq!(saved.status(), 200);
    let rule = app
        .create_rule(
            &owner,
            json!({
                "name": "Open on every product page",
                "when": "page_view",
                "conditions": { "fact": "page.type", "op": "eq", "value": "product" },
                "actions": [{ "type": "open_widget" }],
                "frequency": { "max": 100, "period_secs": 3600 }
            }),
        )
        .await;

    let mut shopper = app.shopper().await;
    shopper.hello(json!({ "page": product_page() })).await;
    let (first, _) = shopper.recv_type("proactive").await;
    assert_eq!(
        (first["rule_id"].as_str(), first["open"].as_bool()),
        (Some(rule.as_str()), Some(true))
    );
    let second_page = json!({ "url": "https://shop.example/p/boots", "type": "product" });
    shopper
        .send(json!({ "type": "event", "name": "page_view", "props": second_page }))
        .await;
    shopper.recv_type("proactive").await; // without a dismissal it comes again

    shopper
        .send(json!({ "type": "event", "name": "dismiss", "props": { "rule_id": rule } }))
        .await;
    let third_page = json!({ "url": "https://shop.example/p/hat", "type": "product" });
    shopper
        .send(json!({ "type": "event", "name": "page_view", "props": third_page }))
        .await;
    let frames = shopper.drain().await;
    assert!(
        frames.iter().all(|f| f["type"] != "proactive"),
        "{frames:?}"
    );

    shopper
        .send(json!({ "type": "event", "name": "dismiss", "props": {} }))
        .await;
    let (error, _) = shopper.recv_type("error").await;
    assert_eq!(error["field"], "props.rule_id");
    app.stop().await;
}
