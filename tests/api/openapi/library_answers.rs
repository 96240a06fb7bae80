//! The library's and the model helpers' answers checked against their schemas: articles,
//! canned replies (list, create, get, replace, preview), suggestions, drafts and summaries.

use super::answers::{body_of, check};
use super::served;
use serde_json::json;

#[tokio::test]
async fn the_library_and_draft_schemas_describe_what_the_routes_answer() {
    let (app, owner) = crate::helpers::spawn_app_as_owner().await;
    let doc = served(&app).await;
    app.add_article(
        &owner,
        "Where is my order?",
        "See the tracking link in your mail.",
    )
    .await;
    let articles = app.get_json(&app.site_path("/articles"), &owner).await;
    assert!(!articles["articles"].as_array().unwrap().is_empty());
    check(
        &doc,
        "/api/v1/sites/{site_id}/articles",
        "get",
        200,
        &articles,
    );

    let canned_path = "/api/v1/sites/{site_id}/canned-replies";
    let created = app
        .created(
            &app.site_path("/canned-replies"),
            &owner,
            json!({ "shortcut": "order", "body": "Your order is on its way." }),
        )
        .await;
    assert!(created["title"].is_null(), "{created}");
    check(&doc, canned_path, "post", 201, &created);
    let id = created["id"].as_str().unwrap();
    let one_path = format!("{canned_path}/{{canned_id}}");
    let one = app
        .get_json(&app.site_path(&format!("/canned-replies/{id}")), &owner)
        .await;
    check(&doc, &one_path, "get", 200, &one);
    let replaced = app
        .put(
            &app.site_path(&format!("/canned-replies/{id}")),
            &owner,
            json!({ "shortcut": "order", "title": "Order", "body": "Your order is on its way." }),
        )
        .await;
    check(&doc, &one_path, "put", 200, &body_of(replaced, 200).await);
    let list = app
        .get_json(&app.site_path("/canned-replies"), &owner)
        .await;
    check(&doc, canned_path, "get", 200, &list);

    let (_shopper, conversation) =
        crate::ai_draft_counts::shopper_writes(&app, "where is my order").await;
    let conv = "/api/v1/sites/{site_id}/conversations/{conversation_id}";
    let preview = app
        .post(
            &app.site_path(&format!(
                "/conversations/{conversation}/canned-replies/{id}/preview"
            )),
            &owner,
            json!({}),
        )
        .await;
    check(
        &doc,
        &format!("{conv}/canned-replies/{{canned_id}}/preview"),
        "post",
        200,
        &body_of(preview, 200).await,
    );
    let suggestions = app
        .get_json(
            &app.site_path(&format!("/conversations/{conversation}/suggestions")),
            &owner,
        )
        .await;
    let kinds: Vec<_> = suggestions["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].clone())
        .collect();
    assert!(
        kinds.contains(&json!("canned")) && kinds.contains(&json!("article")),
        "{suggestions}"
    );
    check(
        &doc,
        &format!("{conv}/suggestions"),
        "get",
        200,
        &suggestions,
    );

    for (route, name) in [("draft", "draft"), ("summary", "summary")] {
        let answer = app
            .post(
                &app.site_path(&format!("/conversations/{conversation}/{route}")),
                &owner,
                json!({}),
            )
            .await;
        let answer = body_of(answer, 200).await;
        assert!(
            answer["fallback"].is_string(),
            "{name} without a model: {answer}"
        );
        check(&doc, &format!("{conv}/{route}"), "post", 200, &answer);
    }
    app.stop().await;
}

#[tokio::test]
async fn the_model_schemas_describe_what_the_routes_answer() {
    let (app, owner) = crate::helpers::spawn_app_as_owner().await;
    let doc = served(&app).await;
    let usage = app.get_json(&app.site_path("/ai-usage"), &owner).await;
    check(&doc, "/api/v1/sites/{site_id}/ai-usage", "get", 200, &usage);
    let provider_path = "/api/v1/sites/{site_id}/ai-provider";
    let provider = app.get_json(&app.site_path("/ai-provider"), &owner).await;
    check(&doc, provider_path, "get", 200, &provider);
    let put = app
        .put(
            &app.site_path("/ai-provider"),
            &owner,
            json!({ "base_url": null }),
        )
        .await;
    check(&doc, provider_path, "put", 200, &body_of(put, 200).await);
    let (_shopper, conversation) = crate::ai_draft_counts::shopper_writes(&app, "Hallo").await;
    let translated = app
        .post(
            &app.site_path(&format!("/conversations/{conversation}/translate")),
            &owner,
            json!({ "seq": 1, "to": "en" }),
        )
        .await;
    let translated = body_of(translated, 200).await;
    assert!(translated["fallback"].is_string(), "{translated}");
    check(
        &doc,
        "/api/v1/sites/{site_id}/conversations/{conversation_id}/translate",
        "post",
        200,
        &translated,
    );
    app.stop().await;
}
