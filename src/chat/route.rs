//! Routing on this node: gather the site's queue and its online agents with their load, let
//! the pure [`crate::conversation::routing`] choose, and take each chosen chat for its agent. Compare-and-set
//! keeps this safe beside agents picking chats by hand.

use super::ChatService;
use crate::bus::BusEvent;
use crate::conversation::ConversationFilter;
use crate::conversation::routing::{self, Waiting};
use crate::domain::{AgentId, SiteId};
use crate::protocol::agent::{AgentFrame, AgentStatus};

impl ChatService {
    /// Gives the site's queued chats to its online agents, as many as their capacity allows.
    pub async fn route_site(&self, site: &SiteId) {
        // Nobody online here: nothing to route, and no reason to wait for the lock.
        let anyone = self
            .site_agents(site)
            .iter()
            .any(|(_, s)| *s == AgentStatus::Online);
        if !anyone {
            return;
        }
        // One routing pass at a time on this node: passes for the same queue would only race
        // each other into compare-and-set retries.
        let _pass = self.routing.lock().await;
        if let Err(e) = self.route(site).await {
            tracing::warn!(error = %e, site = %site, "routing failed");
        }
    }

    async fn route(&self, site: &SiteId) -> Result<(), super::ChatError> {
        let settings = self.settings(site).await;
        if !settings.auto_assign {
            return Ok(());
        }
        let online: Vec<_> = self
            .site_agents(site)
            .into_iter()
            .filter(|(_, s)| *s == AgentStatus::Online)
            .map(|(id, _)| id)
            .collect();
        if online.is_empty() {
            return Ok(());
        }
        let mut agents = self.agents_with_room(site, &online).await?;
        // Everyone online is full (the steady state of a busy site): the queue cannot move,
        // so it is not read. Reading it decoded up to 500 conversations per new chat.
        if agents.is_empty() {
            return Ok(());
        }
        let queue = self
            .store
            .find_conversations(&ConversationFilter {
                site: Some(site.clone()),
                stages: vec!["queued"],
                limit: 500,
                ..ConversationFilter::default()
            })
            .await?;
        if queue.is_empty() {
            return Ok(());
        }
        // A proactive message nobody answered waits outside routing: no agent's slot for it.
        let mut waiting: Vec<Waiting> = queue
            .iter()
            .filter(|c| !c.awaits_shopper())
            .map(|c| Waiting {
                id: c.id.clone(),
                priority: c.priority,
                cart_total: c.cart_total,
                queued_at: c.queued_at.unwrap_or(c.updated_at),
                skill: c.skill.clone(),
                last_agent: c.lifecycle.last_agent.clone(),
            })
            .collect();
        // A returning customer's new chat is offered to the agent who last served them.
        let seats = agents
            .iter()
            .map(|a| a.capacity.saturating_sub(a.active))
            .sum::<u32>();
        self.prefer_returning_agents(&mut waiting, &queue, seats as usize)
            .await;
        for (conversation, agent) in routing::assign(&mut waiting, &mut agents) {
            match self.take(&conversation, &agent).await {
                Ok(conv) => {
                    self.publish(BusEvent::to_agent(
                        site,
                        &agent,
                        AgentFrame::Routed {
                            site_id: site.clone(),
                            conversation_id: conv.id.clone(),
                        },
                    ))
                    .await;
                }
                Err(e) => {
                    tracing::debug!(error = %e, conversation = %conversation, "routing lost a race")
                }
            }
        }
        Ok(())
    }

    /// The site's online agents who could take one more chat, with their load. Each agent's
    /// chats are read only up to its capacity: routing needs to know "full or not, and how
    /// full", never the whole list.
    async fn agents_with_room(
        &self,
        site: &SiteId,
        online: &[AgentId],
    ) -> Result<Vec<routing::Agent>, super::ChatError> {
        let members = self.store.site_agents(site).await?;
        let mut agents = Vec::new();
        for member in members.into_iter().filter(|m| online.contains(&m.agent.id)) {
            let capacity = member.profile.capacity;
            // Capacity is per site, so only this site's chats count against it.
            let active = self
                .store
                .find_conversations(&ConversationFilter {
                    site: Some(site.clone()),
                    agent: Some(member.agent.id.clone()),
                    stages: vec!["assigned"],
                    limit: capacity.max(1),
                    ..ConversationFilter::default()
                })
                .await?
                .len() as u32;
            if active >= capacity {
                continue;
            }
            agents.push(routing::Agent {
                id: member.agent.id,
                status: AgentStatus::Online,
                capacity,
                active,
                skills: member.profile.skills.into_iter().collect(),
            });
        }
        Ok(agents)
    }
}
