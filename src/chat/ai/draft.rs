//! "Draft reply": the model drafts from this conversation, the best-matching articles and
//! canned replies, the shopper's page and cart and the customer's orders; the agent edits
//! and sends it (nothing is sent here). Without a usable answer the draft is the best
//! keyword suggestion, and the answer says why.

use crate::ai::draft::{
    DraftRefused, GroundArticle, Grounding, MAX_LINES, check_answer, draft_request,
};
use crate::chat::Suggestion;
use crate::chat::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::store::Agent;
use serde_json::json;

/// Where a draft came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftSource {
    /// The language model, checked against the data.
    Model,
    /// The best keyword-ranked canned reply or article.
    Suggestion,
    /// Nothing to offer (no shopper message yet, or nothing matched).
    None,
}

/// A draft for the composer, with what it rests on.
#[derive(Debug, Clone)]
pub struct DraftReply {
    /// The text.
    pub text: String,
    /// Where it came from.
    pub source: DraftSource,
    /// The articles it used: `(id, question)`.
    pub articles: Vec<(String, String)>,
    /// The customer's order numbers it used.
    pub orders: Vec<String>,
    /// Why the model's draft is not it (`ai_off`, `busy`, `over_budget`, `timeout`, `status`,
    /// `unreachable`, `malformed`, `invented_order`); `None` when it is.
    pub fallback: Option<&'static str>,
    /// For a model draft: the token a message sent from it carries, so the owners' report can
    /// count it (see [`crate::ai::token`]). Keyword suggestions get none: they are not AI
    /// drafts.
    pub token: Option<String>,
}

impl ChatService {
    /// A draft reply for `conv`, for `agent` to edit and send.
    pub async fn draft_reply(
        &self,
        conv: &Conversation,
        agent: &Agent,
    ) -> Result<DraftReply, ChatError> {
        let suggestions = self
            .suggestions(conv, agent)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        self.draft_from(conv, &suggestions).await
    }

    /// The model's draft for `conv` grounded in `suggestions` (among the rest), or the best
    /// suggestion with the reason. A model draft is counted for the owners' report and
    /// carries its token.
    pub(super) async fn draft_from(
        &self,
        conv: &Conversation,
        suggestions: &[Suggestion],
    ) -> Result<DraftReply, ChatError> {
        if let Err(why) = self.model_allowed(&conv.site_id).await {
            return Ok(from_suggestions(suggestions, why));
        }
        let grounding = self.grounding(conv, suggestions).await?;
        if grounding.conversation.is_empty() {
            return Ok(from_suggestions(suggestions, "no_message"));
        }
        let completion = match self
            .ask_model(&conv.site_id, |model| {
                draft_request(model, &grounding, true)
            })
            .await
        {
            Ok(c) => c,
            Err(why) => return Ok(from_suggestions(suggestions, why)),
        };
        let refused = match check_answer(&completion.content, &grounding) {
            Ok(draft) => {
                super::count_outcome("ok");
                let articles = grounding
                    .articles
                    .iter()
                    .filter(|a| draft.articles.contains(&a.id))
                    .map(|a| (a.id.clone(), a.title.clone()))
                    .collect();
                self.count_model_draft(&conv.site_id).await;
                let token = self.draft_token(&conv.id, &draft.text).await;
                return Ok(DraftReply {
                    text: draft.text,
                    source: DraftSource::Model,
                    articles,
                    orders: draft.orders,
                    fallback: None,
                    token,
                });
            }
            Err(DraftRefused::InventedOrder(number)) => {
                tracing::warn!(site = %conv.site_id, conversation = %conv.id, order = %number,
                    "the model's draft named an order the shop's data does not hold; not offered");
                "invented_order"
            }
            Err(DraftRefused::Malformed(_)) => "malformed",
        };
        super::count_outcome(refused);
        Ok(from_suggestions(suggestions, refused))
    }

    /// What the model may read for this conversation: its latest lines, the suggestions'
    /// articles and canned replies, the shopper's page, product and cart, the customer's
    /// orders. Only this conversation's shopper: nothing of anyone else is ever in it.
    pub(super) async fn grounding(
        &self,
        conv: &Conversation,
        suggestions: &[Suggestion],
    ) -> Result<Grounding, ChatError> {
        let after = conv.last_seq.saturating_sub(MAX_LINES as u64);
        let lines = self
            .store
            .messages_after(&conv.id, after, MAX_LINES as u32)
            .await?;
        let mut grounding = Grounding {
            conversation: lines
                .iter()
                .map(|m| json!({ "from": m.author.kind, "text": m.text }))
                .collect(),
            ..Grounding::default()
        };
        for suggestion in suggestions {
            match suggestion {
                Suggestion::Article { article, .. } => grounding.articles.push(GroundArticle {
                    id: article.id.to_string(),
                    title: article.question.clone(),
                    body: article.answer.clone(),
                }),
                Suggestion::Canned { text, .. } => grounding.canned.push(text.clone()),
            }
        }
        if let Some(state) = self.shopper_state(conv).await? {
            grounding.page = Some(json!({ "page": state.current_page, "product": state.product }));
            grounding.cart = state.cart.map(|c| json!(c));
        }
        grounding.orders = self.agent_shop_data(conv).await.0.orders;
        Ok(grounding)
    }
}

/// The best suggestion as the draft: a canned reply's text, else an article's answer.
fn from_suggestions(suggestions: &[Suggestion], why: &'static str) -> DraftReply {
    let best = suggestions.first();
    let (text, articles) = match best {
        Some(Suggestion::Canned { text, .. }) => (text.clone(), Vec::new()),
        Some(Suggestion::Article { article, .. }) => (
            article.answer.clone(),
            vec![(article.id.to_string(), article.question.clone())],
        ),
        None => (String::new(), Vec::new()),
    };
    DraftReply {
        source: if best.is_some() {
            DraftSource::Suggestion
        } else {
            DraftSource::None
        },
        text,
        articles,
        orders: Vec::new(),
        fallback: Some(why),
        token: None,
    }
}
