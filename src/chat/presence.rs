//! This node's part in the cluster's presence: it tells the other nodes which agents and
//! shoppers it has live (when they change, and as a heartbeat), answers a newcomer's request
//! for everything, and after a gap in the bus forgets what it heard and asks again. On a
//! single node with the in-process bus the news goes nowhere but costs little, and the code
//! path is the one several nodes use.

use super::publish;
use crate::agent_protocol::{AgentFrame, AgentStatus, LiveVisitor};
use crate::bus::BusEvent;
use crate::domain::{AgentId, SiteId, Timestamp, VisitorId};
use crate::presence::{HEARTBEAT_MS, PresenceNews};
use crate::startup::AppState;
use std::time::Duration;

/// Tells the other nodes which of these sites' agents have sockets here, with their status.
pub async fn announce_agents(state: &AppState, sites: &[SiteId]) {
    for site in sites {
        let news = PresenceNews::Agents {
            node: state.hub.node().clone(),
            agents: state.hub.local_site_agents(site),
        };
        publish(state, BusEvent::presence(site, news)).await;
    }
}

/// Tells the other nodes that one of this node's shoppers joined or changed.
pub async fn announce_visitor(state: &AppState, visitor: LiveVisitor) {
    let site = visitor.site_id.clone();
    let news = PresenceNews::Visitor {
        node: state.hub.node().clone(),
        visitor: Box::new(visitor),
    };
    publish(state, BusEvent::presence(&site, news)).await;
}

/// Tells the other nodes that a shopper's last tab on this node closed.
pub async fn announce_left(state: &AppState, site: &SiteId, visitor: &VisitorId) {
    let news = PresenceNews::VisitorLeft {
        node: state.hub.node().clone(),
        visitor_id: visitor.clone(),
    };
    publish(state, BusEvent::presence(site, news)).await;
}

/// Tells the agent's sites (their dashboards) its status, and the other nodes who is live
/// here.
pub async fn tell_status(state: &AppState, agent: &AgentId, sites: &[SiteId], status: AgentStatus) {
    announce_agents(state, sites).await;
    for site in sites {
        publish(
            state,
            BusEvent::to_agents(
                site,
                AgentFrame::Presence {
                    site_id: site.clone(),
                    agent_id: agent.clone(),
                    status,
                },
            ),
        )
        .await;
    }
}

/// The agent has no socket left (here, or on a node that went silent), or set itself
/// offline: after the grace period, if it has not come back on any node, its chats return
/// to the queue. The grace runs from the *last* time it went offline: a timer armed by an
/// earlier disconnection does nothing once the agent has been back since, even if it is
/// offline again when that timer fires (the later disconnection armed its own).
pub async fn went_offline(state: &AppState, agent: &AgentId) {
    if state.hub.agent_status(agent) != AgentStatus::Offline {
        return;
    }
    let mark = state.hub.presence_mark();
    if let Ok(memberships) = state.store.memberships(agent).await {
        let sites: Vec<SiteId> = memberships.into_iter().map(|m| m.site_id).collect();
        tell_status(state, agent, &sites, AgentStatus::Offline).await;
    }
    let state = state.clone();
    let agent = agent.clone();
    let grace = state.settings.limits.agent_grace;
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep(grace) => {}
            _ = state.shutdown.cancelled() => return,
        }
        if state.hub.agent_status(&agent) == AgentStatus::Offline
            && !state.hub.back_since(&agent, mark)
        {
            super::agent_gone(&state, &agent).await;
        }
    });
}

/// Everything this node has live, for a node that asked (or after this node's own gap).
async fn announce_everything(state: &AppState) {
    let (agent_sites, _) = state.hub.local_sites();
    announce_agents(state, &agent_sites).await;
    for visitor in state.hub.local_visitors() {
        announce_visitor(state, visitor).await;
    }
}

/// The heartbeat: agents per site (which keeps this node alive in the others' views), or a
/// bare heartbeat when it only has shoppers.
async fn heartbeat(state: &AppState) {
    let (agent_sites, shopper_sites) = state.hub.local_sites();
    if !agent_sites.is_empty() {
        announce_agents(state, &agent_sites).await;
    } else if let Some(site) = shopper_sites.first() {
        let news = PresenceNews::Heartbeat {
            node: state.hub.node().clone(),
        };
        publish(state, BusEvent::presence(site, news)).await;
    }
}

/// Asks every node for everything it has live. Any site's channel reaches every node.
async fn ask_for_everything(state: &AppState) {
    let Ok(sites) = state.store.list_sites().await else {
        return;
    };
    if let Some(site) = sites.first() {
        let news = PresenceNews::Sync {
            node: state.hub.node().clone(),
        };
        publish(state, BusEvent::presence(&site.id, news)).await;
    }
}

/// Runs the node's presence duty until shutdown: heartbeats, expiry of silent nodes,
/// answers to sync requests, and a fresh start after every gap in the bus.
pub fn start(state: AppState) {
    tokio::spawn(async move {
        let mut health = state.bus.health();
        let mut generation = health.borrow().generation();
        let mut tick = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS as u64));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ask_for_everything(&state).await;
        loop {
            tokio::select! {
                _ = state.shutdown.cancelled() => return,
                _ = tick.tick() => {
                    for (node, agents) in state.hub.expire_cluster(Timestamp::now()) {
                        tracing::warn!(node = %node.0, "a node went silent; forgetting what it had live");
                        // Its agents' chats wait for them as if they had closed the tab.
                        for agent in agents {
                            went_offline(&state, &agent).await;
                        }
                    }
                    heartbeat(&state).await;
                }
                _ = state.hub.sync_requested() => announce_everything(&state).await,
                changed = health.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let now = *health.borrow_and_update();
                    if now.is_up() && now.generation() > generation {
                        generation = now.generation();
                        // News published while this node was not subscribed is lost: start
                        // over from what the others say now, and tell them what is here.
                        state.hub.forget_cluster();
                        state.hub.resync_all();
                        ask_for_everything(&state).await;
                        announce_everything(&state).await;
                    }
                }
            }
        }
    });
}
