//! Data-subject rights over the API and the CLI, on a real server with real sockets: an
//! owner exports a shopper by email (the messages are in it), erases them (a connected tab
//! sees its chat closed, the conversation is gone from the agent API, the export is empty),
//! and the audit lists both without the address; only owners may; a bad subject is 422
//! naming the field; retention periods are read and set with bounds; `shopchat privacy`
//! does the same against the data dir.

use crate::common::{DEADLINE, PASSWORD, Socket, TestApp, spawn_app_as_owner};
use serde_json::{Value, json};
use shopchat::auth::identity_hash;
use std::process::Command;

pub(crate) const ANN: &str = "ann@example.com";

/// A shopper who identifies (signed by the shop) as `email`, says `text` and waits for the
/// ack; returns the socket and the conversation id.
pub(crate) async fn shopper_says(
    app: &TestApp,
    secret: &str,
    email: &str,
    text: &str,
) -> (Socket, String) {
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "event", "name": "identify",
            "props": { "email": email, "hash": identity_hash(secret, email) } }))
        .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": format!("m-{}", text.len()), "text": text }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conv = ack["conversation_id"].as_str().unwrap().to_owned();
    (shopper, conv)
}

pub(crate) async fn identity_secret(app: &TestApp, owner: &str) -> String {
    let site: Value = app
        .get_json(&format!("/api/v1/sites/{}", app.seed.site_id), owner)
        .await;
    site["identity_secret"].as_str().unwrap().to_owned()
}

async fn export(app: &TestApp, owner: &str, body: Value) -> Value {
    let response = app
        .post(&app.site_path("/privacy/export"), owner, body)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn messages(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for v in doc["visitors"].as_array().unwrap() {
        for c in v["conversations"].as_array().unwrap() {
            for m in c["messages"].as_array().unwrap() {
                out.push(m["text"].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    out
}

/// Exports until the export holds `text` with the browsing state saved beside it (a
/// shopper's browsing state is saved when their socket closes, behind the close).
pub(crate) async fn export_holding(app: &TestApp, owner: &str, text: &str) -> Value {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let doc = export(app, owner, json!({ "email": ANN })).await;
        let saved = doc["visitors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| !v["browsing"].is_null());
        if saved && messages(&doc).iter().any(|m| m == text) {
            return doc;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never exported: {doc}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn an_owner_exports_and_erases_a_shopper_by_email_and_the_audit_lists_both() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let (first, first_conv) = shopper_says(&app, &secret, ANN, "My parcel never arrived").await;
    first.close().await;
    let doc = export_holding(&app, &owner, "My parcel never arrived").await;
    assert_eq!(doc["subject"], json!({ "email": ANN }));
    let visitor = &doc["visitors"][0];
    assert_eq!(visitor["browsing"]["verified"], json!({ "email": ANN }));

    // Ann on a second device, still connected: verified as the same customer, it continues
    // her open chat (one customer across devices); Bob chats too.
    let (mut phone, phone_conv) = shopper_says(&app, &secret, ANN, "Second device here").await;
    assert_eq!(phone_conv, first_conv, "one customer, one open chat");
    let (bob, bob_conv) = shopper_says(&app, &secret, "bob@example.com", "Bob here").await;
    let erased = app
        .post(
            &app.site_path("/privacy/erase"),
            &owner,
            json!({ "email": "Ann@Example.com" }),
        )
        .await;
    assert_eq!(erased.status(), 200);
    let erased: Value = erased.json().await.unwrap();
    assert_eq!(erased["erased"]["conversations"], 1, "{erased}");
    assert_eq!(
        erased["erased"]["visitors"], 3,
        "both browsers and the customer's visitor: {erased}"
    );
    assert!(
        erased["erased"]["messages"].as_u64().unwrap() >= 2,
        "{erased}"
    );

    // The connected tab sees its chat closed rather than keeping a stale one.
    phone
        .until_named("the erased chat closed", |f| {
            f["type"] == "status" && f["state"] == "closed" && f["conversation_id"] == phone_conv
        })
        .await;
    for conv in [&first_conv, &phone_conv] {
        let gone = app
            .get(
                &app.site_path(&format!("/conversations/{conv}/transcript")),
                &owner,
            )
            .await;
        assert_eq!(gone.status(), 404, "{conv} is gone from the agent API");
    }
    let bobs = app
        .get(
            &app.site_path(&format!("/conversations/{bob_conv}/transcript")),
            &owner,
        )
        .await;
    assert_eq!(bobs.status(), 200, "Bob's chat stays");
    let listed = app.get_json(&app.site_path("/conversations"), &owner).await;
    let listed = listed.to_string();
    assert!(listed.contains(&bob_conv), "{listed}");
    assert!(
        !listed.contains(&first_conv) && !listed.contains(&phone_conv),
        "{listed}"
    );
    let after = export(&app, &owner, json!({ "email": ANN })).await;
    assert!(messages(&after).is_empty(), "{after}");
    assert!(
        after["visitors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["browsing"].is_null()),
        "{after}"
    );

    let audit = app.get_json(&app.site_path("/privacy/audit"), &owner).await;
    let entries = audit["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[0], "export", "newest first: {actions:?}");
    assert_eq!(actions[1], "erase");
    assert!(actions[2..].iter().all(|a| *a == "export"));
    let erase = &entries[1];
    assert_eq!(erase["actor"]["kind"], "agent");
    assert_eq!(erase["actor"]["email"], app.seed.owner_email.to_lowercase());
    assert_eq!(erase["subject"]["kind"], "email");
    assert!(
        erase["subject"]["value"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(erase["counts"]["conversations"], 1);
    assert!(
        !audit.to_string().contains(ANN),
        "no address in the audit: {audit}"
    );
    phone.close().await;
    bob.close().await;
    app.stop().await;
}

#[tokio::test]
async fn only_owners_may_and_a_bad_subject_or_period_is_refused_naming_the_field() {
    let (app, owner) = spawn_app_as_owner().await;
    let bob = app.login(&app.seed.agent_email, PASSWORD).await;
    for path in ["/privacy/export", "/privacy/erase"] {
        let refused = app
            .post(&app.site_path(path), &bob, json!({ "email": ANN }))
            .await;
        assert_eq!(refused.status(), 403, "{path}");
    }
    for path in ["/privacy", "/privacy/audit"] {
        assert_eq!(app.get(&app.site_path(path), &bob).await.status(), 403);
    }
    let elsewhere = "/api/v1/sites/site_NotThisSite0001/privacy/audit";
    assert_eq!(app.get(elsewhere, &owner).await.status(), 403);

    for (body, field) in [
        (json!({}), "visitor_id"),
        (json!({ "email": ANN, "customer_id": "42" }), "customer_id"),
        (json!({ "email": "not an address" }), "email"),
        (json!({ "visitor_id": "c_notavisitor1" }), "visitor_id"),
        (json!({ "customer_id": "" }), "customer_id"),
    ] {
        let refused = app
            .post(&app.site_path("/privacy/erase"), &owner, body.clone())
            .await;
        assert_eq!(refused.status(), 422, "{body}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let not_json = app
        .http
        .post(app.url(&app.site_path("/privacy/export")))
        .bearer_auth(&owner)
        .body("email=ann")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    assert!(
        app.get_json(&app.site_path("/privacy/audit"), &owner).await["entries"]
            .as_array()
            .unwrap()
            .is_empty(),
        "refused requests are not audited"
    );

    let defaults = app.get_json(&app.site_path("/privacy"), &owner).await;
    assert_eq!(
        defaults,
        json!({ "browsing_days": 90, "closed_conversation_days": 365 })
    );
    for (body, field, status) in [
        (
            json!({ "browsing_days": 0, "closed_conversation_days": 30 }),
            "browsing_days",
            422,
        ),
        (
            json!({ "browsing_days": 30, "closed_conversation_days": 4000 }),
            "closed_conversation_days",
            422,
        ),
        (
            json!({ "browsing_days": 30 }),
            "closed_conversation_days",
            400,
        ),
        (
            json!({ "browsing_days": "soon", "closed_conversation_days": 30 }),
            "browsing_days",
            400,
        ),
    ] {
        let refused = app
            .put(&app.site_path("/privacy"), &owner, body.clone())
            .await;
        assert_eq!(refused.status(), status, "{body}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let periods = json!({ "browsing_days": 30, "closed_conversation_days": 180 });
    assert_eq!(
        app.put(&app.site_path("/privacy"), &owner, periods.clone())
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_json(&app.site_path("/privacy"), &owner).await,
        periods
    );
    let put = app.put(&app.site_path("/privacy"), &bob, periods).await;
    assert_eq!(put.status(), 403);
    app.stop().await;
}

fn shopchat(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopchat"));
    cmd.arg("--data-dir").arg(data_dir);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SHOPCHAT_") || k == "RUST_LOG")
    {
        cmd.env_remove(key);
    }
    cmd
}

/// Runs a command that must succeed; returns its JSON output.
fn json_of(command: &mut Command) -> Value {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn the_cli_exports_and_erases_against_the_data_dir_audited_as_cli() {
    let (app, owner) = spawn_app_as_owner().await;
    let secret = identity_secret(&app, &owner).await;
    let (shopper, _) = shopper_says(&app, &secret, ANN, "Please delete my data").await;
    shopper.close().await;
    export_holding(&app, &owner, "Please delete my data").await;
    let site = app.seed.site_id.clone();
    let dir = app.stop().await.expect("the server's data dir");
    let dir = dir.path();

    let doc = json_of(shopchat(dir).args(["privacy", "export", "--site", &site, "--email", ANN]));
    assert!(
        messages(&doc).contains(&"Please delete my data".to_owned()),
        "{doc}"
    );
    let visitor = doc["visitors"][0]["visitor_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let erased =
        json_of(shopchat(dir).args(["privacy", "erase", "--site", &site, "--visitor", &visitor]));
    assert_eq!(erased["erased"]["conversations"], 1, "{erased}");
    // The browser and the customer it was verified as (the visitor its chat belongs to).
    assert_eq!(erased["erased"]["visitors"], 2, "{erased}");
    let again =
        json_of(shopchat(dir).args(["privacy", "erase", "--site", &site, "--visitor", &visitor]));
    assert_eq!(again["erased"]["conversations"], 0, "idempotent: {again}");
    let after = json_of(shopchat(dir).args(["privacy", "export", "--site", &site, "--email", ANN]));
    assert!(messages(&after).is_empty(), "{after}");

    let audit = json_of(shopchat(dir).args(["privacy", "audit", "--site", &site]));
    let entries = audit["entries"].as_array().unwrap();
    let cli: Vec<&Value> = entries
        .iter()
        .filter(|e| e["actor"]["kind"] == "cli")
        .collect();
    assert_eq!(cli.len(), 4, "two exports and two erasures: {audit}");
    assert_eq!(cli[1]["action"], "erase");
    assert_eq!(
        cli[1]["subject"],
        json!({ "kind": "visitor_id", "value": visitor })
    );

    let swept = json_of(shopchat(dir).args(["privacy", "sweep"]));
    assert_eq!(
        swept["removed"],
        json!({ "visitors": 0, "conversations": 0 })
    );

    let bad = shopchat(dir)
        .args(["privacy", "erase", "--site", &site, "--email", "nobody"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--email"));
    let none = shopchat(dir)
        .args(["privacy", "erase", "--site", &site])
        .output()
        .unwrap();
    assert!(!none.status.success(), "a subject is required");
}
