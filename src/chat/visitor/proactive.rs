//! The trigger engine on a shopper socket: evaluate on every event and on the one armed timer,
//! make the firing durable, then act; and credit later funnel stages to the rule that fired.

use super::ShopperSession;
use crate::chat::ChatError;
use crate::domain::{
    AgentId, Author, AuthorKind, BrowsingEvent, ClientMsgId, MessageText, RuleId, SiteId,
    Timestamp, VisitorId,
};
use crate::hub::lock;
use crate::protocol::ServerFrame;
use crate::protocol::agent::AgentStatus;
use crate::store::NewMessage;
use crate::triggers::{Action, Facts, Firing, FunnelStage, Persona, Priority, Rule, Wake, render};
use std::time::Instant;

/// A dismissed rule stays quiet at least this long, longer if its cooldown says so.
const MIN_DISMISS_MS: i64 = 24 * 3600 * 1000;

/// An action to carry out, with its text already rendered from the facts at firing time.
enum Planned {
    Message {
        text: String,
        persona: Persona,
    },
    Open,
    Tag(String),
    Webhook {
        url: String,
        payload: serde_json::Value,
    },
    /// Put the visitor's conversation (or a new one) in the human queue.
    RouteToHuman(u8),
    /// Tell the site's agents, with the rule's text rendered.
    AlertAgents(String),
}

/// The actions of the rule that fired, with their texts rendered and the webhook's payload
/// built from the facts at firing time (later events must not change what the rule said).
fn plan(
    rule: &Rule,
    firing: &Firing,
    facts: &Facts<'_>,
    site: &SiteId,
    visitor: &VisitorId,
    max_chars: usize,
) -> Vec<Planned> {
    rule.actions
        .iter()
        .map(|action| match action {
            Action::Message { text, persona } => Planned::Message {
                text: render(text, facts, max_chars),
                persona: persona.clone(),
            },
            Action::OpenWidget => Planned::Open,
            Action::Tag(tag) => Planned::Tag(tag.clone()),
            Action::RouteToHuman(priority) => Planned::RouteToHuman(match priority {
                Priority::Normal => 1,
                Priority::High => 5,
                Priority::Urgent => 9,
            }),
            Action::AlertAgents(text) => Planned::AlertAgents(render(text, facts, max_chars)),
            Action::Webhook(url) => Planned::Webhook {
                url: url.clone(),
                payload: serde_json::json!({
                    "event": "rule.fired",
                    "site_id": site,
                    "rule_id": firing.rule_id,
                    "rule_name": rule.name,
                    "visitor_id": visitor,
                    "at": facts.now,
                    "page": facts.visitor.current_page,
                    "product": facts.visitor.product,
                    "cart": facts.visitor.cart,
                }),
            },
        })
        .collect()
}

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
        let visitor = self.visitor.clone();
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
            let firing = rules.set.evaluate(wake, &facts, &visitor, typing);
            let planned = match &firing {
                Some(f) if !f.held_out => {
                    let rule = &rules.set.rules()[f.index];
                    plan(rule, f, &facts, &self.site.id, &visitor, max_chars)
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
            let next = rules.set.next_wake(&facts);
            let snapshot = firing.is_some().then(|| state.clone());
            (firing, snapshot, planned, next)
        };
        let next = self.or_when_typing_ends(next, typing, now);
        let Some(firing) = firing else {
            return next;
        };

        // Durable before visible: once saved, no tab, reconnect or restart shows it again.
        if let Some(snapshot) = snapshot {
            match self
                .service
                .store
                .save_visitor(&self.site.id, &visitor, &snapshot)
                .await
            {
                Ok(()) => self.dirty = false,
                Err(e) => {
                    tracing::error!(error = %e, rule = %firing.rule_id, "cannot record a firing; not showing it");
                    return next;
                }
            }
        }
        self.count(&firing.rule_id, firing.held_out, FunnelStage::Fired)
            .await;
        let group = if firing.held_out { "held_out" } else { "shown" };
        metrics::counter!("shopchat_trigger_firings_total", "group" => group).increment(1);
        tracing::info!(rule = %firing.rule_id, visitor = %visitor, held_out = firing.held_out, "trigger fired");
        self.act(&firing.rule_id, now, planned).await;
        next
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

    async fn act(&mut self, rule: &RuleId, now: Timestamp, planned: Vec<Planned>) {
        let mut conversation_id = None;
        let mut open = false;
        for action in planned {
            match action {
                Planned::Message { text, persona } => {
                    let (author, agent) = self.speaker(persona).await;
                    conversation_id = self.proactive_message(rule, now, author, agent, text).await;
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

    /// Stores the rule's message in the visitor's conversation (opening one) and delivers it
    /// to every tab. The key makes a retry of the same firing store nothing twice. A message
    /// from an agent persona opens the conversation assigned to that agent, as if they had
    /// started it, so the shopper's answer reaches the person who spoke.
    async fn proactive_message(
        &mut self,
        rule: &RuleId,
        now: Timestamp,
        author: Author,
        agent: Option<AgentId>,
        text: String,
    ) -> Option<crate::domain::ConversationId> {
        let visitor = self.visitor.clone();
        let max = self.service.settings.limits.max_message_chars;
        let text = MessageText::parse(&text, max)
            .or_else(|_| MessageText::parse(&text.chars().take(max).collect::<String>(), max))
            .ok()?;
        let key = ClientMsgId::parse(&format!("{rule}-{}", now.0)).ok();
        let message = NewMessage {
            author,
            author_id: agent
                .as_ref()
                .map_or_else(|| rule.to_string(), |a| a.to_string()),
            text,
            client_msg_id: key,
            ts: now,
        };
        let opening = match &agent {
            Some(agent) => {
                self.service
                    .opening_by_agent(&self.site.id, &visitor, agent)
                    .await
            }
            None => self.service.opening(&self.site.id, &visitor, false).await,
        };
        let appended = match self
            .service
            .store
            .append_to_visitor(&self.site.id, &visitor, message, &opening)
            .await
        {
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

    /// Funnel stages and dismissals that browsing events stand for.
    pub(super) async fn after_event(
        &mut self,
        event: &BrowsingEvent,
        now: Timestamp,
    ) -> Result<(), ChatError> {
        let BrowsingEvent::Other { name, props } = event else {
            return Ok(());
        };
        match name.as_str() {
            "widget_open" => self.reach(FunnelStage::Opened, now).await,
            "purchase" | "checkout_complete" => self.reach(FunnelStage::Converted, now).await,
            "dismiss" => {
                let rule = props
                    .get("rule_id")
                    .and_then(|v| v.as_str())
                    .map(RuleId::parse);
                match rule {
                    Some(Ok(rule)) => self.dismiss(&rule, now).await,
                    _ => {
                        return Err(ChatError::Invalid {
                            field: "props.rule_id",
                            message: "`dismiss` needs props.rule_id".into(),
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn dismiss(&mut self, rule: &RuleId, now: Timestamp) {
        let cooldown = match self.service.site_rules(&self.site.id).await {
            Ok(rules) => rules
                .set
                .rules()
                .iter()
                .find(|r| &r.id == rule)
                .map_or(0, |r| r.frequency.cooldown_ms),
            Err(_) => 0,
        };
        lock(&self.browsing)
            .triggers
            .dismiss(rule, Timestamp(now.0 + cooldown.max(MIN_DISMISS_MS)));
        self.dirty = true;
    }

    /// Credits a stage to the last firing, once, within the site's attribution window.
    pub async fn reach(&mut self, stage: FunnelStage, now: Timestamp) {
        let window = match self.service.site_rules(&self.site.id).await {
            Ok(rules) => rules.attribution_window_ms(),
            Err(_) => return,
        };
        let credited = lock(&self.browsing).triggers.reach(stage, now, window);
        if let Some((rule, held_out)) = credited {
            self.dirty = true;
            self.count(&rule, held_out, stage).await;
        }
    }

    async fn count(&self, rule: &RuleId, held_out: bool, stage: FunnelStage) {
        if let Err(e) = self
            .service
            .store
            .count_funnel(&self.site.id, rule, held_out, stage)
            .await
        {
            tracing::warn!(error = %e, rule = %rule, stage = stage.as_str(), "cannot count a funnel stage");
        }
    }
}
