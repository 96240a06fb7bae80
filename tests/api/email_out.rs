//! Email out, against a real SMTP server (aiosmtpd in its own process): an agent's answers
//! to a shopper who left arrive as one threaded email with escaped HTML and an unsubscribe
//! link; what the shopper read in the widget, or after unsubscribing, is not emailed; a
//! temporary refusal is retried and delivered once; an email owed across a restart is sent
//! once; STARTTLS with a private CA, AUTH and DKIM; a line break in the shop's name; the
//! site's switch. The owners' settings API is in `email_settings.rs`.

use crate::common::smtp::{Received, SmtpOptions, SmtpServer};
use crate::common::{PASSWORD, Socket, TestApp, spawn_app_with};
use serde_json::{Value, json};
use shopchat::config::{MailServer, MailTls, Settings};
use std::time::Duration;

/// Emails are due at least 5 s after the agent wrote (the shortest `reply_delay_secs`).
pub(crate) const MAIL_WAIT: Duration = Duration::from_secs(30);

fn relay(settings: &mut Settings, smtp: &SmtpServer) {
    smtp.relay(settings);
    settings.mail.from_domains = vec!["shop.example".into()];
    settings.mail.retry = Duration::from_millis(300);
    settings.public_url = Some("https://chat.example".into());
    // Replies come back through the HTTP inbound endpoint, so the email says to reply.
    settings.mail.inbound_secret = Some("inbound-secret-inbound-secret".into());
}

pub(crate) async fn email_app(smtp: &SmtpServer) -> (TestApp, String) {
    email_app_with(smtp, |_| {}).await
}

async fn email_app_with(smtp: &SmtpServer, tweak: impl FnOnce(&mut Settings)) -> (TestApp, String) {
    let app = spawn_app_with(|s| {
        relay(s, smtp);
        tweak(s);
    })
    .await;
    let owner = app.owner_token().await;
    let saved = app
        .put(
            &app.site_path("/email"),
            &owner,
            json!({ "reply_delay_secs": 5, "unread_delay_secs": 30, "from_address": "help@shop.example" }),
        )
        .await;
    assert_eq!(saved.status(), 200, "{:?}", saved.text().await);
    (app, owner)
}

/// A shopper who asked while nobody was online, left `kari@example.no`, and closed the tab;
/// the owner (online now) has the chat. Returns the conversation, the owner's socket, and
/// what the shopper needs to come back (visitor id, session).
pub(crate) struct Left {
    pub(crate) conversation: String,
    pub(crate) agent: Socket,
    pub(crate) visitor: Value,
    pub(crate) session: Value,
}

pub(crate) async fn shopper_who_left(app: &TestApp, owner: &str, question: &str) -> Left {
    let mut shopper = app.shopper().await;
    let welcome = shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q", "text": question }))
        .await;
    let status = shopper
        .until(|f| f["type"] == "status" && f["nobody_online"] == true)
        .await;
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "contact", "email": "kari@example.no" }))
        .await;
    shopper
        .until(|f| f["type"] == "message" && f["text"].as_str().unwrap_or("").contains("kari@"))
        .await;
    let (mut agent, _) = app.agent(owner).await;
    agent.until(|f| f["type"] == "routed").await;
    shopper.close().await;
    agent
        .until(|f| f["type"] == "visitor" && f["change"] == "left")
        .await;
    Left {
        conversation,
        agent,
        visitor: welcome["visitor_id"].clone(),
        session: welcome["session"].clone(),
    }
}

/// The site's delivery log once `done` holds for it.
pub(crate) async fn log_until(
    app: &TestApp,
    owner: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    log_until_within(app, owner, MAIL_WAIT, done).await
}

async fn log_until_within(
    app: &TestApp,
    owner: &str,
    wait: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let until = std::time::Instant::now() + wait;
    loop {
        let log = app.get_json(&app.site_path("/email/log"), owner).await;
        let entries = log["entries"].as_array().cloned().unwrap_or_default();
        if done(&entries) {
            return entries;
        }
        assert!(
            std::time::Instant::now() < until,
            "delivery log never got there: {entries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn outcomes(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["outcome"]["outcome"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn token_of(mail: &Received) -> String {
    let id = mail.header("Message-ID").unwrap();
    let id = id.trim_matches(|c| c == '<' || c == '>');
    id.strip_prefix("sc.")
        .and_then(|r| r.split('.').next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_agents_burst_to_a_shopper_who_left_arrives_as_one_threaded_escaped_email() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let left = shopper_who_left(&app, &owner, "Is the jacket waterproof?").await;
    for line in [
        "Hi, Ann here.",
        "Yes, it is <b>waterproof</b>.",
        "Anything else?",
    ] {
        app.agent_says(&owner, &left.conversation, line).await;
    }
    let mail = smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    // The other two rows of the burst find nothing left to send.
    let log = log_until(&app, &owner, |e| e.len() >= 3).await;
    let mut results = outcomes(&log);
    results.sort();
    assert_eq!(results, vec!["sent", "skipped", "skipped"], "{log:#?}");
    assert!(log.iter().all(|e| e["outcome"]["outcome"] == "sent"
        || e["detail"] == "a later email carries it"
        || e["detail"] == "already emailed"));
    assert_eq!(smtp.messages().len(), 1);

    assert_eq!(mail.from(), ("Shop".into(), "help@shop.example".into()));
    assert_eq!(mail.subject(), "Re: your question to Shop");
    let token = token_of(&mail);
    assert_eq!(token.len(), 26, "{token}");
    let root = format!("<sc.{token}.root@shop.example>");
    assert_eq!(mail.header("In-Reply-To").unwrap(), root);
    assert_eq!(mail.header("References").unwrap(), root);
    assert_eq!(
        mail.header("Reply-To").unwrap(),
        format!("reply+{token}@mail.example")
    );
    let text = mail.text();
    for line in [
        "Is the jacket waterproof?",
        "Hi, Ann here.",
        "Yes, it is <b>waterproof</b>.",
        "Anything else?",
        "Reply to this email",
    ] {
        assert!(text.contains(line), "{line:?} missing from {text}");
    }
    let html = mail.html().expect("an HTML part");
    assert!(
        html.contains("Yes, it is &lt;b&gt;waterproof&lt;/b&gt;."),
        "{html}"
    );
    assert!(!html.contains("<b>waterproof"));
    let unsubscribe = mail.header("List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.starts_with("<https://chat.example/mail/unsubscribe?t="),
        "{unsubscribe}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").unwrap(),
        "List-Unsubscribe=One-Click"
    );

    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The registry is the test process's: other tests' emails count too.
    assert!(
        metrics.contains("shopchat_email_sent_total{kind=\"reply\",result=\"sent\"} "),
        "{metrics}"
    );
    assert!(metrics.contains("shopchat_email_send_seconds"));
    assert!(metrics.contains("shopchat_email_outbox_pending"));
    drop(left.agent);
    app.stop().await;
}

#[tokio::test]
async fn what_the_shopper_read_in_the_widget_is_not_emailed() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let left = shopper_who_left(&app, &owner, "Do you ship to Norway?").await;
    let sent = app.agent_says(&owner, &left.conversation, "We do.").await;
    let seq = sent["message"]["seq"].as_u64().unwrap();
    // The shopper comes back before the email is due and reads it.
    let mut back = app.shopper().await;
    back.hello(json!({ "visitor_id": left.visitor, "session": left.session }))
        .await;
    back.send(json!({ "type": "read", "conversation_id": left.conversation, "seq": seq }))
        .await;
    let log = log_until(&app, &owner, |e| !e.is_empty()).await;
    assert_eq!(outcomes(&log), vec!["skipped"]);
    assert_eq!(log[0]["detail"], "read in the widget");
    assert!(smtp.messages().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_connected_shopper_who_reads_in_time_gets_no_email() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let mut shopper = app.shopper().await;
    shopper.hello(json!({})).await;
    shopper
        .send(json!({ "type": "message", "client_msg_id": "q", "text": "Sizes?" }))
        .await;
    let status = shopper
        .until(|f| f["type"] == "status" && f["nobody_online"] == true)
        .await;
    let conversation = status["conversation_id"].as_str().unwrap().to_owned();
    shopper
        .send(json!({ "type": "contact", "email": "kari@example.no" }))
        .await;
    shopper
        .until(|f| f["type"] == "message" && f["text"].as_str().unwrap_or("").contains("kari@"))
        .await;
    // The tab stays open: the answer is owed only if still unread after `unread_delay_secs`
    // (30 s, the shortest allowed), and the shopper reads it at once.
    let sent = app.agent_says(&owner, &conversation, "S to XL.").await;
    let seq = sent["message"]["seq"].as_u64().unwrap();
    shopper
        .until(|f| f["type"] == "message" && f["text"] == "S to XL.")
        .await;
    shopper
        .send(json!({ "type": "read", "conversation_id": conversation, "seq": seq }))
        .await;
    let log = log_until_within(&app, &owner, Duration::from_secs(60), |e| !e.is_empty()).await;
    assert_eq!(outcomes(&log), vec!["skipped"]);
    assert_eq!(log[0]["detail"], "read in the widget");
    assert!(smtp.messages().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn unsubscribing_stops_replies_that_were_owed() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let left = shopper_who_left(&app, &owner, "Question?").await;
    app.agent_says(&owner, &left.conversation, "First answer.")
        .await;
    smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    let link = smtp.messages()[0].header("List-Unsubscribe").unwrap();
    let link = link.trim_matches(|c| c == '<' || c == '>');
    let path = link.strip_prefix("https://chat.example").unwrap();

    // The page asks first (a link scanner's GET unsubscribes nobody); a forged link is refused.
    let page = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Stop emails from Shop"));
    let forged = app
        .http
        .post(app.url(&format!("{path}x")))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    app.agent_says(&owner, &left.conversation, "Second answer.")
        .await;
    let one_click = app
        .http
        .post(app.url(path))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status(), 200);
    let list = app
        .get_json(&app.site_path("/email/suppressions"), &owner)
        .await;
    assert_eq!(list["suppressions"][0]["email"], "kari@example.no");
    assert_eq!(list["suppressions"][0]["reason"], "unsubscribed");

    // The owed second answer is skipped when it comes due, and no later one is queued.
    let log = log_until(&app, &owner, |e| e.len() >= 2).await;
    assert_eq!(outcomes(&log), vec!["skipped", "sent"]);
    assert!(log[0]["detail"].as_str().unwrap().contains("suppressed"));
    assert_eq!(smtp.messages().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_and_the_email_delivered_once() {
    let smtp = SmtpServer::start_with(SmtpOptions {
        fail_first: 1,
        ..SmtpOptions::default()
    });
    let (app, owner) = email_app(&smtp).await;
    let left = shopper_who_left(&app, &owner, "Hello?").await;
    app.agent_says(&owner, &left.conversation, "Hello!").await;
    let log = log_until(&app, &owner, |e| outcomes(e).contains(&"sent".into())).await;
    assert_eq!(outcomes(&log), vec!["sent", "retry"], "{log:#?}");
    assert_eq!(log[1]["attempt"], 1);
    assert!(log[1]["detail"].as_str().unwrap().contains("451"));
    assert_eq!(log[0]["attempt"], 2);
    assert_eq!(smtp.messages().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_email_owed_before_a_restart_is_sent_once_after_it() {
    let smtp = SmtpServer::start();
    let (mut app, owner) = email_app(&smtp).await;
    let left = shopper_who_left(&app, &owner, "Still there?").await;
    app.agent_says(&owner, &left.conversation, "Yes, here.")
        .await;
    drop(left.agent);
    // Owed (due in 5 s) but not sent when the server stops.
    app.restart().await;
    assert!(smtp.messages().is_empty());
    let owner = app.login(crate::common::OWNER_EMAIL, PASSWORD).await;
    let mail = smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    assert!(mail.text().contains("Yes, here."));
    let log = log_until(&app, &owner, |e| !e.is_empty()).await;
    assert_eq!(outcomes(&log), vec!["sent"]);
    assert_eq!(smtp.messages().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn starttls_with_a_private_ca_and_a_login_delivers_a_dkim_signed_email() {
    let smtp = SmtpServer::start_with(SmtpOptions {
        login: Some(("relay-user".into(), "relay-secret".into())),
        starttls: true,
        ..SmtpOptions::default()
    });
    let keys = tempfile::TempDir::new().unwrap();
    let key = keys.path().join("dkim.pem");
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&key)
        .arg("2048")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let ca = smtp.ca_file().unwrap();
    let (app, owner) = email_app_with(&smtp, |s| {
        s.mail.smtp = Some(MailServer {
            host: "localhost".into(),
            port: smtp.port,
            tls: MailTls::Starttls,
            user: Some("relay-user".into()),
            password: Some("relay-secret".into()),
            ca_file: Some(ca),
        });
        s.mail.dkim = Some(shopchat::config::Dkim {
            domain: "shop.example".into(),
            selector: "sc2026".into(),
            key_file: key.clone(),
        });
    })
    .await;
    // The shop's name goes into From and Subject: a line break in it adds no header.
    let renamed = app
        .patch(
            &app.site_path(""),
            &owner,
            json!({ "name": "Shop\r\nBcc: evil@x.example" }),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let left = shopper_who_left(&app, &owner, "Secure?").await;
    app.agent_says(&owner, &left.conversation, "Over TLS.")
        .await;
    let mail = smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    let head = mail.head().to_ascii_lowercase();
    assert!(!head.lines().any(|l| l.starts_with("bcc:")), "{head}");
    assert_eq!(head.lines().filter(|l| l.starts_with("from:")).count(), 1);
    assert_eq!(
        head.lines().filter(|l| l.starts_with("subject:")).count(),
        1
    );
    assert_eq!(mail.from().1, "help@shop.example");
    assert!(
        mail.subject().contains("Bcc: evil@x.example"),
        "{}",
        mail.subject()
    );
    assert!(!mail.subject().contains('\n'));
    let dkim = mail.header("DKIM-Signature").expect("a DKIM signature");
    let tags: Vec<String> = dkim.split(';').map(|t| t.trim().to_owned()).collect();
    assert!(tags.contains(&"d=shop.example".into()), "{dkim}");
    assert!(tags.contains(&"s=sc2026".into()), "{dkim}");
    assert!(tags.iter().any(|t| t.starts_with("b=") && t.len() > 100));
    app.stop().await;
}

#[tokio::test]
async fn a_site_with_email_off_queues_nothing() {
    let smtp = SmtpServer::start();
    let (app, owner) = email_app(&smtp).await;
    let left = shopper_who_left(&app, &owner, "Anyone?").await;
    let off = app
        .put(
            &app.site_path("/email"),
            &owner,
            json!({ "enabled": false, "reply_delay_secs": 5 }),
        )
        .await;
    assert_eq!(off.status(), 200);
    app.agent_says(&owner, &left.conversation, "While off.")
        .await;
    let on = app
        .put(
            &app.site_path("/email"),
            &owner,
            json!({ "reply_delay_secs": 5 }),
        )
        .await;
    assert_eq!(on.status(), 200);
    app.agent_says(&owner, &left.conversation, "While on.")
        .await;
    let mail = smtp.wait_for_mail(|_| true, MAIL_WAIT).await;
    // One row only: the message written while off owed nothing (it rides along unread).
    let log = log_until(&app, &owner, |e| !e.is_empty()).await;
    assert_eq!(outcomes(&log), vec!["sent"]);
    assert!(mail.text().contains("While on."));
    app.stop().await;
}
