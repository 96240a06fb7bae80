//! Live connections on this node. The hub owns the maps (visitor → sockets and the visitor's
//! live browsing state shared by all of that visitor's tabs; agent → sockets, sites and
//! status) behind a cloneable handle.
//!
//! Delivery never waits: each socket has a bounded outbox, and a socket whose outbox is full
//! is told to close (it reconnects and resumes from its last seq), so one slow client can
//! neither slow the others nor make the server buffer without limit.

use crate::bus::{BusEvent, Delivery, Payload, Recipient, WireEvent, WireKind};
use crate::domain::{AgentId, ConversationId, SiteId, Timestamp, VisitorId};
use crate::protocol::agent::{AgentStatus, LiveVisitor};
use crate::triggers::VisitorRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio_util::sync::CancellationToken;

mod outbox;

pub use outbox::{OutboxReceiver, OutboxSender, Refused, outbox};

/// A frame on its way to one socket, encoded once for all recipients.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A chat message; the seq lets the socket drop repeats and fill gaps.
    Message {
        /// Conversation.
        conversation_id: ConversationId,
        /// Its seq.
        seq: u64,
        /// The encoded frame.
        json: Arc<str>,
    },
    /// A conversation closed: the socket forgets it as the visitor's open one.
    Closed {
        /// Conversation.
        conversation_id: ConversationId,
        /// The encoded `status` frame.
        json: Arc<str>,
    },
    /// Any other frame.
    Frame(Arc<str>),
    /// Close with a retryable code and authenticate again (an agent's memberships changed).
    Reconnect,
    /// The bus had a gap: events may have been lost, so a shopper socket re-reads its
    /// conversations from the store after the seq it has delivered.
    Resync,
}

/// A visitor's browsing state, shared by the visitor's open tabs on this node.
pub type SharedVisitor = Arc<Mutex<VisitorRecord>>;

/// Locks a visitor's state. A panic while holding the lock cannot leave a `VisitorRecord` half
/// updated in a way that matters (every update is a few field writes), so poisoning is ignored.
pub fn lock(visitor: &SharedVisitor) -> MutexGuard<'_, VisitorRecord> {
    visitor
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Socket {
    id: u64,
    outbox: OutboxSender,
    too_slow: CancellationToken,
}

struct LiveShopper {
    site_id: SiteId,
    state: SharedVisitor,
    sockets: Vec<Socket>,
}

struct LiveAgent {
    sites: Vec<SiteId>,
    status: AgentStatus,
    sockets: Vec<Socket>,
}

#[derive(Default)]
struct Inner {
    visitors: HashMap<VisitorId, LiveShopper>,
    agents: HashMap<AgentId, LiveAgent>,
    next_socket: u64,
}

/// Handle to this node's live connections (what the other nodes have live is the
/// [`Cluster`](crate::cluster::Cluster)'s, beside it).
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
}

/// A bus delivering straight to the hub: the frames for sockets. (A node's real delivery,
/// in `chat`, also feeds presence news to the cluster view and invalidations to the caches;
/// this is what tests and benchmarks of the bus use.)
impl Delivery for Hub {
    fn deliver(&self, event: &WireEvent) {
        self.deliver_wire(event);
    }

    fn wants(&self, event: &BusEvent) -> bool {
        self.has_recipients(event)
    }
}

/// Keeps a socket registered; dropping it unregisters the socket.
pub struct Registration {
    hub: Hub,
    visitor: VisitorId,
    socket: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut inner = self.hub.inner();
        if let Some(live) = inner.visitors.get_mut(&self.visitor) {
            live.sockets.retain(|s| s.id != self.socket);
            if live.sockets.is_empty() {
                inner.visitors.remove(&self.visitor);
            }
        }
    }
}

/// Keeps an agent socket registered; dropping it unregisters the socket.
pub struct AgentRegistration {
    hub: Hub,
    agent: AgentId,
    socket: u64,
}

impl Drop for AgentRegistration {
    fn drop(&mut self) {
        let mut inner = self.hub.inner();
        if let Some(live) = inner.agents.get_mut(&self.agent) {
            live.sockets.retain(|s| s.id != self.socket);
            if live.sockets.is_empty() {
                inner.agents.remove(&self.agent);
            }
        }
    }
}

impl Hub {
    /// An empty hub for a new node.
    pub fn new() -> Self {
        Hub::default()
    }

    /// After a gap in the bus, every socket here catches up from the store: shopper sockets
    /// replay what they missed by seq, agent sockets reconnect for a fresh `ready` (the
    /// dashboard refetches its open chat then). No socket stays open but deaf.
    pub fn resync_all(&self) {
        let inner = self.inner();
        let shoppers = inner
            .visitors
            .values()
            .flat_map(|v| v.sockets.iter())
            .map(|s| (s, Outbound::Resync));
        let agents = inner
            .agents
            .values()
            .flat_map(|a| a.sockets.iter())
            .map(|s| (s, Outbound::Reconnect));
        for (socket, out) in shoppers.chain(agents) {
            if socket.outbox.try_send(out).is_err() {
                // A full outbox: closing the socket makes its client reconnect and resume.
                socket.too_slow.cancel();
            }
        }
    }

    /// Every shopper live on this node, as the live-visitors list shows them.
    pub fn local_visitors(&self) -> Vec<LiveVisitor> {
        self.inner()
            .visitors
            .iter()
            .map(|(id, v)| LiveVisitor::of(&v.site_id, id, &lock(&v.state)))
            .collect()
    }

    /// This node's own agents of a site with their status, for its presence news.
    pub fn local_site_agents(&self, site: &SiteId) -> Vec<(AgentId, AgentStatus)> {
        self.inner()
            .agents
            .iter()
            .filter(|(_, a)| a.sites.contains(site))
            .map(|(id, a)| (id.clone(), a.status))
            .collect()
    }

    /// The sites this node has agents of, and those it has shoppers of: what its heartbeat
    /// reports on.
    pub fn local_sites(&self) -> (Vec<SiteId>, Vec<SiteId>) {
        let inner = self.inner();
        let mut agent_sites: Vec<SiteId> = inner
            .agents
            .values()
            .flat_map(|a| a.sites.iter().cloned())
            .collect();
        agent_sites.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        agent_sites.dedup();
        let mut shopper_sites: Vec<SiteId> =
            inner.visitors.values().map(|v| v.site_id.clone()).collect();
        shopper_sites.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        shopper_sites.dedup();
        (agent_sites, shopper_sites)
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // No code path panics while holding this lock (map operations only), and the maps
        // stay consistent between statements, so a poisoned lock is still safe to use.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a shopper socket. If the visitor already has a socket here (another tab),
    /// the new one shares that tab's live state and `loaded` is discarded.
    pub fn register_shopper(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        loaded: VisitorRecord,
        outbox: OutboxSender,
        too_slow: CancellationToken,
    ) -> (Registration, SharedVisitor) {
        let mut inner = self.inner();
        inner.next_socket += 1;
        let id = inner.next_socket;
        let live = inner
            .visitors
            .entry(visitor.clone())
            .or_insert_with(|| LiveShopper {
                site_id: site.clone(),
                state: Arc::new(Mutex::new(loaded)),
                sockets: Vec::new(),
            });
        live.sockets.push(Socket {
            id,
            outbox,
            too_slow,
        });
        let state = live.state.clone();
        (
            Registration {
                hub: self.clone(),
                visitor: visitor.clone(),
                socket: id,
            },
            state,
        )
    }

    /// Registers a shopper socket into the visitor's live state if another of its sockets
    /// is here; `None` (and nothing registered) otherwise. Check and registration are one
    /// step, so a tab that leaves at the same moment cannot be missed.
    pub fn join_live(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        outbox: OutboxSender,
        too_slow: CancellationToken,
    ) -> Option<(Registration, SharedVisitor)> {
        let mut inner = self.inner();
        inner.next_socket += 1;
        let id = inner.next_socket;
        let live = inner
            .visitors
            .get_mut(visitor)
            .filter(|l| &l.site_id == site)?;
        live.sockets.push(Socket {
            id,
            outbox,
            too_slow,
        });
        let state = live.state.clone();
        Some((
            Registration {
                hub: self.clone(),
                visitor: visitor.clone(),
                socket: id,
            },
            state,
        ))
    }

    /// Encodes an event and delivers it to its recipients' sockets on this node; what a bus
    /// does for a node, kept for callers (tests, benchmarks) that hold a typed event.
    pub fn deliver(&self, event: &BusEvent) {
        self.deliver_wire(&WireEvent::from(event));
    }

    /// Whether any socket on this node would get `event` (the same recipients
    /// [`Hub::deliver_wire`] picks): the in-process bus skips encoding an event for nobody.
    pub fn has_recipients(&self, event: &BusEvent) -> bool {
        let inner = self.inner();
        let site = &event.site_id;
        match (&event.to, &event.payload) {
            (Recipient::Visitor(visitor), Payload::Shopper(_)) => inner
                .visitors
                .get(visitor)
                .is_some_and(|live| live.site_id == *site),
            (Recipient::Agents, Payload::Agent(_)) => {
                inner.agents.values().any(|a| a.sites.contains(site))
            }
            (Recipient::Agent(agent), Payload::Reconnect) => inner.agents.contains_key(agent),
            (Recipient::Visitor(visitor), Payload::Forget) => inner
                .visitors
                .get(visitor)
                .is_some_and(|live| live.site_id == *site),
            (Recipient::Agent(agent), Payload::Agent(_)) => inner
                .agents
                .get(agent)
                .is_some_and(|a| a.sites.contains(site)),
            _ => false,
        }
    }

    /// Whether any agent of `site` has a socket on this node.
    pub fn site_has_agents(&self, site: &SiteId) -> bool {
        self.inner().agents.values().any(|a| a.sites.contains(site))
    }

    /// Delivers an encoded event to its recipients' sockets on this node; every bus, local or
    /// remote, ends here. The lock is held only to copy the recipients (and clear a closed
    /// conversation); queueing happens outside it, and the frame's JSON is shared, not copied.
    pub fn deliver_wire(&self, event: &WireEvent) {
        let recipients: Vec<(OutboxSender, CancellationToken)> = {
            let inner = self.inner();
            let copy = |sockets: &[Socket]| -> Vec<(OutboxSender, CancellationToken)> {
                sockets
                    .iter()
                    .map(|s| (s.outbox.clone(), s.too_slow.clone()))
                    .collect()
            };
            match (&event.to, &event.kind) {
                // Not for sockets: the node's delivery hands these to the cluster view and
                // the caches.
                (_, WireKind::Presence | WireKind::Invalidate) => return,
                // An erasure: the tabs' shared state starts again; no socket hears of it.
                (Recipient::Visitor(visitor), WireKind::Forget) => {
                    if let Some(live) = inner.visitors.get(visitor)
                        && live.site_id == event.site_id
                    {
                        *lock(&live.state) = VisitorRecord::first_visit(Timestamp::now());
                    }
                    return;
                }
                (
                    Recipient::Visitor(visitor),
                    WireKind::ShopperMessage { .. }
                    | WireKind::ShopperClosed { .. }
                    | WireKind::ShopperFrame,
                ) => match inner.visitors.get(visitor) {
                    Some(live) if live.site_id == event.site_id => {
                        // A closed conversation lets proactive rules speak again.
                        if let WireKind::ShopperClosed { .. } = event.kind {
                            lock(&live.state).in_conversation = false;
                        }
                        copy(&live.sockets)
                    }
                    _ => return,
                },
                (Recipient::Agents, WireKind::AgentFrame) => inner
                    .agents
                    .values()
                    .filter(|a| a.sites.contains(&event.site_id))
                    .flat_map(|a| copy(&a.sockets))
                    .collect(),
                // Whatever sites the socket still believes in: it is about to relearn them.
                (Recipient::Agent(agent), WireKind::Reconnect) => match inner.agents.get(agent) {
                    Some(live) => copy(&live.sockets),
                    None => return,
                },
                (Recipient::Agent(agent), WireKind::AgentFrame) => match inner.agents.get(agent) {
                    Some(live) if live.sites.contains(&event.site_id) => copy(&live.sockets),
                    _ => return,
                },
                // A shopper frame for agents or the reverse is a bug at the publisher.
                _ => return,
            }
        };
        if recipients.is_empty() {
            return;
        }
        let outbound = match &event.kind {
            WireKind::ShopperMessage {
                conversation_id,
                seq,
            } => Outbound::Message {
                conversation_id: conversation_id.clone(),
                seq: *seq,
                json: event.json.clone(),
            },
            WireKind::ShopperClosed { conversation_id } => Outbound::Closed {
                conversation_id: conversation_id.clone(),
                json: event.json.clone(),
            },
            WireKind::ShopperFrame | WireKind::AgentFrame => Outbound::Frame(event.json.clone()),
            WireKind::Reconnect => Outbound::Reconnect,
            // Handled above: presence news, invalidations and erasures have no recipients.
            WireKind::Presence | WireKind::Invalidate | WireKind::Forget => return,
        };
        for (outbox, too_slow) in recipients {
            if let Err(Refused::Full) = outbox.try_send(outbound.clone()) {
                too_slow.cancel();
            }
        }
    }

    /// Registers an agent socket for the agent's sites. An agent's first socket on this node
    /// makes it online; further tabs keep the status it has.
    pub fn register_agent(
        &self,
        agent: &AgentId,
        sites: Vec<SiteId>,
        outbox: OutboxSender,
        too_slow: CancellationToken,
    ) -> AgentRegistration {
        let mut inner = self.inner();
        inner.next_socket += 1;
        let id = inner.next_socket;
        let live = inner
            .agents
            .entry(agent.clone())
            .or_insert_with(|| LiveAgent {
                sites: Vec::new(),
                status: AgentStatus::Online,
                sockets: Vec::new(),
            });
        live.sites = sites;
        live.sockets.push(Socket {
            id,
            outbox,
            too_slow,
        });
        AgentRegistration {
            hub: self.clone(),
            agent: agent.clone(),
            socket: id,
        }
    }

    /// Sets a connected agent's status; `false` if it has no socket here.
    pub fn set_agent_status(&self, agent: &AgentId, status: AgentStatus) -> bool {
        let mut inner = self.inner();
        match inner.agents.get_mut(agent) {
            Some(live) => {
                live.status = status;
                true
            }
            None => false,
        }
    }

    /// An agent's status on this node (offline without a socket here).
    pub fn agent_status(&self, agent: &AgentId) -> AgentStatus {
        self.inner()
            .agents
            .get(agent)
            .map_or(AgentStatus::Offline, |a| a.status)
    }

    /// The visitors of these sites live on this node, as the live-visitors list shows them.
    pub fn site_visitors(&self, sites: &[SiteId]) -> Vec<LiveVisitor> {
        self.inner()
            .visitors
            .iter()
            .filter(|(_, v)| sites.contains(&v.site_id))
            .map(|(id, v)| LiveVisitor::of(&v.site_id, id, &lock(&v.state)))
            .collect()
    }

    /// Whether a visitor has a socket on this node.
    pub fn visitor_is_live(&self, site: &SiteId, visitor: &VisitorId) -> bool {
        self.inner()
            .visitors
            .get(visitor)
            .is_some_and(|v| &v.site_id == site)
    }

    /// The live browsing state of a visitor connected to this node.
    pub fn visitor_state(&self, site: &SiteId, visitor: &VisitorId) -> Option<VisitorRecord> {
        let inner = self.inner();
        let live = inner.visitors.get(visitor).filter(|l| &l.site_id == site)?;
        let state = lock(&live.state).clone();
        Some(state)
    }

    /// The cart total of a visitor live on this node (0 with an empty cart), read in place:
    /// it is asked on every shopper message, where cloning the whole state would be waste.
    pub fn visitor_cart_total(&self, site: &SiteId, visitor: &VisitorId) -> Option<f64> {
        let inner = self.inner();
        let live = inner.visitors.get(visitor).filter(|l| &l.site_id == site)?;
        let total = lock(&live.state).cart.as_ref().map_or(0.0, |c| c.total);
        Some(total)
    }

    /// The widget language of a visitor live on this node (`Some(None)`: live, none chosen),
    /// read in place: it is asked for every bot answer and transcript notice.
    pub fn visitor_chat_language(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Option<Option<String>> {
        let inner = self.inner();
        let live = inner.visitors.get(visitor).filter(|l| &l.site_id == site)?;
        let language = lock(&live.state).chat_language.clone();
        Some(language)
    }

    /// The id the shop verified for a visitor live on this node: `Some(None)` when live and
    /// unverified, `None` when not live here (the caller then reads the saved state).
    pub fn visitor_verified(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Option<Option<crate::domain::VerifiedId>> {
        let inner = self.inner();
        let live = inner.visitors.get(visitor).filter(|l| &l.site_id == site)?;
        let verified = lock(&live.state).verified.clone();
        Some(verified)
    }

    /// Forgets what this node holds live about a visitor's browsing, because an owner erased
    /// it: the state its tabs share starts again as a first visit at `now`, so the session's
    /// next save writes nothing of the old one. `false` when the visitor is not live here.
    pub fn reset_visitor(&self, site: &SiteId, visitor: &VisitorId, now: Timestamp) -> bool {
        let inner = self.inner();
        let Some(live) = inner.visitors.get(visitor).filter(|l| &l.site_id == site) else {
            return false;
        };
        *lock(&live.state) = VisitorRecord::first_visit(now);
        true
    }

    /// Number of shopper sockets open on this node.
    pub fn shopper_sockets(&self) -> usize {
        self.inner()
            .visitors
            .values()
            .map(|v| v.sockets.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;
    use crate::protocol::ServerFrame;

    fn event(site: &SiteId, visitor: &VisitorId) -> BusEvent {
        BusEvent::to_visitor(
            site,
            visitor,
            ServerFrame::Status {
                conversation_id: ConversationId::generate(),
                state: "bot".into(),
                agent: None,
                agent_avatar: None,
                nobody_online: false,
            },
        )
    }

    #[test]
    fn full_outbox_marks_the_socket_too_slow_and_others_still_receive() {
        let hub = Hub::new();
        let (site, visitor) = (SiteId::generate(), VisitorId::generate());
        let (slow_tx, _slow_rx) = outbox(1);
        let (fast_tx, mut fast_rx) = outbox(8);
        let slow = CancellationToken::new();
        let state = VisitorRecord::first_visit(Timestamp(0));
        let (_a, _) = hub.register_shopper(&site, &visitor, state.clone(), slow_tx, slow.clone());
        let (_b, _) =
            hub.register_shopper(&site, &visitor, state, fast_tx, CancellationToken::new());
        hub.deliver(&event(&site, &visitor));
        assert!(!slow.is_cancelled());
        hub.deliver(&event(&site, &visitor));
        assert!(slow.is_cancelled());
        assert!(fast_rx.try_recv().is_some() && fast_rx.try_recv().is_some());
    }

    #[test]
    fn dropping_the_registration_forgets_the_visitor_and_other_sites_get_nothing() {
        let hub = Hub::new();
        let (site, visitor) = (SiteId::generate(), VisitorId::generate());
        let (tx, mut rx) = outbox(8);
        let reg = hub.register_shopper(
            &site,
            &visitor,
            VisitorRecord::first_visit(Timestamp(0)),
            tx,
            CancellationToken::new(),
        );
        hub.deliver(&event(&SiteId::generate(), &visitor));
        assert!(rx.try_recv().is_none());
        assert_eq!(hub.shopper_sockets(), 1);
        drop(reg);
        assert_eq!(hub.shopper_sockets(), 0);
        assert!(hub.visitor_state(&site, &visitor).is_none());
    }
}
