//! What an arriving mail is: a shopper's reply, an automatic answer (out of office, a list),
//! or a bounce (RFC 3464 delivery status) — with who sent it, where it was addressed, what
//! it threads to and its text. Pure: the IMAP poller and the HTTP endpoint hand raw bytes
//! to [`parse`], the application decides what a parsed mail does.

mod classify;
mod parse;
mod strip;
#[cfg(test)]
mod tests;

pub use classify::{Bounce, InboundKind};
pub use parse::{InboundError, parse};
pub use strip::reply_text;

use super::thread;

/// A parsed inbound mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The From address (as written; compare case-insensitively); `None` when absent.
    pub from: Option<String>,
    /// Every address it was delivered to: To, Cc, Delivered-To, X-Original-To.
    pub recipients: Vec<String>,
    /// The subject line (empty when absent).
    pub subject: String,
    /// Its own Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The Message-IDs it answers (In-Reply-To, then References), without angle brackets.
    pub replies_to: Vec<String>,
    /// The whole text: the text/plain part, or the HTML part turned into text.
    pub text: String,
    /// Reply, automatic answer or bounce.
    pub kind: InboundKind,
}

impl Inbound {
    /// The thread token the mail carries: in a recipient's plus-address first (the reply
    /// address), then in a Message-ID it answers; a bounce's in the returned message's id.
    pub fn thread_token(&self) -> Option<&str> {
        let in_address = self
            .recipients
            .iter()
            .find_map(|a| thread::token_in_address(a));
        let in_ids = || {
            self.replies_to
                .iter()
                .find_map(|id| thread::token_in_message_id(id))
        };
        let in_bounce = || match &self.kind {
            InboundKind::Bounce(b) => b
                .original_message_id
                .as_deref()
                .and_then(thread::token_in_message_id),
            _ => None,
        };
        in_address.or_else(in_ids).or_else(in_bounce)
    }

    /// The text to store as the shopper's message: quotes and signature cut. Empty when the
    /// shopper only quoted (then it is not a message).
    pub fn reply_text(&self) -> String {
        reply_text(&self.text)
    }
}
