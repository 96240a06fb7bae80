//! Automatic drafts: when a site turns them on, each shopper message in a chat that people
//! have (queued or assigned) gets a model draft in the background, delivered as a `draft`
//! frame to the agent who has the chat (or, while it waits in the queue, to the site's
//! agents) for the reply box. Nothing waits on it and nothing is sent by it: the dashboard
//! fills only an empty reply box, and only the agent's Send sends. Within the same bounds as
//! every model call (busy or over the day's budget: no draft, never queued); the bot stage,
//! closed chats and notes get none; a newer shopper message supersedes the draft before and
//! after the call. Without a usable model answer there is no automatic draft (the keyword
//! suggestions are on screen anyway).

use super::DraftSource;
use crate::bus::BusEvent;
use crate::chat::{ChatService, Suggestion};
use crate::conversation::{Conversation, Stage};
use crate::domain::{AuthorKind, ConversationId};
use crate::protocol::agent::{AgentFrame, DraftArticle};
use crate::store::Appended;

/// Whether people have the chat: the only stages that get automatic drafts.
fn with_people(conv: &Conversation) -> bool {
    matches!(conv.lifecycle.stage, Stage::Queued | Stage::Assigned { .. })
}

/// Counts what became of an automatic draft (`delivered`, or why not).
fn count(result: &'static str) {
    metrics::counter!("shopchat_ai_auto_drafts_total", "result" => result).increment(1);
}

impl ChatService {
    /// After a shopper's message is stored: starts its automatic draft when the site turned automatic drafts on (with AI help) and people have the chat
    /// as the shopper wrote. Decided here, before the shopper's ack; the draft itself is
    /// made in the background.
    pub(crate) async fn auto_draft_after(&self, appended: &Appended) {
        if appended.duplicate
            || appended.message.author.kind != AuthorKind::Shopper
            || !with_people(&appended.conversation)
        {
            return;
        }
        let settings = self.settings(&appended.conversation.site_id).await;
        if !(settings.ai_assist && settings.ai_auto_draft) {
            return;
        }
        let service = self.clone();
        let (conv, for_seq) = (appended.conversation.clone(), appended.message.seq);
        tokio::spawn(async move { service.auto_draft(conv, for_seq).await });
    }

    async fn auto_draft(&self, conv: Conversation, for_seq: u64) {
        if self.superseded(&conv.id, for_seq).await {
            return count("superseded");
        }
        let suggestions = self.auto_suggestions(&conv).await;
        let draft = match self.draft_from(&conv, &suggestions).await {
            Ok(draft) if draft.source == DraftSource::Model => draft,
            Ok(draft) => return count(draft.fallback.unwrap_or("none")),
            Err(e) => {
                tracing::debug!(conversation = %conv.id, error = %e, "no automatic draft");
                return count("error");
            }
        };
        // The chat as it is now: closed, back with the bot, or answered by a newer shopper
        // message while the model wrote, the draft is dropped.
        let now = match self.store.conversation(&conv.id).await {
            Ok(Some(now)) if with_people(&now) => now,
            _ => return count("closed"),
        };
        if self.superseded(&conv.id, for_seq).await {
            return count("superseded");
        }
        let frame = AgentFrame::Draft {
            site_id: now.site_id.clone(),
            conversation_id: now.id.clone(),
            for_seq,
            text: draft.text,
            articles: draft
                .articles
                .into_iter()
                .map(|(id, title)| DraftArticle { id, title })
                .collect(),
            orders: draft.orders,
            draft_token: draft.token,
        };
        let event = match now.agent() {
            Some(agent) => BusEvent::to_agent(&now.site_id, agent, frame),
            None => BusEvent::to_agents(&now.site_id, frame),
        };
        self.publish(event).await;
        count("delivered");
    }

    /// Whether the shopper wrote again after `for_seq` (that message's draft supersedes
    /// this one); a store that cannot say counts as superseded, so no stale draft goes out.
    async fn superseded(&self, id: &ConversationId, for_seq: u64) -> bool {
        match self.store.last_shopper_message(id).await {
            Ok(Some(last)) => last.seq > for_seq,
            _ => true,
        }
    }

    /// What the automatic draft is grounded in beside the chat: the suggestions as the
    /// assigned agent would see them; for a queued chat (nobody's yet) the articles only,
    /// since canned replies are filled in with the sending agent's name.
    async fn auto_suggestions(&self, conv: &Conversation) -> Vec<Suggestion> {
        let agent = match conv.agent() {
            Some(id) => self.store.agent(id).await.ok().flatten(),
            None => None,
        };
        let Some(agent) = agent.or_else(|| self.queue_reader()) else {
            return Vec::new();
        };
        let assigned = conv.agent().is_some();
        match self.suggestions(conv, &agent).await {
            Ok(Some((_, found))) => found
                .into_iter()
                .filter(|s| assigned || matches!(s, Suggestion::Article { .. }))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A stand-in reader for ranking a queued chat's suggestions, whose canned replies
    /// (rendered for it) are then left out.
    fn queue_reader(&self) -> Option<crate::store::Agent> {
        Some(crate::store::Agent {
            id: crate::domain::AgentId::generate(),
            email: crate::domain::Email::parse("queue@shopchat.invalid").ok()?,
            display_name: String::new(),
            must_change_password: false,
            created_at: crate::domain::Timestamp::now(),
            avatar: None,
        })
    }
}
