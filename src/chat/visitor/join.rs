//! `hello`: which conversations a connecting widget resumes, joining the visitor's live state
//! on this node (or loading its last save), and what a resuming widget is told.

use super::ShopperSession;
use crate::chat::{ChatError, ChatService};
use crate::conversation::Conversation;
use crate::domain::{
    BrowsingEvent, ConversationId, Message, PageInfo, SiteId, Timestamp, VisitorId,
};
use crate::hub::lock;
use crate::protocol::{Appearance, ServerFrame};
use crate::store::Site;
use crate::triggers::VisitorRecord;
use std::collections::HashMap;
use tokio_util::sync::CancellationToken;

/// A connection that proved (or did not need to prove) who it is, asking to join.
pub struct JoinRequest {
    /// The site the socket was opened for.
    pub site: Site,
    /// The visitor it speaks as: the device itself, or its customer's canonical visitor
    /// (see [`ChatService::resumable_as`]).
    pub visitor: VisitorId,
    /// The browser's own visitor (a new one when the widget brought no valid session).
    pub device: VisitorId,
    /// Whether the visitor is known (a valid session): its saved state is loaded.
    pub known: bool,
    /// The page in `hello`, a page view.
    pub page: Option<PageInfo>,
    /// False when the shopper has not consented to tracking: a new visitor's browsing state
    /// is then kept live only, not saved (a widget that chatted comes back with its session,
    /// `known`, and is saved then).
    pub tracking: bool,
    /// What the hub queues for this socket.
    pub outbox: crate::hub::OutboxSender,
    /// Cancelled by the hub when the socket cannot keep up.
    pub too_slow: CancellationToken,
    /// The language the shopper is served in ([`ChatService::shopper_language`]).
    pub language: String,
}

impl ChatService {
    /// The visitor a device speaks as (itself, or its verified customer's canonical visitor:
    /// [`ChatService::speaks_as`]) and the conversations it resumes — for a customer also
    /// the customer's latest one, closed or not, so a new device shows the last chat.
    pub async fn resumable_as(
        &self,
        site: &Site,
        device: &VisitorId,
        known: bool,
        last_seq: &HashMap<String, u64>,
    ) -> Result<(VisitorId, Vec<Conversation>), ChatError> {
        let visitor = self.speaks_as(&site.id, device, known).await;
        let mut conversations = self.resumable(site, &visitor, known, last_seq).await?;
        if &visitor != device {
            self.customer_latest(&site.id, &visitor, &mut conversations)
                .await?;
        }
        Ok((visitor, conversations))
    }

    /// The visitor's open conversations plus any closed ones it names in `last_seq` (so a
    /// last message sent before closing still arrives), checked to belong to this visitor.
    /// A visitor made for this `hello` (`known` false) has none, and no store read asks.
    pub async fn resumable(
        &self,
        site: &Site,
        visitor: &VisitorId,
        known: bool,
        last_seq: &HashMap<String, u64>,
    ) -> Result<Vec<Conversation>, ChatError> {
        if !known {
            return Ok(Vec::new());
        }
        let mut conversations = self.store.open_conversations(&site.id, visitor).await?;
        for id in last_seq.keys() {
            let Ok(id) = ConversationId::parse(id) else {
                continue;
            };
            if conversations.iter().any(|c| c.id == id) {
                continue;
            }
            if let Some(c) = self.store.conversation(&id).await?
                && c.site_id == site.id
                && &c.visitor_id == visitor
            {
                conversations.push(c);
            }
        }
        Ok(conversations)
    }

    /// Joins the visitor live on this node and saves its state with the new page view, behind.
    /// The hub is asked first: a tab that is closing saves its state before it leaves the
    /// hub, so this tab either joins that live state or loads its last save. Registered before
    /// the caller replays: anything published from now on is queued in the outbox (and
    /// deduplicated against the replay), so nothing falls in between.
    pub async fn join(
        &self,
        request: JoinRequest,
        conversations: &[Conversation],
        now: Timestamp,
    ) -> Result<ShopperSession, ChatError> {
        let JoinRequest {
            site,
            visitor,
            device,
            known,
            page,
            tracking,
            outbox,
            too_slow,
            language,
        } = request;
        let device = super::customer::Device {
            id: device,
            outbox: outbox.clone(),
            too_slow: too_slow.clone(),
            history: None,
            speaks_for: None,
        };
        let (registration, browsing) =
            match self
                .hub
                .join_live(&site.id, &visitor, outbox.clone(), too_slow.clone())
            {
                Some(joined) => joined,
                None => {
                    let loaded = if known {
                        self.store
                            .load_visitor(&site.id, &visitor)
                            .await?
                            .unwrap_or_else(|| VisitorRecord::first_visit(now))
                    } else {
                        VisitorRecord::first_visit(now)
                    };
                    self.hub
                        .register_shopper(&site.id, &visitor, loaded, outbox, too_slow)
                }
            };
        let chatting = self.chatting(conversations).await;
        let snapshot = {
            let mut state = lock(&browsing);
            if known {
                state.returns(now);
            }
            if let Some(page) = page {
                state.apply(&BrowsingEvent::PageView(page), now);
            }
            state.in_conversation = chatting;
            state.chat_language = Some(language);
            state.clone()
        };
        // Written behind: `welcome` waits for no commit (only messages need one). The live
        // state is in the hub meanwhile, and the writer keeps its order, so the save when this
        // socket leaves lands after it. Fails only when the store is closed: then the
        // registration is dropped with the error and the socket is not joined.
        if tracking || known {
            self.store
                .save_visitor_behind(&site.id, &visitor, &snapshot)
                .await?;
        }
        let conversation = conversations
            .iter()
            .filter(|c| c.is_open())
            .map(|c| c.id.clone())
            .next_back();
        let shop = match &snapshot.browsing.verified {
            Some(id) => self.shop_facts(&site.id, id).await,
            None => None,
        };
        Ok(ShopperSession {
            service: self.clone(),
            site,
            visitor,
            browsing,
            registration,
            dirty: false,
            typing_until: None,
            conversation,
            shop,
            proven: Vec::new(),
            proven_email: None,
            device,
        })
    }

    /// The language a shopper is served in (a language code): the shop's choice for its
    /// page (`wanted`), else the browser's first language (`browser`, best first) the site
    /// enables, else the site's first language.
    pub async fn shopper_language(
        &self,
        site: &SiteId,
        wanted: Option<&str>,
        browser: &[String],
    ) -> String {
        let chat = self.settings(site).await;
        crate::domain::shopper_language(wanted, browser, &chat.languages)
    }

    /// How the site's widget looks and greets, for `welcome`, in the shopper's `language`.
    pub async fn appearance(&self, site: &Site, language: &str) -> Appearance {
        let chat = self.settings(&site.id).await;
        Appearance {
            color: chat.color.clone(),
            greeting: chat.greeting_in(language).to_owned(),
            bot_name: chat.bot_name.clone(),
            language: language.to_owned(),
            self_service: self.self_service_on(&site.id).await,
            email: self.email_on(&site.id).await,
            alerts: chat.tab_alerts,
            attachments: chat.attachments.enabled,
            prechat: self.prechat_spec(&site.id, &chat.prechat),
        }
    }

    /// Up to `limit` stored messages of a conversation after `after`, in order: what a
    /// resuming socket replays.
    pub async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, ChatError> {
        let mut page = self
            .store
            .messages_after(conversation, after, limit)
            .await?;
        // Links are signed per delivery; their site is the conversation's.
        if page.iter().any(|m| !m.attachments.is_empty())
            && let Some(conv) = self.store.conversation(conversation).await?
        {
            for message in &mut page {
                self.sign_attachments(&conv.site_id, message);
            }
        }
        Ok(page)
    }

    /// The `status` a resuming socket gets for an open conversation: who has it, or that
    /// nobody is online to take it, without waiting for the next change.
    pub async fn resume_status(&self, site: &Site, conversation: &Conversation) -> ServerFrame {
        let (agent, agent_avatar) = match conversation.agent() {
            Some(a) => {
                let (name, avatar) = self.agent_face(a).await;
                (Some(name), avatar)
            }
            None => (None, None),
        };
        let nobody_online = matches!(
            conversation.lifecycle.stage,
            crate::conversation::Stage::Queued
        ) && !self.site_has_agent_online(&site.id);
        ServerFrame::Status {
            conversation_id: conversation.id.clone(),
            state: conversation.lifecycle.stage.name().into(),
            agent,
            agent_avatar,
            nobody_online,
        }
    }
}
