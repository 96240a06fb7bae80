//! Data in: the shop's records from its own back end (the push API) and from Shopify's and
//! WooCommerce's webhooks, checked and handed to the store, whose write applies the merge
//! rules (an older update never overwrites a newer one; a replay changes nothing). The
//! platforms' webhooks are in `hooks.rs`.

use super::super::{ChatError, ChatService};
use crate::commerce::{
    Customer, ExternalId, ImportReport, Invalid, Order, OrderChange, Shipment, Upsert,
};
use crate::domain::SiteId;
use crate::store::StoreError;
use crate::triggers::FieldError;

/// Records (customers plus orders) one import call may carry: a back-fill sends batches.
pub const MAX_IMPORT: usize = 1_000;

/// Where a record came from, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The push API.
    Push,
    /// A Shopify webhook.
    Shopify,
    /// A WooCommerce webhook.
    WooCommerce,
}

impl Source {
    /// The metric label, and the source name the store's delivery memory is keyed by.
    pub fn label(self) -> &'static str {
        match self {
            Source::Push => "push",
            Source::Shopify => "shopify",
            Source::WooCommerce => "woocommerce",
        }
    }
}

pub(super) fn rejected(what: &'static str, prefix: &str, e: &Invalid) -> ChatError {
    ChatError::Rejected {
        what,
        errors: vec![FieldError::new(
            &format!("{prefix}{}", e.field),
            e.reason.clone(),
        )],
    }
}

/// Counts `n` records of `kind` from `source` by what the store did with them.
pub(super) fn count_n(source: Source, kind: &'static str, outcome: Upsert, n: u32) {
    let outcome = match outcome {
        Upsert::Created => "created",
        Upsert::Updated => "updated",
        Upsert::Unchanged => "unchanged",
    };
    if n > 0 {
        metrics::counter!("shopchat_commerce_ingested_total", "source" => source.label(), "kind" => kind, "outcome" => outcome)
            .increment(u64::from(n));
    }
}

fn count(source: Source, kind: &'static str, outcome: Upsert) {
    count_n(source, kind, outcome, 1);
}

impl ChatService {
    /// Upserts a customer the shop pushed; `Rejected` naming the field if it does not fit.
    pub async fn push_customer(&self, site: &SiteId, c: Customer) -> Result<Upsert, ChatError> {
        c.validate().map_err(|e| rejected("the customer", "", &e))?;
        let outcome = self.store.upsert_customer(site, c).await?;
        count(Source::Push, "customer", outcome);
        Ok(outcome)
    }

    /// Upserts an order the shop pushed; `Rejected` naming the field if it does not fit.
    pub async fn push_order(&self, site: &SiteId, order: Order) -> Result<Upsert, ChatError> {
        order
            .validate()
            .map_err(|e| rejected("the order", "", &e))?;
        let outcome = self.store.upsert_order(site, order).await?;
        count(Source::Push, "order", outcome);
        Ok(outcome)
    }

    /// Puts one parcel on a stored order; `NotFound("order")` if the order is unknown.
    pub async fn push_shipment(
        &self,
        site: &SiteId,
        order: &ExternalId,
        shipment: Shipment,
    ) -> Result<Upsert, ChatError> {
        shipment
            .validate("")
            .map_err(|e| rejected("the shipment", "", &e))?;
        let outcome = self
            .store
            .change_order(site, order, OrderChange::Shipment(shipment))
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => ChatError::NotFound("order"),
                other => other.into(),
            })?;
        count(Source::Push, "shipment", outcome);
        Ok(outcome)
    }

    /// A back-fill batch: every record checked first (one bad record refuses the batch,
    /// naming it as `orders[12].items[0].price`), then stored in one store call.
    pub async fn push_import(
        &self,
        site: &SiteId,
        customers: Vec<Customer>,
        orders: Vec<Order>,
    ) -> Result<ImportReport, ChatError> {
        if customers.len() + orders.len() > MAX_IMPORT {
            return Err(ChatError::Rejected {
                what: "the import",
                errors: vec![FieldError::new(
                    "orders",
                    format!("at most {MAX_IMPORT} customers and orders per call; send batches"),
                )],
            });
        }
        for (i, c) in customers.iter().enumerate() {
            c.validate()
                .map_err(|e| rejected("the import", &format!("customers[{i}]."), &e))?;
        }
        for (i, o) in orders.iter().enumerate() {
            o.validate()
                .map_err(|e| rejected("the import", &format!("orders[{i}]."), &e))?;
        }
        let report = self.store.import(site, customers, orders).await?;
        for (kind, counts) in [("customer", report.customers), ("order", report.orders)] {
            count_n(Source::Push, kind, Upsert::Created, counts.created);
            count_n(Source::Push, kind, Upsert::Updated, counts.updated);
            count_n(Source::Push, kind, Upsert::Unchanged, counts.unchanged);
        }
        Ok(report)
    }

    /// An order of the site as stored (for owners' support look-ups and integrators' checks).
    pub async fn shop_order(&self, site: &SiteId, id: &ExternalId) -> Result<Order, ChatError> {
        self.store
            .order(site, id)
            .await?
            .ok_or(ChatError::NotFound("order"))
    }

    /// A customer of the site as stored.
    pub async fn shop_customer(
        &self,
        site: &SiteId,
        id: &ExternalId,
    ) -> Result<Customer, ChatError> {
        self.store
            .customer(site, id)
            .await?
            .ok_or(ChatError::NotFound("customer"))
    }
}
