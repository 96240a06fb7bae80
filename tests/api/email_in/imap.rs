//! IMAP polling of a real Dovecot: plain, STARTTLS and implicit TLS, and recovery.

use super::*;
use crate::common::imap::ImapServer;
use shopchat::config::MailTls;
use shopchat::mailer::imap::ImapConfig;
use shopchat::mailer::{Inbox, InboxVerdict};

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

/// An inbox that cannot take anything until `open` is set, and keeps what it took.
#[derive(Default)]
struct FlakyInbox {
    open: std::sync::atomic::AtomicBool,
    tries: AtomicU64,
    taken: std::sync::Mutex<Vec<Vec<u8>>>,
}

#[async_trait::async_trait]
impl Inbox for FlakyInbox {
    async fn receive(&self, raw: Vec<u8>) -> InboxVerdict {
        self.tries.fetch_add(1, Ordering::SeqCst);
        if !self.open.load(Ordering::SeqCst) {
            return InboxVerdict::Retry;
        }
        self.taken.lock().unwrap().push(raw);
        InboxVerdict::Done
    }
}

#[tokio::test]
async fn a_message_the_inbox_cannot_take_now_stays_unseen_and_comes_again() {
    let imap = ImapServer::start().await;
    let inbox = Arc::new(FlakyInbox::default());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let poller = shopchat::mailer::imap::spawn(
        ImapConfig {
            server: MailServer {
                host: "127.0.0.1".into(),
                port: imap.port(),
                tls: MailTls::None,
                user: Some(IMAP_USER.into()),
                password: Some(IMAP_PASSWORD.into()),
                ca_file: None,
            },
            mailbox: "INBOX".into(),
            poll: Duration::from_millis(50),
            max_bytes: MAX_MAIL,
        },
        inbox.clone(),
        shutdown.clone(),
    );
    let raw = mail(CONTACT, "To: help@shop.example\nSubject: hi", "Hello");
    imap.deliver(&raw);
    // Offered again and again while the inbox refuses it for now, and never marked seen.
    eventually("the mail is offered three times", || async {
        inbox.tries.load(Ordering::SeqCst) >= 3
    })
    .await;
    assert_eq!(imap.seen_count(), 0);
    inbox.open.store(true, Ordering::SeqCst);
    eventually("the mail is taken and marked seen", || async {
        imap.seen_count() == 1
    })
    .await;
    let taken = inbox.taken.lock().unwrap().clone();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0], raw, "the bytes as delivered");
    // It stops at shutdown.
    shutdown.cancel();
    tokio::time::timeout(DEADLINE, poller)
        .await
        .expect("the poller stops at shutdown")
        .unwrap();
}
