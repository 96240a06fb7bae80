//! Tenant isolation as a matrix: every site-scoped REST route in the OpenAPI document, and
//! every agent socket action, tried by an agent of another site. Nothing of site A may be
//! seen or touched from site B.

use crate::common::{PASSWORD, spawn_app, spawn_app_as_owner};
use serde_json::{Value, json};

#[tokio::test]
async fn every_site_route_refuses_an_agent_of_another_site() {
    let (app, owner) = spawn_app_as_owner().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;

    // Real ids of site A for every kind of path parameter.
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "a", "text": "hello" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let site = app.seed.site_id.clone();
    let post = |path: String, body: Value| {
        let app = &app;
        let owner = owner.clone();
        async move {
            let r = app.post(&path, &owner, body).await;
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.json::<Value>().await.unwrap()
        }
    };
    let article = post(
        format!("/api/v1/sites/{site}/articles"),
        json!({ "question": "Q?", "answer": "A." }),
    )
    .await;
    let canned = post(
        format!("/api/v1/sites/{site}/canned-replies"),
        json!({ "shortcut": "hi", "body": "Hello" }),
    )
    .await;
    let rule = post(
        format!("/api/v1/sites/{site}/rules"),
        json!({ "name": "r", "when": "page_view", "conditions": { "all": [{ "fact": "page.path", "op": "eq", "value": "/" }] }, "actions": [{ "type": "tag", "tag": "x" }] }),
    )
    .await;
    let endpoint = post(
        format!("/api/v1/sites/{site}/webhooks"),
        json!({ "url": "https://crm.example/hooks", "events": ["conversation.closed"] }),
    )
    .await;
    let me: Value = app.get_json("/api/v1/me", &owner).await;
    let ids = [
        ("{site_id}", site.clone()),
        (
            "{conversation_id}",
            ack["conversation_id"].as_str().unwrap().to_owned(),
        ),
        (
            "{visitor_id}",
            welcome["visitor_id"].as_str().unwrap().to_owned(),
        ),
        (
            "{article_id}",
            article["id"].as_str().unwrap_or_default().to_owned(),
        ),
        (
            "{canned_id}",
            canned["id"].as_str().unwrap_or_default().to_owned(),
        ),
        (
            "{rule_id}",
            rule["id"].as_str().unwrap_or_default().to_owned(),
        ),
        ("{agent_id}", me["agent"]["id"].as_str().unwrap().to_owned()),
        (
            "{endpoint_id}",
            endpoint["id"].as_str().unwrap_or_default().to_owned(),
        ),
        // The shop's data: refused on the site before any id is looked at.
        ("{key_id}", "key_0000000000000000".to_owned()),
        ("{order_id}", "order-4711".to_owned()),
        ("{customer_id}", "customer-4711".to_owned()),
        ("{email}", "kari@example.no".to_owned()),
    ];

    let doc: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tried = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        // The platforms' webhooks answer to a signature, not an agent (tests/api/commerce_*).
        if !template.contains("{site_id}") || template.starts_with("/hooks/") {
            continue;
        }
        let mut path = template.clone();
        for (name, value) in &ids {
            assert!(
                !value.is_empty() || !path.contains(name),
                "no id for {name}"
            );
            path = path.replace(name, value);
        }
        assert!(!path.contains('{'), "unfilled parameter in {template}");
        for method in item.as_object().unwrap().keys() {
            let request = match method.as_str() {
                "get" => app.http.get(app.url(&path)),
                "post" => app.http.post(app.url(&path)).json(&json!({})),
                "put" => app.http.put(app.url(&path)).json(&json!({})),
                "patch" => app.http.patch(app.url(&path)).json(&json!({})),
                "delete" => app.http.delete(app.url(&path)),
                other => panic!("untested method {other}"),
            };
            let response = request.bearer_auth(&outsider).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(status, 403, "{method} {template}: {body}");
            for (_, value) in &ids[1..] {
                assert!(
                    !body.contains(value.as_str()),
                    "{method} {template} leaked an id"
                );
            }
            tried += 1;
        }
    }
    assert!(tried >= 30, "the matrix covers every site route ({tried})");

    // With their own site in the path, site A's objects are simply not there.
    let other = &app.seed.other_site_id;
    let conversation = &ids[1].1;
    for path in [
        format!("/api/v1/sites/{other}/conversations/{conversation}/transcript"),
        format!("/api/v1/sites/{other}/conversations/{conversation}/messages"),
        format!("/api/v1/sites/{other}/visitors/{}", ids[2].1),
        format!("/api/v1/sites/{other}/articles/{}", ids[3].1),
        format!("/api/v1/sites/{other}/canned-replies/{}", ids[4].1),
    ] {
        let response = app.get(&path, &outsider).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    let response = app
        .post(
            &format!("/api/v1/sites/{other}/conversations/{conversation}/notes"),
            &outsider,
            json!({ "text": "sneaky" }),
        )
        .await;
    assert_eq!(response.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn every_agent_socket_action_on_another_sites_conversation_is_not_found() {
    let app = spawn_app().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let (mut spy, ready) = app.agent(&outsider).await;
    let sites: Vec<&str> = ready["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(sites, [app.seed.other_site_id.as_str()]);

    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "a", "text": "my address is secret" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap();
    let visitor = welcome["visitor_id"].as_str().unwrap();
    let actions = [
        json!({ "type": "take", "conversation_id": conversation }),
        json!({ "type": "message", "conversation_id": conversation, "client_msg_id": "x", "text": "hi" }),
        json!({ "type": "transfer", "conversation_id": conversation }),
        json!({ "type": "close", "conversation_id": conversation }),
        json!({ "type": "tag", "conversation_id": conversation, "tag": "x" }),
        json!({ "type": "note", "conversation_id": conversation, "text": "x" }),
        json!({ "type": "typing", "conversation_id": conversation }),
        json!({ "type": "read", "conversation_id": conversation, "seq": 1 }),
        json!({ "type": "start", "site_id": app.seed.site_id, "visitor_id": visitor, "client_msg_id": "y", "text": "hi" }),
    ];
    for (i, mut action) in actions.into_iter().enumerate() {
        action["ref"] = json!(i.to_string());
        spy.send(action.clone()).await;
        let answer = loop {
            let frame = spy.recv().await;
            if frame["ref"] == json!(i.to_string()) {
                break frame;
            }
        };
        assert_eq!(answer["type"], "error", "{action} -> {answer}");
        assert_eq!(answer["code"], "not_found", "{action} -> {answer}");
        assert_eq!(answer["ref"], i.to_string());
    }
    // And nothing of site A reached the spy: no visitor, message or conversation frame.
    let frames = spy.drain().await;
    let leaked: Vec<&Value> = frames
        .iter()
        .filter(|f| {
            let text = f.to_string();
            text.contains(conversation) || text.contains(visitor) || text.contains("secret")
        })
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
    let stored = app
        .conversation(&app.owner_token().await, conversation)
        .await;
    assert_eq!(stored["conversation"]["state"], "queued", "untouched");
    assert_eq!(stored["entries"].as_array().unwrap().len(), 1);
    app.stop().await;
}
