//! How an update meets what is stored. Shops and platforms deliver updates late, twice and out
//! of order (Shopify retries for 48 hours; a back-fill can run while live webhooks arrive), so
//! every record carries the shop's `updated_at` and the rule is the same everywhere: **an
//! older update never overwrites a newer one**, and the same update twice changes nothing.
//! Both store backends run these functions inside their write (a transaction in SQLite, a
//! compare-and-set in Redis), so the rule holds across nodes.

use super::{Customer, MAX_REFUNDS, MAX_RETURNS, MAX_SHIPMENTS, Order, Refund, Return, Shipment};
use serde::Serialize;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Upsert {
    /// There was no such record; it is stored now.
    Created,
    /// The stored record was older (or a part of it was); it is replaced.
    Updated,
    /// The stored record is as new or newer: nothing changed (a replay or a late update).
    Unchanged,
}

/// A change to one part of a stored order, for the platform events that carry only that part
/// (Shopify's `fulfillments/update`, `refunds/create`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderChange {
    /// A parcel, new or updated.
    Shipment(Shipment),
    /// A refund (stored once per id).
    Refund(Refund),
    /// A return, new or updated.
    Return(Return),
}

/// A customer update against the stored record: `Some(record to store)` or `None` when the
/// stored one is as new or newer.
pub fn merge_customer(stored: Option<&Customer>, incoming: Customer) -> (Upsert, Option<Customer>) {
    match stored {
        None => (Upsert::Created, Some(incoming)),
        Some(old) if incoming.updated_at > old.updated_at => (Upsert::Updated, Some(incoming)),
        Some(_) => (Upsert::Unchanged, None),
    }
}

/// An order update against the stored order. The header (status, items, totals) is taken
/// from whichever is newer by `updated_at`; parcels, refunds and returns are merged by id,
/// each by its own `updated_at`, so a parcel that arrived through its own event is not lost
/// when a slightly older copy of the whole order comes in after it.
pub fn merge_order(stored: Option<&Order>, incoming: Order) -> (Upsert, Option<Order>) {
    let Some(old) = stored else {
        return (Upsert::Created, Some(incoming));
    };
    let header_newer = incoming.updated_at > old.updated_at;
    let mut merged = if header_newer {
        incoming.clone()
    } else {
        old.clone()
    };
    let other = if header_newer { old } else { &incoming };
    for shipment in &other.shipments {
        merge_shipment(&mut merged.shipments, shipment.clone());
    }
    for refund in &other.refunds {
        merge_refund(&mut merged.refunds, refund.clone());
    }
    for ret in &other.returns {
        merge_return(&mut merged.returns, ret.clone());
    }
    if merged == *old {
        (Upsert::Unchanged, None)
    } else {
        (Upsert::Updated, Some(merged))
    }
}

/// Applies a part-change to a stored order: `None` when it changes nothing.
pub fn apply_change(stored: &Order, change: OrderChange) -> Option<Order> {
    let mut order = stored.clone();
    let changed = match change {
        OrderChange::Shipment(s) => merge_shipment(&mut order.shipments, s),
        OrderChange::Refund(r) => merge_refund(&mut order.refunds, r),
        OrderChange::Return(r) => merge_return(&mut order.returns, r),
    };
    changed.then_some(order)
}

/// Puts a parcel in the list (replacing an older copy of it); `true` if the list changed.
fn merge_shipment(list: &mut Vec<Shipment>, incoming: Shipment) -> bool {
    match list.iter().position(|s| s.id == incoming.id) {
        Some(i) if incoming.updated_at > list[i].updated_at => {
            list[i] = incoming;
            true
        }
        Some(_) => false,
        None if list.len() < MAX_SHIPMENTS => {
            list.push(incoming);
            true
        }
        None => false,
    }
}

fn merge_refund(list: &mut Vec<Refund>, incoming: Refund) -> bool {
    if list.iter().any(|r| r.id == incoming.id) || list.len() >= MAX_REFUNDS {
        return false;
    }
    list.push(incoming);
    true
}

fn merge_return(list: &mut Vec<Return>, incoming: Return) -> bool {
    match list.iter().position(|s| s.id == incoming.id) {
        Some(i) if incoming.updated_at > list[i].updated_at => {
            list[i] = incoming;
            true
        }
        Some(_) => false,
        None if list.len() < MAX_RETURNS => {
            list.push(incoming);
            true
        }
        None => false,
    }
}

/// What a batch of upserts did, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    /// Records that were new.
    pub created: u32,
    /// Records that replaced older ones.
    pub updated: u32,
    /// Records that were as old as (or older than) what is stored.
    pub unchanged: u32,
}

impl ImportCounts {
    /// Counts one upsert.
    pub fn add(&mut self, outcome: Upsert) {
        match outcome {
            Upsert::Created => self.created += 1,
            Upsert::Updated => self.updated += 1,
            Upsert::Unchanged => self.unchanged += 1,
        }
    }
}

/// What a back-fill did to customers and to orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The customers' outcomes.
    pub customers: ImportCounts,
    /// The orders' outcomes.
    pub orders: ImportCounts,
}
