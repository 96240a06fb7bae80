//! What a firing will do, decided at firing time: the rule's actions with their texts
//! rendered from the facts then (later events must not change what the rule said).

use crate::conversation::Opening;
use crate::domain::{AgentId, SiteId, VisitorId};
use crate::store::{Appended, NewMessage, StoreError};
use crate::triggers::{Action, Facts, Firing, Persona, Priority, Rule, render};

/// An action to carry out, with its text already rendered from the facts at firing time.
pub(super) enum Planned {
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
    /// The rule's first message, already stored together with the firing.
    Stored,
}

/// A proactive message ready to store: who speaks, what, and how its conversation opens.
pub(super) struct Prepared {
    pub(super) message: NewMessage,
    pub(super) opening: Opening,
    pub(super) agent: Option<AgentId>,
}

/// The first message's write, made beside the firing's: its result and the agent who spoke.
pub(super) type Early = Option<(Result<Appended, StoreError>, Option<AgentId>)>;

/// The actions of the rule that fired, with their texts rendered and the webhook's payload
/// built from the facts at firing time (later events must not change what the rule said).
pub(super) fn plan(
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
            Action::Message {
                text,
                translations,
                persona,
            } => {
                // The version in the shopper's language, where the rule has one.
                let text = facts
                    .visitor
                    .chat_language
                    .as_deref()
                    .and_then(|language| translations.get(language))
                    .unwrap_or(text);
                Planned::Message {
                    text: render(text, facts, max_chars),
                    persona: persona.clone(),
                }
            }
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
