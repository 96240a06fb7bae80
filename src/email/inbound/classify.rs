//! Which mails are not a shopper writing: automatic answers (RFC 3834 `Auto-Submitted`, the
//! older `X-Autoreply`/`Precedence` conventions, Exchange's out-of-office) and delivery
//! status notifications (RFC 3464), whose failed recipient and returned Message-ID say which
//! address and which thread bounced.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

/// What kind of mail it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundKind {
    /// A person wrote: it may become a message.
    Reply,
    /// Sent by a program (out of office, vacation, a list): counted and dropped. The reason
    /// names the header that gave it away.
    Automatic(&'static str),
    /// A delivery status notification.
    Bounce(Bounce),
}

/// What a delivery status notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The address that failed (`Final-Recipient`, else `Original-Recipient`), lowercased.
    pub recipient: Option<String>,
    /// The status code (`5.1.1`).
    pub status: Option<String>,
    /// `Action: failed` with a 5.x.x status: the address will not take mail.
    pub hard: bool,
    /// The returned message's Message-ID (without angle brackets), to find the thread.
    pub original_message_id: Option<String>,
    /// The diagnostic, short (`5.1.1 user unknown`), for agents and the log.
    pub detail: String,
}

/// The kind of a parsed mail.
pub(super) fn classify(message: &Message<'_>) -> InboundKind {
    if let Some(bounce) = delivery_status(message) {
        return InboundKind::Bounce(bounce);
    }
    match automatic(message) {
        Some(reason) => InboundKind::Automatic(reason),
        None => InboundKind::Reply,
    }
}

/// A header's raw value, trimmed and lowercased.
fn raw(message: &Message<'_>, name: &str) -> Option<String> {
    message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
}

/// The header that shows a program sent it, if any.
fn automatic(message: &Message<'_>) -> Option<&'static str> {
    if let Some(v) = raw(message, "Auto-Submitted")
        && v.split(';').next().map(str::trim) != Some("no")
    {
        return Some("auto-submitted");
    }
    if raw(message, "X-Autoreply").is_some() {
        return Some("x-autoreply");
    }
    if raw(message, "X-Autorespond").is_some() {
        return Some("x-autorespond");
    }
    if let Some(v) = raw(message, "Precedence")
        && matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply")
    {
        return Some("precedence");
    }
    if raw(message, "X-Auto-Response-Suppress")
        .is_some_and(|v| v.split(',').any(|p| matches!(p.trim(), "all" | "oof")))
    {
        return Some("x-auto-response-suppress");
    }
    // The null reverse path is for notifications (RFC 5321 4.5.5); a DSN was caught above.
    if raw(message, "Return-Path").is_some_and(|v| v.replace(' ', "") == "<>") {
        return Some("null-return-path");
    }
    None
}

/// The DSN a `multipart/report; report-type=delivery-status` mail carries.
fn delivery_status(message: &Message<'_>) -> Option<Bounce> {
    let ct = message.content_type()?;
    let is_report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        && ct
            .attribute("report-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"));
    if !is_report {
        return None;
    }
    let mut bounce = Bounce {
        recipient: None,
        status: None,
        hard: false,
        original_message_id: None,
        detail: String::new(),
    };
    for part in &message.parts {
        match part_type(part).as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                read_status(&String::from_utf8_lossy(part.contents()), &mut bounce);
            }
            "message/rfc822" | "message/global" => {
                if let PartType::Message(returned) = &part.body {
                    bounce.original_message_id = returned.message_id().map(str::to_owned);
                }
            }
            "text/rfc822-headers" | "message/rfc822-headers" => {
                let text = String::from_utf8_lossy(part.contents());
                if let Some(id) = field(&text, "message-id") {
                    bounce.original_message_id =
                        Some(id.trim_start_matches('<').trim_end_matches('>').to_owned());
                }
            }
            _ => {}
        }
    }
    Some(bounce)
}

/// `type/subtype` of a part, lowercased.
fn part_type(part: &MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()))
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The first `Name: value` field of a block of header-like lines (continuations joined).
fn field(text: &str, name: &str) -> Option<String> {
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((n, v)) = line.split_once(':') else {
            continue;
        };
        if !n.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = v.trim().to_owned();
        while let Some(next) = lines.next_if(|l| l.starts_with([' ', '\t'])) {
            value.push(' ');
            value.push_str(next.trim());
        }
        return Some(value);
    }
    None
}

/// Fills in the recipient, status and hardness from a `message/delivery-status` body (its
/// first recipient block: shopchat sends each email to one recipient).
fn read_status(text: &str, bounce: &mut Bounce) {
    let text = text.replace("\r\n", "\n");
    // The per-message fields come first, then one block per recipient after a blank line.
    let recipient_block = text
        .split("\n\n")
        .find(|b| field(b, "final-recipient").is_some() || field(b, "action").is_some())
        .unwrap_or(&text);
    let address = |v: String| {
        let v = v.split_once(';').map_or(v.as_str(), |(_, a)| a).trim();
        v.trim_start_matches('<')
            .trim_end_matches('>')
            .to_ascii_lowercase()
    };
    bounce.recipient = field(recipient_block, "final-recipient")
        .or_else(|| field(recipient_block, "original-recipient"))
        .map(address);
    let status = field(recipient_block, "status")
        .map(|s| s.split_whitespace().next().unwrap_or_default().to_owned());
    let action = field(recipient_block, "action")
        .unwrap_or_default()
        .to_ascii_lowercase();
    bounce.hard = action == "failed" && status.as_deref().is_some_and(|s| s.starts_with('5'));
    let diagnostic = field(recipient_block, "diagnostic-code").map(|d| {
        d.split_once(';')
            .map_or(d.clone(), |(_, t)| t.trim().to_owned())
    });
    let mut detail = match (&status, diagnostic) {
        (Some(s), Some(d)) if d.starts_with(s.as_str()) => d,
        (Some(s), Some(d)) => format!("{s} {d}"),
        (Some(s), None) => s.clone(),
        (None, Some(d)) => d,
        (None, None) => action,
    };
    if detail.chars().count() > 300 {
        detail = detail.chars().take(300).collect();
    }
    bounce.detail = detail.chars().filter(|c| !c.is_control()).collect();
    bounce.status = status;
}
