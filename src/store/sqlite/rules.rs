//! A site's trigger rules and their funnels, and the site's trigger and chat settings, in
//! SQLite.

use super::{SqliteStore, corrupt, db};
use crate::conversation::ChatSettings;
use crate::domain::{RuleId, SiteId, Timestamp};
use crate::store::{FunnelCounts, Rules, StoreError, StoredRule, TriggerSettings};
use crate::triggers::FunnelStage;
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl Rules for SqliteStore {
    async fn list_rules(&self, site: &SiteId) -> Result<Vec<StoredRule>, StoreError> {
        let site = site.to_string();
        self.readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, spec, created_at, updated_at FROM rules WHERE site_id = ?1
                         ORDER BY created_at, id",
                    )
                    .map_err(db("list rules"))?;
                let rows = stmt
                    .query_map([&site], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    })
                    .map_err(db("list rules"))?;
                rows.map(|row| {
                    let (id, spec, created, updated) = row.map_err(db("list rules"))?;
                    Ok(StoredRule {
                        id: RuleId::parse(&id).map_err(corrupt)?,
                        spec: serde_json::from_str(&spec).map_err(corrupt)?,
                        created_at: Timestamp(created),
                        updated_at: Timestamp(updated),
                    })
                })
                .collect()
            })
            .await
    }

    async fn save_rule(
        &self,
        site: &SiteId,
        id: &RuleId,
        spec: serde_json::Value,
    ) -> Result<bool, StoreError> {
        let (site, id) = (site.to_string(), id.to_string());
        let spec = spec.to_string();
        let now = Timestamp::now().0;
        self.writer
            .run(move |c| {
                let owner: Option<String> = c
                    .query_row("SELECT site_id FROM rules WHERE id = ?1", [&id], |r| r.get(0))
                    .optional()
                    .map_err(db("find rule"))?;
                match owner {
                    Some(s) if s != site => Err(StoreError::NotFound("rule")),
                    Some(_) => {
                        c.execute("UPDATE rules SET spec = ?2, updated_at = ?3 WHERE id = ?1", params![id, spec, now])
                            .map_err(db("replace rule"))?;
                        Ok(false)
                    }
                    None => {
                        c.execute(
                            "INSERT INTO rules (id, site_id, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                            params![id, site, spec, now],
                        )
                        .map_err(db("insert rule"))?;
                        Ok(true)
                    }
                }
            })
            .await
    }

    async fn delete_rule(&self, site: &SiteId, id: &RuleId) -> Result<bool, StoreError> {
        let (site, id) = (site.to_string(), id.to_string());
        self.writer
            .run(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM rules WHERE id = ?1 AND site_id = ?2",
                        [&id, &site],
                    )
                    .map_err(db("delete rule"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn count_funnel(
        &self,
        site: &SiteId,
        rule: &RuleId,
        held_out: bool,
        stage: FunnelStage,
    ) -> Result<(), StoreError> {
        let (site, rule) = (site.to_string(), rule.to_string());
        self.writer
            .run(move |c| {
                // Only rules of this site count; a deleted rule's late events are dropped.
                c.execute(
                    "INSERT INTO rule_funnel (rule_id, held_out, stage, count)
                     SELECT id, ?3, ?4, 1 FROM rules WHERE id = ?1 AND site_id = ?2
                     ON CONFLICT (rule_id, held_out, stage) DO UPDATE SET count = count + 1",
                    params![rule, site, held_out, stage.as_str()],
                )
                .map_err(db("count funnel"))?;
                Ok(())
            })
            .await
    }

    async fn funnel(&self, site: &SiteId, rule: &RuleId) -> Result<FunnelCounts, StoreError> {
        let (site, rule) = (site.to_string(), rule.to_string());
        self.readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT f.held_out, f.stage, f.count FROM rule_funnel f JOIN rules r ON r.id = f.rule_id
                         WHERE f.rule_id = ?1 AND r.site_id = ?2",
                    )
                    .map_err(db("read funnel"))?;
                let rows = stmt
                    .query_map([&rule, &site], |r| {
                        Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
                    })
                    .map_err(db("read funnel"))?;
                let mut counts = FunnelCounts::default();
                for row in rows {
                    let (held_out, stage, count) = row.map_err(db("read funnel"))?;
                    let Some(i) = FunnelStage::ALL.iter().position(|s| s.as_str() == stage) else { continue };
                    let group = if held_out { &mut counts.held_out } else { &mut counts.shown };
                    group[i] = count.max(0) as u64;
                }
                Ok(counts)
            })
            .await
    }

    async fn trigger_settings(&self, site: &SiteId) -> Result<TriggerSettings, StoreError> {
        let site = site.to_string();
        let json: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT triggers FROM site_settings WHERE site_id = ?1",
                    [&site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("read trigger settings"))
            })
            .await?;
        match json {
            Some(j) => serde_json::from_str(&j).map_err(corrupt),
            None => Ok(TriggerSettings::default()),
        }
    }

    async fn set_trigger_settings(
        &self,
        site: &SiteId,
        settings: &TriggerSettings,
    ) -> Result<(), StoreError> {
        let site = site.to_string();
        let json = serde_json::to_string(settings).map_err(corrupt)?;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO site_settings (site_id, triggers) VALUES (?1, ?2)
                     ON CONFLICT (site_id) DO UPDATE SET triggers = excluded.triggers",
                    params![site, json],
                )
                .map_err(db("save trigger settings"))?;
                Ok(())
            })
            .await
    }

    async fn chat_settings(&self, site: &SiteId) -> Result<ChatSettings, StoreError> {
        let site = site.to_string();
        let spec: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT spec FROM chat_settings WHERE site_id = ?1",
                    [site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("read chat settings"))
            })
            .await?;
        match spec {
            Some(spec) => serde_json::from_str(&spec)
                .map_err(|e| StoreError::Corrupt(format!("chat settings: {e}"))),
            None => Ok(ChatSettings::default()),
        }
    }

    async fn set_chat_settings(
        &self,
        site: &SiteId,
        settings: &ChatSettings,
    ) -> Result<(), StoreError> {
        let site = site.to_string();
        let spec = serde_json::to_string(settings).map_err(corrupt)?;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO chat_settings (site_id, spec) VALUES (?1, ?2)
                     ON CONFLICT (site_id) DO UPDATE SET spec = excluded.spec",
                    params![site, spec],
                )
                .map_err(db("save chat settings"))?;
                Ok(())
            })
            .await
    }
}
