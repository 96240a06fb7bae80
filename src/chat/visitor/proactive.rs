//! The trigger engine on a shopper socket: evaluate on every event and on the one armed timer,
//! make the firing durable, then act; and credit later funnel stages to the rule that fired.

mod funnel;
mod plan;

use super::ShopperSession;
use crate::domain::{AgentId, Author, AuthorKind, ClientMsgId, MessageText, RuleId, Timestamp};
use crate::hub::lock;
use crate::protocol::ServerFrame;
use crate::protocol::agent::AgentStatus;
use crate::store::{Appended, NewMessage, StoreError};
use crate::triggers::{Facts, Firing, FunnelStage, Persona, VisitorRecord, Wake};
use plan::{Early, Planned, Prepared, plan};
use std::time::Instant;

impl ShopperSession {
    /// Evaluates the site's rules and acts on a firing; returns the next moment a rule could
    /// fire (the socket arms its one timer for it; `None`: nothing to wait for).
    pub async fn run_triggers(&mut self, wake: Wake<'_>) -> Option<Timestamp> {
        let rules = match self.service.site_rules(&self.site.id).await {
            Ok(rules) => rules,
            Err(e) => {
                tracing::warn!(error = %e, site = %self.site.id, "cannot load trigger rules");
                return None;
            }
        };
        let now = Timestamp::now();
        let typing = self
            .typing_until
            .is_some_and(|until| Instant::now() < until);
        let visitor = &self.visitor;
        let business_hours = rules
            .settings
            .business_hours
            .as_ref()
            .is_none_or(|h| h.is_open(now));
        let online = self.online_agents();
        let max_chars = self.service.settings.limits.max_message_chars;
        let (firing, snapshot, planned, next) = {
            let mut state = lock(&self.browsing);
            let in_conversation = state.in_conversation;
            let facts = Facts {
                now,
                visitor: &state,
                online_agents: &online,
                business_hours,
                in_conversation,
                shop: self.shop.as_deref(),
            };
            // Every glob matched once, for both the evaluation and the plan: recording a
            // firing below changes the history, never the facts globs test.
            let matched = rules.set.matched(&facts);
            let firing = rules
                .set
                .evaluate_with(&matched, wake, &facts, visitor, typing);
            let planned = match &firing {
                Some(f) if !f.held_out => {
                    let rule = &rules.set.rules()[f.index];
                    plan(rule, f, &facts, &self.site.id, visitor, max_chars)
                }
                _ => Vec::new(),
            };
            if let Some(f) = &firing {
                rules.set.record(f, &mut state, now);
                for action in &planned {
                    if let Planned::Tag(tag) = action
                        && state.tags.len() < 50
                    {
                        state.tags.insert(tag.clone());
                    }
                }
            }
            let facts = Facts {
                now,
                visitor: &state,
                online_agents: &online,
                business_hours,
                in_conversation,
                shop: self.shop.as_deref(),
            };
            let next = rules.set.next_wake_with(&matched, &facts);
            let snapshot = firing.is_some().then(|| state.clone());
            (firing, snapshot, planned, next)
        };
        let next = self.or_when_typing_ends(next, typing, now);
        let Some(firing) = firing else {
            return next;
        };

        // Durable before visible: once saved, no tab, reconnect or restart shows it again.
        let mut planned = planned;
        let early = self.prepare_first(&firing.rule_id, now, &mut planned).await;
        let (saved, early) = self.record_firing(&firing, snapshot.as_ref(), early).await;
        if let Err(e) = saved {
            tracing::error!(error = %e, rule = %firing.rule_id, "cannot record a firing; not showing it");
            return next;
        }
        if snapshot.is_some() {
            self.dirty = false;
        }
        let group = if firing.held_out { "held_out" } else { "shown" };
        metrics::counter!("shopchat_trigger_firings_total", "group" => group).increment(1);
        tracing::info!(rule = %firing.rule_id, visitor = %visitor, held_out = firing.held_out, "trigger fired");
        self.act(&firing.rule_id, now, planned, early).await;
        next
    }

    /// Writes the firing (the visitor state that records it), its funnel count and the rule's
    /// first message all at once: the writer folds jobs that arrive together into one commit,
    /// so a firing waits for one fsync instead of three in a row. The caller shows nothing
    /// before this returns, so everything shown is durable.
    async fn record_firing(
        &self,
        firing: &Firing,
        snapshot: Option<&VisitorRecord>,
        early: Option<Prepared>,
    ) -> (Result<(), StoreError>, Early) {
        let store = &self.service.store;
        let (site, visitor) = (&self.site.id, &self.visitor);
        let save = async {
            match snapshot {
                Some(snapshot) => store.save_visitor(site, visitor, snapshot).await,
                None => Ok(()),
            }
        };
        let append = async {
            let p = early?;
            let stored = store
                .append_to_visitor(site, visitor, p.message, &p.opening)
                .await;
            Some((stored, p.agent))
        };
        let (saved, (), early) = tokio::join!(
            save,
            self.count(&firing.rule_id, firing.held_out, FunnelStage::Fired),
            append
        );
        (saved, early)
    }

    /// The rule's first message, made ready to store beside the firing, when nothing before
    /// it in the rule's actions changes where it goes (a `route_to_human` first opens the
    /// queued chat the message then joins, so such a plan keeps its order). Its place in the
    /// plan becomes [`Planned::Stored`].
    async fn prepare_first(
        &self,
        rule: &RuleId,
        now: Timestamp,
        planned: &mut [Planned],
    ) -> Option<Prepared> {
        let first = planned
            .iter()
            .position(|p| matches!(p, Planned::Message { .. } | Planned::RouteToHuman(_)))?;
        if !matches!(planned[first], Planned::Message { .. }) {
            return None;
        }
        let Planned::Message { text, persona } =
            std::mem::replace(&mut planned[first], Planned::Stored)
        else {
            return None;
        };
        self.prepare(rule, now, persona, text).await
    }

    /// The site's agents who are online, on any node.
    fn online_agents(&self) -> Vec<AgentId> {
        self.service
            .site_agents(&self.site.id)
            .into_iter()
            .filter(|(_, s)| *s == AgentStatus::Online)
            .map(|(id, _)| id)
            .collect()
    }

    /// `next`, or sooner the moment the shopper's typing runs out. Typing holds proactive
    /// rules back, and the planner only names future moments: look again when the typing
    /// runs out, in case the widget never says it stopped.
    fn or_when_typing_ends(
        &self,
        next: Option<Timestamp>,
        typing: bool,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let typing_ends = self.typing_until.filter(|_| typing).map(|until| {
            Timestamp(now.0 + until.saturating_duration_since(Instant::now()).as_millis() as i64)
        });
        match (next, typing_ends) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    async fn act(
        &mut self,
        rule: &RuleId,
        now: Timestamp,
        planned: Vec<Planned>,
        mut early: Early,
    ) {
        let mut conversation_id = None;
        let mut open = false;
        for action in planned {
            match action {
                Planned::Message { text, persona } => {
                    if let Some(p) = self.prepare(rule, now, persona, text).await {
                        let stored = self
                            .service
                            .store
                            .append_to_visitor(&self.site.id, &self.visitor, p.message, &p.opening)
                            .await;
                        conversation_id = self.show_proactive(rule, stored, p.agent).await;
                    }
                }
                Planned::Stored => {
                    if let Some((stored, agent)) = early.take() {
                        conversation_id = self.show_proactive(rule, stored, agent).await;
                    }
                }
                Planned::Open => open = true,
                Planned::Tag(_) => {}
                Planned::Webhook { url, payload } => {
                    self.service
                        .webhooks
                        .send(&url, &payload, &self.site.identity_secret);
                }
                Planned::RouteToHuman(priority) => {
                    let visitor = self.visitor.clone();
                    match self
                        .service
                        .route_from_trigger(&self.site.id, &visitor, priority)
                        .await
                    {
                        Ok(conv) => {
                            lock(&self.browsing).in_conversation = true;
                            self.conversation = Some(conv.id.clone());
                            conversation_id.get_or_insert(conv.id);
                        }
                        Err(e) => tracing::warn!(error = %e, rule = %rule, "route_to_human failed"),
                    }
                }
                Planned::AlertAgents(text) => {
                    let frame = crate::protocol::agent::AgentFrame::Alert {
                        site_id: self.site.id.clone(),
                        visitor_id: self.visitor.clone(),
                        rule_id: rule.clone(),
                        text,
                    };
                    self.service
                        .publish(crate::bus::BusEvent::to_agents(&self.site.id, frame))
                        .await;
                }
            }
        }
        if conversation_id.is_none() && !open {
            return;
        }
        let frame = ServerFrame::Proactive {
            rule_id: rule.clone(),
            conversation_id,
            open,
        };
        self.publish(frame).await;
    }

    /// Who a rule's message comes from. An agent persona speaks as that agent, under the
    /// name shoppers see, while the agent is online for the site (on any node): the engine
    /// fires such a rule only then, and this checks again because the agent may have left
    /// during the firing. An agent who left meanwhile is replaced by the site's bot, labelled
    /// as a bot, so a firing that was counted is always shown and never pretends a person.
    async fn speaker(&self, persona: Persona) -> (Author, Option<AgentId>) {
        let agent = match persona {
            Persona::Bot(name) => {
                return (
                    Author {
                        kind: AuthorKind::Bot,
                        name,
                    },
                    None,
                );
            }
            Persona::Agent(agent) => agent,
        };
        let online = self
            .service
            .site_agents(&self.site.id)
            .into_iter()
            .any(|(id, status)| id == agent && status == AgentStatus::Online);
        if online {
            let name = self.service.agent_name(&agent).await;
            let author = Author {
                kind: AuthorKind::Agent,
                name,
            };
            return (author, Some(agent));
        }
        let name = self.service.settings(&self.site.id).await.bot_name.clone();
        let author = Author {
            kind: AuthorKind::Bot,
            name,
        };
        (author, None)
    }

    /// The rule's message ready to store in the visitor's conversation (opening one). The
    /// key makes a retry of the same firing store nothing twice. A message from an agent
    /// persona opens the conversation assigned to that agent, as if they had started it, so
    /// the shopper's answer reaches the person who spoke.
    async fn prepare(
        &self,
        rule: &RuleId,
        now: Timestamp,
        persona: Persona,
        text: String,
    ) -> Option<Prepared> {
        let (author, agent) = self.speaker(persona).await;
        let max = self.service.settings.limits.max_message_chars;
        let text = MessageText::parse(&text, max)
            .or_else(|_| MessageText::parse(&text.chars().take(max).collect::<String>(), max))
            .ok()?;
        let message = NewMessage {
            author,
            author_id: agent
                .as_ref()
                .map_or_else(|| rule.to_string(), |a| a.to_string()),
            text,
            client_msg_id: ClientMsgId::parse(&format!("{rule}-{}", now.0)).ok(),
            ts: now,
            attachments: Vec::new(),
        };
        let (site, visitor) = (&self.site.id, &self.visitor);
        let opening = match &agent {
            Some(agent) => self.service.opening_by_agent(site, visitor, agent).await,
            None => self.service.opening(site, visitor, false).await,
        };
        Some(Prepared {
            message,
            opening,
            agent,
        })
    }

    /// Delivers a stored proactive message to every tab (and the agents).
    async fn show_proactive(
        &mut self,
        rule: &RuleId,
        stored: Result<Appended, StoreError>,
        agent: Option<AgentId>,
    ) -> Option<crate::domain::ConversationId> {
        let appended = match stored {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, rule = %rule, "cannot store a proactive message");
                return None;
            }
        };
        // Not `in_conversation`: a message nobody answered is not a chat, so later rules may
        // still speak (the site's fatigue budget keeps that from becoming nagging).
        self.service.appended(&appended);
        if !appended.duplicate {
            let author = appended.message.author.kind.as_str();
            metrics::counter!("shopchat_messages_stored_total", "author" => author).increment(1);
        }
        if agent.is_some() {
            // The agent spoke: the conversation is theirs, a chat like one they started.
            lock(&self.browsing).in_conversation = true;
            if appended.opened {
                self.service
                    .announce_opened(&appended.message.conversation_id)
                    .await;
            }
        }
        self.publish_stored(&appended).await;
        Some(appended.message.conversation_id)
    }
}
