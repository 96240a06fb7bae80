//! The shopper's side of the application: a [`ShopperSession`] is one widget connection that
//! has said `hello` — the visitor it speaks for, the browsing state it shares with the
//! visitor's other tabs on this node, and its registration in the hub. The socket owns one,
//! hands it each decoded frame, and sends what comes back; everything that touches the store,
//! the bus or the trigger engine happens here.

mod customer;
mod email;
mod files;
mod join;
mod orders;
mod proactive;
mod rating;

pub use customer::{CustomerView, customer_key};
pub use join::JoinRequest;

use super::{ChatError, ChatService};
use crate::bus::BusEvent;
use crate::conversation::prechat::{CheckedAnswers, PrechatAnswers};
use crate::domain::{
    Author, AuthorKind, BrowsingEvent, ClientMsgId, ConversationId, MessageText, Timestamp,
    VisitorId,
};
use crate::hub::{Registration, SharedVisitor, lock};
use crate::protocol::ServerFrame;
use crate::protocol::agent::{AgentFrame, LiveVisitor, VisitorChange};
use crate::store::{Appended, NewMessage, Site};
use crate::triggers::{FunnelStage, VisitorRecord, Wake};
use std::time::{Duration, Instant};

/// A `typing` frame counts for this long unless the widget says it stopped.
const TYPING_LASTS: Duration = Duration::from_secs(10);

/// One identified shopper connection: what the application knows of it between frames.
pub struct ShopperSession {
    service: ChatService,
    site: Site,
    visitor: VisitorId,
    /// Shared by the visitor's tabs on this node.
    browsing: SharedVisitor,
    /// Keeps the socket in the hub; dropped when the session ends.
    registration: Registration,
    /// The browsing state changed since it was last saved.
    dirty: bool,
    /// The shopper is typing until then; no proactive message interrupts.
    typing_until: Option<Instant>,
    /// The visitor's open conversation as this connection last saw it (closes reach it as
    /// `status` frames, see [`ShopperSession::conversation_closed`]).
    conversation: Option<ConversationId>,
    /// What the shop's systems say about this visitor, if the shop verified who they are:
    /// loaded when they join or identify, read by every rule evaluation.
    shop: Option<std::sync::Arc<crate::triggers::ShopFacts>>,
    /// Orders the shopper proved with number and email on this connection (bounded): they
    /// may see them and ask for a return or cancellation on them.
    proven: Vec<crate::commerce::ExternalId>,
    /// The address proven with a one-time code on this connection: the orders placed with
    /// it may be shown, as for a customer the shop verified by email.
    proven_email: Option<String>,
    /// The browser's own visitor and socket, for speaking as its customer (`customer.rs`):
    /// `visitor` is the customer's canonical visitor once the shop verified who this is.
    device: customer::Device,
}

impl ShopperSession {
    /// The visitor this session speaks for.
    pub fn visitor(&self) -> &VisitorId {
        &self.visitor
    }

    /// Whether the visitor has an open conversation, as far as this connection saw; only a
    /// visitor without one can open (or reopen) one with a message.
    pub fn has_open_conversation(&self) -> bool {
        self.conversation.is_some()
    }

    /// The visitor's open conversation, as far as this connection saw.
    pub fn open_conversation(&self) -> Option<&ConversationId> {
        self.conversation.as_ref()
    }

    /// A `status` frame told this connection the conversation closed.
    pub fn conversation_closed(&mut self, conversation: &ConversationId) {
        if self.conversation.as_ref() == Some(conversation) {
            self.conversation = None;
        }
    }

    /// A browsing event (already parsed and, for `identify`, verified): the shared state
    /// learns it, funnel stages and dismissals it stands for are recorded, agents watching
    /// the visitor see a change that matters to them, and the trigger engine runs. Returns
    /// the engine's next wake, and a refusal to report to the widget (a `dismiss` without
    /// its rule) that did not stop the rest.
    pub async fn event(
        &mut self,
        event: &BrowsingEvent,
        now: Timestamp,
    ) -> (Option<ChatError>, Option<Timestamp>) {
        let verified = match event {
            BrowsingEvent::Identify {
                verified: Some(id), ..
            } => Some(id),
            _ => None,
        };
        // A verified identity lands on the browser's own state and on its customer's, never
        // on another customer's this browser spoke for before (a shared computer).
        let as_itself = self.visitor == self.device.id;
        let clean = verified.is_some_and(|id| {
            lock(&self.browsing)
                .verified
                .as_ref()
                .is_none_or(|v| v == id)
        });
        if verified.is_none() || as_itself {
            lock(&self.browsing).apply(event, now);
            self.dirty = true;
        }
        if let Some(id) = verified {
            self.link_customer(id, as_itself && clean, now).await;
            if !as_itself || self.visitor != self.device.id {
                lock(&self.browsing).apply(event, now);
            }
            self.shop = self.service.shop_facts(&self.site.id, id).await;
        }
        self.dirty = true;
        let refusal = self.after_event(event, now).await.err();
        if matches!(
            event,
            BrowsingEvent::PageView(_)
                | BrowsingEvent::CartUpdate(_)
                | BrowsingEvent::AddToCart(_)
                | BrowsingEvent::ProductView(_)
                | BrowsingEvent::Identify { .. }
        ) {
            self.tell_agents(VisitorChange::Updated).await;
        }
        let wake = self.run_triggers(Wake::Event(event.name())).await;
        (refusal, wake)
    }

    /// The shopper wrote. Stored first (opening a conversation, or reopening one closed a
    /// moment ago), then delivered to the visitor's tabs and the site's agents, then handed
    /// to the bot or the queue. A retried `client_msg_id` stores nothing twice but is
    /// delivered again: the first attempt may have been stored by a node that died before
    /// publishing it. The caller acks with what this returns.
    ///
    /// `answers` is the pre-chat form's, checked by [`ShopperSession::check_prechat`]: they
    /// go to the visitor (name, typed address) and to the conversation the message opens
    /// (topic tag, the topic's team, the address to answer at).
    pub async fn say(
        &mut self,
        text: MessageText,
        client_msg_id: ClientMsgId,
        answers: Option<CheckedAnswers>,
        files: &[String],
    ) -> Result<Appended, ChatError> {
        let said = text.as_str().to_owned();
        let mut appended = self.store_said(text, client_msg_id, files).await?;
        if appended.duplicate {
            return Ok(appended);
        }
        if let Some(answers) = &answers {
            self.identify_from_form(answers).await;
            self.service.apply_prechat(&mut appended, answers).await;
        }
        // An order question the bot answers from the shop's data is not the knowledge base's.
        let intent = crate::commerce::intent::detect(&said);
        let answered = self.order_question(&appended, &said, intent).await;
        self.service
            .shopper_wrote(&appended, &said, intent, !answered)
            .await;
        Ok(appended)
    }

    /// Stores a shopper's message (opening or reopening a conversation as needed) and
    /// delivers it; a retried `client_msg_id` is delivered again but stored once.
    async fn store_said(
        &mut self,
        text: MessageText,
        client_msg_id: ClientMsgId,
        files: &[String],
    ) -> Result<Appended, ChatError> {
        let attachments = self.claim_files(&client_msg_id, files).await?;
        let message = NewMessage {
            author: Author {
                kind: AuthorKind::Shopper,
                name: "Shopper".into(),
            },
            author_id: self.visitor.to_string(),
            text,
            client_msg_id: Some(client_msg_id),
            ts: Timestamp::now(),
            attachments,
        };
        if self.conversation.is_none() {
            self.service
                .reopen_if_recent(&self.site.id, &self.visitor)
                .await;
        }
        let opening = self
            .service
            .opening(&self.site.id, &self.visitor, true)
            .await;
        let appended = self
            .service
            .store
            .append_to_visitor(&self.site.id, &self.visitor, message, &opening)
            .await?;
        if appended.duplicate {
            self.republish(&appended).await;
            return Ok(appended);
        }
        metrics::counter!("shopchat_messages_stored_total", "author" => "shopper").increment(1);
        {
            let mut browsing = lock(&self.browsing);
            browsing.in_conversation = true;
            browsing.active(Timestamp::now());
        }
        self.conversation = Some(appended.message.conversation_id.clone());
        self.reach(FunnelStage::Replied, Timestamp::now()).await;
        self.publish_stored(&appended).await;
        self.service.appended(&appended);
        Ok(appended)
    }

    /// Checks the pre-chat form's answers against this site's form, before anything is
    /// stored or any budget spent on the message they come with.
    pub async fn check_prechat(
        &self,
        answers: &PrechatAnswers,
    ) -> Result<CheckedAnswers, ChatError> {
        self.service.check_prechat(&self.site.id, answers).await
    }

    /// The form's name and email as the shopper's own (unverified) identity: the visitor's
    /// `name` and `contact_email` attributes, beside the chat for agents and for rules.
    async fn identify_from_form(&mut self, answers: &CheckedAnswers) {
        let mut attributes = serde_json::Map::new();
        if let Some(name) = &answers.name {
            attributes.insert("name".into(), name.clone().into());
        }
        if let Some(email) = &answers.email {
            // Not `email`: that key means an address the shop proved (it marks the visitor
            // identified); this one the shopper typed.
            attributes.insert("contact_email".into(), email.as_str().into());
        }
        if attributes.is_empty() {
            return;
        }
        let event = BrowsingEvent::Identify {
            attributes,
            verified: None,
        };
        // Straight onto the shared state, not through `event`: the shopper is writing, and
        // no trigger rule should fire on their own form.
        lock(&self.browsing).apply(&event, Timestamp::now());
        self.dirty = true;
        self.tell_agents(VisitorChange::Updated).await;
    }

    /// "Talk to a person": the open conversation (or a new one) goes to the human queue.
    pub async fn handoff(&mut self) -> Result<(), ChatError> {
        let conv = self
            .service
            .shopper_handoff(&self.site.id, &self.visitor)
            .await?;
        lock(&self.browsing).in_conversation = true;
        self.conversation = Some(conv.id);
        Ok(())
    }

    /// The offline form: an email to answer at. `NotFound` when the visitor has no
    /// conversation to attach it to.
    pub async fn contact(&self, email: &str) -> Result<(), ChatError> {
        self.service
            .contact(&self.site.id, &self.visitor, email)
            .await
            .map(|_| ())
    }

    /// The shopper read a conversation up to `seq`: stored, and the site's agents see it.
    /// `NotFound` for a conversation that is not this visitor's (or does not exist).
    pub async fn read(&self, conversation: &str, seq: u64) -> Result<(), ChatError> {
        let id =
            ConversationId::parse(conversation).map_err(|_| ChatError::NotFound("conversation"))?;
        let conv = match self.service.store.conversation(&id).await? {
            Some(c) if c.site_id == self.site.id && c.visitor_id == self.visitor => c,
            _ => return Err(ChatError::NotFound("conversation")),
        };
        self.service.store.mark_read(&id, seq).await?;
        let frame = AgentFrame::Read {
            site_id: self.site.id.clone(),
            conversation_id: id,
            by: "shopper",
            seq: seq.min(conv.last_seq),
        };
        self.service
            .publish(BusEvent::to_agents(&self.site.id, frame))
            .await;
        Ok(())
    }

    /// The shopper is typing (or stopped): agents watching see it, and proactive rules hold
    /// back while it lasts. When typing stops the engine runs again; the new wake is returned
    /// (`None` from a start of typing: the armed timer stays as it is).
    pub async fn typing(&mut self, active: bool) -> Option<Option<Timestamp>> {
        let frame = AgentFrame::Typing {
            site_id: self.site.id.clone(),
            conversation_id: self.conversation.clone(),
            visitor_id: self.visitor.clone(),
            author: Author {
                kind: AuthorKind::Shopper,
                name: "Shopper".into(),
            },
            active,
        };
        self.service
            .publish(BusEvent::to_agents(&self.site.id, frame))
            .await;
        if active {
            self.typing_until = Some(Instant::now() + TYPING_LASTS);
            lock(&self.browsing).active(Timestamp::now());
            None
        } else {
            self.typing_until = None;
            Some(self.run_triggers(Wake::Timer).await)
        }
    }

    /// Persists the visitor's browsing state if it changed since the last save. A failure is
    /// logged and retried at the next save: browsing state is best effort, unlike messages.
    pub async fn save(&mut self) {
        if !self.dirty {
            return;
        }
        let snapshot = lock(&self.browsing).clone();
        match self
            .service
            .store
            .save_visitor(&self.site.id, &self.visitor, &snapshot)
            .await
        {
            Ok(()) => self.dirty = false,
            Err(e) => tracing::warn!(error = %e, "cannot save browsing state"),
        }
    }

    /// The connection ends: the state is saved and the socket leaves the hub first (a peer
    /// too slow to take the close frame must not keep its registration), then, if that was
    /// the visitor's last tab on this node, agents see the visitor leave.
    pub async fn leave(mut self) {
        self.save().await;
        let ShopperSession {
            service,
            site,
            visitor,
            registration,
            ..
        } = self;
        drop(registration);
        if service.hub.visitor_is_live(&site.id, &visitor) {
            return;
        }
        let state = service.hub.visitor_state(&site.id, &visitor);
        let summary = LiveVisitor::of(
            &site.id,
            &visitor,
            &state.unwrap_or_else(|| VisitorRecord::first_visit(Timestamp::now())),
        );
        service.announce_left(&site.id, &visitor).await;
        service
            .publish(BusEvent::to_agents(
                &site.id,
                AgentFrame::Visitor {
                    change: VisitorChange::Left,
                    visitor: summary,
                },
            ))
            .await;
    }

    /// Agents' live-visitors lists learn of this visitor's arrival or change.
    pub async fn tell_agents(&self, change: VisitorChange) {
        if !self.service.visitor_news_wanted(&self.site.id) {
            return;
        }
        let summary = LiveVisitor::of(&self.site.id, &self.visitor, &lock(&self.browsing));
        self.service.announce_visitor(summary.clone()).await;
        self.service
            .publish(BusEvent::to_agents(
                &self.site.id,
                AgentFrame::Visitor {
                    change,
                    visitor: summary,
                },
            ))
            .await;
    }

    /// Delivers a frame to every socket of the visitor, on every node. A failure is only
    /// logged: what matters is already stored, and the client gets it on reconnect.
    async fn publish(&self, frame: ServerFrame) {
        self.service
            .publish(BusEvent::to_visitor(&self.site.id, &self.visitor, frame))
            .await;
    }

    /// Delivers a newly stored message to the visitor's tabs and the site's agents,
    /// announcing its conversation first if it just opened.
    async fn publish_stored(&self, appended: &Appended) {
        let id = &appended.message.conversation_id;
        if appended.opened {
            let conv = appended.conversation.clone();
            self.publish(ServerFrame::Status {
                conversation_id: id.clone(),
                state: conv.lifecycle.stage.name().into(),
                agent: None,
                agent_avatar: None,
                nobody_online: false,
            })
            .await;
            self.service
                .publish(BusEvent::to_agents(
                    &self.site.id,
                    AgentFrame::Conversation { conversation: conv },
                ))
                .await;
        }
        let mut message = appended.message.clone();
        self.service.sign_attachments(&self.site.id, &mut message);
        self.publish(ServerFrame::Message(message.clone())).await;
        self.service
            .publish(BusEvent::to_agents(
                &self.site.id,
                AgentFrame::Message {
                    site_id: self.site.id.clone(),
                    message,
                },
            ))
            .await;
    }

    /// Publishes a message that was stored before (a retried `client_msg_id`) with its
    /// conversation's header, for receivers that may have missed both.
    async fn republish(&self, appended: &Appended) {
        self.service
            .publish(BusEvent::to_agents(
                &self.site.id,
                AgentFrame::Conversation {
                    conversation: appended.conversation.clone(),
                },
            ))
            .await;
        self.publish_stored(appended).await;
    }
}
