//! The owners' site report: the store's statistics for a window, the AI-draft figures,
//! every rule's funnel and the shoppers' ratings (CSAT), with the names of the agents rated.

use crate::chat::{ChatError, ChatService};
use crate::domain::AgentId;
use crate::domain::{SiteId, Timestamp};
use crate::report::csat::{self, Csat};
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
    /// The shoppers' ratings given in the window, folded.
    pub csat: Csat,
    /// The names of the site's agents, for the CSAT rows (an agent who left shows by id).
    pub agent_names: Vec<(AgentId, String)>,
}

impl ChatService {
    /// The site's statistics from `from` to `to`, every rule's funnel and the CSAT.
    pub async fn site_report(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SiteReport, ChatError> {
        let stats = self.store.site_stats(site, from, to).await?;
        let drafts = self.store.draft_stats(site, from, to).await?;
        let ratings = self.store.rating_groups(site, from, to).await?;
        let agent_names = self
            .store
            .site_agents(site)
            .await?
            .into_iter()
            .map(|a| (a.agent.id, a.agent.display_name))
            .collect();
        let mut rules = Vec::new();
        for rule in self.store.list_rules(site).await? {
            let funnel = self.store.funnel(site, &rule.id).await?;
            rules.push((rule, funnel));
        }
        Ok(SiteReport {
            stats,
            rules,
            drafts,
            csat: csat::fold(from, to, &ratings),
            agent_names,
        })
    }

    /// An agent's own ratings on a site (any member may see theirs): their CSAT per day of
    /// the window and in total, beside the site's people as a whole, to compare with.
    pub async fn my_csat(
        &self,
        site: &SiteId,
        agent: &AgentId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<(csat::Csat, csat::CsatCount), ChatError> {
        let ratings = self.store.rating_groups(site, from, to).await?;
        let people = csat::fold(from, to, &ratings).people;
        let mine: Vec<_> = ratings
            .into_iter()
            .filter(|g| g.agent.as_ref() == Some(agent))
            .collect();
        Ok((csat::fold(from, to, &mine), people))
    }
}
