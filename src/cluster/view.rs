//! Who is live on the *other* nodes: their agents with a status and their shoppers on the
//! shop. Each node's [`Hub`](crate::hub::Hub) knows its own sockets; this view is what a node
//! has learned about the rest of the cluster from the bus (presence changes as they happen,
//! plus a heartbeat per node), so routing, the `agents_online` fact and the dashboard's live
//! visitors can ask "who is online anywhere" without a network round trip per browsing event.
//!
//! A node that stops sending heartbeats (killed, cut off from Redis) is forgotten with
//! everything it reported after [`NODE_TTL_MS`], so a crash never leaves agents "online" who
//! can no longer answer. Pure: times are passed in, nothing here does I/O.

use crate::domain::{AgentId, SiteId, Timestamp, VisitorId};
use crate::protocol::agent::{AgentStatus, LiveVisitor};
use std::collections::HashMap;

/// How often a node announces itself and what it has live.
pub const HEARTBEAT_MS: i64 = 5_000;
/// Silence after which a node and everything it reported are dropped: three heartbeats, so
/// one late or lost message does not make a whole node's agents flicker offline.
pub const NODE_TTL_MS: i64 = 3 * HEARTBEAT_MS;

/// A node of the cluster, named once per process.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NodeId(pub String);

impl NodeId {
    /// A fresh random name: a restarted process is a new node, so nothing it reported before
    /// dying is mistaken for its current state.
    pub fn generate() -> Self {
        NodeId(format!("node_{}", crate::domain::random_token(12)))
    }
}

/// What a node tells the others about what it has live on one site. Travels on the bus as
/// the site's event, so it needs no channel of its own and reaches every node.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "news", rename_all = "snake_case")]
pub enum PresenceNews {
    /// Every agent of the site with a socket on `node`, with its status: sent when one of
    /// them changes and as the node's heartbeat. An empty list means none any more.
    Agents {
        /// The reporting node.
        node: NodeId,
        /// Its agents of this site.
        agents: Vec<(AgentId, AgentStatus)>,
    },
    /// A shopper on `node` joined or changed page or cart.
    Visitor {
        /// The reporting node.
        node: NodeId,
        /// The shopper as the live-visitors list shows it (boxed: far larger than the rest).
        visitor: Box<LiveVisitor>,
    },
    /// A shopper's last tab on `node` closed.
    VisitorLeft {
        /// The reporting node.
        node: NodeId,
        /// The shopper.
        visitor_id: VisitorId,
    },
    /// `node` is alive (sent when it has shoppers but no agents to report).
    Heartbeat {
        /// The reporting node.
        node: NodeId,
    },
    /// `node` knows nothing (it just started, or its bus was down and news may have been
    /// lost): every node answers with everything it has live.
    Sync {
        /// The asking node.
        node: NodeId,
    },
}

impl PresenceNews {
    /// The node the news comes from.
    pub fn node(&self) -> &NodeId {
        match self {
            PresenceNews::Agents { node, .. }
            | PresenceNews::Visitor { node, .. }
            | PresenceNews::VisitorLeft { node, .. }
            | PresenceNews::Heartbeat { node }
            | PresenceNews::Sync { node } => node,
        }
    }
}

/// The live state of the other nodes, as far as this node has heard.
#[derive(Debug, Default)]
pub struct ClusterView {
    /// Last heartbeat (or any presence news) per node.
    nodes: HashMap<NodeId, Timestamp>,
    /// Per node and site, its agents. An agent with tabs on two nodes appears under both.
    agents: HashMap<NodeId, HashMap<SiteId, Vec<(AgentId, AgentStatus)>>>,
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

    /// Applies news from another node about `site` (the caller skips its own node's news).
    pub fn apply(&mut self, site: &SiteId, news: PresenceNews, now: Timestamp) {
        match news {
            PresenceNews::Agents { node, agents } => self.site_agents_on(&node, site, agents, now),
            PresenceNews::Visitor { node, visitor } => self.visitor(&node, *visitor, now),
            PresenceNews::VisitorLeft { node, visitor_id } => {
                self.visitor_left(&node, &visitor_id, now)
            }
            PresenceNews::Heartbeat { node } | PresenceNews::Sync { node } => {
                self.heartbeat(&node, now)
            }
        }
    }

    /// `node` reports all its agents of `site` with their status (none: an empty list).
    pub fn site_agents_on(
        &mut self,
        node: &NodeId,
        site: &SiteId,
        agents: Vec<(AgentId, AgentStatus)>,
        now: Timestamp,
    ) {
        self.heartbeat(node, now);
        let sites = self.agents.entry(node.clone()).or_default();
        if agents.is_empty() {
            sites.remove(site);
        } else {
            sites.insert(site.clone(), agents);
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

    /// Forgets everything: after a gap in the news, what was heard before may be stale.
    pub fn clear(&mut self) {
        *self = ClusterView::default();
    }

    /// Forgets the nodes silent for longer than [`NODE_TTL_MS`] and what they reported.
    /// Returns each forgotten node with the agents it had, so the caller can log it and give
    /// those agents' chats back to the queue if they do not turn up elsewhere.
    pub fn expire(&mut self, now: Timestamp) -> Vec<(NodeId, Vec<AgentId>)> {
        let dead: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|(_, seen)| now.millis_since(**seen) > NODE_TTL_MS)
            .map(|(node, _)| node.clone())
            .collect();
        dead.into_iter()
            .map(|node| {
                self.nodes.remove(&node);
                self.visitors.remove(&node);
                let mut agents: Vec<AgentId> = self
                    .agents
                    .remove(&node)
                    .into_iter()
                    .flat_map(|sites| sites.into_values())
                    .flatten()
                    .map(|(id, _)| id)
                    .collect();
                agents.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                agents.dedup();
                (node, agents)
            })
            .collect()
    }

    /// An agent's best status on any other node (online beats away beats offline).
    pub fn agent_status(&self, agent: &AgentId) -> AgentStatus {
        self.agents
            .values()
            .flat_map(|sites| sites.values())
            .flatten()
            .filter(|(id, _)| id == agent)
            .fold(AgentStatus::Offline, |acc, (_, s)| best(acc, *s))
    }

    /// The site's agents on other nodes with their best status, each once.
    pub fn site_agents(&self, site: &SiteId) -> Vec<(AgentId, AgentStatus)> {
        let mut merged: HashMap<&AgentId, AgentStatus> = HashMap::new();
        for (id, s) in self
            .agents
            .values()
            .filter_map(|sites| sites.get(site))
            .flatten()
        {
            let status = merged.entry(id).or_insert(AgentStatus::Offline);
            *status = best(*status, *s);
        }
        merged
            .into_iter()
            .map(|(id, status)| (id.clone(), status))
            .collect()
    }

    /// Whether another node reports this shopper live.
    pub fn has_visitor(&self, site: &SiteId, visitor: &VisitorId) -> bool {
        self.visitors
            .values()
            .filter_map(|visitors| visitors.get(visitor))
            .any(|v| &v.site_id == site)
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
        let news = |node: &NodeId, status| PresenceNews::Agents {
            node: node.clone(),
            agents: vec![(ann.clone(), status)],
        };
        view.apply(&site(1), news(&a, AgentStatus::Away), Timestamp(0));
        view.apply(&site(1), news(&b, AgentStatus::Online), Timestamp(0));
        assert_eq!(view.agent_status(&ann), AgentStatus::Online);
        assert_eq!(
            view.site_agents(&site(1)),
            vec![(ann.clone(), AgentStatus::Online)]
        );
        assert!(
            view.site_agents(&site(2)).is_empty(),
            "not an agent of site 2"
        );
        // Its tab on b closes (b reports no agents for the site): what a reports still counts.
        let none = PresenceNews::Agents {
            node: b.clone(),
            agents: vec![],
        };
        view.apply(&site(1), none, Timestamp(1));
        assert_eq!(view.agent_status(&ann), AgentStatus::Away);
        assert_eq!(
            view.site_agents(&site(1)),
            vec![(ann.clone(), AgentStatus::Away)]
        );
    }

    #[test]
    fn a_silent_node_is_forgotten_with_its_agents_and_visitors() {
        let (a, b) = (node("a"), node("b"));
        let (ann, bob) = (AgentId::generate(), AgentId::generate());
        let eva = VisitorId::generate();
        let mut view = ClusterView::new();
        view.site_agents_on(
            &a,
            &site(1),
            vec![(ann.clone(), AgentStatus::Online)],
            Timestamp(0),
        );
        view.site_agents_on(
            &b,
            &site(1),
            vec![(bob.clone(), AgentStatus::Online)],
            Timestamp(0),
        );
        view.visitor(&a, visitor_on(&site(1), &eva, 0), Timestamp(0));
        // b keeps beating, a falls silent.
        view.heartbeat(&b, Timestamp(NODE_TTL_MS));
        assert!(
            view.expire(Timestamp(NODE_TTL_MS)).is_empty(),
            "not yet past the TTL"
        );
        assert_eq!(
            view.expire(Timestamp(NODE_TTL_MS + 1)),
            vec![(a, vec![ann.clone()])]
        );
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
    fn news_survives_the_trip_as_json() {
        let eva = VisitorId::generate();
        let news = PresenceNews::Visitor {
            node: node("a"),
            visitor: Box::new(visitor_on(&site(1), &eva, 7)),
        };
        let text = serde_json::to_string(&news).unwrap();
        let back: PresenceNews = serde_json::from_str(&text).unwrap();
        assert_eq!(back, news);
        assert_eq!(back.node(), &node("a"));
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
