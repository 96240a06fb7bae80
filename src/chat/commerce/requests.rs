//! "Return" and "Cancel" on an order: a request a person decides on. Nothing is refunded or
//! cancelled automatically; the request is stored once (a double click makes one), the
//! conversation is tagged and handed to people with a note naming the order, and the shopper
//! is told honestly what happens next. Also the common way an order reaches a person (a stuck
//! order uses it too): tag, internal note, handoff.

use super::super::events::OutboundEvent;
use super::super::{ChatError, ChatService, system_message};
use crate::commerce::{Order, OrderRequest, RequestKind, RequestStatus};
use crate::conversation::{Conversation, HandoffReason};
use crate::domain::{RequestId, Timestamp};

/// The author id of the notes the bot leaves for agents (notes are written by accounts; this
/// one names none, so it cannot be mistaken for a person).
const BOT_NOTE_AUTHOR: &str = "ag_shopchatbot";
/// Characters of a shopper's reason kept on a request.
const MAX_REASON: usize = 500;

/// The request's kind as the shopper and the agent read it.
fn kind_words(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Return => "return",
        RequestKind::Cancel => "cancellation",
    }
}

/// The conversation tag for a request.
fn kind_tag(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Return => "return",
        RequestKind::Cancel => "cancel",
    }
}

/// The shopper's reason, trimmed and bounded; `None` when empty.
pub(crate) fn clean_reason(reason: Option<&str>) -> Option<String> {
    let trimmed = reason?.trim();
    (!trimmed.is_empty()).then(|| {
        trimmed
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(MAX_REASON)
            .collect()
    })
}

impl ChatService {
    /// The open request of this kind on this order already made in the conversation, if any:
    /// a second click finds it and changes nothing.
    pub(crate) async fn open_request(
        &self,
        conv: &Conversation,
        order: &Order,
        kind: RequestKind,
    ) -> Result<Option<OrderRequest>, ChatError> {
        let requests = self.store.order_requests(&conv.site_id, &order.id).await?;
        Ok(requests.into_iter().find(|r| {
            r.kind == kind && r.conversation_id == conv.id && r.status == RequestStatus::Open
        }))
    }

    /// A shopper's return or cancellation request on an order they may see: stored once,
    /// announced, tagged, noted for the agent and handed to people; the shopper is told what
    /// happens next.
    pub(crate) async fn request_on_order(
        &self,
        conv: &Conversation,
        order: &Order,
        kind: RequestKind,
        reason: Option<String>,
    ) -> Result<OrderRequest, ChatError> {
        let request = OrderRequest {
            id: RequestId::generate(),
            site_id: conv.site_id.clone(),
            order_id: order.id.clone(),
            order_number: order.number.to_string(),
            kind,
            reason,
            conversation_id: conv.id.clone(),
            visitor_id: conv.visitor_id.clone(),
            status: RequestStatus::Open,
            created_at: Timestamp::now(),
        };
        let stored = self.store.create_request(&request).await?;
        if stored.id != request.id {
            // The same request again (a double click, a second tab): one is enough.
            return Ok(stored);
        }
        self.announce_request(&stored);
        let told = format!(
            "Thanks. A person from the team will review your {} request for order {} and reply \
             here; nothing has been refunded or cancelled yet.",
            kind_words(kind),
            order.number
        );
        if self.order_bot_says(conv, &told).await.is_none()
            && let Some(message) = system_message(told, Timestamp::now())
            && let Ok(appended) = self.store.append_message(&conv.id, message).await
        {
            self.deliver_message(conv, &appended.message).await;
        }
        let mut note = format!(
            "{} requested for order {} (status: {}, total {}).",
            capitalised(kind_words(kind)),
            order.number,
            order.status_label(),
            order.total_money().formatted()
        );
        match &stored.reason {
            Some(reason) => note.push_str(&format!(" Reason: {reason}")),
            None => note.push_str(" No reason given."),
        }
        note.push_str(" Nothing was done automatically.");
        self.order_to_person(conv, kind_tag(kind), note).await?;
        Ok(stored)
    }

    /// The one place a new request is made known beyond the conversation: counted, logged,
    /// and sent to the site's endpoints as `return.requested` (a cancellation too, with
    /// `kind: cancel`).
    fn announce_request(&self, request: &OrderRequest) {
        metrics::counter!("shopchat_order_requests_total", "kind" => kind_tag(request.kind))
            .increment(1);
        tracing::info!(
            site = %request.site_id,
            conversation = %request.conversation_id,
            request = %request.id,
            kind = kind_tag(request.kind),
            "order request created"
        );
        self.emit(
            &request.site_id,
            OutboundEvent::ReturnRequested {
                visitor_id: request.visitor_id.clone(),
                conversation_id: Some(request.conversation_id.clone()),
                details: serde_json::json!({
                    "request_id": request.id,
                    "kind": kind_tag(request.kind),
                    "order_id": request.order_id,
                    "order_number": request.order_number,
                    "reason": request.reason,
                }),
            },
        );
    }

    /// An order goes to a person: the conversation is tagged, the agent gets a note saying
    /// what and why, and the chat is handed off (people already having it keep it).
    pub(crate) async fn order_to_person(
        &self,
        conv: &Conversation,
        tag: &str,
        note: String,
    ) -> Result<(), ChatError> {
        self.tag_conversation(conv, tag).await;
        self.bot_note(conv, note).await;
        self.hand_off(&conv.id, HandoffReason::OrderHelp, 0).await?;
        Ok(())
    }

    /// Adds a tag to a conversation unless it has it (or carries as many as it may).
    pub(crate) async fn tag_conversation(&self, conv: &Conversation, tag: &str) {
        let tagged = self
            .change(&conv.id, |c, _| {
                super::super::apply_tag(c, tag);
                Ok(None)
            })
            .await;
        if let Err(e) = tagged {
            tracing::warn!(error = %e, conversation = %conv.id, "could not tag conversation");
        }
    }

    /// An internal note from the bot: stored and sent to the site's agents, never to the
    /// shopper.
    async fn bot_note(&self, conv: &Conversation, text: String) {
        let bot = self.settings(&conv.site_id).await.bot_name.clone();
        self.system_note(conv, BOT_NOTE_AUTHOR, format!("{bot} (bot)"), text)
            .await;
    }
}

/// `return` → `Return`.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
