//! Linking a visitor to the shop's customer record and orders. A shopper sees orders only
//! through the id a verified `identify` proved; an agent additionally sees orders matching the
//! email a shopper typed into the contact form, marked as unverified, because an agent can
//! judge that and a shopper typing someone else's address must learn nothing.

use super::super::{ChatError, ChatService};
use crate::commerce::{Customer, CustomerKey, ExternalId, Order};
use crate::domain::{Email, SiteId, VerifiedId, VisitorId};
use serde::Serialize;

/// Orders shown per customer: the recent ones are what a chat is about.
pub(crate) const RECENT_ORDERS: u32 = 10;

/// How a visitor was linked to the shop's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// The shop vouched for the id (a verified `identify`).
    Verified,
    /// Only the email the shopper typed matches: for agents' eyes, to be confirmed.
    ContactEmail,
}

/// Who the shopper is to the shop, with their recent orders, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerContext {
    /// How the link was made.
    pub link: Link,
    /// The shop's customer record, if it has one (guest orders have none).
    pub customer: Option<Customer>,
    /// Their recent orders, newest placed first.
    pub orders: Vec<Order>,
}

impl ChatService {
    /// The customer and orders the shop vouched belong to this visitor — the only ones a
    /// shopper may be shown. `None` when the visitor is not verified or the shop has nothing.
    pub(crate) async fn verified_customer(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<CustomerContext>, ChatError> {
        // The live state first: a shopper who just identified may not be saved yet.
        let verified = match self.hub.visitor_verified(site, visitor) {
            Some(live) => live,
            None => self
                .store
                .load_visitor(site, visitor)
                .await?
                .and_then(|record| record.browsing.verified),
        };
        let Some(verified) = verified else {
            return Ok(None);
        };
        self.context_for(site, &verified).await
    }

    /// What an agent sees beside a chat: the verified customer, else the orders matching the
    /// conversation's contact email (marked [`Link::ContactEmail`]).
    pub async fn agent_customer_context(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        contact_email: Option<&str>,
    ) -> Result<Option<CustomerContext>, ChatError> {
        if let Some(context) = self.verified_customer(site, visitor).await? {
            return Ok(Some(context));
        }
        let Some(email) = contact_email.and_then(|e| Email::parse(e).ok()) else {
            return Ok(None);
        };
        let customer = self.store.customer_by_email(site, &email).await?;
        let key = CustomerKey {
            customer_id: customer.as_ref().map(|c| c.id.clone()),
            email: Some(email),
        };
        let orders = self.store.orders_for(site, &key, RECENT_ORDERS).await?;
        if customer.is_none() && orders.is_empty() {
            return Ok(None);
        }
        Ok(Some(CustomerContext {
            link: Link::ContactEmail,
            customer,
            orders,
        }))
    }

    /// The customer and orders behind a verified id. A live shopper session passes the id
    /// from its in-memory state (which may be newer than the stored one).
    pub(crate) async fn context_for(
        &self,
        site: &SiteId,
        verified: &VerifiedId,
    ) -> Result<Option<CustomerContext>, ChatError> {
        let (customer, key) = match verified {
            VerifiedId::UserId(id) => {
                let Ok(id) = ExternalId::parse(id) else {
                    return Ok(None);
                };
                let customer = self.store.customer(site, &id).await?;
                let email = customer.as_ref().and_then(|c| c.email.clone());
                let key = CustomerKey {
                    customer_id: Some(id),
                    email,
                };
                (customer, key)
            }
            VerifiedId::Email(email) => {
                let Ok(email) = Email::parse(email) else {
                    return Ok(None);
                };
                let customer = self.store.customer_by_email(site, &email).await?;
                let key = CustomerKey {
                    customer_id: customer.as_ref().map(|c| c.id.clone()),
                    email: Some(email),
                };
                (customer, key)
            }
        };
        let orders = self.store.orders_for(site, &key, RECENT_ORDERS).await?;
        if customer.is_none() && orders.is_empty() {
            return Ok(None);
        }
        Ok(Some(CustomerContext {
            link: Link::Verified,
            customer,
            orders,
        }))
    }
}
