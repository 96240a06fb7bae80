//! Who a subject is on a site: every visitor (browser) the store finds for it, and the
//! addresses and customer ids those visitors lead to. A visitor leads to an address it
//! proved (a verified `identify`) or left itself (the contact email of a conversation), and
//! to the customer id it proved: only what the shopper or the shop vouched for widens the
//! request, never an unverified claim, so one shopper's export cannot pull in another's
//! orders.

use crate::commerce::ExternalId;
use crate::conversation::{Conversation, ConversationFilter};
use crate::domain::{Email, SiteId, VerifiedId, VisitorId};
use crate::privacy::{LinkedCustomer, Subject};
use crate::store::StoreError;
use crate::store::prelude::*;
use std::collections::BTreeSet;

/// Most conversations read per visitor: far beyond any shopper's history, and a bound.
pub(super) const MAX_CONVERSATIONS: u32 = 10_000;
/// Most devices read per linked customer: far beyond anyone's browsers, and a bound.
const MAX_DEVICES: usize = 1_000;

/// A subject resolved to everything that identifies them on the site.
#[derive(Debug, Default)]
pub(super) struct Person {
    /// Their browsers.
    pub(super) visitors: Vec<VisitorId>,
    /// Addresses the request or their visitors name.
    pub(super) addresses: BTreeSet<String>,
    /// The shop's customer ids the request or their visitors name.
    pub(super) customers: BTreeSet<String>,
    /// Their links across devices (one customer's browsers speaking as one visitor): the
    /// customer key, the canonical visitor and the devices.
    pub(super) links: Vec<LinkedCustomer>,
}

impl Person {
    /// The addresses, parsed.
    pub(super) fn emails(&self) -> Vec<Email> {
        self.addresses
            .iter()
            .filter_map(|a| Email::parse(a).ok())
            .collect()
    }

    /// The customer ids, parsed.
    pub(super) fn customer_ids(&self) -> Vec<ExternalId> {
        self.customers
            .iter()
            .filter_map(|c| ExternalId::parse(c).ok())
            .collect()
    }
}

/// Every conversation of a visitor, open and closed, most recently active first.
pub(super) async fn conversations_of(
    store: &dyn Store,
    site: &SiteId,
    visitor: &VisitorId,
) -> Result<Vec<Conversation>, StoreError> {
    store
        .find_conversations(&ConversationFilter {
            site: Some(site.clone()),
            visitor: Some(visitor.clone()),
            limit: MAX_CONVERSATIONS,
            ..ConversationFilter::default()
        })
        .await
}

/// Rounds of "this id leads to that browser, which leads to that id": a person's ids all
/// meet within two (email → customer → other browser); the bound stops a chain of shared
/// addresses from sweeping in a whole site.
const ROUNDS: usize = 3;

/// Resolves a subject on a site to every visitor, address and customer id of the person:
/// each address and customer id finds the visitors whose identity carries it, each visitor
/// adds what it proved, each address the shop's customer record under it and each customer
/// record its address.
pub(super) async fn resolve(
    store: &dyn Store,
    site: &SiteId,
    subject: &Subject,
) -> Result<Person, StoreError> {
    let mut person = Person::default();
    let mut new_visitors = store.subject_visitors(site, subject).await?;
    match subject {
        Subject::VisitorId(v) if !new_visitors.contains(v) => new_visitors.push(v.clone()),
        Subject::Email(e) => {
            person.addresses.insert(e.as_str().to_owned());
        }
        Subject::CustomerId(c) => {
            person.customers.insert(c.as_str().to_owned());
        }
        Subject::VisitorId(_) => {}
    }
    let (mut searched_addresses, mut searched_customers) = (BTreeSet::new(), BTreeSet::new());
    for _ in 0..ROUNDS {
        for visitor in std::mem::take(&mut new_visitors) {
            if person.visitors.contains(&visitor) {
                continue;
            }
            learn_from_visitor(store, site, &visitor, &mut person).await?;
            person.visitors.push(visitor);
        }
        for email in person.emails() {
            if let Some(customer) = store.customer_by_email(site, &email).await? {
                person.customers.insert(customer.id.as_str().to_owned());
            }
        }
        for id in person.customer_ids() {
            if let Some(email) = store.customer(site, &id).await?.and_then(|c| c.email) {
                person.addresses.insert(email.as_str().to_owned());
            }
        }
        let mut subjects = Vec::new();
        for email in person.emails() {
            if searched_addresses.insert(email.as_str().to_owned()) {
                new_visitors.extend(
                    linked(
                        store,
                        site,
                        format!("email:{}", email.as_str()),
                        &mut person,
                    )
                    .await?,
                );
                subjects.push(Subject::Email(email));
            }
        }
        for id in person.customer_ids() {
            if searched_customers.insert(id.as_str().to_owned()) {
                new_visitors.extend(
                    linked(store, site, format!("user:{}", id.as_str()), &mut person).await?,
                );
                subjects.push(Subject::CustomerId(id));
            }
        }
        for s in subjects {
            let found = store.subject_visitors(site, &s).await?;
            new_visitors.extend(found.into_iter().filter(|v| !person.visitors.contains(v)));
        }
        if new_visitors.is_empty() {
            break;
        }
    }
    Ok(person)
}

/// The visitors of the customer linked under `key` (`user:ID` or `email:ADDRESS`, see
/// `chat::customer_key`): its canonical visitor and its devices, the link kept on `person`.
async fn linked(
    store: &dyn Store,
    site: &SiteId,
    key: String,
    person: &mut Person,
) -> Result<Vec<VisitorId>, StoreError> {
    if person.links.iter().any(|l| l.customer == key) {
        return Ok(Vec::new());
    }
    let Some(canonical) = store.customer_canonical(site, &key).await? else {
        return Ok(Vec::new());
    };
    let devices = store.customer_visitors(site, &key, MAX_DEVICES).await?;
    let mut visitors = devices.clone();
    visitors.push(canonical.clone());
    person.links.push(LinkedCustomer {
        customer: key,
        canonical,
        devices,
    });
    Ok(visitors)
}

/// The customer id or address a link's key names, as the person's.
fn learn_from_link(key: &str, person: &mut Person) {
    if let Some(user) = key.strip_prefix("user:") {
        person.customers.insert(user.to_owned());
    } else if let Some(address) = key.strip_prefix("email:") {
        person.addresses.insert(address.to_lowercase());
    }
}

/// Adds the address or customer id a visitor proved, its customer link's, and the contact
/// addresses it left.
async fn learn_from_visitor(
    store: &dyn Store,
    site: &SiteId,
    visitor: &VisitorId,
    person: &mut Person,
) -> Result<(), StoreError> {
    if let Some(link) = store.visitor_customer(site, visitor).await? {
        learn_from_link(&link.customer, person);
    }
    if let Some(record) = store.load_visitor(site, visitor).await? {
        match &record.verified {
            Some(VerifiedId::Email(e)) => person.addresses.insert(e.to_lowercase()),
            Some(VerifiedId::UserId(id)) => person.customers.insert(id.clone()),
            None => false,
        };
    }
    for conv in conversations_of(store, site, visitor).await? {
        if let Some(Ok(contact)) = conv.contact_email.as_deref().map(Email::parse) {
            person.addresses.insert(contact.as_str().to_owned());
        }
    }
    Ok(())
}
