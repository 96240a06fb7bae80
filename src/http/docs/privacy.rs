//! Documentation types of a privacy export: the one JSON document `privacy::ExportDocument`
//! serialises to, with the conversation and its messages in their API form. Never built;
//! `tests/api/openapi/` checks a real export against it.

use super::{ConversationView, MessageView};
use utoipa::ToSchema;

/// One conversation with what belongs to it (documentation type of `ConversationExport`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ConversationExportView {
    /// The header.
    conversation: ConversationView,
    /// Every message, in order.
    messages: Vec<MessageView>,
    /// Agents' internal notes.
    notes: Vec<crate::conversation::Note>,
    /// The shopper's emails as they arrived.
    inbound_emails: Vec<crate::email::InboundRecord>,
}

/// One browser with its browsing state and conversations (documentation type of
/// `VisitorExport`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct VisitorExportView {
    /// The visitor id the widget keeps.
    visitor_id: String,
    /// Pages, cart, identity and rule history, if still held.
    #[schema(required = true)]
    browsing: Option<crate::triggers::VisitorRecord>,
    /// Every conversation, open and closed.
    conversations: Vec<ConversationExportView>,
}

/// A customer's browsers linked across devices (documentation type of `LinkedCustomer`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct LinkedCustomerView {
    /// `user:ID` or `email:ADDRESS`.
    customer: String,
    /// The visitor the devices speak as.
    canonical: String,
    /// The linked browsers.
    devices: Vec<String>,
}

/// `POST …/privacy/export` (documentation type of `ExportDocument`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ExportView {
    /// The site.
    site_id: String,
    /// Whom the owner asked about, as asked (one of the three keys).
    subject: crate::privacy::SubjectRequest,
    /// When the document was made (ms since the epoch).
    generated_at: i64,
    /// Each browser of the person.
    visitors: Vec<VisitorExportView>,
    /// The shop's customer records held for the person.
    customers: Vec<crate::commerce::Customer>,
    /// The shop's orders held for the person.
    orders: Vec<crate::commerce::Order>,
    /// Return and cancel requests.
    order_requests: Vec<crate::commerce::OrderRequest>,
    /// Emails queued or sent to the person's addresses.
    emails: Vec<crate::email::OutboxEmail>,
    /// The person's addresses on the do-not-email list.
    suppressions: Vec<crate::email::Suppression>,
    /// Browsers linked as one customer.
    linked_customers: Vec<LinkedCustomerView>,
}
