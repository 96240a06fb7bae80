//! Email, the conversation's second channel: when an email is owed (an agent's answer the
//! shopper has not read, a transcript, a notice to the team, a code), the outbox that sends
//! it durably, and what a shopper's reply becomes when it comes back.

mod codes;
mod common;
mod compose;
mod inbound;
mod outbox;
mod reply;
mod settings;
mod team;
mod transcript;

pub use inbound::{InboundOutcome, InboundRefusal};
pub use settings::{EmailServer, EmailSettingsView};
