//! One customer across devices in Redis, under the site's hash tag (see `keys.rs`):
//! `customer:KEY` → the customer's canonical visitor, `customer-of:VISITOR` → the customer a
//! device (or the canonical visitor itself) belongs to, and `customer-devices:KEY`, a sorted
//! set of the devices by first link time. Linking is one script — "set the canonical visitor
//! if there is none, then read it" and the pointers in one step — so two devices verifying at
//! the same moment, on any nodes, end with one canonical visitor; forgetting is one script too.

use super::RedisStore;
use super::values::redis_err;
use crate::domain::{SiteId, Timestamp, VisitorId};
use crate::store::{CustomerLink, Customers, StoreError};
use async_trait::async_trait;
use std::sync::LazyLock;

/// Links `ARGV[2]` (a device) to customer `ARGV[1]`, making `ARGV[3]` its canonical visitor if
/// it has none; a device linked to another customer before moves. Returns the canonical id.
static LINK: LazyLock<::redis::Script> = LazyLock::new(|| {
    ::redis::Script::new(
        r"
local base, customer, visitor, fresh, now = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ckey = base .. 'customer:' .. customer
redis.call('SET', ckey, fresh, 'NX')
local canonical = redis.call('GET', ckey)
redis.call('SET', base .. 'customer-of:' .. canonical, customer)
local before = redis.call('GET', base .. 'customer-of:' .. visitor)
if before and before ~= customer then
  redis.call('ZREM', base .. 'customer-devices:' .. before, visitor)
end
redis.call('SET', base .. 'customer-of:' .. visitor, customer)
if visitor ~= canonical then
  redis.call('ZADD', base .. 'customer-devices:' .. customer, 'NX', now, visitor)
end
return canonical",
    )
});

/// The customer of visitor `ARGV[1]` and its canonical visitor, or nil.
static OF: LazyLock<::redis::Script> = LazyLock::new(|| {
    ::redis::Script::new(
        r"
local customer = redis.call('GET', KEYS[1] .. 'customer-of:' .. ARGV[1])
if not customer then return false end
local canonical = redis.call('GET', KEYS[1] .. 'customer:' .. customer)
if not canonical then return false end
return {customer, canonical}",
    )
});

/// Removes customer `ARGV[1]`'s link, its devices' pointers (those still pointing at it) and
/// its canonical visitor's; returns the canonical id followed by the devices, or nil.
static FORGET: LazyLock<::redis::Script> = LazyLock::new(|| {
    ::redis::Script::new(
        r"
local base, customer = KEYS[1], ARGV[1]
local ckey = base .. 'customer:' .. customer
local canonical = redis.call('GET', ckey)
if not canonical then return false end
local dkey = base .. 'customer-devices:' .. customer
local devices = redis.call('ZRANGE', dkey, 0, -1)
local out = {canonical}
for _, v in ipairs(devices) do
  local key = base .. 'customer-of:' .. v
  if redis.call('GET', key) == customer then redis.call('DEL', key) end
  table.insert(out, v)
end
redis.call('DEL', base .. 'customer-of:' .. canonical, ckey, dkey)
return out",
    )
});

/// Removes device `ARGV[1]`'s link unless it is its customer's canonical visitor: 1 if it
/// had one.
static UNLINK: LazyLock<::redis::Script> = LazyLock::new(|| {
    ::redis::Script::new(
        r"
local base, visitor = KEYS[1], ARGV[1]
local customer = redis.call('GET', base .. 'customer-of:' .. visitor)
if not customer then return 0 end
if redis.call('GET', base .. 'customer:' .. customer) == visitor then return 0 end
redis.call('DEL', base .. 'customer-of:' .. visitor)
redis.call('ZREM', base .. 'customer-devices:' .. customer, visitor)
return 1",
    )
});

fn visitor_id(text: &str) -> Result<VisitorId, StoreError> {
    VisitorId::parse(text).map_err(super::values::corrupt)
}

#[async_trait]
impl Customers for RedisStore {
    async fn link_customer(
        &self,
        site: &SiteId,
        customer: &str,
        visitor: &VisitorId,
        fresh: &VisitorId,
        now: Timestamp,
    ) -> Result<VisitorId, StoreError> {
        let canonical: String = LINK
            .key(self.keys.site(site))
            .arg(customer)
            .arg(visitor.as_str())
            .arg(fresh.as_str())
            .arg(now.0)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("link customer"))?;
        visitor_id(&canonical)
    }

    async fn visitor_customer(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<CustomerLink>, StoreError> {
        let found: Option<(String, String)> = OF
            .key(self.keys.site(site))
            .arg(visitor.as_str())
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("visitor's customer"))?;
        found
            .map(|(customer, canonical)| {
                Ok(CustomerLink {
                    customer,
                    canonical: visitor_id(&canonical)?,
                })
            })
            .transpose()
    }

    async fn customer_visitors(
        &self,
        site: &SiteId,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<VisitorId>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let last = i64::try_from(limit).unwrap_or(i64::MAX) - 1;
        let ids: Vec<String> = ::redis::cmd("ZRANGE")
            .arg(super::keys::sub(
                &self.keys.site(site),
                "customer-devices:",
                customer,
            ))
            .arg(0)
            .arg(last)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("customer's visitors"))?;
        ids.iter().map(|v| visitor_id(v)).collect()
    }

    async fn customer_canonical(
        &self,
        site: &SiteId,
        customer: &str,
    ) -> Result<Option<VisitorId>, StoreError> {
        let canonical: Option<String> = ::redis::cmd("GET")
            .arg(super::keys::sub(
                &self.keys.site(site),
                "customer:",
                customer,
            ))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("customer's canonical visitor"))?;
        canonical.as_deref().map(visitor_id).transpose()
    }

    async fn unlink_visitor(&self, site: &SiteId, visitor: &VisitorId) -> Result<bool, StoreError> {
        let removed: i64 = UNLINK
            .key(self.keys.site(site))
            .arg(visitor.as_str())
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("unlink visitor"))?;
        Ok(removed == 1)
    }

    async fn forget_customer(
        &self,
        site: &SiteId,
        customer: &str,
    ) -> Result<Option<(VisitorId, Vec<VisitorId>)>, StoreError> {
        let out: Option<Vec<String>> = FORGET
            .key(self.keys.site(site))
            .arg(customer)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("forget customer"))?;
        let Some((canonical, devices)) = out.as_deref().and_then(<[String]>::split_first) else {
            return Ok(None);
        };
        let devices = devices
            .iter()
            .map(|v| visitor_id(v))
            .collect::<Result<_, _>>()?;
        Ok(Some((visitor_id(canonical)?, devices)))
    }
}
