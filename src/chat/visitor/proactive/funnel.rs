//! Funnel stages credited to the rule that fired (opened, replied, converted) and
//! dismissals, from the browsing events that stand for them.

use super::super::ShopperSession;
use crate::chat::ChatError;
use crate::domain::{BrowsingEvent, RuleId, Timestamp};
use crate::hub::lock;
use crate::triggers::FunnelStage;

/// A dismissed rule stays quiet at least this long, longer if its cooldown says so.
const MIN_DISMISS_MS: i64 = 24 * 3600 * 1000;

impl ShopperSession {
    /// Funnel stages and dismissals that browsing events stand for.
    pub(in crate::chat::visitor) async fn after_event(
        &mut self,
        event: &BrowsingEvent,
        now: Timestamp,
    ) -> Result<(), ChatError> {
        let BrowsingEvent::Other { name, props } = event else {
            return Ok(());
        };
        match name.as_str() {
            "widget_open" => self.reach(FunnelStage::Opened, now).await,
            "purchase" | "checkout_complete" => self.reach(FunnelStage::Converted, now).await,
            "dismiss" => {
                let rule = props
                    .get("rule_id")
                    .and_then(|v| v.as_str())
                    .map(RuleId::parse);
                match rule {
                    Some(Ok(rule)) => self.dismiss(&rule, now).await,
                    _ => {
                        return Err(ChatError::Invalid {
                            field: "props.rule_id",
                            message: "`dismiss` needs props.rule_id".into(),
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn dismiss(&mut self, rule: &RuleId, now: Timestamp) {
        let cooldown = match self.service.site_rules(&self.site.id).await {
            Ok(rules) => rules
                .set
                .rules()
                .iter()
                .find(|r| &r.id == rule)
                .map_or(0, |r| r.frequency.cooldown_ms),
            Err(_) => 0,
        };
        lock(&self.browsing)
            .triggers
            .dismiss(rule, Timestamp(now.0 + cooldown.max(MIN_DISMISS_MS)));
        self.dirty = true;
    }

    /// Credits a stage to the last firing, once, within the site's attribution window.
    pub async fn reach(&mut self, stage: FunnelStage, now: Timestamp) {
        let window = match self.service.site_rules(&self.site.id).await {
            Ok(rules) => rules.attribution_window_ms(),
            Err(_) => return,
        };
        let credited = lock(&self.browsing).triggers.reach(stage, now, window);
        if let Some((rule, held_out)) = credited {
            self.dirty = true;
            self.count(&rule, held_out, stage).await;
        }
    }

    pub(super) async fn count(&self, rule: &RuleId, held_out: bool, stage: FunnelStage) {
        if let Err(e) = self
            .service
            .store
            .count_funnel(&self.site.id, rule, held_out, stage)
            .await
        {
            tracing::warn!(error = %e, rule = %rule, stage = stage.as_str(), "cannot count a funnel stage");
        }
    }
}
