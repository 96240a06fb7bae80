//! PLACEHOLDER, replaced by the commerce store work of issue 14: every call fails as
//! unavailable so nothing pretends to have stored anything.

use super::RedisStore;
use crate::commerce::{
    ApiKey, CommerceSettings, Customer, CustomerKey, ExternalId, ImportReport, Order, OrderChange,
    OrderRequest, RequestStatus, Upsert,
};
use crate::domain::{ApiKeyId, Email, RequestId, SiteId, Timestamp};
use crate::store::{Commerce, StoreError};
use async_trait::async_trait;

fn missing<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable {
        context: "commerce",
        source: "the commerce store is not written yet".into(),
    })
}

#[async_trait]
impl Commerce for RedisStore {
    async fn upsert_customer(&self, _: &SiteId, _: Customer) -> Result<Upsert, StoreError> {
        missing()
    }
    async fn upsert_order(&self, _: &SiteId, _: Order) -> Result<Upsert, StoreError> {
        missing()
    }
    async fn change_order(
        &self,
        _: &SiteId,
        _: &ExternalId,
        _: OrderChange,
    ) -> Result<Upsert, StoreError> {
        missing()
    }
    async fn import(
        &self,
        _: &SiteId,
        _: Vec<Customer>,
        _: Vec<Order>,
    ) -> Result<ImportReport, StoreError> {
        missing()
    }
    async fn customer(&self, _: &SiteId, _: &ExternalId) -> Result<Option<Customer>, StoreError> {
        missing()
    }
    async fn customer_by_email(
        &self,
        _: &SiteId,
        _: &Email,
    ) -> Result<Option<Customer>, StoreError> {
        missing()
    }
    async fn order(&self, _: &SiteId, _: &ExternalId) -> Result<Option<Order>, StoreError> {
        missing()
    }
    async fn order_by_number(&self, _: &SiteId, _: &str) -> Result<Option<Order>, StoreError> {
        missing()
    }
    async fn orders_for(
        &self,
        _: &SiteId,
        _: &CustomerKey,
        _: u32,
    ) -> Result<Vec<Order>, StoreError> {
        missing()
    }
    async fn create_api_key(&self, _: &ApiKey) -> Result<(), StoreError> {
        missing()
    }
    async fn api_keys(&self, _: &SiteId) -> Result<Vec<ApiKey>, StoreError> {
        missing()
    }
    async fn revoke_api_key(&self, _: &SiteId, _: &ApiKeyId) -> Result<bool, StoreError> {
        missing()
    }
    async fn api_key_by_hash(&self, _: &str) -> Result<Option<ApiKey>, StoreError> {
        missing()
    }
    async fn webhook_seen(&self, _: &SiteId, _: &str, _: &str) -> Result<bool, StoreError> {
        missing()
    }
    async fn remember_webhook(
        &self,
        _: &SiteId,
        _: &str,
        _: &str,
        _: Timestamp,
    ) -> Result<(), StoreError> {
        missing()
    }
    async fn commerce_settings(&self, _: &SiteId) -> Result<CommerceSettings, StoreError> {
        missing()
    }
    async fn set_commerce_settings(
        &self,
        _: &SiteId,
        _: &CommerceSettings,
    ) -> Result<(), StoreError> {
        missing()
    }
    async fn create_request(&self, _: &OrderRequest) -> Result<OrderRequest, StoreError> {
        missing()
    }
    async fn order_requests(
        &self,
        _: &SiteId,
        _: &ExternalId,
    ) -> Result<Vec<OrderRequest>, StoreError> {
        missing()
    }
    async fn set_request_status(
        &self,
        _: &SiteId,
        _: &RequestId,
        _: RequestStatus,
    ) -> Result<bool, StoreError> {
        missing()
    }
}
