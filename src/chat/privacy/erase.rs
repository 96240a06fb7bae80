//! Erasure: the person's visitors (browsing state, identity, every conversation with its
//! messages, notes and email records), then what is held under their addresses and their
//! customer ids. Conversations are deleted whole, agents' lines included: a chat with an
//! erased shopper is about them throughout (their order, their problem, their name in a
//! greeting), so anonymising only their own lines would leave them recognisable. Each step
//! is idempotent, so an erasure that fails half-way is finished by running it again.
//!
//! New areas that hold a person's data add their step here (and to `person.rs` if they
//! link visitors, as the customer-across-devices links do: their canonical visitor and
//! devices are among the person's visitors, and the links themselves go last).

use super::person::resolve;
use crate::domain::SiteId;
use crate::privacy::{Counts, Subject};
use crate::store::StoreError;
use crate::store::prelude::*;

/// What was removed, and the visitors it was removed from (for the live effects).
pub(crate) struct Erased {
    /// Counts per kind of record.
    pub(crate) counts: Counts,
    /// The person's visitors.
    pub(crate) visitors: Vec<crate::domain::VisitorId>,
}

/// Erases everything the site holds about a subject.
pub(crate) async fn erase(
    store: &dyn Store,
    site: &SiteId,
    subject: &Subject,
) -> Result<Erased, StoreError> {
    let person = resolve(store, site, subject).await?;
    let mut counts = Counts::default();
    for visitor in &person.visitors {
        counts = counts + store.erase_visitor(site, visitor).await?;
    }
    for email in person.emails() {
        counts = counts + store.erase_address(site, &email).await?;
    }
    for id in person.customer_ids() {
        counts = counts + store.erase_customer(site, &id).await?;
    }
    // The links across devices: the customer keys (they hold the id or address) and any
    // device's own link, so a browser of theirs starts as a stranger.
    for link in &person.links {
        store.forget_customer(site, &link.customer).await?;
    }
    for visitor in &person.visitors {
        store.unlink_visitor(site, visitor).await?;
    }
    Ok(Erased {
        counts,
        visitors: person.visitors,
    })
}
