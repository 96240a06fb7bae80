//! What an email says, decided before it is handed to the mail client: the addresses, the
//! subject, a plain-text body and an HTML one in which every piece of shopper or agent text
//! is escaped, and the headers that thread it. `mailer` turns a [`Composed`] into an RFC 5322
//! message with lettre's typed builder (which encodes every header, so no value here can add
//! a header of its own).

/// A name and an address (`"Shop" <help@shop.example>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// Display name; may be empty.
    pub name: String,
    /// The address.
    pub address: String,
}

/// An email ready for the mail client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// From.
    pub from: Mailbox,
    /// To.
    pub to: String,
    /// Reply-To (the thread's reply address for shopper mail), if any.
    pub reply_to: Option<String>,
    /// Subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (escaped), if any.
    pub html: Option<String>,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// In-Reply-To (the thread's first Message-ID), without angle brackets.
    pub in_reply_to: Option<String>,
    /// References, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// `List-Unsubscribe` URL (shopper mail), sent with `List-Unsubscribe-Post: One-Click`.
    pub list_unsubscribe: Option<String>,
    /// `Auto-Submitted: auto-generated` (codes and team notices), so auto-responders keep
    /// quiet.
    pub auto_generated: bool,
}
