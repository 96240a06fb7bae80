//! Trigger rules as owners manage them: read, create (within the per-site limit), replace,
//! switch on or off, delete, a rule's funnel, and the site's trigger settings. Every change
//! is validated into a [`Rule`] before it is stored, and makes every node drop its compiled
//! copy of the site's rules.

use crate::bus::SiteData;
use crate::chat::{ChatError, ChatService};
use crate::domain::{RuleId, SiteId};
use crate::store::{FunnelCounts, StoreError, StoredRule, TriggerSettings};
use crate::triggers::Rule;
use serde_json::{Value, json};

/// Most rules one site may have.
const MAX_RULES: usize = 200;

impl ChatService {
    /// The site's rules as stored.
    pub async fn rules(&self, site: &SiteId) -> Result<Vec<StoredRule>, ChatError> {
        Ok(self.store.list_rules(site).await?)
    }

    /// One rule of the site, or `NotFound("rule")`.
    pub async fn rule(&self, site: &SiteId, id: &RuleId) -> Result<StoredRule, ChatError> {
        self.store
            .list_rules(site)
            .await?
            .into_iter()
            .find(|r| &r.id == id)
            .ok_or(ChatError::NotFound("rule"))
    }

    /// A new rule, unless the site has [`MAX_RULES`] already (`Conflict`). The room is
    /// checked before `decode` reads the request, so a full site answers "too many rules"
    /// whatever was sent; `decode`'s own error passes through unchanged.
    pub async fn create_rule<E: From<ChatError>>(
        &self,
        site: &SiteId,
        decode: impl FnOnce() -> Result<Value, E>,
    ) -> Result<StoredRule, E> {
        let count = self
            .store
            .list_rules(site)
            .await
            .map_err(ChatError::from)?
            .len();
        if count >= MAX_RULES {
            return Err(ChatError::Store(StoreError::Conflict(format!(
                "a site may have at most {MAX_RULES} rules"
            )))
            .into());
        }
        let spec = decode()?;
        Ok(self.save_rule(site, &RuleId::generate(), &spec).await?)
    }

    /// Validates a rule (`Rejected` lists each bad field by path), stores it under `id`
    /// (without the fields the server owns), makes every node recompile the site's rules and
    /// answers the rule as stored.
    pub async fn save_rule(
        &self,
        site: &SiteId,
        id: &RuleId,
        spec: &Value,
    ) -> Result<StoredRule, ChatError> {
        let rule = Rule::from_json(id.clone(), spec).map_err(|errors| ChatError::Rejected {
            what: "the rule",
            errors,
        })?;
        let mut stored = rule.spec;
        if let Some(obj) = stored.as_object_mut() {
            obj.remove("id");
            obj.remove("created_at");
            obj.remove("updated_at");
        }
        self.store.save_rule(site, id, stored).await?;
        self.site_changed(site, &[SiteData::Rules]).await;
        self.rule(site, id).await
    }

    /// Switches a stored rule on or off (the rest of it unchanged).
    pub async fn set_rule_enabled(
        &self,
        site: &SiteId,
        id: &RuleId,
        enabled: bool,
    ) -> Result<StoredRule, ChatError> {
        let mut spec = self.rule(site, id).await?.spec;
        spec["enabled"] = json!(enabled);
        self.save_rule(site, id, &spec).await
    }

    /// Deletes a rule with its funnel; `NotFound("rule")` if there is none.
    pub async fn delete_rule(&self, site: &SiteId, id: &RuleId) -> Result<(), ChatError> {
        if !self.store.delete_rule(site, id).await? {
            return Err(ChatError::NotFound("rule"));
        }
        self.site_changed(site, &[SiteData::Rules]).await;
        Ok(())
    }

    /// A rule's funnel counts, for shown and held-out visitors; `NotFound("rule")` if the
    /// site has no such rule.
    pub async fn rule_funnel(&self, site: &SiteId, id: &RuleId) -> Result<FunnelCounts, ChatError> {
        self.rule(site, id).await?;
        Ok(self.store.funnel(site, id).await?)
    }

    /// The site's trigger settings (fatigue budget, attribution window, business hours).
    pub async fn trigger_settings(&self, site: &SiteId) -> Result<TriggerSettings, ChatError> {
        Ok(self.store.trigger_settings(site).await?)
    }

    /// An owner saves the trigger settings (checked by the caller); every node drops its
    /// compiled rules, which carry them.
    pub async fn save_trigger_settings(
        &self,
        site: &SiteId,
        settings: &TriggerSettings,
    ) -> Result<(), ChatError> {
        self.store.set_trigger_settings(site, settings).await?;
        self.site_changed(site, &[SiteData::Rules]).await;
        Ok(())
    }
}
