//! Documentation types of the answers that list or report stored records: the email log and
//! suppressions, inbound mail, the outbound webhooks and their deliveries, and the privacy
//! audit and erasure. Never built: each mirrors the `json!` wrapper its handler writes around
//! real record types; `tests/api/openapi/` checks real answers against them.

use utoipa::ToSchema;

/// `GET …/email/log` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct EmailLog {
    /// Newest first, the last 200 attempts.
    entries: Vec<crate::email::EmailLogEntry>,
}

/// `GET …/email/suppressions` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct SuppressionList {
    /// Addresses the site does not write to, newest first.
    suppressions: Vec<crate::email::Suppression>,
}

/// What an inbound mail became (documentation type of `InboundOutcome::as_str`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(in crate::http) enum InboundResult {
    /// A message of its conversation now.
    Appended,
    /// The same mail came before.
    Duplicate,
    /// A bounce: the address is suppressed.
    Bounce,
    /// An auto-reply or a quote-only reply: not a message.
    Ignored,
}

/// `POST /api/v1/mail/inbound` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct InboundAnswer {
    /// What the mail became.
    #[schema(inline)]
    result: InboundResult,
}

/// `GET …/conversations/{conversation_id}/emails` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ConversationEmails {
    /// The shopper's emails that became messages, oldest first.
    emails: Vec<crate::email::InboundRecord>,
    /// Why the contact address is not written to, if it is not.
    #[schema(required = true)]
    undeliverable: Option<crate::email::Suppression>,
}

/// `GET …/webhooks` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct EndpointList {
    /// Oldest first, secrets by their prefix only.
    endpoints: Vec<crate::chat::EndpointView>,
}

/// `POST …/webhooks/{endpoint_id}/test` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct TestQueued {
    /// The queued event's `webhook-id`.
    message_id: String,
}

/// `GET …/webhooks/deliveries` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct DeliveryList {
    /// Newest first, the last 200 attempts.
    deliveries: Vec<crate::store::DeliveryRecord>,
}

/// `GET …/privacy/audit` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct AuditList {
    /// Exports and erasures, newest first, at most 500.
    entries: Vec<crate::privacy::AuditEntry>,
}

/// `POST …/privacy/erase` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct Erased {
    /// What went.
    erased: crate::privacy::Counts,
}
