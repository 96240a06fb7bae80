//! Email as the conversation's second channel — the pure part: the per-site settings, the
//! outbox's records, the thread tokens that tie a reply to its conversation, what each email
//! says, and (in `inbound`) what an arriving mail is. No I/O here: the SMTP and IMAP clients
//! are in `mailer`, the use cases (when an email is owed, what a reply becomes) in
//! `chat::email`.

pub mod compose;
pub mod inbound;
pub mod records;
pub mod render;
pub mod settings;
pub mod thread;

pub use compose::Composed;
pub use records::{
    EmailKind, EmailLogEntry, EmailOutcome, EmailStatus, InboundRecord, MailThread, OutboxEmail,
    Suppression, SuppressionReason,
};
pub use settings::{EmailSettings, EmailSettingsError};
