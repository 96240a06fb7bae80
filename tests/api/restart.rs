use crate::common::{spawn_app, spawn_app_as_owner, start, test_settings};
use serde_json::json;

#[tokio::test]
async fn history_sessions_and_tokens_survive_a_restart_on_the_same_data_dir() {
    let (app, owner) = spawn_app_as_owner().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "before", "text": "before the restart" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    app.agent_says(&owner, &conversation, "reply before the restart")
        .await;
    shopper.close().await;

    let seed = app.seed.clone();
    let dir = app.stop().await.expect("temp dir");
    let app = start(test_settings(dir.path()), seed).await;

    // The agent's token still works (the signing secret is kept in the data dir).
    let listed = app
        .get(
            &format!("/api/v1/sites/{}/conversations", app.seed.site_id),
            &owner,
        )
        .await;
    assert_eq!(listed.status(), 200);

    // The shopper's session is still valid and the history is all there, in order.
    let mut shopper = app.shopper().await;
    let resumed = shopper
        .hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    assert_eq!(resumed["visitor_id"], welcome["visitor_id"]);
    let frames = shopper.drain().await;
    let texts: Vec<&str> = frames
        .iter()
        .filter(|f| f["author"]["kind"] != "system")
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert_eq!(texts, ["before the restart", "reply before the restart"]);

    // The same client_msg_id after the restart is still a duplicate.
    shopper
        .send(json!({ "type": "message", "client_msg_id": "before", "text": "before the restart" }))
        .await;
    let (again, _) = shopper.recv_type("ack").await;
    assert_eq!(again, ack);
    app.stop().await;
    drop(dir);
}

/// A node stores a shopper's message and dies before publishing it: no agent saw it live.
/// The widget, never acknowledged, retries with the same `client_msg_id`; the store answers
/// "duplicate", and the message must still reach the agents now.
#[tokio::test]
async fn a_retried_message_that_was_stored_but_never_published_reaches_the_agents() {
    use shopchat::conversation::{Lifecycle, Opening};
    use shopchat::domain::{
        Author, AuthorKind, ClientMsgId, MessageText, SiteId, Timestamp, VisitorId,
    };
    use shopchat::store::sqlite::SqliteStore;
    use shopchat::store::{NewMessage, prelude::*};

    let app = spawn_app().await;
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper.close().await;
    let seed = app.seed.clone();
    let dir = app.stop().await.expect("temp dir");

    // What the dying node wrote: the message, durably, and nothing else.
    let visitor = VisitorId::parse(welcome["visitor_id"].as_str().unwrap()).unwrap();
    let site = SiteId::parse(&seed.site_id).unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let stored = store
        .append_to_visitor(
            &site,
            &visitor,
            NewMessage {
                author: Author {
                    kind: AuthorKind::Shopper,
                    name: "Shopper".into(),
                },
                author_id: visitor.to_string(),
                text: MessageText::parse("is this in stock?", 4000).unwrap(),
                client_msg_id: Some(ClientMsgId::parse("lost-1").unwrap()),
                ts: Timestamp::now(),
                attachments: Vec::new(),
            },
            &Opening {
                lifecycle: Lifecycle::new(true),
                reason: None,
                cart_total: 0.0,
            },
        )
        .await
        .unwrap();
    store.close().await;

    let app = start(test_settings(dir.path()), seed).await;
    let owner = app.owner_token().await;
    let (mut agent, _) = app.agent(&owner).await;
    let mut shopper = app.shopper().await;
    shopper
        .hello(json!({ "visitor_id": welcome["visitor_id"], "session": welcome["session"] }))
        .await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "lost-1", "text": "is this in stock?" }))
        .await;
    let (ack, _) = shopper.recv_type("ack").await;
    assert_eq!(ack["seq"], stored.message.seq);
    let (live, _) = agent.recv_type("message").await;
    assert_eq!(live["message"]["text"], "is this in stock?");
    assert_eq!(live["message"]["seq"], stored.message.seq);
    app.stop().await;
    drop(dir);
}
