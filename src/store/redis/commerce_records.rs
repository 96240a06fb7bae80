//! Push-API keys, platform deliveries already handled, commerce settings and shoppers'
//! return/cancel requests in Redis. Key layout: see `commerce.rs`.

use super::keys::sub;
use super::values::{corrupt, from_json, redis_err, to_json};
use super::{CAS_ATTEMPTS, RedisStore};
use crate::commerce::{ApiKey, CommerceSettings, ExternalId, OrderRequest, RequestStatus};
use crate::domain::{ApiKeyId, RequestId, SiteId, Timestamp};
use crate::store::{StoreError, WEBHOOK_MEMORY_MS};

/// A key as stored: its JSON leaves the hash out (the type never serialises it), so the hash
/// the record is filed under is put back.
fn key_from(hash: &str, json: &str) -> Result<ApiKey, StoreError> {
    let mut value: serde_json::Value = from_json("api key", json)?;
    if let Some(fields) = value.as_object_mut() {
        fields.insert("secret_hash".into(), hash.into());
    }
    serde_json::from_value(value).map_err(|e| corrupt(format!("api key: {e}")))
}

/// The field of the site's `open-reqs` hash that keeps one open request per conversation,
/// order and kind (newlines cannot occur in any of the three).
pub(super) fn open_slot(request: &OrderRequest) -> Result<String, StoreError> {
    let kind = serde_json::to_value(request.kind).map_err(corrupt)?;
    Ok(format!(
        "{}\n{}\n{}",
        request.conversation_id,
        request.order_id,
        kind.as_str().unwrap_or_default()
    ))
}

fn is_open(request: &OrderRequest) -> &'static str {
    if request.status == RequestStatus::Open {
        "1"
    } else {
        "0"
    }
}

impl RedisStore {
    /// Stores a new key; `Conflict` if its hash (or id) is already a key's.
    pub(super) async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let created: i64 = self
            .scripts
            .commerce
            .create_api_key
            .key(self.keys.dir())
            .arg(&key.secret_hash)
            .arg(key.id.as_str())
            .arg(key.site_id.as_str())
            .arg(to_json(key)?)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("insert api key"))?;
        if created == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("the API key already exists".into()))
        }
    }

    /// A site's keys, oldest first.
    pub(super) async fn site_api_keys(&self, site: &SiteId) -> Result<Vec<ApiKey>, StoreError> {
        let dir = self.keys.dir();
        let hashes: Vec<String> = ::redis::cmd("HVALS")
            .arg(sub(&dir, "apikeys-site:", site))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list api keys"))?;
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let jsons: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(sub(&dir, "apikeys", ""))
            .arg(&hashes)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list api keys"))?;
        let mut keys = Vec::with_capacity(hashes.len());
        for (hash, json) in hashes.iter().zip(jsons) {
            if let Some(json) = json {
                keys.push(key_from(hash, &json)?);
            }
        }
        keys.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
        Ok(keys)
    }

    /// Revokes a site's key; `false` if the site has no such key.
    pub(super) async fn delete_api_key(
        &self,
        site: &SiteId,
        id: &ApiKeyId,
    ) -> Result<bool, StoreError> {
        let n: i64 = self
            .scripts
            .commerce
            .revoke_api_key
            .key(self.keys.dir())
            .arg(site.as_str())
            .arg(id.as_str())
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("revoke api key"))?;
        Ok(n == 1)
    }

    /// The live key with this hash.
    pub(super) async fn key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let json: Option<String> = ::redis::cmd("HGET")
            .arg(sub(&self.keys.dir(), "apikeys", ""))
            .arg(hash)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read api key"))?;
        json.map(|j| key_from(hash, &j)).transpose()
    }

    fn webhook_key(&self, site: &SiteId, source: &str, id: &str) -> String {
        sub(&self.keys.site(site), "webhook:", format!("{source}:{id}"))
    }

    /// Whether the delivery is still remembered (Redis expires it by itself).
    pub(super) async fn delivery_seen(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = ::redis::cmd("EXISTS")
            .arg(self.webhook_key(site, source, id))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("check webhook"))?;
        Ok(n == 1)
    }

    /// Remembers a delivery handled at `now` until `now` + [`WEBHOOK_MEMORY_MS`] (one
    /// handled longer ago than that is already forgotten: nothing to store).
    pub(super) async fn remember_delivery(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let ttl = now
            .0
            .saturating_add(WEBHOOK_MEMORY_MS)
            .saturating_sub(Timestamp::now().0);
        if ttl <= 0 {
            return Ok(());
        }
        self.scripts
            .commerce
            .remember_webhook
            .key(self.webhook_key(site, source, id))
            .arg(ttl)
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map_err(redis_err("remember webhook"))?;
        Ok(())
    }

    /// The site's commerce settings, defaults until set.
    pub(super) async fn settings(&self, site: &SiteId) -> Result<CommerceSettings, StoreError> {
        let json: Option<String> = ::redis::cmd("GET")
            .arg(sub(&self.keys.site(site), "commerce-settings", ""))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read commerce settings"))?;
        json.map_or_else(
            || Ok(CommerceSettings::default()),
            |j| from_json("commerce settings", &j),
        )
    }

    /// Replaces the site's commerce settings.
    pub(super) async fn put_settings(
        &self,
        site: &SiteId,
        settings: &CommerceSettings,
    ) -> Result<(), StoreError> {
        ::redis::cmd("SET")
            .arg(sub(&self.keys.site(site), "commerce-settings", ""))
            .arg(to_json(settings)?)
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("write commerce settings"))
    }

    /// Stores a request unless an open one of the same conversation, order and kind exists.
    pub(super) async fn insert_request(
        &self,
        request: &OrderRequest,
    ) -> Result<OrderRequest, StoreError> {
        let stored: String = self
            .scripts
            .commerce
            .create_request
            .key(self.keys.site(&request.site_id))
            .arg(request.id.as_str())
            .arg(open_slot(request)?)
            .arg(to_json(request)?)
            .arg(request.order_id.as_str())
            .arg(request.created_at.0)
            .arg(is_open(request))
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("insert request"))?;
        from_json("order request", &stored)
    }

    /// The requests made on an order, oldest first (ties by id, as SQLite).
    pub(super) async fn requests_of(
        &self,
        site: &SiteId,
        order: &ExternalId,
    ) -> Result<Vec<OrderRequest>, StoreError> {
        let base = self.keys.site(site);
        let ids: Vec<String> = ::redis::cmd("ZRANGE")
            .arg(sub(&base, "order-reqs:", order))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list requests"))?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let jsons: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(sub(&base, "requests", ""))
            .arg(&ids)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list requests"))?;
        jsons
            .into_iter()
            .flatten()
            .map(|j| from_json("order request", &j))
            .collect()
    }

    /// Marks a request open or done (compare-and-set on its JSON); `false` if absent.
    pub(super) async fn update_request_status(
        &self,
        site: &SiteId,
        id: &RequestId,
        status: RequestStatus,
    ) -> Result<bool, StoreError> {
        let base = self.keys.site(site);
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<String> = ::redis::cmd("HGET")
                .arg(sub(&base, "requests", ""))
                .arg(id.as_str())
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read request"))?;
            let Some(current) = current else {
                return Ok(false);
            };
            let mut request: OrderRequest = from_json("order request", &current)?;
            request.status = status;
            let outcome: i64 = self
                .scripts
                .commerce
                .set_request
                .key(&base)
                .arg(id.as_str())
                .arg(&current)
                .arg(to_json(&request)?)
                .arg(open_slot(&request)?)
                .arg(is_open(&request))
                .invoke_async(&mut self.conn())
                .await
                .map_err(redis_err("set request status"))?;
            match outcome {
                1 => return Ok(true),
                -1 => return Ok(false),
                _ => {}
            }
        }
        Err(StoreError::Conflict(
            "the request kept changing meanwhile; try again".into(),
        ))
    }
}
