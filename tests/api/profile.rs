//! `PATCH /api/v1/me`: an account changes its own display name and login email — checked,
//! guarded by the password for the email, refused when the email is another account's, and
//! without touching any other account.

use crate::common::{PASSWORD, json_of, spawn_app_as_owner};
use serde_json::{Value, json};

/// Status and `(code, field)` of a refused change.
async fn refused(response: reqwest::Response, status: u16) -> (String, String) {
    let body = json_of(response, status).await;
    let error = &body["error"];
    (
        error["code"].as_str().unwrap_or_default().to_owned(),
        error["field"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn login_status(app: &crate::common::TestApp, email: &str, password: &str) -> u16 {
    app.http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_account_renames_itself_and_others_keep_their_names() {
    let (app, owner) = spawn_app_as_owner().await;
    let agent = app.login(&app.seed.agent_email, PASSWORD).await;
    let agent_before: Value = app.get_json("/api/v1/me", &agent).await;

    let changed = json_of(
        app.patch(
            "/api/v1/me",
            &owner,
            json!({ "display_name": "  Ana Lima " }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["agent"]["display_name"], "Ana Lima", "{changed}");
    assert_eq!(changed["agent"]["email"], app.seed.owner_email.as_str());
    assert_eq!(
        changed["memberships"][0]["site_id"],
        app.seed.site_id.as_str()
    );
    let me: Value = app.get_json("/api/v1/me", &owner).await;
    assert_eq!(
        me["agent"], changed["agent"],
        "GET /me reads what PATCH wrote"
    );
    // The team list (what other agents see) has the new name too.
    let team: Value = app.get_json(&app.site_path("/agents"), &owner).await;
    assert!(
        team["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "Ana Lima" && a["email"] == app.seed.owner_email.as_str()),
        "{team}"
    );
    let agent_after: Value = app.get_json("/api/v1/me", &agent).await;
    assert_eq!(agent_after, agent_before, "another account is untouched");
    app.stop().await;
}

#[tokio::test]
async fn bad_names_and_emails_are_refused_naming_the_field_and_change_nothing() {
    let (app, owner) = spawn_app_as_owner().await;
    let before: Value = app.get_json("/api/v1/me", &owner).await;
    let cases = [
        (json!({ "display_name": "   " }), "display_name"),
        (json!({ "display_name": "x".repeat(61) }), "display_name"),
        (json!({ "display_name": "Ana\nLima" }), "display_name"),
        (json!({ "display_name": "Ana\u{7}" }), "display_name"),
        (json!({ "email": "not an email" }), "email"),
        (json!({ "email": "new@shop.example" }), "current_password"),
        // A bad field refuses the whole change: the good name beside it is not written.
        (json!({ "display_name": "Fine", "email": "x@" }), "email"),
    ];
    for (body, field) in cases {
        let (code, named) = refused(app.patch("/api/v1/me", &owner, body.clone()).await, 400).await;
        assert_eq!(
            (code.as_str(), named.as_str()),
            ("invalid_field", field),
            "{body}"
        );
    }
    // 60 characters is still a name.
    let long = "é".repeat(60);
    let ok = json_of(
        app.patch("/api/v1/me", &owner, json!({ "display_name": long }))
            .await,
        200,
    )
    .await;
    assert_eq!(ok["agent"]["display_name"], long.as_str());
    let after: Value = app.get_json("/api/v1/me", &owner).await;
    assert_eq!(after["agent"]["email"], before["agent"]["email"]);
    app.stop().await;
}

#[tokio::test]
async fn an_email_change_needs_the_password_and_a_free_address() {
    let (app, owner) = spawn_app_as_owner().await;
    let old = app.seed.owner_email.clone();
    let wrong = refused(
        app.patch(
            "/api/v1/me",
            &owner,
            json!({ "email": "ana@shop.example", "current_password": "not the password" }),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(wrong.1, "current_password");
    let taken = refused(
        app.patch(
            "/api/v1/me",
            &owner,
            json!({ "email": app.seed.agent_email.to_uppercase(), "current_password": PASSWORD }),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(taken, ("conflict".to_owned(), "email".to_owned()));
    assert_eq!(
        login_status(&app, &old, PASSWORD).await,
        200,
        "nothing moved yet"
    );

    let changed = json_of(
        app.patch(
            "/api/v1/me",
            &owner,
            json!({ "email": " Ana@Shop.example ", "current_password": PASSWORD }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["agent"]["email"], "ana@shop.example");
    assert_eq!(login_status(&app, "ana@shop.example", PASSWORD).await, 200);
    assert_eq!(
        login_status(&app, &old, PASSWORD).await,
        401,
        "the old email is free"
    );
    // The token in hand keeps working (the account is the same), and the agent whose email
    // was refused still signs in with it.
    let me: Value = app.get_json("/api/v1/me", &owner).await;
    assert_eq!(me["agent"]["email"], "ana@shop.example");
    assert_eq!(
        login_status(&app, &app.seed.agent_email, PASSWORD).await,
        200
    );
    // Its own email again is no change and needs no password.
    json_of(
        app.patch("/api/v1/me", &owner, json!({ "email": "ANA@shop.example" }))
            .await,
        200,
    )
    .await;
    app.stop().await;
}
