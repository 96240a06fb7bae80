//! The bot answering a shopper with the model, when the site allows it: grounded only in the
//! best-matching knowledge-base articles (the bot's own BM25 ranking), the orders the shop
//! verified belong to this shopper, and this conversation's latest lines. The answer is
//! checked before the shopper sees it; without a usable one the caller answers exactly as
//! it would without a model (the keyword answer, the miss, the handoff).

use crate::ai::answer::{BotRefused, MAX_ARTICLES, MAX_LINES, bot_request, check_bot_answer};
use crate::ai::draft::{GroundArticle, Grounding};
use crate::chat::ChatService;
use crate::commerce::view::order_view;
use crate::conversation::{ChatSettings, Conversation};
use crate::library::kb::KnowledgeBase;
use serde_json::json;

impl ChatService {
    /// The bot's message for the shopper's `text` from the model, or `None` for today's
    /// answer: the site's `ai_bot` off, no model, the site's `ai_assist` off, nothing to
    /// ground an answer in, the model busy, over budget, slow or failing, or its answer
    /// refused by the check (counted in the `shopchat_ai_*` metrics with the reason).
    pub(crate) async fn bot_model_answer(
        &self,
        conv: &Conversation,
        settings: &ChatSettings,
        kb: &KnowledgeBase,
        text: &str,
    ) -> Option<String> {
        if !settings.ai_bot || self.model_allowed(&conv.site_id).await.is_err() {
            return None;
        }
        let grounding = match self.bot_grounding(conv, kb, text).await {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(site = %conv.site_id, error = %e, "bot grounding unavailable; no model answer");
                return None;
            }
        };
        if grounding.articles.is_empty() && grounding.orders.is_empty() {
            // Nothing an answer could stand on: not worth a call (nor the budget).
            metrics::counter!("shopchat_ai_fallbacks_total", "reason" => "no_grounding")
                .increment(1);
            return None;
        }
        let completion = self
            .ask_model(&conv.site_id, |model| bot_request(model, &grounding, true))
            .await
            .ok()?;
        match check_bot_answer(
            &completion.content,
            &grounding,
            settings.ai_bot_min_confidence,
        ) {
            Ok(answer) => {
                super::count_outcome("ok");
                Some(answer.message(self.settings.limits.max_message_chars))
            }
            Err(refused) => {
                if let BotRefused::InventedOrder(number) = &refused {
                    tracing::warn!(site = %conv.site_id, conversation = %conv.id, order = %number,
                        "the model's answer named an order the shopper's data does not hold; not sent");
                }
                super::count_outcome(refused.label());
                None
            }
        }
    }

    /// What the model may read to answer the shopper: the latest lines of this conversation,
    /// the few best-ranked articles for `text`, and the orders of the customer the shop
    /// verified this visitor is — never orders found by an email the shopper typed (those
    /// are for agents' eyes), never anyone else's.
    async fn bot_grounding(
        &self,
        conv: &Conversation,
        kb: &KnowledgeBase,
        text: &str,
    ) -> Result<Grounding, crate::chat::ChatError> {
        let after = conv.last_seq.saturating_sub(MAX_LINES as u64);
        let lines = self
            .store
            .messages_after(&conv.id, after, MAX_LINES as u32)
            .await?;
        let ranked: Vec<_> = kb.ranked(text).into_iter().take(MAX_ARTICLES).collect();
        let articles = if ranked.is_empty() {
            Vec::new()
        } else {
            let all = self.store.list_articles(&conv.site_id).await?;
            ranked
                .iter()
                .filter_map(|hit| all.iter().find(|a| a.id == hit.article_id))
                .map(|a| GroundArticle {
                    id: a.id.to_string(),
                    title: a.question.clone(),
                    body: a.answer.clone(),
                })
                .collect()
        };
        let orders = self
            .verified_customer(&conv.site_id, &conv.visitor_id)
            .await?
            .map(|c| c.orders.iter().map(order_view).collect())
            .unwrap_or_default();
        Ok(Grounding {
            conversation: lines
                .iter()
                .map(|m| json!({ "from": m.author.kind, "text": m.text }))
                .collect(),
            articles,
            orders,
            ..Grounding::default()
        })
    }
}
