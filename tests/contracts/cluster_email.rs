//! Email on several nodes on one Redis: three `shopchat` processes share the outbox, so an
//! agent's burst to a shopper who left is sent once although every node polls it, and the
//! shopper's reply, taken in by another node's inbound endpoint, reaches the agent's socket
//! on a third — the store's email area (outbox leases, threads, inbound records) end to end
//! on Redis, against a real SMTP server.

use crate::cluster::{Cluster, until};
use crate::common::smtp::SmtpServer;
use crate::redis_server::RedisServer;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SECRET: &str = "inbound-secret-0123456789-abcdef";
/// The reply is owed 5 s after the agent's last line (the shortest `reply_delay_secs`).
const MAIL_WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn three_nodes_send_an_owed_reply_once_and_take_the_shoppers_answer_back_in() {
    let smtp = SmtpServer::start();
    let extra: Vec<String> = [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp.port.to_string(),
        "--smtp-tls",
        "none",
        "--mail-from",
        "chat@mail.example",
        "--mail-reply-address",
        "reply@mail.example",
        "--mail-outbox-poll-ms",
        "50",
        "--inbound-mail-secret",
        SECRET,
    ]
    .map(str::to_owned)
    .to_vec();
    let cluster = Cluster::start_with(RedisServer::start().await, &extra).await;
    cluster
        .put(0, "/email", json!({ "reply_delay_secs": 5 }))
        .await;

    // A shopper on node 0, routed to the owner on node 1, leaves an address and goes.
    let mut chat = cluster.routed_chat("Is the jacket waterproof?").await;
    chat.shopper
        .send(json!({ "type": "contact", "email": "kari@example.no" }))
        .await;
    until(&mut chat.shopper, "the contact confirmation", |f| {
        f["type"] == "message" && f["text"].as_str().unwrap_or("").contains("kari@")
    })
    .await;
    chat.shopper.close().await;
    until(&mut chat.agent, "the shopper leaving", |f| {
        f["type"] == "visitor" && f["change"] == "left"
    })
    .await;

    // Three lines through node 2; every node polls the one outbox.
    let path = format!(
        "/api/v1/sites/{}/conversations/{}/messages",
        cluster.site.id, chat.conversation
    );
    for line in ["Hi, Ann here.", "Yes, it is.", "Anything else?"] {
        let sent = cluster
            .http
            .post(cluster.nodes[2].url(&path))
            .bearer_auth(&cluster.owner)
            .json(&json!({ "text": line }))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201);
    }
    let mail = smtp
        .wait_for_mail(|m| m.text().contains("Anything else?"), MAIL_WAIT)
        .await;
    assert!(mail.text().contains("Hi, Ann here."));
    // All three rows end (one sent, two skipped) before counting what arrived.
    let until_done = Instant::now() + MAIL_WAIT;
    loop {
        let log = cluster.get(1, "/email/log").await;
        let entries = log["entries"].as_array().cloned().unwrap_or_default();
        let finished = entries
            .iter()
            .filter(|e| e["outcome"]["outcome"] != "retry")
            .count();
        if finished >= 3 {
            let sent: Vec<&Value> = entries
                .iter()
                .filter(|e| e["outcome"]["outcome"] == "sent")
                .collect();
            assert_eq!(sent.len(), 1, "{entries:#?}");
            break;
        }
        assert!(
            Instant::now() < until_done,
            "the outbox never finished: {entries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(smtp.messages().len(), 1, "sent once by three nodes");

    // The shopper answers the email; node 0 takes it in; the agent on node 1 sees it live.
    let reply_to = mail.header("Reply-To").unwrap();
    let raw = format!(
        "From: kari@example.no\r\nTo: {reply_to}\r\nSubject: Re: your question\r\n\
         Message-ID: <answer-1@example.no>\r\n\r\nGreat, I'll take it in blue.\r\n\r\n\
         On Tue, 1 Dec 2026, Shop <chat@mail.example> wrote:\r\n> Anything else?\r\n"
    );
    for _ in 0..2 {
        // Twice, as a retrying MTA would: stored once.
        let posted = cluster
            .http
            .post(cluster.nodes[0].url("/api/v1/mail/inbound"))
            .bearer_auth(SECRET)
            .body(raw.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 202);
    }
    let live = until(&mut chat.agent, "the reply by email", |f| {
        f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
    })
    .await;
    assert_eq!(live["message"]["text"], "Great, I'll take it in blue.");
    let texts = cluster.stored_texts(2, &chat.conversation).await;
    let replies = texts
        .iter()
        .filter(|t| t.as_str() == "Great, I'll take it in blue.")
        .count();
    assert_eq!(replies, 1, "{texts:?}");
    let emails = cluster
        .get(2, &format!("/conversations/{}/emails", chat.conversation))
        .await;
    assert_eq!(emails["emails"][0]["from"], "kari@example.no", "{emails}");
    assert!(
        emails["emails"][0]["original"]
            .as_str()
            .unwrap()
            .contains("> Anything else?")
    );
}
