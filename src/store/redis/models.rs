//! A site's own provider in Redis (`ai-provider`, one JSON document under the site's hash
//! tag, see `keys.rs`), and the model-call counts: `ai-calls:DAY`, a counter that expires a
//! while after its day. "Count if under the limit" is one script, so
//! calls on several nodes at once never take more than the limit between them.

use super::RedisStore;
use super::values::redis_err;
use crate::ai::provider::SiteProvider;
use crate::domain::SiteId;
use crate::store::{Models, StoreError, USAGE_KEPT_DAYS};
use async_trait::async_trait;
use std::sync::LazyLock;

/// Increments `ai-calls:ARGV[1]` unless it has reached `ARGV[2]`; the counter lives
/// `ARGV[3]` seconds. Returns 1 when counted, 0 at the limit.
static TAKE: LazyLock<::redis::Script> = LazyLock::new(|| {
    ::redis::Script::new(
        r"
local key = KEYS[1] .. 'ai-calls:' .. ARGV[1]
local calls = tonumber(redis.call('GET', key) or '0')
if calls >= tonumber(ARGV[2]) then return 0 end
redis.call('INCR', key)
redis.call('EXPIRE', key, ARGV[3])
return 1",
    )
});

#[async_trait]
impl Models for RedisStore {
    async fn site_provider(&self, site: &SiteId) -> Result<Option<SiteProvider>, StoreError> {
        let doc: Option<String> = ::redis::cmd("GET")
            .arg(format!("{}ai-provider", self.keys.site(site)))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("site provider"))?;
        doc.map(|d| serde_json::from_str(&d).map_err(super::values::corrupt))
            .transpose()
    }

    async fn set_site_provider(
        &self,
        site: &SiteId,
        provider: Option<&SiteProvider>,
    ) -> Result<(), StoreError> {
        let key = format!("{}ai-provider", self.keys.site(site));
        let cmd = match provider {
            Some(p) => {
                let doc = serde_json::to_string(p).map_err(super::values::corrupt)?;
                let mut cmd = ::redis::cmd("SET");
                cmd.arg(&key).arg(doc);
                cmd
            }
            None => {
                let mut cmd = ::redis::cmd("DEL");
                cmd.arg(&key);
                cmd
            }
        };
        let _: () = cmd
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("set site provider"))?;
        Ok(())
    }

    async fn take_ai_call(&self, site: &SiteId, day: i64, limit: u32) -> Result<bool, StoreError> {
        let taken: i64 = TAKE
            .key(self.keys.site(site))
            .arg(day)
            .arg(limit)
            .arg(USAGE_KEPT_DAYS * 86_400)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("count model call"))?;
        Ok(taken == 1)
    }

    async fn ai_calls(&self, site: &SiteId, day: i64) -> Result<u32, StoreError> {
        let calls: Option<u32> = ::redis::cmd("GET")
            .arg(format!("{}ai-calls:{day}", self.keys.site(site)))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("model calls"))?;
        Ok(calls.unwrap_or(0))
    }
}
