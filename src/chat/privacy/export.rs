//! Export: everything a site holds about one person as one JSON document, composed from the
//! store areas' own reads (conversations, messages, notes, inbound emails, browsing state,
//! the shop's records, suppressions) plus the privacy area's two look-ups (a person's
//! visitors, the outbox rows to an address). Composing keeps one definition of each record:
//! an export shows exactly what the agent API and the email area show.

use super::person::{Person, conversations_of, resolve};
use crate::commerce::{CustomerKey, Order};
use crate::domain::SiteId;
use crate::privacy::{ConversationExport, ExportDocument, Subject, VisitorExport};
use crate::store::StoreError;
use crate::store::prelude::*;

/// Messages read per page.
const PAGE: u32 = 500;
/// Outbox rows read per address (a month of email: ended rows are pruned after 30 days).
const MAX_EMAILS: usize = 1000;
/// Orders read per customer id and per address (the store's own ceiling).
const MAX_ORDERS: u32 = 50;

/// The export document for a subject at `now`.
pub(crate) async fn export(
    store: &dyn Store,
    site: &SiteId,
    subject: &Subject,
    now: crate::domain::Timestamp,
) -> Result<ExportDocument, StoreError> {
    let person = resolve(store, site, subject).await?;
    let mut visitors = Vec::new();
    for visitor in &person.visitors {
        let mut conversations = Vec::new();
        for conversation in conversations_of(store, site, visitor).await? {
            let mut messages = Vec::new();
            loop {
                let after = messages
                    .last()
                    .map_or(0, |m: &crate::domain::Message| m.seq);
                let page = store.messages_after(&conversation.id, after, PAGE).await?;
                let done = page.len() < PAGE as usize;
                messages.extend(page);
                if done {
                    break;
                }
            }
            conversations.push(ConversationExport {
                notes: store.notes(&conversation.id).await?,
                inbound_emails: store.inbound_emails(&conversation.id).await?,
                messages,
                conversation,
            });
        }
        visitors.push(VisitorExport {
            visitor_id: visitor.clone(),
            browsing: store.load_visitor(site, visitor).await?,
            conversations,
        });
    }
    let mut doc = ExportDocument {
        site_id: site.clone(),
        subject: subject.clone(),
        generated_at: now,
        visitors,
        customers: Vec::new(),
        orders: Vec::new(),
        order_requests: Vec::new(),
        emails: Vec::new(),
        suppressions: Vec::new(),
        linked_customers: person.links.clone(),
    };
    commerce(store, site, &person, &mut doc).await?;
    for email in person.emails() {
        doc.emails
            .extend(store.emails_to(site, email.as_str(), MAX_EMAILS).await?);
        doc.suppressions
            .extend(store.suppression(site, email.as_str()).await?);
    }
    Ok(doc)
}

/// The shop's customers, orders and requests the person's ids and addresses name.
async fn commerce(
    store: &dyn Store,
    site: &SiteId,
    person: &Person,
    doc: &mut ExportDocument,
) -> Result<(), StoreError> {
    let mut orders: Vec<Order> = Vec::new();
    for id in person.customer_ids() {
        doc.customers.extend(store.customer(site, &id).await?);
        let key = CustomerKey {
            customer_id: Some(id),
            email: None,
        };
        orders.extend(store.orders_for(site, &key, MAX_ORDERS).await?);
    }
    for email in person.emails() {
        let key = CustomerKey {
            customer_id: None,
            email: Some(email),
        };
        orders.extend(store.orders_for(site, &key, MAX_ORDERS).await?);
    }
    doc.customers
        .sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    doc.customers.dedup_by(|a, b| a.id == b.id);
    orders.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    orders.dedup_by(|a, b| a.id == b.id);
    for order in &orders {
        doc.order_requests
            .extend(store.order_requests(site, &order.id).await?);
    }
    doc.orders = orders;
    Ok(())
}
