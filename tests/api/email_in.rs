//! A shopper's email reply comes back into the conversation: through the HTTP endpoint (an
//! MTA pipe or a provider's webhook) and by IMAP polling of a real Dovecot. Each test starts
//! with a real conversation: a shopper asks while nobody is online, leaves an email and
//! goes; the conversation then gets its email thread (the outbound side gives it one when an
//! agent's answer is emailed; here it is written before the server starts again, as the
//! seed does), and the test writes the shopper's reply.

use crate::common::imap::{IMAP_PASSWORD, IMAP_USER, ImapServer};
use crate::common::{DEADLINE, Socket, TestApp, json_of, spawn_app_with, start, test_settings};
use serde_json::{Value, json};
use shopchat::config::{MailServer, MailTls, Settings};
use shopchat::domain::{ConversationId, SiteId};
use shopchat::store::prelude::*;
use shopchat::store::sqlite::SqliteStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const SECRET: &str = "inbound-secret-0123456789-abcdef";
const CONTACT: &str = "kari@example.no";
const MAX_MAIL: usize = 64 * 1024;

/// A conversation with an email thread, its server, and who may look at it.
struct Threaded {
    app: TestApp,
    owner: String,
    conversation: String,
    token: String,
    _dir: Arc<TempDir>,
}

/// How the server reaches the test's Dovecot.
#[derive(Clone)]
struct Mailbox {
    port: u16,
    tls: MailTls,
    ca_file: Option<std::path::PathBuf>,
}

impl Mailbox {
    fn plain(imap: &ImapServer) -> Mailbox {
        Mailbox {
            port: imap.port(),
            tls: MailTls::None,
            ca_file: None,
        }
    }
}

fn mail_settings(settings: &mut Settings, mailbox: Option<Mailbox>) {
    settings.mail.inbound_secret = Some(SECRET.into());
    settings.mail.max_inbound_bytes = MAX_MAIL;
    settings.mail.imap_poll = Duration::from_millis(100);
    settings.mail.imap = mailbox.map(|m| MailServer {
        host: "127.0.0.1".into(),
        port: m.port,
        tls: m.tls,
        user: Some(IMAP_USER.into()),
        password: Some(IMAP_PASSWORD.into()),
        ca_file: m.ca_file,
    });
}

/// A shopper asks while nobody is online, leaves [`CONTACT`] and leaves; the server stops,
/// the conversation gets its thread, and the server starts again (with IMAP polling of
/// `mailbox` when given).
async fn threaded(mailbox: Option<Mailbox>) -> Threaded {
    let app = spawn_app_with(|s| mail_settings(s, None)).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q1", "text": "Do you have the jacket in M?" }))
        .await;
    let status = shopper
        .until(|f| f["type"] == "status" && f["nobody_online"] == true)
        .await;
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "contact", "email": CONTACT }))
        .await;
    shopper.recv_type("message").await;
    shopper.close().await;
    let seed = app.seed.clone();
    let dir = app.stop().await.expect("the app's data dir");
    let token = shopchat::email::thread::new_token();
    {
        let store = SqliteStore::open(dir.path()).expect("open the stopped server's store");
        let site = SiteId::parse(&seed.site_id).unwrap();
        let conv = ConversationId::parse(&conversation).unwrap();
        let thread = store.thread(&site, &conv, &token).await.unwrap();
        assert_eq!(thread.token, token);
    }
    let mut settings = test_settings(dir.path());
    mail_settings(&mut settings, mailbox);
    let app = start(settings, seed).await;
    let owner = app.owner_token().await;
    Threaded {
        app,
        owner,
        conversation,
        token,
        _dir: dir,
    }
}

/// A unique Message-ID.
fn unique_id() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "<{}.{}@mail.example.no>",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A mail from `from` with `headers` (CRLF line ends added) and `body`.
fn mail(from: &str, headers: &str, body: &str) -> Vec<u8> {
    let text = format!(
        "From: Kari <{from}>\nMessage-ID: {}\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n{headers}\n\n{body}",
        unique_id()
    );
    text.replace('\n', "\r\n").into_bytes()
}

impl Threaded {
    fn reply_address(&self) -> String {
        format!("reply+{}@mail.shop.example", self.token)
    }

    /// A Gmail-style reply to the thread's plus-address, with the quoted question below.
    fn reply(&self, text: &str) -> Vec<u8> {
        mail(
            CONTACT,
            &format!(
                "To: Shop <{}>\nSubject: Re: Your question\nContent-Type: text/plain; charset=utf-8",
                self.reply_address()
            ),
            &format!(
                "{text}\n\nOn Mon, 30 Nov 2026 at 10:02, Shop <{}> wrote:\n> We have it in M and L.\n",
                self.reply_address()
            ),
        )
    }

    async fn post(&self, raw: Vec<u8>, secret: Option<&str>) -> reqwest::Response {
        let mut request = self
            .app
            .http
            .post(self.app.url("/api/v1/mail/inbound"))
            .header("Content-Type", "message/rfc822")
            .body(raw);
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        request.send().await.unwrap()
    }

    /// Posts with the right secret; the answer's `result`.
    async fn deliver(&self, raw: Vec<u8>) -> String {
        let body = json_of(self.post(raw, Some(SECRET)).await, 202).await;
        body["result"].as_str().unwrap().to_owned()
    }

    async fn transcript(&self) -> Value {
        self.app
            .get_json(
                &self
                    .app
                    .site_path(&format!("/conversations/{}/transcript", self.conversation)),
                &self.owner,
            )
            .await
    }

    /// The shopper's messages in the conversation, in order.
    async fn shopper_lines(&self) -> Vec<String> {
        self.transcript().await["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "message" && e["author"]["kind"] == "shopper")
            .map(|e| e["text"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn emails(&self) -> Value {
        self.app
            .get_json(
                &self
                    .app
                    .site_path(&format!("/conversations/{}/emails", self.conversation)),
                &self.owner,
            )
            .await
    }

    async fn agent(&self) -> Socket {
        self.app.agent(&self.owner).await.0
    }
}

/// Waits for the agent's socket to show a message of the conversation with `text`.
async fn heard(agent: &mut Socket, text: &str) -> Value {
    agent
        .until_named(text, |f| {
            f["type"] == "message" && f["message"]["text"] == text
        })
        .await
}

#[tokio::test]
async fn a_reply_to_the_plus_address_appears_once_stripped_and_live() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let raw = t.reply("Yes, M please. Can it ship by Friday?");
    assert_eq!(t.deliver(raw.clone()).await, "appended");
    let live = heard(&mut agent, "Yes, M please. Can it ship by Friday?").await;
    assert_eq!(live["message"]["conversation_id"], t.conversation.as_str());
    assert_eq!(live["message"]["author"]["kind"], "shopper");

    // The MTA or the provider retries the same mail: nothing new.
    assert_eq!(t.deliver(raw).await, "duplicate");
    let lines = t.shopper_lines().await;
    assert_eq!(
        lines,
        [
            "Do you have the jacket in M?",
            "Yes, M please. Can it ship by Friday?"
        ]
    );

    // Agents can see it came by email, from whom, and the whole original.
    let emails = t.emails().await;
    let record = &emails["emails"][0];
    assert_eq!(emails["emails"].as_array().unwrap().len(), 1);
    assert_eq!(record["from"], CONTACT);
    assert_eq!(record["other_sender"], false);
    assert_eq!(record["subject"], "Re: Your question");
    assert!(
        record["original"]
            .as_str()
            .unwrap()
            .contains("> We have it in M and L.")
    );
    assert_eq!(emails["undeliverable"], Value::Null);
    t.app.stop().await;
}

#[tokio::test]
async fn a_reply_threaded_only_by_in_reply_to_is_appended() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let id = format!("<sc.{}.3@mail.shop.example>", t.token);
    let raw = mail(
        CONTACT,
        &format!("To: help@shop.example\nSubject: Re: x\nIn-Reply-To: {id}\nReferences: {id}"),
        "Thanks, that works.\n\nSent from my iPhone\n",
    );
    assert_eq!(t.deliver(raw).await, "appended");
    heard(&mut agent, "Thanks, that works.").await;
    t.app.stop().await;
}

#[tokio::test]
async fn mail_without_a_valid_thread_or_secret_is_refused_and_appends_nothing() {
    let t = threaded(None).await;
    let before = t.shopper_lines().await;
    let refusals = || async {
        crate::commerce_shopify::metric(&t.app, "shopchat_inbound_mail_total", &["no_thread"]).await
            + crate::commerce_shopify::metric(
                &t.app,
                "shopchat_inbound_mail_total",
                &["unknown_thread"],
            )
            .await
    };
    let counted = refusals().await;
    // No token anywhere.
    let raw = mail(CONTACT, "To: help@shop.example\nSubject: hello", "Hi there");
    let refused = json_of(t.post(raw, Some(SECRET)).await, 422).await;
    assert_eq!(refused["error"]["field"], "to");
    // A token of the right shape that no thread has.
    let stranger = "a".repeat(26);
    let raw = mail(
        CONTACT,
        &format!("To: reply+{stranger}@mail.shop.example\nSubject: Re: x"),
        "Let me in",
    );
    let refused = json_of(t.post(raw, Some(SECRET)).await, 422).await;
    assert_eq!(refused["error"]["code"], "unthreaded");
    // Both counted in /metrics (at least: other tests count beside this one).
    assert!(refusals().await >= counted + 2.0);
    // The right thread, but no or a wrong secret.
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(t.post(t.reply("sneaky"), None).await), 401);
    assert_eq!(
        status(
            t.post(t.reply("sneaky"), Some("wrong-secret-wrong-secret-00"))
                .await
        ),
        401
    );
    // Larger than the bound: refused before it is read whole.
    let big = t.reply(&"x".repeat(MAX_MAIL));
    assert_eq!(status(t.post(big, Some(SECRET)).await), 413);
    assert_eq!(t.shopper_lines().await, before);
    t.app.stop().await;
}

#[tokio::test]
async fn the_endpoint_is_off_without_a_secret() {
    let app = spawn_app_with(|_| {}).await;
    let response = app
        .http
        .post(app.url("/api/v1/mail/inbound"))
        .bearer_auth(SECRET)
        .body("From: a@b.example\r\n\r\nhi")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_from_another_address_is_flagged_to_the_agents() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let raw = mail(
        "partner@example.org",
        &format!("To: {}\nSubject: Re: x", t.reply_address()),
        "I am writing for Kari: M is right.",
    );
    assert_eq!(t.deliver(raw).await, "appended");
    heard(&mut agent, "I am writing for Kari: M is right.").await;
    let note = agent.until_named("note", |f| f["type"] == "note").await;
    let text = note["note"]["text"].as_str().unwrap();
    assert!(text.contains("partner@example.org"), "{text}");
    let emails = t.emails().await;
    assert_eq!(emails["emails"][0]["other_sender"], true);
    assert_eq!(emails["emails"][0]["from"], "partner@example.org");
    t.app.stop().await;
}

#[tokio::test]
async fn auto_replies_and_quote_only_replies_are_not_messages() {
    let t = threaded(None).await;
    let before = t.shopper_lines().await;
    let raw = mail(
        CONTACT,
        &format!(
            "To: {}\nSubject: Automatic reply: Your question\nAuto-Submitted: auto-replied",
            t.reply_address()
        ),
        "I am out of the office until Monday.",
    );
    assert_eq!(t.deliver(raw).await, "ignored");
    let raw = mail(
        CONTACT,
        &format!("To: {}\nSubject: Re: x", t.reply_address()),
        "> We have it in M and L.\n",
    );
    assert_eq!(t.deliver(raw).await, "ignored");
    assert_eq!(t.shopper_lines().await, before);
    t.app.stop().await;
}

#[tokio::test]
async fn a_hard_bounce_marks_the_contact_undeliverable_and_tells_the_agents() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let before = t.shopper_lines().await;
    let body = format!(
        "--B1\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.no\n\nFinal-Recipient: rfc822; {CONTACT}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--B1\nContent-Type: text/rfc822-headers\n\nFrom: Shop <help@shop.example>\nTo: {CONTACT}\nMessage-ID: <sc.{}.2@mail.shop.example>\nSubject: Your question\n\n--B1--\n",
        t.token
    );
    let raw = mail(
        "MAILER-DAEMON@mx.example.no",
        "To: help@shop.example\nSubject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"",
        &body,
    );
    assert_eq!(t.deliver(raw).await, "bounce");
    let note = agent.until_named("note", |f| f["type"] == "note").await;
    let text = note["note"]["text"].as_str().unwrap();
    assert!(text.contains(CONTACT) && text.contains("5.1.1"), "{text}");
    let emails = t.emails().await;
    assert_eq!(emails["undeliverable"]["email"], CONTACT);
    assert_eq!(emails["undeliverable"]["reason"], "bounced");
    assert_eq!(t.shopper_lines().await, before);
    t.app.stop().await;
}

#[tokio::test]
async fn an_html_only_reply_becomes_text() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    let raw = mail(
        CONTACT,
        &format!(
            "To: {}\nSubject: Re: x\nContent-Type: text/html; charset=utf-8",
            t.reply_address()
        ),
        "<html><head><style>p{color:red}</style></head><body><p>Blue, <b>size M</b></p><script>alert(1)</script></body></html>",
    );
    assert_eq!(t.deliver(raw).await, "appended");
    let live = agent
        .until_named("html reply", |f| {
            f["type"] == "message" && f["message"]["author"]["kind"] == "shopper"
        })
        .await;
    let text = live["message"]["text"].as_str().unwrap();
    assert!(text.contains("Blue, size M"), "{text}");
    assert!(
        !text.contains('<') && !text.contains("alert") && !text.contains("color"),
        "{text}"
    );
    t.app.stop().await;
}

/// Polls `test` until it holds, within the deadline.
async fn eventually<F, Fut>(what: &str, test: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !test().await {
        assert!(
            started.elapsed() < DEADLINE,
            "{what} did not happen in time"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn replies_in_the_mailbox_are_polled_in_once_and_marked_seen() {
    let imap = ImapServer::start().await;
    let t = threaded(Some(Mailbox::plain(&imap))).await;
    let mut agent = t.agent().await;
    imap.deliver(&t.reply("By IMAP: M please."));
    heard(&mut agent, "By IMAP: M please.").await;
    eventually("the mail is marked seen", || async {
        imap.seen_count() == 1
    })
    .await;
    // Later polls leave it alone: a second mail comes in after several of them.
    imap.deliver(&t.reply("By IMAP again."));
    heard(&mut agent, "By IMAP again.").await;
    eventually("both mails are seen", || async { imap.seen_count() == 2 }).await;
    let lines = t.shopper_lines().await;
    let count = |text: &str| lines.iter().filter(|l| *l == text).count();
    assert_eq!(count("By IMAP: M please."), 1, "{lines:?}");
    assert_eq!(count("By IMAP again."), 1, "{lines:?}");
    // Mail that threads nowhere is marked seen too (refused for good), and appends nothing.
    imap.deliver(&mail(
        CONTACT,
        "To: help@shop.example\nSubject: hi",
        "Unthreaded",
    ));
    eventually("the refused mail is seen", || async {
        imap.seen_count() == 3
    })
    .await;
    // So is one over the size bound, whose body is never fetched.
    imap.deliver(&t.reply(&"too long ".repeat(MAX_MAIL / 8)));
    eventually("the oversized mail is seen", || async {
        imap.seen_count() == 4
    })
    .await;
    assert_eq!(t.shopper_lines().await, lines);
    t.app.stop().await;
}

#[tokio::test]
async fn the_poller_recovers_when_the_mail_server_comes_back() {
    let mut imap = ImapServer::start().await;
    let t = threaded(Some(Mailbox::plain(&imap))).await;
    let mut agent = t.agent().await;
    imap.deliver(&t.reply("Before the outage."));
    heard(&mut agent, "Before the outage.").await;
    imap.stop();
    // Mail arrives in the mailbox while the IMAP server is down.
    imap.deliver(&t.reply("During the outage."));
    imap.start_again().await;
    heard(&mut agent, "During the outage.").await;
    eventually("both mails are seen", || async { imap.seen_count() == 2 }).await;
    assert_eq!(imap.message_count(), 2);
    t.app.stop().await;
}

/// One reply through a TLS-only Dovecot reached with `tls` on `port`.
async fn polled_over(tls: MailTls) {
    let imap = ImapServer::start_tls().await;
    let port = match tls {
        MailTls::Tls => imap.tls_port(),
        _ => imap.port(),
    };
    let t = threaded(Some(Mailbox {
        port,
        tls,
        ca_file: Some(imap.ca_file()),
    }))
    .await;
    let mut agent = t.agent().await;
    imap.deliver(&t.reply("Sent over TLS."));
    heard(&mut agent, "Sent over TLS.").await;
    eventually("the mail is marked seen", || async {
        imap.seen_count() == 1
    })
    .await;
    t.app.stop().await;
}

#[tokio::test]
async fn the_poller_speaks_starttls() {
    polled_over(MailTls::Starttls).await;
}

#[tokio::test]
async fn the_poller_speaks_implicit_tls() {
    polled_over(MailTls::Tls).await;
}

#[tokio::test]
async fn a_reply_to_a_closed_conversation_reopens_it_like_a_widget_message() {
    let t = threaded(None).await;
    let mut agent = t.agent().await;
    agent.until_named("routed", |f| f["type"] == "routed").await;
    agent
        .send(json!({ "type": "close", "conversation_id": t.conversation, "ref": "c" }))
        .await;
    let ok = agent.until(|f| f["ref"] == "c").await;
    assert_eq!(ok["type"], "ok", "{ok}");
    assert_eq!(
        t.deliver(t.reply("One more question: gift wrap?")).await,
        "appended"
    );
    let live = heard(&mut agent, "One more question: gift wrap?").await;
    assert_eq!(live["message"]["conversation_id"], t.conversation.as_str());
    let conversation = &t.transcript().await["conversation"];
    // Reopened and back with the agent who had it, as a widget message would.
    assert_eq!(conversation["state"], "assigned", "{conversation}");
    assert_eq!(
        conversation["agent"], conversation["last_agent"],
        "{conversation}"
    );
    t.app.stop().await;
}
