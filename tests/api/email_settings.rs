//! Owners' email settings over the API, against a server with a real SMTP relay configured:
//! what the server can do, validation naming the field (a name or address that could carry
//! a header is refused), owners only.

use super::email_out::email_app;
use crate::common::smtp::SmtpServer;
use crate::common::{PASSWORD, spawn_app_with};
use serde_json::{Value, json};

#[tokio::test]
async fn owners_read_and_change_email_settings_with_errors_naming_the_field() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let view = app.get_json(&app.site_path("/email"), &owner).await;
    assert_eq!(view["server"], json!({ "smtp": true, "inbound": "http" }));
    assert_eq!(view["settings"]["reply_delay_secs"], 5);
    for (body, field) in [
        (
            json!({ "from_address": "help@other.example" }),
            "from_address",
        ),
        (
            json!({ "from_name": "Shop\r\nBcc: x@y.example" }),
            "from_name",
        ),
        (json!({ "reply_delay_secs": 1 }), "reply_delay_secs"),
        (
            json!({ "team_address": "a@b.example, c@d.example" }),
            "team_address",
        ),
        (json!({ "surprise": 1 }), ""),
    ] {
        let refused = app.put(&app.site_path("/email"), &owner, body).await;
        assert_eq!(refused.status(), 400);
        let error: Value = refused.json().await.unwrap();
        if !field.is_empty() {
            assert_eq!(error["error"]["field"], field, "{error}");
        }
    }
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    for path in ["/email", "/email/log", "/email/suppressions"] {
        assert_eq!(app.get(&app.site_path(path), &bob).await.status(), 403);
    }
    let put = app
        .put(&app.site_path("/email"), &bob, json!({ "enabled": false }))
        .await;
    assert_eq!(put.status(), 403);
    let missing = app
        .delete(
            &app.site_path("/email/suppressions/nobody@x.example"),
            &owner,
        )
        .await;
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_server_without_smtp_says_so() {
    let app = spawn_app_with(|_| {}).await;
    let owner = app.owner_token().await;
    let view = app.get_json(&app.site_path("/email"), &owner).await;
    assert_eq!(view["server"]["smtp"], false);
    app.stop().await;
}
