//! What an export hands out, and the counts an erasure (or an export) reports: one JSON
//! document per request, grouped by browser, then the records the shop's data and the email
//! channel hold under the person's addresses and customer ids.

use super::Subject;
use crate::commerce::{Customer, Order, OrderRequest};
use crate::conversation::{Conversation, Note};
use crate::domain::{Message, SiteId, Timestamp, VisitorId};
use crate::email::{InboundRecord, OutboxEmail, Suppression};
use crate::triggers::VisitorRecord;
use serde::{Deserialize, Serialize};

/// Everything a site holds about one person.
#[derive(Debug, Clone, Serialize)]
pub struct ExportDocument {
    /// The site.
    pub site_id: SiteId,
    /// Whom the owner asked about, as asked.
    pub subject: Subject,
    /// When the document was made.
    pub generated_at: Timestamp,
    /// Each browser of the person, with its browsing state and conversations.
    pub visitors: Vec<VisitorExport>,
    /// The shop's customer records held for the person (cached from the shop).
    pub customers: Vec<Customer>,
    /// The shop's orders held for the person.
    pub orders: Vec<Order>,
    /// Return and cancel requests on those orders or made in those conversations.
    pub order_requests: Vec<OrderRequest>,
    /// Emails queued or sent to the person's addresses (the outbox rows).
    pub emails: Vec<OutboxEmail>,
    /// The person's addresses on the site's do-not-email list.
    pub suppressions: Vec<Suppression>,
    /// Their browsers linked as one customer (the shop verified the same customer on each).
    pub linked_customers: Vec<LinkedCustomer>,
}

/// One customer's browsers linked across devices: the visitor they all speak as and the
/// devices (each also among the export's visitors).
#[derive(Debug, Clone, Serialize)]
pub struct LinkedCustomer {
    /// The customer's key on the site: `user:ID` or `email:ADDRESS`.
    pub customer: String,
    /// The visitor the customer's devices speak as.
    pub canonical: VisitorId,
    /// The linked browsers.
    pub devices: Vec<VisitorId>,
}

/// One browser: its browsing state and its conversations.
#[derive(Debug, Clone, Serialize)]
pub struct VisitorExport {
    /// The visitor id the widget keeps.
    pub visitor_id: VisitorId,
    /// Pages, cart, identity and rule history, if still held.
    pub browsing: Option<VisitorRecord>,
    /// Every conversation, open and closed.
    pub conversations: Vec<ConversationExport>,
}

/// One conversation with what belongs to it.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationExport {
    /// The header (stage, tags, the contact email left).
    pub conversation: Conversation,
    /// Every message, in order.
    pub messages: Vec<Message>,
    /// Agents' internal notes.
    pub notes: Vec<Note>,
    /// The shopper's emails as they arrived.
    pub inbound_emails: Vec<InboundRecord>,
}

/// How many records of each kind an export found or an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counts {
    /// Browsing states.
    pub visitors: u64,
    /// Conversations.
    pub conversations: u64,
    /// Messages in them.
    pub messages: u64,
    /// Notes on them.
    pub notes: u64,
    /// Emails (outbox rows, delivery-log entries, inbound records).
    pub emails: u64,
    /// Suppression-list entries.
    pub suppressions: u64,
    /// Cached customer records.
    pub customers: u64,
    /// Cached orders.
    pub orders: u64,
    /// Return and cancel requests.
    pub requests: u64,
}

/// The sum of two counts, field by field (an erasure adds up its steps).
impl std::ops::Add for Counts {
    type Output = Counts;

    fn add(self, other: Counts) -> Counts {
        Counts {
            visitors: self.visitors + other.visitors,
            conversations: self.conversations + other.conversations,
            messages: self.messages + other.messages,
            notes: self.notes + other.notes,
            emails: self.emails + other.emails,
            suppressions: self.suppressions + other.suppressions,
            customers: self.customers + other.customers,
            orders: self.orders + other.orders,
            requests: self.requests + other.requests,
        }
    }
}

impl Counts {
    /// Whether nothing was found or removed.
    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

impl ExportDocument {
    /// What the document holds, for the audit record.
    pub fn counts(&self) -> Counts {
        let convs = self.visitors.iter().flat_map(|v| &v.conversations);
        let mut counts = Counts {
            visitors: self
                .visitors
                .iter()
                .filter(|v| v.browsing.is_some())
                .count() as u64,
            customers: self.customers.len() as u64,
            orders: self.orders.len() as u64,
            requests: self.order_requests.len() as u64,
            emails: self.emails.len() as u64,
            suppressions: self.suppressions.len() as u64,
            ..Counts::default()
        };
        for c in convs {
            counts.conversations += 1;
            counts.messages += c.messages.len() as u64;
            counts.notes += c.notes.len() as u64;
            counts.emails += c.inbound_emails.len() as u64;
        }
        counts
    }
}
