//! A site's trigger rules with their funnels, its settings and its visitors' state.
//!
//! Per site: `rules` (zset id by creation time: the list order), `rule-specs` and
//! `rule-updated` (hashes by id), `funnel:{rule}` (hash `held_out:stage → count`),
//! `trigger-settings` and `chat-settings` (JSON), `visitor:{id}` (JSON `VisitorRecord`,
//! frequency counters included, written whole by one `SET`).

use super::RedisStore;
use super::keys::sub;
use super::values::{corrupt, from_json, redis_err, score_ms, to_json};
use crate::conversation::ChatSettings;
use crate::domain::{RuleId, SiteId, Timestamp};
use crate::store::{FunnelCounts, Rules, StoreError, StoredRule, TriggerSettings};
use crate::triggers::FunnelStage;
use async_trait::async_trait;
use std::collections::HashMap;

/// Rule ids with creation scores, specs by id, update times by id.
type RuleReads = (
    Vec<(String, String)>,
    HashMap<String, String>,
    HashMap<String, String>,
);

impl RedisStore {
    /// A JSON value of a site, if set.
    pub(super) async fn site_json(
        &self,
        site: &SiteId,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        ::redis::cmd("GET")
            .arg(sub(&self.keys.site(site), name, ""))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read site settings"))
    }

    /// Replaces a JSON value of a site.
    pub(super) async fn set_site_json(
        &self,
        site: &SiteId,
        name: &str,
        json: String,
    ) -> Result<(), StoreError> {
        ::redis::cmd("SET")
            .arg(sub(&self.keys.site(site), name, ""))
            .arg(json)
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("save site settings"))
    }
}

#[async_trait]
impl Rules for RedisStore {
    async fn list_rules(&self, site: &SiteId) -> Result<Vec<StoredRule>, StoreError> {
        let base = self.keys.site(site);
        // One MULTI so the three keys are read at one moment.
        let (ids, specs, updated): RuleReads = ::redis::pipe()
            .atomic()
            .cmd("ZRANGE")
            .arg(sub(&base, "rules", ""))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .cmd("HGETALL")
            .arg(sub(&base, "rule-specs", ""))
            .cmd("HGETALL")
            .arg(sub(&base, "rule-updated", ""))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list rules"))?;
        ids.into_iter()
            .map(|(id, created)| {
                let spec = specs
                    .get(&id)
                    .ok_or_else(|| corrupt(format!("rule {id} has no spec")))?;
                let updated = updated
                    .get(&id)
                    .and_then(|u| u.parse().ok())
                    .ok_or_else(|| corrupt(format!("rule {id} has no update time")))?;
                Ok(StoredRule {
                    id: RuleId::parse(&id).map_err(corrupt)?,
                    spec: from_json("rule", spec)?,
                    created_at: Timestamp(score_ms(&created)?),
                    updated_at: Timestamp(updated),
                })
            })
            .collect()
    }

    async fn save_rule(
        &self,
        site: &SiteId,
        id: &RuleId,
        spec: serde_json::Value,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        // Rule ids are global: claim the id for this site first (once), so another site's
        // save cannot take it over.
        let pointer = self.keys.rule_site(id);
        let claimed: Option<String> = ::redis::cmd("SET")
            .arg(&pointer)
            .arg(site.as_str())
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(redis_err("claim rule id"))?;
        if claimed.is_none() {
            let owner: Option<String> = ::redis::cmd("GET")
                .arg(&pointer)
                .query_async(&mut conn)
                .await
                .map_err(redis_err("find rule"))?;
            if owner.as_deref() != Some(site.as_str()) {
                return Err(StoreError::NotFound("rule"));
            }
        }
        let created: i64 = self
            .scripts
            .save_rule
            .key(self.keys.site(site))
            .arg(id.as_str())
            .arg(spec.to_string())
            .arg(Timestamp::now().0)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err("save rule"))?;
        Ok(created == 1)
    }

    async fn delete_rule(&self, site: &SiteId, id: &RuleId) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let deleted: i64 = self
            .scripts
            .delete_rule
            .key(self.keys.site(site))
            .arg(id.as_str())
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err("delete rule"))?;
        if deleted == 1 {
            // Free the id only after the rule is gone; a crash in between leaves the id
            // claimed by this site, which only this site can then reuse.
            ::redis::cmd("DEL")
                .arg(self.keys.rule_site(id))
                .query_async::<i64>(&mut conn)
                .await
                .map_err(redis_err("free rule id"))?;
        }
        Ok(deleted == 1)
    }

    async fn count_funnel(
        &self,
        site: &SiteId,
        rule: &RuleId,
        held_out: bool,
        stage: FunnelStage,
    ) -> Result<(), StoreError> {
        self.scripts
            .count_funnel
            .key(self.keys.site(site))
            .arg(rule.as_str())
            .arg(format!("{}:{}", u8::from(held_out), stage.as_str()))
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map_err(redis_err("count funnel"))?;
        Ok(())
    }

    async fn funnel(&self, site: &SiteId, rule: &RuleId) -> Result<FunnelCounts, StoreError> {
        let counts: HashMap<String, u64> = ::redis::cmd("HGETALL")
            .arg(sub(&self.keys.site(site), "funnel:", rule))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read funnel"))?;
        let mut funnel = FunnelCounts::default();
        for (i, stage) in FunnelStage::ALL.iter().enumerate() {
            funnel.shown[i] = counts
                .get(&format!("0:{}", stage.as_str()))
                .copied()
                .unwrap_or(0);
            funnel.held_out[i] = counts
                .get(&format!("1:{}", stage.as_str()))
                .copied()
                .unwrap_or(0);
        }
        Ok(funnel)
    }

    async fn trigger_settings(&self, site: &SiteId) -> Result<TriggerSettings, StoreError> {
        match self.site_json(site, "trigger-settings").await? {
            Some(json) => from_json("trigger settings", &json),
            None => Ok(TriggerSettings::default()),
        }
    }

    async fn set_trigger_settings(
        &self,
        site: &SiteId,
        settings: &TriggerSettings,
    ) -> Result<(), StoreError> {
        self.set_site_json(site, "trigger-settings", to_json(settings)?)
            .await
    }

    async fn chat_settings(&self, site: &SiteId) -> Result<ChatSettings, StoreError> {
        match self.site_json(site, "chat-settings").await? {
            Some(json) => from_json("chat settings", &json),
            None => Ok(ChatSettings::default()),
        }
    }

    async fn set_chat_settings(
        &self,
        site: &SiteId,
        settings: &ChatSettings,
    ) -> Result<(), StoreError> {
        self.set_site_json(site, "chat-settings", to_json(settings)?)
            .await
    }
}
