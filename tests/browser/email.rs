//! Email in a real browser: the shopper presses "Email me the transcript", gives an address
//! and is told where it went, and the transcript arrives at a real SMTP server (aiosmtpd);
//! a shopper without their order number asks for a code by email, types it, and sees the
//! order placed with that address. Screenshots at desktop and phone width.

use crate::common::smtp::SmtpServer;
use crate::common::{SeedPlan, spawn_seeded};
use crate::support::{Browser, DEADLINE, ShopServer, shop_page};
use serde_json::json;
use shopchat::config::{MailServer, MailTls};
use std::time::Duration;

const MAIL_WAIT: Duration = Duration::from_secs(20);

/// A shop page, a chat server that sends through `smtp`, and a browser `width` wide.
async fn scene(smtp: &SmtpServer, width: u32) -> (ShopServer, crate::common::TestApp, Browser) {
    let shop = ShopServer::start().await;
    let port = smtp.port;
    let chat = spawn_seeded(&SeedPlan::shop("Browser shop", &[shop.origin()]), |s| {
        s.mail.smtp = Some(MailServer {
            host: "127.0.0.1".into(),
            port,
            tls: MailTls::None,
            user: None,
            password: None,
            ca_file: None,
        });
        s.mail.from = Some("chat@mail.example".into());
        s.mail.reply_address = Some("reply@mail.example".into());
        s.mail.outbox_poll = Duration::from_millis(100);
    })
    .await
    .with_deadline(DEADLINE);
    shop.page("/", shop_page(&chat, "", "<p>Welcome.</p>"));
    let browser = Browser::start(width).await;
    (shop, chat, browser)
}

async fn transcript_by_email(width: u32) {
    let smtp = SmtpServer::start();
    let (shop, chat, browser) = scene(&smtp, width).await;
    browser.goto(&shop.url("/")).await;
    browser.open_chat().await;
    browser.say("Do you ship <b>to Norway</b>?").await;
    browser.message("shopper", "to Norway").await;
    browser
        .wait_for(
            "the transcript button",
            "const b = $('[data-role=transcript]'); return !!b && !b.hidden;",
        )
        .await;
    browser.js("$('[data-role=transcript]').click();").await;
    browser
        .js(
            "const i = $('[data-role=transcript-email]'); i.value = 'kari@example.no';\
             $('[data-role=transcript-form] button[type=submit]').click();",
        )
        .await;
    let note = browser
        .wait_for(
            "the note saying where the transcript went",
            "const n = $('[data-role=email-note]'); return n && n.textContent || null;",
        )
        .await;
    assert_eq!(note, "Transcript sent to kari@example.no");
    browser
        .screenshot(&format!("email-transcript-{width}"))
        .await;
    let mail = smtp
        .wait_for_mail(
            |m| m.subject() == "Your conversation with Browser shop",
            MAIL_WAIT,
        )
        .await;
    assert!(mail.text().contains("Do you ship <b>to Norway</b>?"));
    assert!(
        mail.html()
            .unwrap()
            .contains("Do you ship &lt;b&gt;to Norway&lt;/b&gt;?")
    );
    assert!(browser.errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}

#[tokio::test]
async fn the_shopper_emails_themselves_the_transcript_desktop() {
    transcript_by_email(1280).await;
}

#[tokio::test]
async fn the_shopper_emails_themselves_the_transcript_phone() {
    transcript_by_email(390).await;
}

#[tokio::test]
async fn a_code_by_email_shows_the_order_placed_with_that_address() {
    let smtp = SmtpServer::start();
    let (shop, chat, browser) = scene(&smtp, 390).await;
    let owner = chat.owner_token().await;
    let key = chat
        .created(
            &chat.site_path("/api-keys"),
            &owner,
            json!({ "name": "ERP" }),
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    // Placed an hour ago: a fresh order the bot reports as it is.
    let placed = shopchat::domain::Timestamp::now().0 - 3_600_000;
    let order = json!({
        "id": "7001", "number": "#7001", "email": "eva@example.com", "status": "processing",
        "currency": "EUR", "total": "89.90",
        "items": [{ "name": "Alpine Down Jacket", "quantity": 1, "price": "89.90" }],
        "created_at": placed, "updated_at": placed,
    });
    let pushed = chat
        .request(
            reqwest::Method::PUT,
            "/api/v1/commerce/orders/7001",
            &key,
            Some(order),
        )
        .await;
    assert_eq!(pushed.status(), 201);

    browser.goto(&shop.url("/")).await;
    browser.open_chat().await;
    browser
        .wait_for(
            "the order button",
            "const b = $('[data-role=wismo]'); return !!b && !b.hidden;",
        )
        .await;
    browser.js("$('[data-role=wismo]').click();").await;
    browser
        .wait_for("the code link", "const b = $('[data-role=use-code]'); return !!b && !b.hidden && !$('[data-role=lookup]').hidden;")
        .await;
    browser.js("$('[data-role=use-code]').click();").await;
    browser
        .js("$('[data-role=code-email]').value = 'eva@example.com';\
             $('[data-role=code] button[type=submit]').click();")
        .await;
    browser
        .wait_for(
            "the code box",
            "const i = $('[data-role=code-digits]'); return !!i && !i.hidden;",
        )
        .await;
    let mail = smtp
        .wait_for_mail(
            |m| m.subject().ends_with("is your code for Browser shop"),
            MAIL_WAIT,
        )
        .await;
    let code: String = mail.subject().chars().take(6).collect();
    browser.screenshot("email-code-390").await;
    browser
        .js(&format!(
            "$('[data-role=code-digits]').value = {};\
             $('[data-role=code] button[type=submit]').click();",
            json!(code)
        ))
        .await;
    let card = browser
        .wait_for(
            "the order card",
            "const c = $('[data-role=order]'); return c && c.textContent || null;",
        )
        .await;
    assert!(card.as_str().unwrap().contains("#7001"), "{card}");
    assert!(browser.js("return $('[data-role=code]').hidden;").await == true);
    browser.screenshot("email-code-orders-390").await;
    assert!(browser.errors().await.is_empty());
    browser.close().await;
    chat.stop().await;
}
