//! Which agent gets which chat: capacity, status, skills, stickiness, queue order. Pure, so
//! the choices can be tested exhaustively; the conversations work calls it when a chat is
//! queued and when an agent frees up or comes online.

use crate::domain::{AgentId, AgentStatus, ConversationId, Timestamp};
use std::collections::BTreeSet;

/// What routing needs to know about an agent.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Id.
    pub id: AgentId,
    /// Availability.
    pub status: AgentStatus,
    /// Most chats at once.
    pub capacity: u32,
    /// Chats now.
    pub active: u32,
    /// Skills and teams (`de`, `returns`).
    pub skills: BTreeSet<String>,
}

impl Agent {
    fn can_take(&self, skill: Option<&str>) -> bool {
        self.status == AgentStatus::Online
            && self.active < self.capacity
            && skill.is_none_or(|s| self.skills.contains(s))
    }
}

/// A chat waiting for a person.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The conversation.
    pub id: ConversationId,
    /// Priority set by a trigger or keyword rule (higher first).
    pub priority: u8,
    /// Cart value, which breaks priority ties.
    pub cart_total: f64,
    /// When it was queued.
    pub queued_at: Timestamp,
    /// A skill it needs, if any.
    pub skill: Option<String>,
    /// The agent who last talked with this shopper.
    pub last_agent: Option<AgentId>,
}

/// Queue order: priority, then cart value, then the longest wait first.
pub fn order(queue: &mut [Waiting]) {
    queue.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(b.cart_total.total_cmp(&a.cart_total))
            .then(a.queued_at.cmp(&b.queued_at))
            .then(a.id.cmp(&b.id))
    });
}

/// The agent for a chat: its last agent if that one can take it, else the least loaded
/// (by share of capacity, then by count) online agent with the skill.
pub fn pick<'a>(chat: &Waiting, agents: &'a [Agent]) -> Option<&'a Agent> {
    let skill = chat.skill.as_deref();
    if let Some(last) = &chat.last_agent
        && let Some(agent) = agents.iter().find(|a| &a.id == last && a.can_take(skill))
    {
        return Some(agent);
    }
    agents.iter().filter(|a| a.can_take(skill)).min_by(|a, b| {
        let load = |x: &Agent| f64::from(x.active) / f64::from(x.capacity.max(1));
        load(a)
            .total_cmp(&load(b))
            .then(a.active.cmp(&b.active))
            .then(a.id.cmp(&b.id))
    })
}

/// Assigns as many waiting chats as the agents can take, in queue order.
pub fn assign(queue: &mut [Waiting], agents: &mut [Agent]) -> Vec<(ConversationId, AgentId)> {
    order(queue);
    let mut out = Vec::new();
    for chat in queue.iter() {
        let Some(id) = pick(chat, agents).map(|a| a.id.clone()) else {
            continue;
        };
        if let Some(agent) = agents.iter_mut().find(|a| a.id == id) {
            agent.active += 1;
        }
        out.push((chat.id.clone(), id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(active: u32, capacity: u32, status: AgentStatus, skills: &[&str]) -> Agent {
        Agent {
            id: AgentId::generate(),
            status,
            capacity,
            active,
            skills: skills.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn chat(priority: u8, cart: f64, at: i64) -> Waiting {
        Waiting {
            id: ConversationId::generate(),
            priority,
            cart_total: cart,
            queued_at: Timestamp(at),
            skill: None,
            last_agent: None,
        }
    }

    #[test]
    fn least_loaded_online_agent_with_the_skill() {
        let agents = vec![
            agent(1, 2, AgentStatus::Online, &["en"]),
            agent(1, 4, AgentStatus::Online, &["de"]),
            agent(0, 4, AgentStatus::Away, &["en", "de"]),
            agent(3, 3, AgentStatus::Online, &["de"]),
        ];
        assert_eq!(
            pick(&chat(0, 0.0, 0), &agents).unwrap().id,
            agents[1].id,
            "1/4 beats 1/2"
        );
        let mut german = chat(0, 0.0, 0);
        german.skill = Some("de".into());
        assert_eq!(pick(&german, &agents).unwrap().id, agents[1].id);
        german.skill = Some("fr".into());
        assert!(pick(&german, &agents).is_none(), "nobody speaks French");
    }

    #[test]
    fn the_last_agent_is_preferred_while_they_can_take_it() {
        let agents = vec![
            agent(0, 5, AgentStatus::Online, &[]),
            agent(2, 5, AgentStatus::Online, &[]),
        ];
        let mut again = chat(0, 0.0, 0);
        again.last_agent = Some(agents[1].id.clone());
        assert_eq!(pick(&again, &agents).unwrap().id, agents[1].id);
        let full = vec![agents[0].clone(), agent(5, 5, AgentStatus::Online, &[])];
        again.last_agent = Some(full[1].id.clone());
        assert_eq!(
            pick(&again, &full).unwrap().id,
            full[0].id,
            "a full last agent is skipped"
        );
    }

    #[test]
    fn queue_order_and_assignment_respect_capacity() {
        let mut queue = vec![
            chat(0, 50.0, 1),
            chat(2, 0.0, 5),
            chat(0, 300.0, 9),
            chat(0, 50.0, 0),
        ];
        let ids: Vec<_> = queue.iter().map(|c| c.id.clone()).collect();
        order(&mut queue);
        let ordered: Vec<_> = queue.iter().map(|c| c.id.clone()).collect();
        assert_eq!(
            ordered,
            vec![
                ids[1].clone(),
                ids[2].clone(),
                ids[3].clone(),
                ids[0].clone()
            ]
        );

        let mut agents = vec![
            agent(0, 1, AgentStatus::Online, &[]),
            agent(0, 2, AgentStatus::Online, &[]),
        ];
        let assigned = assign(&mut queue, &mut agents);
        assert_eq!(assigned.len(), 3, "three seats for four chats");
        assert_eq!(assigned[0].0, ids[1], "the priority chat first");
        assert!(agents.iter().all(|a| a.active <= a.capacity));
    }
}
