//! Who is live on the *other* nodes, kept beside this node's own [`Hub`](crate::hub::Hub):
//! [`view`] is the pure model (news in, answers out, times passed in), and [`Cluster`] the
//! node's shared handle to it, fed by presence news from the bus and asked by the application
//! when it needs "who is online anywhere" (routing, the `agents_online` fact, the dashboard's
//! live visitors) without a network round trip per browsing event.

pub mod view;

pub use view::{ClusterView, HEARTBEAT_MS, NODE_TTL_MS, NodeId, PresenceNews, best};

use crate::domain::{AgentId, SiteId, Timestamp, VisitorId};
use crate::protocol::agent::{AgentStatus, LiveVisitor};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

#[derive(Default)]
struct State {
    view: ClusterView,
    /// Counts presence events, so "came back since" needs no clock (two events in the same
    /// millisecond stay ordered).
    clock: u64,
    /// Per agent, the `clock` when it was last seen available (a socket here, a status change
    /// to online or away, another node's report of it): an agent's grace timer sheds its
    /// chats only if the agent has not been back since the timer started. One small entry
    /// per account that ever connected.
    last_seen: HashMap<AgentId, u64>,
}

impl State {
    fn seen(&mut self, agent: &AgentId) {
        self.clock += 1;
        let now = self.clock;
        self.last_seen.insert(agent.clone(), now);
    }
}

/// This node's handle to what it knows of the other nodes. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    state: Arc<Mutex<State>>,
    node: Arc<NodeId>,
    /// Woken when another node asks for everything this one has live.
    sync_wanted: Arc<Notify>,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            state: Arc::default(),
            node: Arc::new(NodeId::generate()),
            sync_wanted: Arc::default(),
        }
    }
}

impl Cluster {
    /// A fresh view for a new node (a new random node name).
    pub fn new() -> Self {
        Cluster::default()
    }

    /// This node's name in presence news.
    pub fn node(&self) -> &NodeId {
        &self.node
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every update is a few map operations that cannot panic half-way, so a poisoned
        // lock still guards consistent data.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes in presence news from the bus; this node's own news is already known first hand.
    pub fn learn(&self, site: &SiteId, json: &str) {
        let news: PresenceNews = match serde_json::from_str(json) {
            Ok(news) => news,
            Err(e) => {
                tracing::debug!(error = %e, "unreadable presence news");
                return;
            }
        };
        if news.node() == self.node.as_ref() {
            return;
        }
        if let PresenceNews::Sync { .. } = news {
            self.sync_wanted.notify_one();
        }
        let mut state = self.state();
        if let PresenceNews::Agents { agents, .. } = &news {
            for (agent, _) in agents.iter().filter(|(_, s)| *s != AgentStatus::Offline) {
                state.seen(agent);
            }
        }
        state.view.apply(site, news, Timestamp::now());
    }

    /// Resolves when another node has asked for everything this node has live.
    pub async fn sync_requested(&self) {
        self.sync_wanted.notified().await;
    }

    /// Forgets what other nodes reported (after a gap in the bus).
    pub fn forget(&self) {
        self.state().view.clear();
    }

    /// Forgets other nodes that went silent; returns them with the agents they had.
    pub fn expire(&self, now: Timestamp) -> Vec<(NodeId, Vec<AgentId>)> {
        self.state().view.expire(now)
    }

    /// Records that `agent` is available now (a socket or a status change on this node).
    pub fn seen(&self, agent: &AgentId) {
        self.state().seen(agent);
    }

    /// A mark for "now" in presence events, taken when an agent goes offline; see
    /// [`Cluster::back_since`].
    pub fn presence_mark(&self) -> u64 {
        let mut state = self.state();
        state.clock += 1;
        state.clock
    }

    /// Whether the agent has been available (here or on another node) since `mark`: then the
    /// grace period that started at `mark` is void, and a later disconnection starts its own.
    pub fn back_since(&self, agent: &AgentId, mark: u64) -> bool {
        self.state()
            .last_seen
            .get(agent)
            .is_some_and(|&seen| seen > mark)
    }

    /// An agent's best status on the other nodes.
    pub fn agent_status(&self, agent: &AgentId) -> AgentStatus {
        self.state().view.agent_status(agent)
    }

    /// The site's agents on the other nodes.
    pub fn site_agents(&self, site: &SiteId) -> Vec<(AgentId, AgentStatus)> {
        self.state().view.site_agents(site)
    }

    /// The site's visitors on the other nodes.
    pub fn live_visitors(&self, sites: &[SiteId]) -> Vec<LiveVisitor> {
        self.state().view.live_visitors(sites)
    }

    /// An agent's status anywhere in the cluster, given its status on this node: its best
    /// one when it has tabs on several nodes, offline when it has no socket anywhere.
    pub fn status_with(&self, agent: &AgentId, here: AgentStatus) -> AgentStatus {
        best(here, self.agent_status(agent))
    }

    /// The site's agents on any node, given this node's own: each once, with its best status.
    pub fn agents_with(
        &self,
        site: &SiteId,
        mut here: Vec<(AgentId, AgentStatus)>,
    ) -> Vec<(AgentId, AgentStatus)> {
        for (id, status) in self.site_agents(site) {
            match here.iter_mut().find(|(a, _)| *a == id) {
                Some((_, mine)) => *mine = best(*mine, status),
                None => here.push((id, status)),
            }
        }
        here
    }

    /// The sites' visitors on any node, given this node's own (which win over another
    /// node's report of the same shopper).
    pub fn visitors_with(&self, sites: &[SiteId], mut here: Vec<LiveVisitor>) -> Vec<LiveVisitor> {
        for remote in self.live_visitors(sites) {
            if !here.iter().any(|v| v.visitor_id == remote.visitor_id) {
                here.push(remote);
            }
        }
        here
    }

    /// Whether a visitor has a socket on another node, as far as this node has heard.
    pub fn has_visitor(&self, site: &SiteId, visitor: &VisitorId) -> bool {
        self.state().view.has_visitor(site, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_back_here_or_on_another_node_voids_an_earlier_offline_mark() {
        let cluster = Cluster::new();
        let (site, ann) = (SiteId::generate(), AgentId::generate());
        let mark = cluster.presence_mark();
        assert!(!cluster.back_since(&ann, mark));
        // Back on another node: its presence news counts.
        let news = PresenceNews::Agents {
            node: NodeId("other".into()),
            agents: vec![(ann.clone(), AgentStatus::Online)],
        };
        let json = serde_json::to_string(&news).unwrap();
        cluster.learn(&site, &json);
        assert!(cluster.back_since(&ann, mark));
        // A later mark (the next disconnection) is not voided by the earlier return…
        let later = cluster.presence_mark();
        assert!(!cluster.back_since(&ann, later));
        // …but a socket here is a return.
        cluster.seen(&ann);
        assert!(cluster.back_since(&ann, later));
    }
}
