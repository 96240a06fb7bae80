//! Real answers of the typed operations checked against their schemas in the served
//! document, one test per area: a schema that drifts from what a route writes fails here.

use super::{matches_schema, served};
use crate::common::{OWNER_EMAIL, PASSWORD, TestApp};
use serde_json::{Value, json};

/// The schema of the `status` answer of `method path` in the served document.
pub(super) fn answer_schema<'a>(
    doc: &'a Value,
    path: &str,
    method: &str,
    status: u16,
) -> &'a Value {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} documents a {status} JSON answer"
    );
    schema
}

/// `body` matches the `status` answer of `method path`.
pub(super) fn check(doc: &Value, path: &str, method: &str, status: u16, body: &Value) {
    matches_schema(
        doc,
        answer_schema(doc, path, method, status),
        body,
        &format!("{} {path}", method.to_uppercase()),
    );
}

/// `body`, sent to `method path`, is what the operation's JSON request body describes.
pub(super) fn check_request(doc: &Value, path: &str, method: &str, body: &Value) {
    let schema =
        &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "{method} {path} documents a JSON body");
    matches_schema(
        doc,
        schema,
        body,
        &format!("the body of {} {path}", method.to_uppercase()),
    );
}

/// The JSON of a response that must have `status`.
pub(super) async fn body_of(response: reqwest::Response, status: u16) -> Value {
    crate::common::json_of(response, status).await
}

async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    let response = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    body_of(response, 200).await
}

#[tokio::test]
async fn the_account_and_team_schemas_describe_what_the_routes_answer() {
    let app = crate::helpers::spawn_app().await;
    let doc = served(&app).await;
    let logged_in = login(&app, OWNER_EMAIL, PASSWORD).await;
    check(&doc, "/api/v1/auth/login", "post", 200, &logged_in);
    let owner = logged_in["token"].as_str().unwrap().to_owned();

    let me = app.get_json("/api/v1/me", &owner).await;
    assert!(!me["memberships"].as_array().unwrap().is_empty(), "{me}");
    check(&doc, "/api/v1/me", "get", 200, &me);

    let agents_path = "/api/v1/sites/{site_id}/agents";
    let invited = app
        .created(
            &app.site_path("/agents"),
            &owner,
            json!({ "email": "new@shop.example", "name": "New", "role": "agent", "skills": ["de"] }),
        )
        .await;
    check(&doc, agents_path, "post", 201, &invited);
    let team = app.get_json(&app.site_path("/agents"), &owner).await;
    assert!(team["agents"].as_array().unwrap().len() >= 2, "{team}");
    check(&doc, agents_path, "get", 200, &team);

    let id = invited["agent"]["id"].as_str().unwrap();
    let updated = app
        .patch(
            &app.site_path(&format!("/agents/{id}")),
            &owner,
            json!({ "capacity": 5 }),
        )
        .await;
    check(
        &doc,
        "/api/v1/sites/{site_id}/agents/{agent_id}",
        "patch",
        200,
        &body_of(updated, 200).await,
    );

    let changed = app
        .post(
            "/api/v1/auth/password",
            &owner,
            json!({ "current_password": PASSWORD, "new_password": "a much longer Passphrase 7 for tests" }),
        )
        .await;
    check(
        &doc,
        "/api/v1/auth/password",
        "post",
        200,
        &body_of(changed, 200).await,
    );
    app.stop().await;
}
