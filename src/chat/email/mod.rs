//! Email, the conversation's second channel: when an email is owed (an agent's answer the
//! shopper has not read, a transcript, a notice to the team, a code), the outbox that sends
//! it durably, and what a shopper's reply becomes when it comes back.

mod codes;
mod common;
mod compose;
mod envelope;
mod inbound;
mod outbox;
mod owed;
mod reply;
mod settings;
mod team;
mod transcript;

pub use codes::{CODE_MINUTES, CodeRefusal};
pub use common::EmailRefused;
pub use inbound::{InboundOutcome, InboundRefusal};
pub use settings::{EmailServer, EmailSettingsView};
pub(crate) use transcript::parse_email;

/// Emails (transcripts, codes) one client address may ask for per minute: enough for a
/// shopper who mistyped an address, too few to use the shop's relay against strangers (the
/// per-recipient and per-site hourly limits bound the rest).
pub const EMAIL_REQUESTS_PER_ADDR_PER_MIN: u32 = 5;
