//! The owners' site report: the store's statistics for a window, the AI-draft figures and
//! every rule's funnel.

use crate::chat::{ChatError, ChatService};
use crate::domain::{SiteId, Timestamp};
use crate::store::{DraftDay, FunnelCounts, SiteStats, StoredRule};

/// What the site report shows, before the edge shapes it.
#[derive(Debug)]
pub struct SiteReport {
    /// Conversations, handoffs and response times in the window.
    pub stats: SiteStats,
    /// Every rule with its funnel.
    pub rules: Vec<(StoredRule, FunnelCounts)>,
    /// Model drafts made and messages sent from them, per day that had any.
    pub drafts: Vec<DraftDay>,
}

impl ChatService {
    /// The site's statistics from `from` to `to` and every rule's funnel.
    pub async fn site_report(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SiteReport, ChatError> {
        let stats = self.store.site_stats(site, from, to).await?;
        let drafts = self.store.draft_stats(site, from, to).await?;
        let mut rules = Vec::new();
        for rule in self.store.list_rules(site).await? {
            let funnel = self.store.funnel(site, &rule.id).await?;
            rules.push((rule, funnel));
        }
        Ok(SiteReport {
            stats,
            rules,
            drafts,
        })
    }
}
