//! The [`Commerce`] area in Redis.
//!
//! # Keys
//! Under the site's hash tag (`{prefix}{site}:`, see `keys.rs`), so every script touches one
//! slot:
//! - `customers` — hash: shop id → Customer JSON;
//!   `cust-email:{email}` — sorted set of customer ids scored by `updated_at` (the most
//!   recently updated customer with an email is the top entry).
//! - `orders` — hash: shop id → Order JSON; `order-num` — hash: `OrderNumber::key()` → id;
//!   `orders-cust:{customer id}` and `orders-email:{email}` — sorted sets of order ids
//!   scored by `created_at` (newest placed first with `ZREVRANGE`).
//! - `requests` — hash: request id → OrderRequest JSON; `order-reqs:{order}` — sorted set of
//!   request ids scored by `created_at`; `open-reqs` — hash: `conversation\norder\nkind` →
//!   the open request's id (one open request per conversation, order and kind).
//! - `commerce-settings` — string: CommerceSettings JSON.
//! - `webhook:{source}:{delivery id}` — string `1` that expires [`crate::store::WEBHOOK_MEMORY_MS`]
//!   after the delivery was handled: Redis forgets it by itself.
//!
//! Under the directory's tag (`{prefix}{dir}:`), because a push request is looked up by its
//! key before its site is known: `apikeys` — hash: secret hash → ApiKey JSON (without the
//! hash, which the type never serialises); `apikeys-site:{site}` — hash: key id → secret hash.
//!
//! # Atomicity
//! A customer or order write reads the stored JSON, merges in Rust with the rules of
//! [`crate::commerce`] and writes with a script that checks the stored JSON is unchanged and
//! moves the indexes in the same step; a lost race reads again (up to `CAS_ATTEMPTS`).
//! `import` does the same per record, batched: one `HMGET` and one pipeline of scripts per
//! chunk of 500 records, so a back-fill of thousands costs a few round trips rather than
//! thousands, while each record still gets its own compare-and-set (a `MULTI` over the
//! whole batch would not re-check what it read, and one script for the batch would block
//! Redis for its whole length). Records whose script lost a race are redone one by one.

use super::RedisStore;
use crate::commerce::{
    ApiKey, CommerceSettings, Customer, CustomerKey, ExternalId, ImportReport, Order, OrderChange,
    OrderRequest, RequestStatus, Upsert,
};
use crate::domain::{ApiKeyId, Email, RequestId, SiteId, Timestamp};
use crate::store::{Commerce, StoreError};
use async_trait::async_trait;

#[async_trait]
impl Commerce for RedisStore {
    async fn upsert_customer(
        &self,
        site: &SiteId,
        customer: Customer,
    ) -> Result<Upsert, StoreError> {
        self.upsert_record(site, customer).await
    }

    async fn upsert_order(&self, site: &SiteId, order: Order) -> Result<Upsert, StoreError> {
        self.upsert_record(site, order).await
    }

    async fn change_order(
        &self,
        site: &SiteId,
        order: &ExternalId,
        change: OrderChange,
    ) -> Result<Upsert, StoreError> {
        self.change_stored_order(site, order, change).await
    }

    async fn import(
        &self,
        site: &SiteId,
        customers: Vec<Customer>,
        orders: Vec<Order>,
    ) -> Result<ImportReport, StoreError> {
        Ok(ImportReport {
            customers: self.import_records(site, customers).await?,
            orders: self.import_records(site, orders).await?,
        })
    }

    async fn customer(
        &self,
        site: &SiteId,
        id: &ExternalId,
    ) -> Result<Option<Customer>, StoreError> {
        self.record(site, id.as_str()).await
    }

    async fn customer_by_email(
        &self,
        site: &SiteId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError> {
        self.first_in(site, &format!("cust-email:{}", email.as_str()))
            .await
    }

    async fn order(&self, site: &SiteId, id: &ExternalId) -> Result<Option<Order>, StoreError> {
        self.record(site, id.as_str()).await
    }

    async fn order_by_number(
        &self,
        site: &SiteId,
        number_key: &str,
    ) -> Result<Option<Order>, StoreError> {
        self.order_by_number_key(site, number_key).await
    }

    async fn orders_for(
        &self,
        site: &SiteId,
        key: &CustomerKey,
        limit: u32,
    ) -> Result<Vec<Order>, StoreError> {
        self.orders_by_key(site, key, limit).await
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.insert_api_key(key).await
    }

    async fn api_keys(&self, site: &SiteId) -> Result<Vec<ApiKey>, StoreError> {
        self.site_api_keys(site).await
    }

    async fn revoke_api_key(&self, site: &SiteId, id: &ApiKeyId) -> Result<bool, StoreError> {
        self.delete_api_key(site, id).await
    }

    async fn api_key_by_hash(&self, secret_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        self.key_by_hash(secret_hash).await
    }

    async fn webhook_seen(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        self.delivery_seen(site, source, id).await
    }

    async fn remember_webhook(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.remember_delivery(site, source, id, now).await
    }

    async fn commerce_settings(&self, site: &SiteId) -> Result<CommerceSettings, StoreError> {
        self.settings(site).await
    }

    async fn set_commerce_settings(
        &self,
        site: &SiteId,
        settings: &CommerceSettings,
    ) -> Result<(), StoreError> {
        self.put_settings(site, settings).await
    }

    async fn create_request(&self, request: &OrderRequest) -> Result<OrderRequest, StoreError> {
        self.insert_request(request).await
    }

    async fn order_requests(
        &self,
        site: &SiteId,
        order: &ExternalId,
    ) -> Result<Vec<OrderRequest>, StoreError> {
        self.requests_of(site, order).await
    }

    async fn set_request_status(
        &self,
        site: &SiteId,
        id: &RequestId,
        status: RequestStatus,
    ) -> Result<bool, StoreError> {
        self.update_request_status(site, id, status).await
    }
}
