//! Raw RFC 822 bytes → [`Inbound`], with the size checked before any parsing.

use super::classify::classify;
use super::{Inbound, InboundKind};
use mail_parser::{Address, HeaderValue, Message, MessageParser};

/// Why a mail cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    /// Larger than the server takes; refused before parsing.
    #[error("the mail is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The bound.
        max: usize,
    },
    /// Not a mail at all (no header could be read).
    #[error("the body is not an RFC 822 mail")]
    Unreadable,
}

/// Parses a raw mail of at most `max_bytes`.
pub fn parse(raw: &[u8], max_bytes: usize) -> Result<Inbound, InboundError> {
    if raw.len() > max_bytes {
        return Err(InboundError::TooLarge {
            size: raw.len(),
            max: max_bytes,
        });
    }
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(InboundError::Unreadable)?;
    let kind = classify(&message);
    let text = match &kind {
        // A bounce's human-readable part is the first text part too; keep it for the log.
        InboundKind::Reply | InboundKind::Automatic(_) | InboundKind::Bounce(_) => message
            .body_text(0)
            .map(|t| normalise(&t))
            .unwrap_or_default(),
    };
    Ok(Inbound {
        from: message
            .from()
            .and_then(Address::first)
            .and_then(|a| a.address())
            .map(|a| a.trim().to_owned()),
        recipients: recipients(&message),
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        message_id: message.message_id().map(bare_id),
        replies_to: ids(message.in_reply_to())
            .chain(ids(message.references()))
            .collect(),
        text,
        kind,
    })
}

/// Line breaks as `\n`, no trailing spaces, no NULs.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace(['\r', '\0'], "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// A Message-ID without angle brackets or spaces.
fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// The ids in In-Reply-To or References.
fn ids<'a>(value: &'a HeaderValue<'_>) -> impl Iterator<Item = String> + 'a {
    let list: Vec<String> = match value {
        HeaderValue::Text(t) => t.split_whitespace().map(bare_id).collect(),
        HeaderValue::TextList(l) => l.iter().map(|t| bare_id(t)).collect(),
        _ => Vec::new(),
    };
    list.into_iter().filter(|id| !id.is_empty())
}

/// To, Cc, Delivered-To and X-Original-To addresses.
fn recipients(message: &Message<'_>) -> Vec<String> {
    let mut out: Vec<String> = message
        .all_to()
        .chain(message.all_cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(|a| a.trim().to_owned())
        .collect();
    for name in ["Delivered-To", "X-Original-To"] {
        for header in message
            .headers()
            .iter()
            .filter(|h| h.name().eq_ignore_ascii_case(name))
        {
            if let Some(text) = header.value().as_text() {
                out.push(bare_id(text));
            } else if let Some(address) = header.value().as_address() {
                out.extend(
                    address
                        .iter()
                        .filter_map(|a| a.address())
                        .map(str::to_owned),
                );
            }
        }
    }
    out.retain(|a| !a.is_empty());
    out
}
