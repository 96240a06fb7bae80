//! The [`Commerce`] area in SQLite: the trait's calls handed to the writer thread (every
//! read-merge-write is one job, so it cannot interleave with another write) or to the read
//! pool. The SQL lives in `commerce_sql.rs` (customers, orders) and `commerce_records.rs`
//! (keys, deliveries, settings, requests).

use super::SqliteStore;
use super::commerce_records as records;
use super::commerce_sql as sql;
use crate::commerce::{
    ApiKey, CommerceSettings, Customer, CustomerKey, ExternalId, ImportReport, Order, OrderChange,
    OrderRequest, RequestStatus, Upsert,
};
use crate::domain::{ApiKeyId, Email, RequestId, SiteId, Timestamp};
use crate::store::{Commerce, StoreError};
use async_trait::async_trait;

#[async_trait]
impl Commerce for SqliteStore {
    async fn upsert_customer(
        &self,
        site: &SiteId,
        customer: Customer,
    ) -> Result<Upsert, StoreError> {
        let site = site.clone();
        self.writer
            .run(move |c| sql::upsert_customer(c, &site, customer))
            .await
    }

    async fn upsert_order(&self, site: &SiteId, order: Order) -> Result<Upsert, StoreError> {
        let site = site.clone();
        self.writer
            .run(move |c| sql::upsert_order(c, &site, order))
            .await
    }

    async fn change_order(
        &self,
        site: &SiteId,
        order: &ExternalId,
        change: OrderChange,
    ) -> Result<Upsert, StoreError> {
        let (site, order) = (site.clone(), order.clone());
        self.writer
            .run(move |c| sql::change_order(c, &site, &order, change))
            .await
    }

    async fn import(
        &self,
        site: &SiteId,
        customers: Vec<Customer>,
        orders: Vec<Order>,
    ) -> Result<ImportReport, StoreError> {
        // One job: one transaction for the whole batch (one fsync), all or nothing.
        let site = site.clone();
        self.writer
            .run(move |c| sql::import(c, &site, customers, orders))
            .await
    }

    async fn customer(
        &self,
        site: &SiteId,
        id: &ExternalId,
    ) -> Result<Option<Customer>, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.readers
            .run(move |c| sql::customer(c, &site, &id))
            .await
    }

    async fn customer_by_email(
        &self,
        site: &SiteId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError> {
        let (site, email) = (site.clone(), email.clone());
        self.readers
            .run(move |c| sql::customer_by_email(c, &site, &email))
            .await
    }

    async fn order(&self, site: &SiteId, id: &ExternalId) -> Result<Option<Order>, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.readers.run(move |c| sql::order(c, &site, &id)).await
    }

    async fn order_by_number(
        &self,
        site: &SiteId,
        number_key: &str,
    ) -> Result<Option<Order>, StoreError> {
        let (site, key) = (site.clone(), number_key.to_owned());
        self.readers
            .run(move |c| sql::order_by_number(c, &site, &key))
            .await
    }

    async fn orders_for(
        &self,
        site: &SiteId,
        key: &CustomerKey,
        limit: u32,
    ) -> Result<Vec<Order>, StoreError> {
        if key.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let (site, key) = (site.clone(), key.clone());
        self.readers
            .run(move |c| sql::orders_for(c, &site, &key, limit))
            .await
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.writer
            .run(move |c| records::insert_api_key(c, &key))
            .await
    }

    async fn api_keys(&self, site: &SiteId) -> Result<Vec<ApiKey>, StoreError> {
        let site = site.clone();
        self.readers.run(move |c| records::api_keys(c, &site)).await
    }

    async fn revoke_api_key(&self, site: &SiteId, id: &ApiKeyId) -> Result<bool, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.writer
            .run(move |c| records::revoke_api_key(c, &site, &id))
            .await
    }

    async fn api_key_by_hash(&self, secret_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let hash = secret_hash.to_owned();
        self.readers
            .run(move |c| records::api_key_by_hash(c, &hash))
            .await
    }

    async fn webhook_seen(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let (site, source, id) = (site.clone(), source.to_owned(), id.to_owned());
        let now = Timestamp::now();
        self.readers
            .run(move |c| records::webhook_seen(c, &site, &source, &id, now))
            .await
    }

    async fn remember_webhook(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (site, source, id) = (site.clone(), source.to_owned(), id.to_owned());
        self.writer
            .run(move |c| records::remember_webhook(c, &site, &source, &id, now))
            .await
    }

    async fn commerce_settings(&self, site: &SiteId) -> Result<CommerceSettings, StoreError> {
        let site = site.clone();
        self.readers.run(move |c| records::settings(c, &site)).await
    }

    async fn set_commerce_settings(
        &self,
        site: &SiteId,
        settings: &CommerceSettings,
    ) -> Result<(), StoreError> {
        let (site, settings) = (site.clone(), settings.clone());
        self.writer
            .run(move |c| records::set_settings(c, &site, &settings))
            .await
    }

    async fn create_request(&self, request: &OrderRequest) -> Result<OrderRequest, StoreError> {
        let request = request.clone();
        self.writer
            .run(move |c| records::create_request(c, &request))
            .await
    }

    async fn order_requests(
        &self,
        site: &SiteId,
        order: &ExternalId,
    ) -> Result<Vec<OrderRequest>, StoreError> {
        let (site, order) = (site.clone(), order.clone());
        self.readers
            .run(move |c| records::order_requests(c, &site, &order))
            .await
    }

    async fn set_request_status(
        &self,
        site: &SiteId,
        id: &RequestId,
        status: RequestStatus,
    ) -> Result<bool, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.writer
            .run(move |c| records::set_request_status(c, &site, &id, status))
            .await
    }
}
