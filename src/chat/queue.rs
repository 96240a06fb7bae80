//! Into the human queue: the shopper asks, the bot gives up, a trigger routes; then routing,
//! or the honest "nobody is online".

use super::ChatService;
use super::{ChatError, apply, system_message};
use crate::bus::BusEvent;
use crate::conversation::{Conversation, Event, HandoffReason, Lifecycle, Notice, Opening, Stage};
use crate::domain::{ConversationId, SiteId, Timestamp, VisitorId};
use crate::protocol::ServerFrame;

impl ChatService {
    /// Puts a conversation in the human queue (from the bot) with a reason and priority, then
    /// routes it. A conversation already with people is left as it is.
    pub async fn hand_off(
        &self,
        id: &ConversationId,
        reason: HandoffReason,
        priority: u8,
    ) -> Result<Conversation, ChatError> {
        let cart = match self.store.conversation(id).await? {
            Some(c) => self.cart_total(&c.site_id, &c.visitor_id).await,
            None => None,
        };
        let (conv, _) = self
            .change(id, |c, now| {
                c.priority = c.priority.max(priority);
                if let Some(cart) = cart {
                    c.cart_total = cart;
                }
                if !matches!(c.lifecycle.stage, Stage::Bot) {
                    return Ok(None);
                }
                let notice = apply(c, &Event::HandOff(reason), now, 0)?;
                c.queued_at = Some(now);
                c.handoff_reason = Some(reason);
                Ok(Some(notice))
            })
            .await?;
        if matches!(conv.lifecycle.stage, Stage::Queued) {
            self.after_queued(&conv).await;
        }
        Ok(conv)
    }

    /// The visitor's cart value, which orders the queue: the live state when the shopper is on
    /// this node, else the state last saved (a shopper on another node, an agent starting a chat);
    /// `None` when the visitor is unknown, so a caller keeps the value it has.
    pub(super) async fn cart_total(&self, site: &SiteId, visitor: &VisitorId) -> Option<f64> {
        if let Some(live) = self.hub.visitor_cart_total(site, visitor) {
            return Some(live);
        }
        let saved = self.store.load_visitor(site, visitor).await.ok()??;
        Some(saved.browsing.cart.map_or(0.0, |c| c.total))
    }

    /// A queued chat: route it when the site auto-assigns; if it is still waiting and nobody is
    /// online, tell the shopper so honestly (`status` with `nobody_online`), so the widget offers
    /// to leave an email.
    pub(super) async fn after_queued(&self, conv: &Conversation) {
        self.mark_valued(conv).await;
        let settings = self.settings(&conv.site_id).await;
        if settings.auto_assign {
            self.route_site(&conv.site_id).await;
        }
        if self.site_has_agent_online(&conv.site_id) {
            return;
        }
        let Ok(Some(now)) = self.store.conversation(&conv.id).await else {
            return;
        };
        if !matches!(now.lifecycle.stage, Stage::Queued) {
            return;
        }
        // The widget says so in the shopper's language and offers the email form; the
        // transcript stays free of it, and agents see the chat waiting when they come online.
        let frame = ServerFrame::Status {
            conversation_id: conv.id.clone(),
            state: "queued".into(),
            agent: None,
            agent_avatar: None,
            nobody_online: true,
        };
        self.publish(BusEvent::to_visitor(&conv.site_id, &conv.visitor_id, frame))
            .await;
    }

    /// The shopper pressed "Talk to a person": the open conversation goes to people, or one is
    /// opened in the queue.
    pub async fn shopper_handoff(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Conversation, ChatError> {
        let open = self.store.open_conversations(site, visitor).await?;
        if let Some(conv) = open.into_iter().last() {
            return self
                .hand_off(&conv.id, HandoffReason::ShopperAsked, 0)
                .await;
        }
        self.open_queued(site, visitor, HandoffReason::ShopperAsked, 0)
            .await
    }

    /// Opens a conversation directly in the queue, its first line the handoff notice.
    async fn open_queued(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        reason: HandoffReason,
        priority: u8,
    ) -> Result<Conversation, ChatError> {
        let now = Timestamp::now();
        // In the shopper's language; agents read the same line in the transcript.
        let language = self.chat_language(site, visitor).await;
        let text = Notice::HandedOff { reason }.text(language.as_deref(), |a| a.to_string());
        let message = system_message(text, now).ok_or(ChatError::NotFound("message"))?;
        let cart = self.cart_total(site, visitor).await;
        let appended = self
            .store
            .append_to_visitor(
                site,
                visitor,
                message,
                &Opening {
                    lifecycle: Lifecycle::new(false),
                    reason: Some(reason),
                    cart_total: cart.unwrap_or(0.0),
                },
            )
            .await?;
        self.appended(&appended);
        let (conv, _) = self
            .change(&appended.message.conversation_id, |c, _| {
                c.handoff_reason = Some(reason);
                c.priority = c.priority.max(priority);
                if let Some(cart) = cart {
                    c.cart_total = cart;
                }
                Ok(None)
            })
            .await?;
        if appended.opened {
            self.publish(BusEvent::to_visitor(
                site,
                visitor,
                ServerFrame::Status {
                    conversation_id: conv.id.clone(),
                    state: conv.lifecycle.stage.name().into(),
                    agent: None,
                    agent_avatar: None,
                    nobody_online: false,
                },
            ))
            .await;
        }
        self.deliver_message(&conv, &appended.message).await;
        if matches!(conv.lifecycle.stage, Stage::Queued) {
            self.after_queued(&conv).await;
        }
        Ok(conv)
    }

    /// A trigger rule's `route_to_human`: the visitor's conversation (or a new one) goes to the
    /// queue with the rule's priority.
    pub async fn route_from_trigger(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        priority: u8,
    ) -> Result<Conversation, ChatError> {
        let open = self.store.open_conversations(site, visitor).await?;
        if let Some(conv) = open.into_iter().last() {
            return self
                .hand_off(&conv.id, HandoffReason::Trigger, priority)
                .await;
        }
        self.open_queued(site, visitor, HandoffReason::Trigger, priority)
            .await
    }
}
