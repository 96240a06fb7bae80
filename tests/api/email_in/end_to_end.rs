//! The headline, both ways round: an agent answers a shopper who left → the email
//! arrives at a real SMTP server with its threading headers → the test replies to it as a
//! mail program would (quoting the email) → the reply comes back through the HTTP endpoint
//! or the shop's IMAP mailbox → the agent sees the shopper's words live, once, without the
//! quote.

use super::*;
use crate::common::imap::ImapServer;
use crate::common::smtp::{Received, SmtpServer};

/// Emails are due at least 5 s after the agent wrote (the shortest `reply_delay_secs`).
const MAIL_WAIT: Duration = Duration::from_secs(30);

/// A server that sends through `smtp`, takes replies over HTTP and (given) from `imap`.
async fn email_app(smtp: &SmtpServer, imap: Option<Mailbox>) -> (TestApp, String) {
    let app = spawn_app_with(move |s| {
        mail_settings(s, imap);
        smtp.relay(s);
        s.mail.from_domains = vec!["shop.example".into()];
        s.public_url = Some("https://chat.example".into());
    })
    .await;
    let owner = app.owner_token().await;
    let saved = app
        .put(
            &app.site_path("/email"),
            &owner,
            json!({ "reply_delay_secs": 5, "from_address": "help@shop.example" }),
        )
        .await;
    assert_eq!(saved.status(), 200, "{:?}", saved.text().await);
    (app, owner)
}

/// A shopper asks while nobody is online, leaves [`CONTACT`] and closes the tab; the owner
/// (online now) has the chat and answers. Returns the conversation, the owner's socket and
/// the email that carried the answer.
async fn answered_by_email(
    app: &TestApp,
    owner: &str,
    smtp: &SmtpServer,
) -> (String, Socket, Received) {
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(
            json!({ "type": "message", "client_msg_id": "q", "text": "Is the jacket waterproof?" }),
        )
        .await;
    let status = shopper
        .until(|f| f["type"] == "status" && f["nobody_online"] == true)
        .await;
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "contact", "email": CONTACT }))
        .await;
    shopper.recv_type("message").await;
    let (mut agent, _) = app.agent(owner).await;
    agent.until(|f| f["type"] == "routed").await;
    shopper.close().await;
    agent
        .until(|f| f["type"] == "visitor" && f["change"] == "left")
        .await;
    app.agent_says(owner, &conversation, "Yes, it is waterproof.")
        .await;
    let mail = smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    (conversation, agent, mail)
}

/// The shopper's answer to `mail`, as a mail program writes it: to its Reply-To, threaded
/// by its Message-ID, the email quoted below.
fn answer(mail: &Received, text: &str) -> Vec<u8> {
    let reply_to = mail.header("Reply-To").expect("Reply-To");
    let id = mail.header("Message-ID").expect("Message-ID");
    let references = mail.header("References").unwrap_or_default();
    let quoted: String = mail.text().lines().map(|l| format!("> {l}\n")).collect();
    super::mail(
        CONTACT,
        &format!(
            "To: {reply_to}\nSubject: Re: {}\nIn-Reply-To: {id}\nReferences: {references} {id}\nContent-Type: text/plain; charset=utf-8",
            mail.subject()
        ),
        &format!(
            "{text}\n\nOn Tue, 1 Dec 2026 at 10:00, Shop <help@shop.example> wrote:\n{quoted}"
        ),
    )
}

/// The shopper's messages in `conversation`, in order.
async fn shopper_lines(app: &TestApp, owner: &str, conversation: &str) -> Vec<String> {
    let transcript = app
        .get_json(
            &app.site_path(&format!("/conversations/{conversation}/transcript")),
            owner,
        )
        .await;
    transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message" && e["author"]["kind"] == "shopper")
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_shoppers_reply_to_an_emailed_answer_comes_back_over_http() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp, None).await;
    let (conversation, mut agent, mail) = answered_by_email(&app, &owner, &smtp).await;
    let raw = answer(&mail, "Great, then I'll order it in M.");
    let post = |raw: Vec<u8>| {
        app.http
            .post(app.url("/api/v1/mail/inbound"))
            .bearer_auth(SECRET)
            .header("Content-Type", "message/rfc822")
            .body(raw)
            .send()
    };
    let taken = json_of(post(raw.clone()).await.unwrap(), 202).await;
    assert_eq!(taken["result"], "appended");
    let live = heard(&mut agent, "Great, then I'll order it in M.").await;
    assert_eq!(live["message"]["conversation_id"], conversation.as_str());
    let again = json_of(post(raw).await.unwrap(), 202).await;
    assert_eq!(again["result"], "duplicate");
    assert_eq!(
        shopper_lines(&app, &owner, &conversation).await,
        [
            "Is the jacket waterproof?",
            "Great, then I'll order it in M."
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_shoppers_reply_to_an_emailed_answer_comes_back_from_the_mailbox() {
    let smtp = SmtpServer::start();
    let imap = ImapServer::start().await;
    let (app, owner) = email_app(&smtp, Some(Mailbox::plain(&imap))).await;
    let (conversation, mut agent, mail) = answered_by_email(&app, &owner, &smtp).await;
    imap.deliver(&answer(&mail, "Lovely, M please."));
    let live = heard(&mut agent, "Lovely, M please.").await;
    assert_eq!(live["message"]["conversation_id"], conversation.as_str());
    eventually("the reply is marked seen", || async {
        imap.seen_count() == 1
    })
    .await;
    assert_eq!(
        shopper_lines(&app, &owner, &conversation).await,
        ["Is the jacket waterproof?", "Lovely, M please."]
    );
    app.stop().await;
}
