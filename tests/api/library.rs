//! The site's library over real sockets: knowledge-base articles and canned replies (who may
//! read, who may write, validation, isolation between sites) and the preview of a canned reply
//! filled in from a live shopper's identity and cart.

use crate::common::{Account, PASSWORD, SeedPlan, TestApp, json_of, spawn_seeded};
use reqwest::Method;
use serde_json::{Value, json};

const AGENT_EMAIL: &str = "agent@shop.example";
/// Owner of the other site.
const OTHER_OWNER_EMAIL: &str = "owner@other.example";

/// A seeded server whose site also has a plain agent (not an owner), and whose other site
/// has an owner.
async fn app_with_agent() -> TestApp {
    let accounts = vec![
        Account {
            email: AGENT_EMAIL,
            name: "Andy",
            on_other_site: false,
            owner: false,
        },
        Account {
            email: OTHER_OWNER_EMAIL,
            name: "Olga",
            on_other_site: true,
            owner: true,
        },
    ];
    spawn_seeded(&SeedPlan::standard_and(accounts), |_| {}).await
}

/// A canned reply previewed at `path` as the holder of `token` (must answer 200).
async fn previewed(app: &TestApp, path: &str, token: &str) -> Value {
    json_of(app.post(path, token, json!({})).await, 200).await
}

#[tokio::test]
async fn owners_manage_articles_and_agents_only_read_them() {
    let app = app_with_agent().await;
    let owner = app.owner_token().await;
    let agent = app.login(AGENT_EMAIL, PASSWORD).await;
    let articles = format!("/api/v1/sites/{}/articles", app.seed.site_id);

    let created = app
        .created(
            &articles,
            &owner,
            json!({ "question": "  How long does shipping take?  ", "answer": "2-3 days." }),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("art_"));
    assert_eq!(created["question"], "How long does shipping take?");
    assert_eq!(created["site_id"], app.seed.site_id);
    let second = app
        .created(
            &articles,
            &owner,
            json!({ "question": "Can I return?", "answer": "Within 30 days." }),
        )
        .await;

    // Any member reads, oldest first.
    let list = json_of(app.get(&articles, &agent).await, 200).await;
    let ids: Vec<&str> = list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), second["id"].as_str().unwrap()]);
    let one = format!("{articles}/{id}");
    assert_eq!(json_of(app.get(&one, &agent).await, 200).await, created);

    // Replace.
    let replaced = json_of(
        app.put(
            &one,
            &owner,
            json!({ "question": "How long is delivery?", "answer": "2-3 working days." }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(replaced["answer"], "2-3 working days.");
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert_eq!(
        json_of(app.get(&one, &owner).await, 200).await["question"],
        "How long is delivery?"
    );

    // A plain agent may not write.
    let body = json!({ "question": "q", "answer": "a" });
    assert_eq!(
        app.post(&articles, &agent, body.clone()).await.status(),
        403
    );
    assert_eq!(app.put(&one, &agent, body).await.status(), 403);
    assert_eq!(app.delete(&one, &agent).await.status(), 403);

    // Delete, then it is gone.
    assert_eq!(app.delete(&one, &owner).await.status(), 204);
    assert_eq!(app.get(&one, &owner).await.status(), 404);
    assert_eq!(app.delete(&one, &owner).await.status(), 404);
    let body = json!({ "question": "q", "answer": "a" });
    assert_eq!(app.put(&one, &owner, body).await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn bad_articles_are_refused_naming_the_field() {
    let app = app_with_agent().await;
    let owner = app.owner_token().await;
    let articles = format!("/api/v1/sites/{}/articles", app.seed.site_id);
    for (body, field) in [
        (json!({ "question": "   ", "answer": "a" }), "question"),
        (
            json!({ "question": "q".repeat(301), "answer": "a" }),
            "question",
        ),
        (json!({ "question": "q", "answer": "" }), "answer"),
        (
            json!({ "question": "q", "answer": "a".repeat(4001) }),
            "answer",
        ),
    ] {
        let error = json_of(app.post(&articles, &owner, body).await, 422).await;
        assert_eq!(error["error"]["field"], field, "{error}");
        assert_eq!(error["error"]["errors"][0]["path"], field, "{error}");
    }
    // Limits are in characters, not bytes.
    let umlauts = json!({ "question": "ü".repeat(300), "answer": "ä".repeat(4000) });
    assert_eq!(app.post(&articles, &owner, umlauts).await.status(), 201);
    // A missing field is a 400 naming it, like every other route.
    let error = json_of(
        app.post(&articles, &owner, json!({ "question": "q" }))
            .await,
        400,
    )
    .await;
    assert_eq!(error["error"]["field"], "answer");
    assert!(app.get(&articles, &owner).await.status().is_success());
    app.stop().await;
}

#[tokio::test]
async fn outsiders_get_403_and_another_sites_ids_are_404() {
    let app = app_with_agent().await;
    let owner = app.owner_token().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let site = &app.seed.site_id;
    let articles = format!("/api/v1/sites/{site}/articles");
    let canned_replies = format!("/api/v1/sites/{site}/canned-replies");
    let article = app
        .created(&articles, &owner, json!({ "question": "q", "answer": "a" }))
        .await;
    let canned = app
        .created(
            &canned_replies,
            &owner,
            json!({ "shortcut": "hi", "body": "Hello!" }),
        )
        .await;
    let (article_id, canned_id) = (
        article["id"].as_str().unwrap(),
        canned["id"].as_str().unwrap(),
    );
    let article_body = json!({ "question": "q", "answer": "a" });
    let canned_body = json!({ "shortcut": "x", "body": "x" });

    // Every route of site A refuses the outsider.
    let preview = format!(
        "/api/v1/sites/{site}/conversations/c_abcdefghij/canned-replies/{canned_id}/preview"
    );
    let routes = [
        (Method::GET, articles.clone(), None),
        (Method::POST, articles.clone(), Some(article_body.clone())),
        (Method::GET, format!("{articles}/{article_id}"), None),
        (
            Method::PUT,
            format!("{articles}/{article_id}"),
            Some(article_body.clone()),
        ),
        (Method::DELETE, format!("{articles}/{article_id}"), None),
        (Method::GET, canned_replies.clone(), None),
        (
            Method::POST,
            canned_replies.clone(),
            Some(canned_body.clone()),
        ),
        (Method::GET, format!("{canned_replies}/{canned_id}"), None),
        (
            Method::PUT,
            format!("{canned_replies}/{canned_id}"),
            Some(canned_body.clone()),
        ),
        (
            Method::DELETE,
            format!("{canned_replies}/{canned_id}"),
            None,
        ),
        (Method::POST, preview, Some(json!({}))),
    ];
    let mut statuses = Vec::new();
    for (method, path, body) in routes {
        statuses.push(app.request(method, &path, &outsider, body).await.status());
    }
    assert!(statuses.iter().all(|s| s.as_u16() == 403), "{statuses:?}");
    // Nothing changed.
    for item in [
        format!("{articles}/{article_id}"),
        format!("{canned_replies}/{canned_id}"),
    ] {
        assert_eq!(app.get(&item, &owner).await.status(), 200, "{item}");
    }

    // Site B's items named under site A's path are 404 for A's owner, and stay untouched.
    let other = &app.seed.other_site_id;
    let other_owner = app.login(OTHER_OWNER_EMAIL, PASSWORD).await;
    let b_article = app
        .created(
            &format!("/api/v1/sites/{other}/articles"),
            &other_owner,
            json!({ "question": "B's question", "answer": "B's answer" }),
        )
        .await;
    let b_canned = app
        .created(
            &format!("/api/v1/sites/{other}/canned-replies"),
            &other_owner,
            json!({ "shortcut": "b", "body": "B's reply" }),
        )
        .await;
    let b_article_in_a = format!("{articles}/{}", b_article["id"].as_str().unwrap());
    let b_canned_in_a = format!("{canned_replies}/{}", b_canned["id"].as_str().unwrap());
    for (item, body) in [(b_article_in_a, article_body), (b_canned_in_a, canned_body)] {
        assert_eq!(app.get(&item, &owner).await.status(), 404, "{item}");
        assert_eq!(app.put(&item, &owner, body).await.status(), 404, "{item}");
        assert_eq!(app.delete(&item, &owner).await.status(), 404, "{item}");
    }
    let b_list = json_of(
        app.get(&format!("/api/v1/sites/{other}/articles"), &other_owner)
            .await,
        200,
    )
    .await;
    assert_eq!(b_list["articles"][0], b_article, "B's article is untouched");
    let b_reply = json_of(
        app.get(
            &format!(
                "/api/v1/sites/{other}/canned-replies/{}",
                b_canned["id"].as_str().unwrap()
            ),
            &other_owner,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(b_reply, b_canned, "B's reply is untouched");
    // And B's owner sees none of A's items under B's path.
    assert_eq!(
        app.get(
            &format!("/api/v1/sites/{other}/articles/{article_id}"),
            &other_owner
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/sites/{other}/canned-replies/{canned_id}"),
            &other_owner
        )
        .await
        .status(),
        404
    );
    // Ids that do not parse are 400 naming the field.
    let error = json_of(
        app.get(
            &format!("/api/v1/sites/{site}/articles/r_abcdefghij"),
            &owner,
        )
        .await,
        400,
    )
    .await;
    assert_eq!(error["error"]["field"], "article_id");
    app.stop().await;
}

#[tokio::test]
async fn canned_replies_round_trip_with_unique_shortcuts_and_compiling_templates() {
    let app = app_with_agent().await;
    let owner = app.owner_token().await;
    let agent = app.login(AGENT_EMAIL, PASSWORD).await;
    let replies = format!("/api/v1/sites/{}/canned-replies", app.seed.site_id);

    let ship = app.created(
            &replies,
            &owner,
            json!({ "shortcut": "/ship", "title": "Shipping", "body": "Hi {{ shopper.name }}, it ships today." }),
        )
    .await;
    assert_eq!(ship["shortcut"], "/ship");
    assert!(ship["id"].as_str().unwrap().starts_with("cr_"));
    let refund = app
        .created(
            &replies,
            &owner,
            json!({ "shortcut": "refund", "body": "Your refund is on its way." }),
        )
        .await;
    assert_eq!(refund["title"], Value::Null);

    // The same shortcut, with or without `/`, is taken.
    let taken = json_of(
        app.post(
            &replies,
            &owner,
            json!({ "shortcut": "ship", "body": "again" }),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(taken["error"]["field"], "shortcut");
    // A template that does not compile names the body and says why.
    let broken = json_of(
        app.post(
            &replies,
            &owner,
            json!({ "shortcut": "bad", "body": "Hi {{ shopper.name " }),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(broken["error"]["field"], "body");
    assert!(
        broken["error"]["message"]
            .as_str()
            .unwrap()
            .contains("template error"),
        "{broken}"
    );
    for (body, field) in [
        (
            json!({ "shortcut": "Bad Shortcut", "body": "x" }),
            "shortcut",
        ),
        (json!({ "shortcut": "", "body": "x" }), "shortcut"),
        (json!({ "shortcut": "ok", "body": "  " }), "body"),
        (
            json!({ "shortcut": "ok", "title": "t".repeat(121), "body": "x" }),
            "title",
        ),
    ] {
        let error = json_of(app.post(&replies, &owner, body).await, 422).await;
        assert_eq!(error["error"]["field"], field, "{error}");
    }

    // Members list and filter; owners only write.
    let all = json_of(app.get(&replies, &agent).await, 200).await;
    let shortcuts: Vec<&str> = all["canned_replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["shortcut"].as_str().unwrap())
        .collect();
    assert_eq!(shortcuts, ["/refund", "/ship"]);
    for (q, expected) in [
        ("/sh", "/ship"),
        ("REFUND", "/refund"),
        ("ships today", "/ship"),
    ] {
        let found = json_of(
            app.get(&format!("{replies}?q={}", q.replace(' ', "%20")), &agent)
                .await,
            200,
        )
        .await;
        let list = found["canned_replies"].as_array().unwrap();
        assert_eq!(list.len(), 1, "q={q}: {found}");
        assert_eq!(list[0]["shortcut"], expected);
    }
    let body = json!({ "shortcut": "x", "body": "x" });
    assert_eq!(app.post(&replies, &agent, body).await.status(), 403);

    // Replace: keeping its own shortcut is fine, taking another's is 409.
    let one = format!("{replies}/{}", ship["id"].as_str().unwrap());
    let replaced = json_of(
        app.put(
            &one,
            &owner,
            json!({ "shortcut": "ship", "body": "Ships in 24 h." }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(replaced["body"], "Ships in 24 h.");
    assert_eq!(replaced["title"], Value::Null);
    let clash = json_of(
        app.put(&one, &owner, json!({ "shortcut": "/refund", "body": "x" }))
            .await,
        409,
    )
    .await;
    assert_eq!(clash["error"]["field"], "shortcut");
    assert_eq!(
        app.put(&one, &agent, json!({ "shortcut": "ship", "body": "x" }))
            .await
            .status(),
        403
    );
    assert_eq!(
        json_of(app.get(&one, &agent).await, 200).await["body"],
        "Ships in 24 h."
    );

    assert_eq!(app.delete(&one, &agent).await.status(), 403);
    assert_eq!(app.delete(&one, &owner).await.status(), 204);
    assert_eq!(app.get(&one, &owner).await.status(), 404);
    // The freed shortcut can be used again.
    assert_eq!(
        app.post(
            &replies,
            &owner,
            json!({ "shortcut": "ship", "body": "new" })
        )
        .await
        .status(),
        201
    );
    app.stop().await;
}

#[tokio::test]
async fn the_preview_fills_in_the_live_shoppers_name_cart_and_the_agent() {
    let app = app_with_agent().await;
    let owner = app.owner_token().await;
    let agent = app.login(AGENT_EMAIL, PASSWORD).await;
    let site = &app.seed.site_id;
    let reply = app.created(
            &format!("/api/v1/sites/{site}/canned-replies"),
            &owner,
            json!({ "shortcut": "total", "body": "Hi {{ shopper.name }}, your cart comes to {{ cart.total_formatted }} ({{ cart.count }} items). Order: [{{ order.id }}]. {{ agent.name }}" }),
        )
    .await;
    let reply_id = reply["id"].as_str().unwrap();

    let mut shopper = app.shopper().await;
    shopper
        .hello(json!({ "page": { "url": "https://shop.example/cart", "title": "Cart" } }))
        .await;
    shopper
        .send(json!({ "type": "event", "name": "identify", "props": { "name": "Eva" } }))
        .await;
    shopper
        .send(json!({ "type": "event", "name": "cart_update", "props": {
            "total": 89.9, "currency": "EUR",
            "items": [{ "sku": "J-1", "name": "Jacket", "qty": 1, "price": 59.9 },
                      { "sku": "S-2", "name": "Scarf", "qty": 2, "price": 15 }] } }))
        .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q1", "text": "How much is my cart?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    shopper.drain().await; // every frame above has been handled
    let conversation = ack["conversation_id"].as_str().unwrap();

    let preview_path = |site: &str, conversation: &str, reply: &str| {
        format!("/api/v1/sites/{site}/conversations/{conversation}/canned-replies/{reply}/preview")
    };
    let preview = previewed(&app, &preview_path(site, conversation, reply_id), &agent).await;
    assert_eq!(
        preview["text"],
        "Hi Eva, your cart comes to 89.90 EUR (3 items). Order: []. Andy"
    );
    assert_eq!(preview["canned_id"], reply_id);
    assert_eq!(preview["shortcut"], "/total");
    // The owner previews with their own name.
    let by_owner = previewed(&app, &preview_path(site, conversation, reply_id), &owner).await;
    assert!(
        by_owner["text"].as_str().unwrap().ends_with(". owner"),
        "{by_owner}"
    );

    // A purchase shows up as the latest order.
    shopper
        .send(json!({ "type": "event", "name": "purchase", "props": { "order_id": "A-1001", "total": 89.9, "currency": "EUR" } }))
        .await;
    shopper.drain().await;
    let after = previewed(&app, &preview_path(site, conversation, reply_id), &agent).await;
    assert!(
        after["text"].as_str().unwrap().contains("Order: [A-1001]"),
        "{after}"
    );

    // Unknown conversation or reply on this site: 404; the outsider: 403.
    let missing = preview_path(site, "c_abcdefghijkl", reply_id);
    assert_eq!(app.post(&missing, &agent, json!({})).await.status(), 404);
    let no_reply = preview_path(site, conversation, "cr_abcdefghijkl");
    assert_eq!(app.post(&no_reply, &agent, json!({})).await.status(), 404);
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let other = &app.seed.other_site_id;
    // Site A's conversation under the outsider's own site B: 404, never A's shopper.
    let cross = preview_path(other, conversation, reply_id);
    assert_eq!(app.post(&cross, &outsider, json!({})).await.status(), 404);
    shopper.close().await;
    app.stop().await;
}

/// A template is code that runs on every preview, suggestion and proactive message: what
/// could build a huge text is refused when it is saved, and what it prints stops at the
/// message limit.
#[tokio::test]
async fn templates_that_could_build_huge_text_are_refused_and_output_is_bounded() {
    let app = crate::common::spawn_app_with(|s| s.limits.max_message_chars = 40).await;
    let owner = app.owner_token().await;
    let replies = format!("/api/v1/sites/{}/canned-replies", app.seed.site_id);
    for body in [
        "{{ 'x' * 100000000 }}",
        "{% set s = 'xx' %}{% set s = s ~ s %}{{ s }}",
    ] {
        let refused = json_of(
            app.post(
                &replies,
                &owner,
                json!({ "shortcut": "huge", "body": body }),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(refused["error"]["field"], "body", "{refused}");
    }
    let rules = format!("/api/v1/sites/{}/rules", app.seed.site_id);
    let refused = app
        .post(
            &rules,
            &owner,
            json!({ "name": "huge", "when": ["page_view"],
                    "actions": [{ "type": "message", "text": "{{ 'x' * 100000000 }}" }] }),
        )
        .await;
    assert_eq!(refused.status(), 422);

    // A reply that prints past the limit is refused at preview, with the limit named.
    let long = app.created(
            &replies,
            &owner,
            json!({ "shortcut": "long", "body": "Hello {{ shopper.name or 'there' }}, this reply is longer than forty characters." }),
        )
    .await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "m1", "text": "hi" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let preview = format!(
        "/api/v1/sites/{}/conversations/{}/canned-replies/{}/preview",
        app.seed.site_id,
        ack["conversation_id"].as_str().unwrap(),
        long["id"].as_str().unwrap()
    );
    let refused = json_of(app.post(&preview, &owner, json!({})).await, 422).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("longer than 40 characters"),
        "{refused}"
    );
}
