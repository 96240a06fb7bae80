//! The mail clients: sending a [`Composed`] email through the configured SMTP relay
//! ([`Transport`]), and (in `imap`) fetching shoppers' replies from a mailbox. The
//! application decides what to send and what an arriving mail means; this module only
//! speaks the protocols.

pub mod imap;
pub mod smtp;

pub use imap::{Inbox, InboxVerdict};

use crate::email::Composed;
use async_trait::async_trait;

/// Why a send did not go through. The outbox retries a temporary failure with backoff and
/// gives a permanent one up at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The relay could not be reached, timed out, or answered 4xx: try again later.
    #[error("temporary: {0}")]
    Temporary(String),
    /// The relay refused the message for good (5xx), or it could not be built.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Sends one email. Behind a trait so the outbox does not know the client library, and so
/// the one implementation ([`smtp::SmtpTransport`]) is tested against a real SMTP server.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Sends `email`; `Ok` carries the relay's answer for the delivery log.
    async fn send(&self, email: &Composed) -> Result<String, SendError>;
}
