//! A shopper's email reply comes back into the conversation: through the HTTP endpoint (an
//! MTA pipe or a provider's webhook) and by IMAP polling of a real Dovecot. `end_to_end`
//! runs the whole round trip: the agent's answer is emailed through a real SMTP server and
//! the test replies to that email. The other tests start from a real conversation (a
//! shopper asks while nobody is online, leaves an email and goes) whose thread is written
//! into the store while the server is stopped, as the seed does, so each inbound case is
//! tested alone.

mod end_to_end;
mod http;
mod imap;

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

pub(crate) const SECRET: &str = "inbound-secret-0123456789-abcdef";
pub(crate) const CONTACT: &str = "kari@example.no";
pub(crate) const MAX_MAIL: usize = 64 * 1024;

/// A conversation with an email thread, its server, and who may look at it.
pub(crate) struct Threaded {
    pub(crate) app: TestApp,
    pub(crate) owner: String,
    pub(crate) conversation: String,
    pub(crate) token: String,
    _dir: Arc<TempDir>,
}

/// How the server reaches the test's Dovecot.
#[derive(Clone)]
pub(crate) struct Mailbox {
    port: u16,
    tls: MailTls,
    ca_file: Option<std::path::PathBuf>,
}

impl Mailbox {
    pub(crate) fn plain(imap: &ImapServer) -> Mailbox {
        Mailbox {
            port: imap.port(),
            tls: MailTls::None,
            ca_file: None,
        }
    }
}

pub(crate) fn mail_settings(settings: &mut Settings, mailbox: Option<Mailbox>) {
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
pub(crate) async fn threaded(mailbox: Option<Mailbox>) -> Threaded {
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

/// A mail server's report that [`CONTACT`] does not exist, about the thread's email.
pub(crate) fn hard_bounce(token: &str) -> Vec<u8> {
    let body = format!(
        "--B1\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.no\n\nFinal-Recipient: rfc822; {CONTACT}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--B1\nContent-Type: text/rfc822-headers\n\nFrom: Shop <help@shop.example>\nTo: {CONTACT}\nMessage-ID: <sc.{token}.2@mail.shop.example>\nSubject: Your question\n\n--B1--\n"
    );
    mail(
        "MAILER-DAEMON@mx.example.no",
        "To: help@shop.example\nSubject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"",
        &body,
    )
}

/// A unique Message-ID.
pub(crate) fn unique_id() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "<{}.{}@mail.example.no>",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A mail from `from` with `headers` (CRLF line ends added) and `body`.
pub(crate) fn mail(from: &str, headers: &str, body: &str) -> Vec<u8> {
    let text = format!(
        "From: Kari <{from}>\nMessage-ID: {}\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n{headers}\n\n{body}",
        unique_id()
    );
    text.replace('\n', "\r\n").into_bytes()
}

impl Threaded {
    pub(crate) fn reply_address(&self) -> String {
        format!("reply+{}@mail.shop.example", self.token)
    }

    /// A Gmail-style reply to the thread's plus-address, with the quoted question below.
    pub(crate) fn reply(&self, text: &str) -> Vec<u8> {
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

    pub(crate) async fn post(&self, raw: Vec<u8>, secret: Option<&str>) -> reqwest::Response {
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
    pub(crate) async fn deliver(&self, raw: Vec<u8>) -> String {
        let body = json_of(self.post(raw, Some(SECRET)).await, 202).await;
        body["result"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn transcript(&self) -> Value {
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
    pub(crate) async fn shopper_lines(&self) -> Vec<String> {
        self.transcript().await["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "message" && e["author"]["kind"] == "shopper")
            .map(|e| e["text"].as_str().unwrap().to_owned())
            .collect()
    }

    pub(crate) async fn emails(&self) -> Value {
        self.app
            .get_json(
                &self
                    .app
                    .site_path(&format!("/conversations/{}/emails", self.conversation)),
                &self.owner,
            )
            .await
    }

    pub(crate) async fn agent(&self) -> Socket {
        self.app.agent(&self.owner).await.0
    }
}

/// Waits for the agent's socket to show a message of the conversation with `text`.
pub(crate) async fn heard(agent: &mut Socket, text: &str) -> Value {
    agent
        .until_named(text, |f| {
            f["type"] == "message" && f["message"]["text"] == text
        })
        .await
}

/// Polls `test` until it holds, within the deadline.
pub(crate) async fn eventually<F, Fut>(what: &str, test: F)
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
