//! Real-looking mails from the common mail programs: what is kept, what is cut, what kind
//! each is.

use super::*;

const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz";

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\r\n\r\n{body}")
        .replace('\n', "\r\n")
        .replace("\r\r\n", "\r\n")
        .into_bytes()
}

fn reply(body: &str) -> String {
    let raw = mail(
        "From: Ann <ann@example.com>\nTo: reply+abcdefghijklmnopqrstuvwxyz@shop.example\nSubject: Re: Your question\nMessage-ID: <x1@example.com>",
        body,
    );
    parse(&raw, 1 << 20).unwrap().reply_text()
}

#[test]
fn gmail_attribution_and_quote_are_cut() {
    let text = reply(
        "Yes, size M please.\n\nThanks!\n\nOn Mon, 30 Nov 2026 at 10:02, Shop Team <reply+x@shop.example>\nwrote:\n\n> We have it in M and L.\n> Which one?\n",
    );
    assert_eq!(text, "Yes, size M please.\n\nThanks!");
}

#[test]
fn outlook_original_message_block_is_cut() {
    let text = reply(
        "Please send it to my office.\n\n________________________________\nFrom: Shop Team <help@shop.example>\nSent: Monday, November 30, 2026 10:02 AM\nTo: Ann <ann@example.com>\nSubject: Your question\n\nWe have it in M and L.\n",
    );
    assert_eq!(text, "Please send it to my office.");
    let text =
        reply("Fine.\n\n-----Original Message-----\nFrom: help@shop.example\nThe old text\n");
    assert_eq!(text, "Fine.");
    let text =
        reply("Fine.\r\n\r\nFrom: Shop <help@shop.example>\r\nDate: Mon\r\nSubject: x\r\n\r\nold");
    assert_eq!(text, "Fine.");
}

#[test]
fn apple_mail_signature_and_device_line_are_cut() {
    let text = reply(
        "Great, I'll wait.\n\nSent from my iPhone\n\n> On 30. Nov 2026, at 10:02, Shop Team <help@shop.example> wrote:\n> \n> We have it.\n",
    );
    assert_eq!(text, "Great, I'll wait.");
    let text = reply("Thanks a lot\n-- \nAnn Example\nCEO, Example Ltd\n");
    assert_eq!(text, "Thanks a lot");
}

#[test]
fn german_and_french_attributions_are_cut() {
    let text = reply(
        "Ja, bitte in Größe M.\n\nVon meinem iPhone gesendet\n\nAm 30.11.2026 um 10:02 schrieb Shop Team <help@shop.example>:\n> Wir haben M und L.\n",
    );
    assert_eq!(text, "Ja, bitte in Größe M.");
    let text = reply(
        "Oui, merci.\n\nLe lun. 30 nov. 2026 à 10:02, Shop <help@shop.example> a écrit :\n> Bonjour\n",
    );
    assert_eq!(text, "Oui, merci.");
}

#[test]
fn inline_answers_keep_the_shoppers_lines() {
    let text = reply("> Which size?\nM\n> Which colour?\nBlue\n");
    assert_eq!(text, "M\nBlue");
}

#[test]
fn only_quoted_is_empty() {
    assert_eq!(reply("On Mon, Shop wrote:\n> hi\n"), "");
    assert_eq!(reply("> hi\n> there\n"), "");
}

#[test]
fn html_only_mail_becomes_text_without_tags_or_scripts() {
    let raw = mail(
        "From: ann@example.com\nTo: reply+abcdefghijklmnopqrstuvwxyz@shop.example\nSubject: Re: x\nContent-Type: text/html; charset=utf-8",
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body><p>Size <b>M</b> please</p><p>Second line</p></body></html>",
    );
    let mail = parse(&raw, 1 << 20).unwrap();
    let text = mail.reply_text();
    assert!(text.contains("Size M please"), "{text:?}");
    assert!(text.contains("Second line"), "{text:?}");
    assert!(text.contains('\n'), "{text:?}");
    assert!(
        !text.contains('<') && !text.contains("alert") && !text.contains("color"),
        "{text:?}"
    );
}

#[test]
fn the_token_is_found_in_the_plus_address_or_the_thread_headers() {
    let raw = mail(
        "From: ann@example.com\nTo: Shop <reply+abcdefghijklmnopqrstuvwxyz@shop.example>\nSubject: Re: x",
        "hi",
    );
    let m = parse(&raw, 1 << 20).unwrap();
    assert_eq!(m.thread_token(), Some(TOKEN));
    assert_eq!(m.kind, InboundKind::Reply);
    let raw = mail(
        "From: ann@example.com\nTo: help@shop.example\nIn-Reply-To: <sc.abcdefghijklmnopqrstuvwxyz.7@shop.example>\nReferences: <a@b> <sc.abcdefghijklmnopqrstuvwxyz.7@shop.example>",
        "hi",
    );
    let m = parse(&raw, 1 << 20).unwrap();
    assert_eq!(m.thread_token(), Some(TOKEN));
    let raw = mail(
        "From: ann@example.com\nDelivered-To: reply+abcdefghijklmnopqrstuvwxyz@shop.example\nTo: undisclosed-recipients:;",
        "hi",
    );
    assert_eq!(parse(&raw, 1 << 20).unwrap().thread_token(), Some(TOKEN));
    let raw = mail("From: ann@example.com\nTo: help@shop.example", "hi");
    assert_eq!(parse(&raw, 1 << 20).unwrap().thread_token(), None);
}

#[test]
fn automatic_answers_are_recognised() {
    for header in [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: vacation",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "X-Auto-Response-Suppress: All",
        "Return-Path: <>",
    ] {
        let raw = mail(
            &format!(
                "From: ann@example.com\nTo: help@shop.example\n{header}\nSubject: Out of office"
            ),
            "I am away.",
        );
        assert!(
            matches!(
                parse(&raw, 1 << 20).unwrap().kind,
                InboundKind::Automatic(_)
            ),
            "{header}"
        );
    }
    let raw = mail(
        "From: ann@example.com\nAuto-Submitted: no\nReturn-Path: <ann@example.com>",
        "hi",
    );
    assert_eq!(parse(&raw, 1 << 20).unwrap().kind, InboundKind::Reply);
}

/// A Postfix-style DSN for a message whose id carries the thread token.
pub(crate) fn dsn(status: &str, action: &str) -> Vec<u8> {
    mail(
        "From: MAILER-DAEMON@mx.example (Mail Delivery System)\nTo: help@shop.example\nReturn-Path: <>\nAuto-Submitted: auto-replied\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n boundary=\"B1\"",
        &format!(
            "--B1\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could not be delivered.\n\n--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\nArrival-Date: Mon, 30 Nov 2026 10:02:00 +0000\n\nFinal-Recipient: rfc822; Nobody@Example.com\nOriginal-Recipient: rfc822;nobody@example.com\nAction: {action}\nStatus: {status}\nDiagnostic-Code: smtp; {status} <nobody@example.com>: Recipient address rejected: User unknown\n\n--B1\nContent-Type: text/rfc822-headers\n\nFrom: Shop <help@shop.example>\nTo: nobody@example.com\nMessage-ID: <sc.abcdefghijklmnopqrstuvwxyz.12@shop.example>\nSubject: Your question\n\n--B1--\n"
        ),
    )
}

#[test]
fn a_delivery_status_notification_is_a_bounce_with_its_thread() {
    let m = parse(&dsn("5.1.1", "failed"), 1 << 20).unwrap();
    let InboundKind::Bounce(b) = &m.kind else {
        panic!("{:?}", m.kind)
    };
    assert!(b.hard);
    assert_eq!(b.recipient.as_deref(), Some("nobody@example.com"));
    assert_eq!(b.status.as_deref(), Some("5.1.1"));
    assert!(
        b.detail.starts_with("5.1.1") && b.detail.contains("User unknown"),
        "{}",
        b.detail
    );
    assert_eq!(m.thread_token(), Some(TOKEN));
    let m = parse(&dsn("4.4.1", "delayed"), 1 << 20).unwrap();
    assert!(matches!(&m.kind, InboundKind::Bounce(b) if !b.hard));
}

#[test]
fn an_oversized_mail_is_refused_before_parsing() {
    let raw = mail("From: ann@example.com", &"x".repeat(2000));
    assert!(matches!(
        parse(&raw, 1000),
        Err(InboundError::TooLarge { .. })
    ));
    assert_eq!(parse(b"", 1000), Err(InboundError::Unreadable));
}
