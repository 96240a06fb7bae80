//! "Summary at handoff": for the agent taking a chat over, what the shopper wants (intent
//! from a fixed list), how they sound, and the key facts, from the model — or nothing, with
//! the reason, when the model is off or its answer is not safe to show.

use crate::ai::summary::{check_summary, summary_request};
use crate::chat::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::store::Agent;

/// A summary for the agent, or why there is none.
#[derive(Debug, Clone)]
pub struct HandoffSummary {
    /// The sentences (empty with a `fallback`).
    pub text: String,
    /// One of `ai::summary::INTENTS`.
    pub intent: Option<&'static str>,
    /// One of `ai::summary::TONES`.
    pub tone: Option<&'static str>,
    /// The customer's order numbers it names.
    pub orders: Vec<String>,
    /// Why there is none (as for drafts); `None` when there is.
    pub fallback: Option<&'static str>,
}

impl ChatService {
    /// A summary of `conv` for `agent`, grounded as drafts are.
    pub async fn summarize(
        &self,
        conv: &Conversation,
        agent: &Agent,
    ) -> Result<HandoffSummary, ChatError> {
        let none = |why| HandoffSummary {
            text: String::new(),
            intent: None,
            tone: None,
            orders: Vec::new(),
            fallback: Some(why),
        };
        if let Err(why) = self.model_allowed(&conv.site_id).await {
            return Ok(none(why));
        }
        let suggestions = self
            .suggestions(conv, agent)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        let grounding = self.grounding(conv, &suggestions).await?;
        if grounding.conversation.is_empty() {
            return Ok(none("no_message"));
        }
        let completion = match self
            .ask_model(&conv.site_id, |model| {
                summary_request(model, &grounding, true)
            })
            .await
        {
            Ok(c) => c,
            Err(why) => return Ok(none(why)),
        };
        match check_summary(&completion.content, &grounding) {
            Ok(summary) => {
                super::count_outcome("ok");
                Ok(HandoffSummary {
                    text: summary.text,
                    intent: Some(summary.intent),
                    tone: Some(summary.tone),
                    orders: summary.orders,
                    fallback: None,
                })
            }
            Err(e) => {
                let why = match e {
                    crate::ai::draft::DraftRefused::InventedOrder(_) => "invented_order",
                    crate::ai::draft::DraftRefused::Malformed(_) => "malformed",
                };
                super::count_outcome(why);
                Ok(none(why))
            }
        }
    }
}
