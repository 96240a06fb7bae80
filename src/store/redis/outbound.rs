//! Outbound events in Redis, under the site's hash tag: `outbound:endpoints` is a hash of
//! endpoint id → JSON record, added by a script that checks the site's limit in the same
//! step; `outbound:log` is a list of delivery records, newest first, pushed and trimmed in
//! one `MULTI` so it never holds more than the site's bound.

use super::RedisStore;
use super::keys::sub;
use super::values::{from_json, redis_err, to_json};
use crate::domain::{EndpointId, SiteId};
use crate::store::{DeliveryRecord, Endpoint, Outbound, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Adds an endpoint unless the site has `ARGV[1]` already: 1 when added, 0 when full.
static CREATE: LazyLock<::redis::Script> = LazyLock::new(|| {
    ::redis::Script::new(
        r"
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1",
    )
});

impl RedisStore {
    fn endpoints_key(&self, site: &SiteId) -> String {
        sub(&self.keys.site(site), "outbound:endpoints", "")
    }

    fn log_key(&self, site: &SiteId) -> String {
        sub(&self.keys.site(site), "outbound:log", "")
    }
}

#[async_trait]
impl Outbound for RedisStore {
    async fn create_endpoint(&self, endpoint: &Endpoint, max: usize) -> Result<(), StoreError> {
        let added: i64 = CREATE
            .key(self.endpoints_key(&endpoint.site_id))
            .arg(max)
            .arg(endpoint.id.as_str())
            .arg(to_json(endpoint)?)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("create endpoint"))?;
        if added == 0 {
            return Err(StoreError::Conflict(format!(
                "a site has at most {max} webhook endpoints"
            )));
        }
        Ok(())
    }

    async fn endpoints(&self, site: &SiteId) -> Result<Vec<Endpoint>, StoreError> {
        let all: HashMap<String, String> = ::redis::cmd("HGETALL")
            .arg(self.endpoints_key(site))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list endpoints"))?;
        let mut endpoints = all
            .values()
            .map(|json| from_json::<Endpoint>("endpoint", json))
            .collect::<Result<Vec<_>, _>>()?;
        endpoints.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(endpoints)
    }

    async fn delete_endpoint(&self, site: &SiteId, id: &EndpointId) -> Result<bool, StoreError> {
        let removed: i64 = ::redis::cmd("HDEL")
            .arg(self.endpoints_key(site))
            .arg(id.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("delete endpoint"))?;
        Ok(removed > 0)
    }

    async fn record_delivery(&self, entry: &DeliveryRecord, keep: usize) -> Result<(), StoreError> {
        let key = self.log_key(&entry.site_id);
        let last = i64::try_from(keep.max(1)).unwrap_or(i64::MAX) - 1;
        ::redis::pipe()
            .atomic()
            .cmd("LPUSH")
            .arg(&key)
            .arg(to_json(entry)?)
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(last)
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("record delivery"))
    }

    async fn deliveries(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let last = i64::try_from(limit).unwrap_or(i64::MAX) - 1;
        let rows: Vec<String> = ::redis::cmd("LRANGE")
            .arg(self.log_key(site))
            .arg(0)
            .arg(last)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list deliveries"))?;
        rows.iter()
            .map(|json| from_json("delivery", json))
            .collect()
    }
}
