//! Who is live on the *other* nodes: their agents with a status and their shoppers on the
//! shop. Each node's [`Hub`](crate::hub::Hub) knows its own sockets; this view is what a node
//! has learned about the rest of the cluster from the bus (presence changes as they happen,
//! plus a heartbeat per node), so routing, the `agents_online` fact and the dashboard's live
//! visitors can ask "who is online anywhere" without a network round trip per browsing event.
//!
//! A node that stops sending heartbeats (killed, cut off from Redis) is forgotten with
//! everything it reported after [`NODE_TTL_MS`], so a crash never leaves agents "online" who
//! can no longer answer. Pure: times are passed in, nothing here does I/O.

use crate::agent_protocol::{AgentStatus, LiveVisitor};
use crate::domain::{AgentId, SiteId, Timestamp, VisitorId};
use std::collections::HashMap;

/// How often a node announces itself and what it has live.
pub const HEARTBEAT_MS: i64 = 5_000;
/// Silence after which a node and everything it reported are dropped: three heartbeats, so
/// one late or lost message does not make a whole node's agents flicker offline.
pub const NODE_TTL_MS: i64 = 3 * HEARTBEAT_MS;

/// A node of the cluster, named once per process.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NodeId(pub String);

/// An agent with sockets on some node.
#[derive(Debug, Clone)]
struct RemoteAgent {
    sites: Vec<SiteId>,
    status: AgentStatus,
}

/// The live state of the other nodes, as far as this node has heard.
#[derive(Debug, Default)]
pub struct ClusterView {
    /// Last heartbeat (or any presence news) per node.
    nodes: HashMap<NodeId, Timestamp>,
    /// Per node, its agents. An agent with tabs on two nodes appears under both.
    agents: HashMap<NodeId, HashMap<AgentId, RemoteAgent>>,
    /// Per node, its live visitors. A shopper's tabs may sit on two nodes too.
    visitors: HashMap<NodeId, HashMap<VisitorId, LiveVisitor>>,
}

impl ClusterView {
    /// An empty view: nothing known about other nodes yet.
    pub fn new() -> Self {
        ClusterView::default()
    }

    /// `node` is alive at `now`.
    pub fn heartbeat(&mut self, node: &NodeId, now: Timestamp) {
        self.nodes.insert(node.clone(), now);
    }

    /// `node` reports an agent's status; `Offline` means it has no socket there any more.
    pub fn agent(
        &mut self,
        node: &NodeId,
        agent: &AgentId,
        sites: &[SiteId],
        status: AgentStatus,
        now: Timestamp,
    ) {
        self.heartbeat(node, now);
        let agents = self.agents.entry(node.clone()).or_default();
        if status == AgentStatus::Offline {
            agents.remove(agent);
        } else {
            agents.insert(
                agent.clone(),
                RemoteAgent {
                    sites: sites.to_vec(),
                    status,
                },
            );
        }
    }

    /// `node` reports a visitor joined or changed.
    pub fn visitor(&mut self, node: &NodeId, visitor: LiveVisitor, now: Timestamp) {
        self.heartbeat(node, now);
        self.visitors
            .entry(node.clone())
            .or_default()
            .insert(visitor.visitor_id.clone(), visitor);
    }

    /// `node` reports a visitor's last tab there closed.
    pub fn visitor_left(&mut self, node: &NodeId, visitor: &VisitorId, now: Timestamp) {
        self.heartbeat(node, now);
        if let Some(visitors) = self.visitors.get_mut(node) {
            visitors.remove(visitor);
        }
    }

    /// Forgets the nodes silent for longer than [`NODE_TTL_MS`] and what they reported.
    /// Returns the forgotten nodes, so the caller can log them and re-route their chats.
    pub fn expire(&mut self, now: Timestamp) -> Vec<NodeId> {
        let dead: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(_, seen)| now.millis_since(**seen) > NODE_TTL_MS)
            .map(|(node, _)| node.clone())
            .collect();
        for node in &dead {
            self.nodes.remove(node);
            self.agents.remove(node);
            self.visitors.remove(node);
        }
        dead
    }

    /// An agent's best status on any other node (online beats away beats offline).
    pub fn agent_status(&self, agent: &AgentId) -> AgentStatus {
        self.agents
            .values()
            .filter_map(|agents| agents.get(agent).map(|a| a.status))
            .fold(AgentStatus::Offline, best)
    }

    /// The site's agents on other nodes with their best status, each once.
    pub fn site_agents(&self, site: &SiteId) -> Vec<(AgentId, AgentStatus)> {
        let mut merged: HashMap<&AgentId, AgentStatus> = HashMap::new();
        for agents in self.agents.values() {
            for (id, a) in agents.iter().filter(|(_, a)| a.sites.contains(site)) {
                let status = merged.entry(id).or_insert(AgentStatus::Offline);
                *status = best(*status, a.status);
            }
        }
        merged
            .into_iter()
            .map(|(id, status)| (id.clone(), status))
            .collect()
    }

    /// Visitors of these sites live on other nodes, each once (the most recently changed
    /// report wins when a shopper has tabs on two nodes).
    pub fn live_visitors(&self, sites: &[SiteId]) -> Vec<LiveVisitor> {
        let mut merged: HashMap<&VisitorId, &LiveVisitor> = HashMap::new();
        for visitors in self.visitors.values() {
            for (id, v) in visitors.iter().filter(|(_, v)| sites.contains(&v.site_id)) {
                let newer = merged
                    .get(id)
                    .is_none_or(|seen| v.page_entered_at >= seen.page_entered_at);
                if newer {
                    merged.insert(id, v);
                }
            }
        }
        merged.into_values().cloned().collect()
    }
}

/// The more available of two statuses.
pub fn best(a: AgentStatus, b: AgentStatus) -> AgentStatus {
    fn rank(s: AgentStatus) -> u8 {
        match s {
            AgentStatus::Offline => 0,
            AgentStatus::Away => 1,
            AgentStatus::Online => 2,
        }
    }
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VisitorState;

    fn node(name: &str) -> NodeId {
        NodeId(name.into())
    }

    fn site(n: u8) -> SiteId {
        SiteId::parse(&format!("site_{}", n.to_string().repeat(20))).unwrap()
    }

    fn visitor_on(site: &SiteId, id: &VisitorId, entered: i64) -> LiveVisitor {
        let mut state = VisitorState::first_visit(Timestamp(0));
        state.page_entered_at = Some(Timestamp(entered));
        LiveVisitor::of(site, id, &state)
    }

    #[test]
    fn an_agent_online_anywhere_is_online_and_listed_once_per_site() {
        let (a, b) = (node("a"), node("b"));
        let ann = AgentId::generate();
        let mut view = ClusterView::new();
        view.agent(&a, &ann, &[site(1)], AgentStatus::Away, Timestamp(0));
        view.agent(&b, &ann, &[site(1)], AgentStatus::Online, Timestamp(0));
        assert_eq!(view.agent_status(&ann), AgentStatus::Online);
        assert_eq!(
            view.site_agents(&site(1)),
            vec![(ann.clone(), AgentStatus::Online)]
        );
        assert!(
            view.site_agents(&site(2)).is_empty(),
            "not an agent of site 2"
        );
        // Its tab on b closes: what a reports still counts.
        view.agent(&b, &ann, &[site(1)], AgentStatus::Offline, Timestamp(1));
        assert_eq!(view.agent_status(&ann), AgentStatus::Away);
    }

    #[test]
    fn a_silent_node_is_forgotten_with_its_agents_and_visitors() {
        let (a, b) = (node("a"), node("b"));
        let (ann, bob) = (AgentId::generate(), AgentId::generate());
        let eva = VisitorId::generate();
        let mut view = ClusterView::new();
        view.agent(&a, &ann, &[site(1)], AgentStatus::Online, Timestamp(0));
        view.agent(&b, &bob, &[site(1)], AgentStatus::Online, Timestamp(0));
        view.visitor(&a, visitor_on(&site(1), &eva, 0), Timestamp(0));
        // b keeps beating, a falls silent.
        view.heartbeat(&b, Timestamp(NODE_TTL_MS));
        assert!(
            view.expire(Timestamp(NODE_TTL_MS)).is_empty(),
            "not yet past the TTL"
        );
        assert_eq!(view.expire(Timestamp(NODE_TTL_MS + 1)), vec![a]);
        assert_eq!(view.agent_status(&ann), AgentStatus::Offline);
        assert_eq!(view.agent_status(&bob), AgentStatus::Online);
        assert!(view.live_visitors(&[site(1)]).is_empty());
    }

    #[test]
    fn visitors_are_listed_by_site_once_with_the_newest_report() {
        let (a, b) = (node("a"), node("b"));
        let (eva, max) = (VisitorId::generate(), VisitorId::generate());
        let mut view = ClusterView::new();
        view.visitor(&a, visitor_on(&site(1), &eva, 10), Timestamp(0));
        view.visitor(&b, visitor_on(&site(1), &eva, 20), Timestamp(0));
        view.visitor(&b, visitor_on(&site(2), &max, 5), Timestamp(0));
        let on_1 = view.live_visitors(&[site(1)]);
        assert_eq!(on_1.len(), 1);
        assert_eq!(on_1[0].page_entered_at, Some(Timestamp(20)));
        assert_eq!(view.live_visitors(&[site(1), site(2)]).len(), 2);
        view.visitor_left(&b, &eva, Timestamp(1));
        let on_1 = view.live_visitors(&[site(1)]);
        assert_eq!(
            on_1[0].page_entered_at,
            Some(Timestamp(10)),
            "a's tab is still open"
        );
    }

    #[test]
    fn online_beats_away_beats_offline() {
        use AgentStatus::*;
        for (a, b, want) in [
            (Offline, Away, Away),
            (Away, Online, Online),
            (Online, Offline, Online),
            (Offline, Offline, Offline),
        ] {
            assert_eq!(best(a, b), want);
            assert_eq!(best(b, a), want);
        }
    }
}
