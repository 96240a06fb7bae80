//! This node's part in the cluster's presence: it tells the other nodes which agents and
//! shoppers it has live (when they change, and as a heartbeat), answers a newcomer's request
//! for everything, and after a gap in the bus forgets what it heard and asks again. On a
//! single node (the in-process bus) there is nobody to tell: the bus drops presence news,
//! and the per-shopper announcements are not even built.

use super::ChatService;
use crate::bus::BusEvent;
use crate::cluster::{HEARTBEAT_MS, PresenceNews};
use crate::domain::{AgentId, SiteId, Timestamp, VisitorId};
use crate::protocol::agent::{AgentFrame, AgentStatus, LiveVisitor};
use std::time::Duration;

impl ChatService {
    /// Tells the other nodes which of these sites' agents have sockets here, with their status.
    pub async fn announce_agents(&self, sites: &[SiteId]) {
        for site in sites {
            let news = PresenceNews::Agents {
                node: self.cluster.node().clone(),
                agents: self.hub.local_site_agents(site),
            };
            self.publish(BusEvent::presence(site, news)).await;
        }
    }

    /// Whether news of a change to one of `site`'s shoppers can reach anyone: an agent of
    /// the site with a socket here, or, when the bus has other nodes, anyone there (their
    /// agents, and their view of who is live here). On a single node with no agent of the
    /// site online nobody can: a browsing event then builds no summary at all, and an agent
    /// who connects later reads the live visitors from the hub.
    pub fn visitor_news_wanted(&self, site: &SiteId) -> bool {
        !self.bus.single_node() || self.hub.site_has_agents(site)
    }

    /// Tells the other nodes that one of this node's shoppers joined or changed.
    pub async fn announce_visitor(&self, visitor: LiveVisitor) {
        if self.bus.single_node() {
            return;
        }
        let site = visitor.site_id.clone();
        let news = PresenceNews::Visitor {
            node: self.cluster.node().clone(),
            visitor: Box::new(visitor),
        };
        self.publish(BusEvent::presence(&site, news)).await;
    }

    /// Tells the other nodes that a shopper's last tab on this node closed.
    pub async fn announce_left(&self, site: &SiteId, visitor: &VisitorId) {
        if self.bus.single_node() {
            return;
        }
        let news = PresenceNews::VisitorLeft {
            node: self.cluster.node().clone(),
            visitor_id: visitor.clone(),
        };
        self.publish(BusEvent::presence(site, news)).await;
    }

    /// Tells the agent's sites (their dashboards) its status, and the other nodes who is live
    /// here.
    pub async fn tell_status(&self, agent: &AgentId, sites: &[SiteId], status: AgentStatus) {
        self.announce_agents(sites).await;
        for site in sites {
            self.publish(BusEvent::to_agents(
                site,
                AgentFrame::Presence {
                    site_id: site.clone(),
                    agent_id: agent.clone(),
                    status,
                },
            ))
            .await;
        }
    }

    /// The agent has no socket left (here, or on a node that went silent), or set itself
    /// offline: after the grace period, if it has not come back on any node, its chats return
    /// to the queue. The grace runs from the *last* time it went offline: a timer armed by an
    /// earlier disconnection does nothing once the agent has been back since, even if it is
    /// offline again when that timer fires (the later disconnection armed its own).
    pub async fn went_offline(&self, agent: &AgentId) {
        if self.agent_status(agent) != AgentStatus::Offline {
            return;
        }
        let mark = self.cluster.presence_mark();
        if let Ok(memberships) = self.store.memberships(agent).await {
            let sites: Vec<SiteId> = memberships.into_iter().map(|m| m.site_id).collect();
            self.tell_status(agent, &sites, AgentStatus::Offline).await;
        }
        let service = self.clone();
        let agent = agent.clone();
        let grace = self.settings.limits.agent_grace;
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(grace) => {}
                _ = service.shutdown.cancelled() => return,
            }
            if service.agent_status(&agent) == AgentStatus::Offline
                && !service.cluster.back_since(&agent, mark)
            {
                service.agent_gone(&agent).await;
            }
        });
    }

    /// Everything this node has live, for a node that asked (or after this node's own gap).
    async fn announce_everything(&self) {
        let (agent_sites, _) = self.hub.local_sites();
        self.announce_agents(&agent_sites).await;
        for visitor in self.hub.local_visitors() {
            self.announce_visitor(visitor).await;
        }
    }

    /// The heartbeat: agents per site (which keeps this node alive in the others' views), or a
    /// bare heartbeat when it only has shoppers.
    async fn heartbeat(&self) {
        let (agent_sites, shopper_sites) = self.hub.local_sites();
        if !agent_sites.is_empty() {
            self.announce_agents(&agent_sites).await;
        } else if let Some(site) = shopper_sites.first() {
            let news = PresenceNews::Heartbeat {
                node: self.cluster.node().clone(),
            };
            self.publish(BusEvent::presence(site, news)).await;
        }
    }

    /// Asks every node for everything it has live. Any site's channel reaches every node.
    async fn ask_for_everything(&self) {
        let Ok(sites) = self.store.list_sites().await else {
            return;
        };
        if let Some(site) = sites.first() {
            let news = PresenceNews::Sync {
                node: self.cluster.node().clone(),
            };
            self.publish(BusEvent::presence(&site.id, news)).await;
        }
    }
}

impl ChatService {
    /// Runs the node's presence duty until shutdown: heartbeats, expiry of silent nodes,
    /// answers to sync requests, and a fresh start after every gap in the bus.
    pub fn start_presence(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            let mut health = service.bus.health();
            let mut generation = health.borrow().generation();
            let mut tick = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS as u64));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            service.ask_for_everything().await;
            loop {
                tokio::select! {
                    _ = service.shutdown.cancelled() => return,
                    _ = tick.tick() => {
                        for (node, agents) in service.cluster.expire(Timestamp::now()) {
                            tracing::warn!(node = %node.0, "a node went silent; forgetting what it had live");
                            // Its agents' chats wait for them as if they had closed the tab.
                            for agent in agents {
                                service.went_offline(&agent).await;
                            }
                        }
                        service.heartbeat().await;
                    }
                    _ = service.cluster.sync_requested() => service.announce_everything().await,
                    changed = health.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        let now = *health.borrow_and_update();
                        if now.is_up() && now.generation() > generation {
                            generation = now.generation();
                            // News published while this node was not subscribed is lost: start
                            // over from what the others say now, and tell them what is here.
                            service.cluster.forget();
                            service.hub.resync_all();
                            service.ask_for_everything().await;
                            service.announce_everything().await;
                        }
                    }
                }
            }
        });
    }
}

impl ChatService {
    /// An agent's status anywhere in the cluster (its best one when it has tabs on several
    /// nodes): offline when it has no socket on any node this one has heard from.
    pub fn agent_status(&self, agent: &AgentId) -> AgentStatus {
        self.cluster
            .status_with(agent, self.hub.agent_status(agent))
    }

    /// The site's agents with a socket on any node, each once with its best status.
    pub fn site_agents(&self, site: &SiteId) -> Vec<(AgentId, AgentStatus)> {
        self.cluster
            .agents_with(site, self.hub.local_site_agents(site))
    }

    /// Whether any agent of the site is online (not away) on any node: a queued shopper is
    /// told honestly when nobody is, and an `offline` pre-chat form shows only then.
    pub fn site_has_agent_online(&self, site: &SiteId) -> bool {
        self.site_agents(site)
            .iter()
            .any(|(_, s)| *s == AgentStatus::Online)
    }

    /// The visitors of these sites on any node, as the live-visitors list shows them.
    pub fn live_visitors(&self, sites: &[SiteId]) -> Vec<LiveVisitor> {
        self.cluster
            .visitors_with(sites, self.hub.site_visitors(sites))
    }

    /// Whether a visitor has a socket on another node, as far as this node has heard.
    pub fn visitor_live_elsewhere(&self, site: &SiteId, visitor: &VisitorId) -> bool {
        self.cluster.has_visitor(site, visitor)
    }
}
