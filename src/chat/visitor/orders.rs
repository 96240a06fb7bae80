//! The shopper's order questions on a live connection: the "Where is my order?" button, words
//! that ask it, the look-up by number and email, and return/cancel requests. The session
//! knows who may see what: the verified id in its live browsing state (newer than the stored
//! one) and the orders proven on this connection.

use super::ShopperSession;
use crate::chat::commerce::{Asker, bot_may_answer, clean_reason};
use crate::chat::{ChatError, OrderRefusal};
use crate::commerce::intent::{Intent, detect};
use crate::commerce::{Order, OrderNumber, RequestKind};
use crate::conversation::Conversation;
use crate::conversation::handoff::asks_for_person;
use crate::domain::{ClientMsgId, MessageText, VerifiedId, random_token};
use crate::guards::ClientAddr;
use crate::hub::lock;
use crate::protocol::OrderRequestKind;
use crate::store::Appended;

/// Orders one connection remembers as proven; the oldest is forgotten first.
const MAX_PROVEN: usize = 5;

impl ShopperSession {
    /// The id the shop vouched for, from the live state; else the address the shopper
    /// proved with a one-time code on this connection.
    fn verified(&self) -> Option<VerifiedId> {
        lock(&self.browsing)
            .browsing
            .verified
            .clone()
            .or_else(|| self.proven_email.clone().map(VerifiedId::Email))
    }

    /// "Where is my order?" pressed: a shopper who may see orders gets them from the bot (the
    /// question is stored as theirs, so the transcript reads as it happened); anyone else
    /// gets the look-up form. Nothing once a person has the chat: the agent answers.
    pub async fn orders(&mut self) -> Result<(), OrderRefusal> {
        if !self.service.self_service_on(&self.site.id).await {
            return Err(OrderRefusal::Off);
        }
        let verified = self.verified();
        if verified.is_none() && self.proven.is_empty() {
            self.service
                .show_cards(&self.site.id, &self.visitor, Vec::new(), true)
                .await;
            return Ok(());
        }
        let text = "Where is my order?";
        let Some(appended) = self.ask_in_chat(text).await? else {
            return Ok(());
        };
        let asker = Asker {
            site: &self.site.id,
            verified: verified.as_ref(),
            proven: &self.proven,
        };
        let answered = self
            .service
            .answer_where_is_my_order(&appended.conversation, &asker)
            .await;
        self.service
            .shopper_wrote(&appended, text, detect(text), false)
            .await;
        Ok(answered?)
    }

    /// The look-up form: number and email must match one order of this site, within the
    /// budgets for `addr` and the number. The proven order is remembered on this connection
    /// and the bot tells the shopper about it.
    pub async fn order_lookup(
        &mut self,
        number: &str,
        email: &str,
        addr: &ClientAddr,
    ) -> Result<(), OrderRefusal> {
        if !self.service.self_service_on(&self.site.id).await {
            return Err(OrderRefusal::Off);
        }
        let order = self
            .service
            .lookup_order(&self.site.id, number, email, addr)
            .await?;
        self.proven.retain(|id| id != &order.id);
        if self.proven.len() >= MAX_PROVEN {
            self.proven.remove(0);
        }
        self.proven.push(order.id.clone());
        let text = format!("Where is my order {}?", order.number);
        let Some(appended) = self.ask_in_chat(&text).await? else {
            return Ok(());
        };
        let told = self
            .service
            .tell_orders(&appended.conversation, std::slice::from_ref(&order))
            .await;
        self.service
            .shopper_wrote(&appended, &text, detect(&text), false)
            .await;
        Ok(told?)
    }

    /// "Return" / "Cancel" on an order the shopper may see: a request a person decides on.
    /// `NotFound` for any other order, whether it exists or not.
    pub async fn order_request(
        &mut self,
        number: &str,
        kind: OrderRequestKind,
        reason: Option<&str>,
    ) -> Result<(), OrderRefusal> {
        if !self.service.self_service_on(&self.site.id).await {
            return Err(OrderRefusal::Off);
        }
        let kind = match kind {
            OrderRequestKind::Return => RequestKind::Return,
            OrderRequestKind::Cancel => RequestKind::Cancel,
        };
        let key = OrderNumber::key_of(number);
        let order = self
            .entitled()
            .await?
            .into_iter()
            .find(|o| o.number.key() == key)
            .ok_or(ChatError::NotFound("order"))?;
        self.request(&order, kind, clean_reason(reason)).await
    }

    /// Stores the shopper's request in words and hands it to people, once per conversation.
    async fn request(
        &mut self,
        order: &Order,
        kind: RequestKind,
        reason: Option<String>,
    ) -> Result<(), OrderRefusal> {
        if let Some(open) = self.open_conversation().cloned()
            && let Ok(Some(conv)) = self.service.store.conversation(&open).await
            && self
                .service
                .open_request(&conv, order, kind)
                .await?
                .is_some()
        {
            return Ok(()); // asked already: a double click makes one request
        }
        let verb = match kind {
            RequestKind::Return => "return",
            RequestKind::Cancel => "cancel",
        };
        let mut text = format!("I'd like to {verb} order {}.", order.number);
        if let Some(reason) = &reason {
            text.push_str(&format!(" Reason: {reason}"));
        }
        let Some(appended) = self.ask_in_chat(&text).await? else {
            return Ok(());
        };
        let made = self
            .service
            .request_on_order(&appended.conversation, order, kind, reason)
            .await;
        self.service
            .shopper_wrote(&appended, &text, detect(&text), false)
            .await;
        made.map(|_| ()).map_err(OrderRefusal::from)
    }

    /// What the shopper may see: the verified customer's orders and the proven ones.
    async fn entitled(&self) -> Result<Vec<Order>, ChatError> {
        let verified = self.verified();
        let asker = Asker {
            site: &self.site.id,
            verified: verified.as_ref(),
            proven: &self.proven,
        };
        self.service.entitled_orders(&asker).await
    }

    /// Stores `text` as the shopper's message, as if typed (a button's words). `None` when a
    /// retried key found it stored already.
    async fn ask_in_chat(&mut self, text: &str) -> Result<Option<Appended>, ChatError> {
        let max = self.service.settings.limits.max_message_chars;
        let clipped: String = text.chars().take(max).collect();
        let text = MessageText::parse(&clipped, max).map_err(|e| ChatError::Invalid {
            field: "text",
            message: e.to_string(),
        })?;
        let key = ClientMsgId::parse(&format!("order-{}", random_token(16))).map_err(|e| {
            ChatError::Invalid {
                field: "client_msg_id",
                message: e.to_string(),
            }
        })?;
        let appended = self.store_said(text, key, &[]).await?;
        Ok((!appended.duplicate).then_some(appended))
    }

    /// A typed message that asks about an order, answered by the bot from the shop's data
    /// when self-service is on and no person has the chat. `true` when it was answered (the
    /// knowledge base then stays out of it). "Where is my order?" is always the bot's here;
    /// a return or cancellation in words only when it names one of the shopper's orders —
    /// "can I return an item?" is a policy question the knowledge base answers.
    pub(super) async fn order_question(
        &mut self,
        appended: &Appended,
        text: &str,
        intent: Option<Intent>,
    ) -> bool {
        let Some(intent) = intent else {
            return false;
        };
        let conv = &appended.conversation;
        if asks_for_person(text)
            || !bot_may_answer(conv)
            || !self.service.self_service_on(&self.site.id).await
        {
            return false;
        }
        let verified = self.verified();
        let asker = Asker {
            site: &self.site.id,
            verified: verified.as_ref(),
            proven: &self.proven,
        };
        let answered = match intent {
            Intent::Wismo if !asker.known() => {
                self.service.ask_for_order_number(conv).await;
                Ok(true)
            }
            Intent::Wismo => self
                .service
                .answer_where_is_my_order(conv, &asker)
                .await
                .map(|()| true),
            Intent::Return => self.request_in_words(conv, text, RequestKind::Return).await,
            Intent::Cancel => self.request_in_words(conv, text, RequestKind::Cancel).await,
        };
        answered.unwrap_or_else(|e| {
            tracing::warn!(error = %e, site = %self.site.id, "order answer failed");
            false
        })
    }

    /// "I want to return order #1001": a request when the words name exactly one order the
    /// shopper may see (`true`); anything else is left to the bot (`false`).
    async fn request_in_words(
        &mut self,
        conv: &Conversation,
        text: &str,
        kind: RequestKind,
    ) -> Result<bool, ChatError> {
        if self.verified().is_none() && self.proven.is_empty() {
            return Ok(false);
        }
        let orders = self.entitled().await?;
        let named: Vec<&Order> = orders.iter().filter(|o| names(text, o)).collect();
        let [order] = named.as_slice() else {
            return Ok(false);
        };
        if self
            .service
            .open_request(conv, order, kind)
            .await?
            .is_none()
        {
            let reason = clean_reason(Some(text));
            self.service
                .request_on_order(conv, order, kind, reason)
                .await?;
        }
        Ok(true)
    }
}

/// Whether the shopper's words name the order's number (`#1001`, `1001`, `order 1001`) as a
/// whole word.
fn names(text: &str, order: &Order) -> bool {
    let key = order.number.key();
    if key.is_empty() {
        return false;
    }
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '?' | '!' | ':' | ';'))
        .any(|word| OrderNumber::key_of(word) == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_name_an_order_by_its_number_as_a_whole_word() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "id": "o1", "number": "#1001", "status": "completed", "currency": "EUR",
            "total": "1.00", "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        assert!(names("I want to return order #1001, please", &order));
        assert!(names("return 1001", &order));
        assert!(!names("return 10011", &order));
        assert!(!names("I want to return it", &order));
    }
}
