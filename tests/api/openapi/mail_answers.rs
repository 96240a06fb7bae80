//! The email answers checked against their schemas: the delivery log of a real SMTP
//! delivery, the suppression list after a one-click unsubscribe, an export holding the
//! outbox row and the suppression, the inbound endpoint's answers (a reply, a bounce) and a
//! conversation's emails.

use super::answers::{body_of, check};
use super::served;
use crate::common::smtp::SmtpServer;
use crate::email_in::{SECRET, hard_bounce, threaded};
use crate::email_out::{MAIL_WAIT, email_app, log_until, shopper_who_left};
use serde_json::json;

#[tokio::test]
async fn the_email_log_suppression_and_export_schemas_describe_what_the_routes_answer() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let doc = served(&app).await;
    let left = shopper_who_left(&app, &owner, "Is it waterproof?").await;
    app.agent_says(&owner, &left.conversation, "It is.").await;
    smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    log_until(&app, &owner, |e| !e.is_empty()).await;
    let log = app.get_json(&app.site_path("/email/log"), &owner).await;
    check(&doc, "/api/v1/sites/{site_id}/email/log", "get", 200, &log);

    let link = smtp.messages()[0].header("List-Unsubscribe").unwrap();
    let path = link
        .trim_matches(|c| c == '<' || c == '>')
        .strip_prefix("https://chat.example")
        .unwrap()
        .to_owned();
    let unsubscribed = app
        .http
        .post(app.url(&path))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(unsubscribed.status(), 200);
    let list = app
        .get_json(&app.site_path("/email/suppressions"), &owner)
        .await;
    assert_eq!(list["suppressions"].as_array().unwrap().len(), 1, "{list}");
    check(
        &doc,
        "/api/v1/sites/{site_id}/email/suppressions",
        "get",
        200,
        &list,
    );
    let emails_path = "/api/v1/sites/{site_id}/conversations/{conversation_id}/emails";
    let emails = app
        .get_json(
            &app.site_path(&format!("/conversations/{}/emails", left.conversation)),
            &owner,
        )
        .await;
    assert_eq!(
        emails["undeliverable"]["reason"], "unsubscribed",
        "{emails}"
    );
    check(&doc, emails_path, "get", 200, &emails);

    let export = app
        .post(
            &app.site_path("/privacy/export"),
            &owner,
            json!({ "email": "kari@example.no" }),
        )
        .await;
    let export = body_of(export, 200).await;
    assert!(!export["emails"].as_array().unwrap().is_empty(), "{export}");
    assert!(
        !export["suppressions"].as_array().unwrap().is_empty(),
        "{export}"
    );
    check(
        &doc,
        "/api/v1/sites/{site_id}/privacy/export",
        "post",
        200,
        &export,
    );
    app.stop().await;
}

#[tokio::test]
async fn the_inbound_mail_schemas_describe_what_the_routes_answer() {
    let t = threaded(None).await;
    let doc = served(&t.app).await;
    let inbound = "/api/v1/mail/inbound";
    let reply = t.post(t.reply("Size M, please."), Some(SECRET)).await;
    let reply = body_of(reply, 202).await;
    assert_eq!(reply["result"], "appended");
    check(&doc, inbound, "post", 202, &reply);
    let bounce = t.post(hard_bounce(&t.token), Some(SECRET)).await;
    let bounce = body_of(bounce, 202).await;
    assert_eq!(bounce["result"], "bounce");
    check(&doc, inbound, "post", 202, &bounce);

    let emails = t.emails().await;
    assert_eq!(emails["emails"].as_array().unwrap().len(), 1, "{emails}");
    assert_eq!(emails["undeliverable"]["reason"], "bounced", "{emails}");
    check(
        &doc,
        "/api/v1/sites/{site_id}/conversations/{conversation_id}/emails",
        "get",
        200,
        &emails,
    );
    t.app.stop().await;
}
