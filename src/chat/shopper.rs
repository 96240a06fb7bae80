//! What a shopper's messages do to conversations: how a new one opens, reopening a recently
//! closed one, keyword rules, the bot's turn or the queue, and the email left while waiting.

use super::ChatService;
use super::{ChatError, apply, system_message};
use crate::conversation::handoff::asks_for_person;
use crate::conversation::phrases::Line;
use crate::conversation::{
    Conversation, ConversationFilter, Event, HandoffReason, Lifecycle, Opening, Stage,
};
use crate::domain::{Email, SiteId, Timestamp, VisitorId};
use crate::store::Appended;

impl ChatService {
    /// How a new conversation for this visitor starts: with the bot when the site has one that
    /// can answer (articles or an external bot), otherwise straight in the queue for people —
    /// for a shopper's own message, because they wrote to people (`shopper_asked`); for a
    /// proactive message with no reason yet, until the shopper answers. It carries the
    /// visitor's cart value, whichever way it opens.
    pub async fn opening(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        shopper_wrote: bool,
    ) -> Opening {
        let lifecycle = Lifecycle::new(self.available(site).await);
        let reason = (shopper_wrote && matches!(lifecycle.stage, Stage::Queued))
            .then_some(HandoffReason::ShopperAsked);
        Opening {
            lifecycle,
            reason,
            cart_total: self.cart_total(site, visitor).await.unwrap_or(0.0),
        }
    }

    /// How a conversation an agent (or a rule speaking as the agent) starts with a visitor
    /// opens: assigned to that agent, with the visitor's cart value.
    pub async fn opening_by_agent(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        agent: &crate::domain::AgentId,
    ) -> Opening {
        Opening::from(Lifecycle::started_by(agent.clone()))
            .with_cart(self.cart_total(site, visitor).await.unwrap_or(0.0))
    }

    /// Whether the visitor is chatting, for the `in_conversation` fact that keeps proactive
    /// rules quiet: an open conversation counts once the shopper has written in it or a person
    /// has it. One opened by a proactive message that nobody answered does not, so a later rule
    /// may still speak (the site's fatigue budget keeps that from becoming nagging).
    pub async fn chatting(&self, conversations: &[Conversation]) -> bool {
        for conv in conversations.iter().filter(|c| c.is_open()) {
            let chatting = match conv.lifecycle.stage {
                _ if conv.awaits_shopper() => false,
                // With the bot from a proactive message, or from the shopper's own question.
                Stage::Bot => !matches!(self.store.last_shopper_message(&conv.id).await, Ok(None)),
                _ => true,
            };
            if chatting {
                return true;
            }
        }
        false
    }

    /// Before a shopper's message is stored: a conversation closed within the site's reopen
    /// window is reopened, so the message continues it instead of starting a new one.
    pub async fn reopen_if_recent(&self, site: &SiteId, visitor: &VisitorId) {
        let latest = self
            .store
            .find_conversations(&ConversationFilter {
                site: Some(site.clone()),
                visitor: Some(visitor.clone()),
                limit: 1,
                ..ConversationFilter::default()
            })
            .await;
        let Ok(Some(conv)) = latest.map(|l| l.into_iter().next()) else {
            return;
        };
        if conv.is_open() {
            return;
        }
        let window_ms = (self.settings(site).await.reopen_window_secs * 1000) as i64;
        let cart = self.cart_total(site, visitor).await;
        let reopened = self
            .change(&conv.id, |c, now| {
                let notice = apply(c, &Event::ShopperWrites, now, window_ms)?;
                if matches!(c.lifecycle.stage, Stage::Queued) {
                    c.queued_at = Some(now);
                    if let Some(cart) = cart {
                        c.cart_total = cart;
                    }
                }
                Ok(Some(notice))
            })
            .await;
        if let Ok((conv, _)) = reopened
            && matches!(conv.lifecycle.stage, Stage::Queued)
        {
            self.after_queued(&conv).await;
        }
    }

    /// After a shopper's message is stored and delivered: keyword rules, then the bot or the
    /// handoff, or (for a chat that opened queued) routing. `bot_answers` is false when the
    /// message was already answered (an order question the bot answered from the shop's data).
    /// `intent` is the order question in `text` (`commerce::intent::detect`), found once by
    /// the caller, which usually needed it already.
    pub async fn shopper_wrote(
        &self,
        appended: &Appended,
        text: &str,
        intent: Option<crate::commerce::Intent>,
        bot_answers: bool,
    ) {
        let id = &appended.message.conversation_id;
        let conv = appended.conversation.clone();
        let settings = self.settings(&conv.site_id).await;
        let (mut tags, priority) = settings.classify(text);
        // An order question tags the chat (`wismo`, `return`, `cancel`) for reports and views.
        if let Some(intent) = intent {
            tags.insert(intent.tag().to_owned());
        }
        // An order question the site sends to a team waits for that team.
        let team = intent
            .and_then(|i| settings.team_for(i.name()))
            .filter(|_| conv.skill.is_none() && waits_for_people(&conv));
        let new_tags = tags.iter().any(|t| !conv.tags.contains(t));
        if new_tags || priority > conv.priority || team.is_some() {
            let _ = self
                .change(id, |c, _| {
                    for tag in &tags {
                        super::apply_tag(c, tag);
                    }
                    c.priority = c.priority.max(priority);
                    if c.skill.is_none() && waits_for_people(c) {
                        c.skill = team.map(str::to_owned);
                    }
                    Ok(None)
                })
                .await;
        }
        // A new conversation: the model (when the server has one) adds its intent and tone.
        if appended.opened {
            self.spawn_triage(conv.clone());
        }
        // A chat people have: the model drafts the answer when the site asks for it.
        self.auto_draft_after(appended).await;
        match conv.lifecycle.stage {
            Stage::Bot if asks_for_person(text) => {
                let _ = self.hand_off(id, HandoffReason::ShopperAsked, 0).await;
            }
            // Photos or files without a word: the bot reads words, and a shopper who sends a
            // picture (a damaged parcel, the wrong colour) needs a person, not "not sure".
            Stage::Bot if text.trim().is_empty() && !appended.message.attachments.is_empty() => {
                let _ = self.hand_off(id, HandoffReason::BotMissed, 0).await;
            }
            Stage::Bot if !bot_answers => {}
            Stage::Bot => self.spawn_answer(conv, text.to_owned()),
            // A chat that opened straight in the queue (no bot; its cart value came with the
            // opening): route it.
            Stage::Queued if appended.opened => self.after_queued(&conv).await,
            // Opened by a proactive message with no bot behind it (or from an agent persona):
            // the shopper's first answer goes to people, the cart value with it.
            Stage::Queued if conv.handoff_reason.is_none() => {
                let cart = self.cart_total(&conv.site_id, &conv.visitor_id).await;
                if let Ok((conv, _)) = self
                    .change(id, |c, now| {
                        c.handoff_reason.get_or_insert(HandoffReason::ShopperAsked);
                        c.queued_at = Some(now);
                        if let Some(cart) = cart {
                            c.cart_total = cart;
                        }
                        Ok(None)
                    })
                    .await
                {
                    self.after_queued(&conv).await;
                }
            }
            _ => {}
        }
    }

    /// The shopper left an email while waiting: kept on the conversation for agents, confirmed
    /// in the transcript in the shopper's language.
    pub async fn contact(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        email: &str,
    ) -> Result<Conversation, ChatError> {
        // Strictly enough that it can go into a To header when an agent answers by email.
        let email =
            Email::parse(&super::email::parse_email(email)?).map_err(|e| ChatError::Invalid {
                field: "email",
                message: e.to_string(),
            })?;
        let conv = self
            .store
            .open_conversations(site, visitor)
            .await?
            .into_iter()
            .last()
            .ok_or(ChatError::NotFound("conversation"))?;
        let (conv, _) = self
            .change(&conv.id, |c, _| {
                c.contact_email = Some(email.as_str().to_owned());
                Ok(None)
            })
            .await?;
        self.notice_contact(&conv).await;
        self.emit(
            &conv.site_id,
            super::OutboundEvent::ContactCaptured {
                conversation: conv.clone(),
                email: email.as_str().to_owned(),
            },
        );
        let language = self.chat_language(site, visitor).await;
        let text = Line::ContactThanks {
            email: email.as_str(),
        }
        .text(language.as_deref());
        if let Some(message) = system_message(text, Timestamp::now())
            && let Ok(stored) = self.store.append_message(&conv.id, message).await
        {
            self.deliver_message(&conv, &stored.message).await;
        }
        Ok(conv)
    }
}

/// A chat not yet with a person (the bot has it, or it waits in the queue): the only kind
/// a detected intent may still send to a team.
pub(super) fn waits_for_people(conv: &Conversation) -> bool {
    matches!(conv.lifecycle.stage, Stage::Bot | Stage::Queued) && conv.agent().is_none()
}
