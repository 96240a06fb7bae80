//! Nothing of attachments crosses a boundary: a token for one conversation cannot put a
//! file on another, another visitor cannot name it or get a token for it, an agent of
//! another site gets no token, and a link works only as signed and only until it expires
//! (every refusal of a link is the same 404, whether or not the file exists).

use super::{agent_sends, agent_token, chatting, png, shopper_token, token_response, uploaded};
use crate::common::{FILES_SECRET, PASSWORD, json_of, spawn_app_as_owner};
use serde_json::json;
use shopchat::domain::Timestamp;
use shopchat::files::FileKeys;

#[tokio::test]
async fn a_file_stays_in_its_conversation_with_its_sender() {
    let (app, owner) = spawn_app_as_owner().await;
    let (mut ann, ann_conv) = chatting(&app).await;
    let (mut bob, bob_conv) = chatting(&app).await;
    assert_ne!(ann_conv, bob_conv);

    // The agent's file for Ann's conversation cannot go on Bob's.
    let token = agent_token(&app, &owner, &ann_conv).await;
    let agents_file = uploaded(&app, &token, "a.png", png()).await;
    let id = agents_file["id"].as_str().unwrap();
    let refused = agent_sends(&app, &owner, &bob_conv, "", &[id]).await;
    assert_eq!(json_of(refused, 400).await["error"]["field"], "attachments");

    // Ann's own file: Bob cannot name it, and neither can the agent (not its upload).
    let anns = shopper_token(&mut ann).await;
    let anns_file = uploaded(&app, &anns, "mine.png", png()).await;
    let anns_id = anns_file["id"].as_str().unwrap();
    bob.send(
        json!({ "type": "message", "client_msg_id": "b-1", "text": "", "attachments": [anns_id] }),
    )
    .await;
    let (error, _) = bob.recv_type("error").await;
    assert_eq!(error["field"], "attachments", "{error}");
    let refused = agent_sends(&app, &owner, &ann_conv, "", &[anns_id]).await;
    assert_eq!(json_of(refused, 400).await["error"]["field"], "attachments");

    // Bob cannot get a token for Ann's conversation; the socket keeps working.
    bob.send(json!({ "type": "upload_token", "conversation_id": ann_conv }))
        .await;
    let (error, _) = bob.recv_type("error").await;
    assert_eq!(error["code"], "no_conversation", "{error}");
    assert!(!shopper_token(&mut bob).await.is_empty(), "his own works");
    app.stop().await;
}

#[tokio::test]
async fn an_agent_of_another_site_gets_no_token() {
    let (app, _owner) = spawn_app_as_owner().await;
    let outsider = app.login(&app.seed.outsider_email, PASSWORD).await;
    let (_shopper, conv) = chatting(&app).await;
    let response = token_response(&app, &outsider, &conv).await;
    assert_eq!(response.status(), 403, "not a member of the site");
    // Nor through their own site's path with this site's conversation.
    let path = format!(
        "/api/v1/sites/{}/conversations/{conv}/upload-token",
        app.seed.other_site_id
    );
    let response = app.post(&path, &outsider, json!({})).await;
    assert_eq!(response.status(), 404, "not a conversation of their site");
    // A forged or missing upload token uploads nothing.
    let response = super::upload(&app, "forged.token", "a.png", "image/png", png()).await;
    assert_eq!(
        json_of(response, 401).await["error"]["code"],
        "unauthorized"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_link_works_only_as_signed_and_until_it_expires() {
    let (app, owner) = spawn_app_as_owner().await;
    let (_shopper, conv) = chatting(&app).await;
    let token = agent_token(&app, &owner, &conv).await;
    let id = uploaded(&app, &token, "a.png", png()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = json_of(agent_sends(&app, &owner, &conv, "", &[&id]).await, 201).await;
    let url = sent["message"]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |url: String| {
        let app = &app;
        async move { app.http.get(app.url(&url)).send().await.unwrap().status() }
    };
    assert_eq!(get(url.clone()).await, 200);

    let (path, query) = url.split_once('?').unwrap();
    let link_id = path.trim_start_matches("/files/");
    let exp: i64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("exp="))
        .unwrap()
        .parse()
        .unwrap();
    let sig = query
        .split('&')
        .find_map(|p| p.strip_prefix("sig="))
        .unwrap();
    // Tampered: another expiry under the same signature, a changed signature, none at all.
    assert_eq!(get(format!("{path}?exp={}&sig={sig}", exp + 1)).await, 404);
    let mut forged = sig.to_owned();
    forged.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
    assert_eq!(get(format!("{path}?exp={exp}&sig={forged}")).await, 404);
    assert_eq!(get(path.to_owned()).await, 404);
    // Another conversation's file id under this signature: the same 404.
    let other = link_id.replace(&conv, &chatting(&app).await.1);
    assert_eq!(
        get(format!("/files/{other}?exp={exp}&sig={sig}")).await,
        404
    );

    // Signed with the server's own key but expired: 404; the same key signs a live one.
    let keys = FileKeys::new(FILES_SECRET.as_bytes());
    let past = Timestamp(Timestamp::now().0 - 1000);
    let expired = keys.link_signature(link_id, past);
    assert_eq!(
        get(format!("{path}?exp={}&sig={expired}", past.0)).await,
        404
    );
    let future = Timestamp(Timestamp::now().0 + 60_000);
    let live = keys.link_signature(link_id, future);
    assert_eq!(
        get(format!("{path}?exp={}&sig={live}", future.0)).await,
        200
    );
    app.stop().await;
}
