//! One customer across devices. When the shop verifies a visitor as its customer C (an
//! `identify` whose HMAC matched), the visitor — this browser, a "device" — is linked to C in
//! the store, and C has one **canonical visitor**: a visitor id minted at C's first link, never
//! a device's own id (so two customers on one shared computer never share one). From then on
//! the device speaks as the canonical visitor: its conversations, browsing state and rule
//! history are the customer's, so its sockets are the customer's "tabs" — agents' messages
//! reach every device, once-per-visitor rules fire once for the customer, and a new device
//! sees the customer's history. The device keeps its own id and session in the widget
//! (`welcome` still names it), so nothing in the browser holds the customer's id.
//!
//! Only a verified id links, and only a device that was verified (its stored link) speaks as
//! the customer on its next pages. A device in the middle of its own anonymous chat when it is
//! verified finishes that chat as itself; it speaks as the customer from its next page after.

use super::ShopperSession;
use crate::bus::BusEvent;
use crate::chat::{ChatError, ChatService};
use crate::conversation::{Conversation, ConversationFilter};
use crate::domain::{AgentId, SiteId, Timestamp, VerifiedId, VisitorId};
use crate::hub::{OutboxSender, lock};
use crate::protocol::agent::{AgentFrame, LiveVisitor, VisitorChange};
use crate::triggers::VisitorRecord;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// Devices an agent's view of a customer lists.
const DEVICES_SHOWN: usize = 20;
/// A customer's recent conversations searched for the agent who last served them.
const LAST_AGENT_LOOKBACK: u32 = 20;
/// Custom attributes a visitor keeps (as `identify` allows).
const MAX_ATTRIBUTES: usize = 50;

/// The customer's key on a site for a verified id: a `user_id` and an email are two keys
/// (the shop verifies one or the other; it should verify the same one on every device).
pub fn customer_key(id: &VerifiedId) -> String {
    match id {
        VerifiedId::UserId(user) => format!("user:{user}"),
        VerifiedId::Email(email) => format!("email:{email}"),
    }
}

/// What a session keeps to move to the customer's canonical visitor: the device it is, the
/// socket's place in the hub, and the customer's conversations to replay after moving.
pub(super) struct Device {
    /// The visitor id this browser holds (what `welcome` named).
    pub(super) id: VisitorId,
    /// The socket's outbox, to register it under the canonical visitor.
    pub(super) outbox: OutboxSender,
    /// The socket's too-slow signal, registered with it.
    pub(super) too_slow: CancellationToken,
    /// The customer's conversations, once this session became the customer: the socket
    /// replays them (see [`ShopperSession::take_customer_history`]).
    pub(super) history: Option<Vec<Conversation>>,
    /// The customer key this connection speaks for, once a verified `identify` confirmed it.
    pub(super) speaks_for: Option<String>,
}

/// One customer as agents see it beside a visitor: who the shop says it is, the visitor its
/// conversations belong to, and the devices linked to it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomerView {
    /// `user:ID` or `email:ADDRESS`, as the shop verified it.
    pub id: String,
    /// The visitor every device of the customer speaks as (search conversations by it).
    #[schema(value_type = String)]
    pub canonical_visitor: VisitorId,
    /// The customer's devices (browsers), first linked first, at most 20.
    #[schema(value_type = Vec<String>)]
    pub visitors: Vec<VisitorId>,
}

impl ChatService {
    /// The visitor a device speaks as at `hello`: its customer's canonical visitor when the
    /// device was verified before (its stored link) and has no open conversation of its own,
    /// else itself. A failed look-up keeps the device as itself (it sees only its own).
    pub async fn speaks_as(&self, site: &SiteId, device: &VisitorId, known: bool) -> VisitorId {
        if !known {
            return device.clone();
        }
        let link = match self.store.visitor_customer(site, device).await {
            Ok(Some(link)) if &link.canonical != device => link,
            Ok(_) => return device.clone(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the visitor's customer");
                return device.clone();
            }
        };
        match self.store.open_conversations(site, device).await {
            Ok(own) if own.is_empty() => link.canonical,
            _ => device.clone(),
        }
    }

    /// What a device that speaks as a customer replays beyond what it names: the customer's
    /// latest conversation even when closed, so a new device shows the last chat.
    pub(super) async fn customer_latest(
        &self,
        site: &SiteId,
        canonical: &VisitorId,
        conversations: &mut Vec<Conversation>,
    ) -> Result<(), ChatError> {
        let latest = self
            .store
            .find_conversations(&ConversationFilter {
                site: Some(site.clone()),
                visitor: Some(canonical.clone()),
                limit: 1,
                ..ConversationFilter::default()
            })
            .await?;
        for conv in latest {
            if !conversations.iter().any(|c| c.id == conv.id) {
                conversations.insert(0, conv);
            }
        }
        Ok(())
    }

    /// The customer a visitor (a device or a canonical visitor) belongs to, for agents.
    pub async fn customer_of(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<CustomerView>, ChatError> {
        let Some(link) = self.store.visitor_customer(site, visitor).await? else {
            return Ok(None);
        };
        let visitors = self
            .store
            .customer_visitors(site, &link.customer, DEVICES_SHOWN)
            .await?;
        Ok(Some(CustomerView {
            id: link.customer,
            canonical_visitor: link.canonical,
            visitors,
        }))
    }

    /// For routing a queued chat no agent has had yet: the agent who last served this
    /// returning customer (any device: their conversations share the canonical visitor).
    /// `None` for a visitor who is no verified customer, or was never served by a person.
    pub(crate) async fn returning_agent(&self, conv: &Conversation) -> Option<AgentId> {
        let link = self
            .store
            .visitor_customer(&conv.site_id, &conv.visitor_id)
            .await
            .ok()??;
        let recent = self
            .store
            .find_conversations(&ConversationFilter {
                site: Some(conv.site_id.clone()),
                visitor: Some(link.canonical),
                limit: LAST_AGENT_LOOKBACK,
                ..ConversationFilter::default()
            })
            .await
            .ok()?;
        recent
            .into_iter()
            .filter(|c| c.id != conv.id)
            .find_map(|c| c.lifecycle.last_agent)
    }

    /// Before routing: the first `seats` chats in queue order that no agent has had yet
    /// prefer the agent who last served their customer. Bounded by the seats free, so a
    /// long queue costs no more look-ups than routing can assign.
    pub(crate) async fn prefer_returning_agents(
        &self,
        waiting: &mut [crate::conversation::routing::Waiting],
        queue: &[Conversation],
        seats: usize,
    ) {
        crate::conversation::routing::order(waiting);
        for chat in waiting.iter_mut().take(seats) {
            if chat.last_agent.is_some() {
                continue;
            }
            if let Some(conv) = queue.iter().find(|c| c.id == chat.id) {
                chat.last_agent = self.returning_agent(conv).await;
            }
        }
    }
}

impl ShopperSession {
    /// A verified `identify`: the device is linked to the customer, and the session speaks as
    /// the customer's canonical visitor from now on (unless this device is in the middle of
    /// its own chat: it finishes that as itself). A store failure leaves the session as it was.
    /// `own`: this session's state is the browser's own and names no other customer, so it
    /// may go over to the customer's.
    pub(super) async fn link_customer(&mut self, id: &VerifiedId, own: bool, now: Timestamp) {
        let key = customer_key(id);
        // Shops identify on every page: once this connection speaks as the customer, that
        // costs nothing; a device linked before costs one read, not a write.
        if self.device.speaks_for.as_deref() == Some(key.as_str()) {
            return;
        }
        let canonical = match self.linked_canonical(&key, now).await {
            Ok(canonical) => canonical,
            Err(e) => {
                tracing::warn!(error = %e, "cannot link the customer's device");
                return;
            }
        };
        let as_itself = self.visitor == self.device.id;
        if as_itself && self.conversation.is_some() && canonical != self.visitor {
            return;
        }
        if canonical != self.visitor
            && let Err(e) = self.become_customer(canonical, own, now).await
        {
            tracing::warn!(error = %e, "cannot join the customer's other devices");
            return;
        }
        self.device.speaks_for = Some(key);
    }

    /// The customer's canonical visitor, linking this device first unless it already is.
    async fn linked_canonical(&self, key: &str, now: Timestamp) -> Result<VisitorId, ChatError> {
        let store = &self.service.store;
        if let Some(link) = store
            .visitor_customer(&self.site.id, &self.device.id)
            .await?
            && link.customer == key
        {
            return Ok(link.canonical);
        }
        let fresh = VisitorId::generate();
        Ok(store
            .link_customer(&self.site.id, key, &self.device.id, &fresh, now)
            .await?)
    }

    /// The customer's conversations to replay, once, after this session became the customer.
    pub fn take_customer_history(&mut self) -> Option<Vec<Conversation>> {
        self.device.history.take()
    }

    /// Moves the session to the canonical visitor: registered there (sharing its live state
    /// with the customer's other devices on this node, or loading its save — a customer's
    /// first device starts it as a copy of itself), this device's state merged in, then the
    /// old registration dropped. Agents see the device leave and the customer join.
    async fn become_customer(
        &mut self,
        canonical: VisitorId,
        own: bool,
        now: Timestamp,
    ) -> Result<(), ChatError> {
        self.save().await;
        let before = lock(&self.browsing).clone();
        // Not the browser's own state (it spoke for another customer: a shared computer):
        // nothing of it goes over, only where the browser is now.
        let source = if own {
            before.clone()
        } else {
            where_it_is(&before, now)
        };
        let site = self.site.id.clone();
        let (outbox, too_slow) = (self.device.outbox.clone(), self.device.too_slow.clone());
        let service = self.service.clone();
        let (registration, browsing) =
            match service
                .hub
                .join_live(&site, &canonical, outbox.clone(), too_slow.clone())
            {
                Some(joined) => joined,
                None => {
                    let loaded = match service.store.load_visitor(&site, &canonical).await? {
                        Some(mut saved) => {
                            saved.returns(now);
                            saved
                        }
                        None => source.clone(),
                    };
                    service
                        .hub
                        .register_shopper(&site, &canonical, loaded, outbox, too_slow)
                }
            };
        let mut conversations = service.store.open_conversations(&site, &canonical).await?;
        service
            .customer_latest(&site, &canonical, &mut conversations)
            .await?;
        let chatting = service.chatting(&conversations).await;
        let snapshot = {
            let mut state = lock(&browsing);
            merge_device(&mut state, &source);
            state.in_conversation = chatting;
            state.clone()
        };
        service
            .store
            .save_visitor_behind(&site, &canonical, &snapshot)
            .await?;
        let was = std::mem::replace(&mut self.visitor, canonical);
        drop(std::mem::replace(&mut self.registration, registration));
        self.browsing = browsing;
        self.conversation = conversations
            .iter()
            .filter(|c| c.is_open())
            .map(|c| c.id.clone())
            .next_back();
        self.dirty = false;
        self.device.history = Some(conversations);
        if !service.hub.visitor_is_live(&site, &was) {
            service.announce_left(&site, &was).await;
            let frame = AgentFrame::Visitor {
                change: VisitorChange::Left,
                visitor: LiveVisitor::of(&site, &was, &before),
            };
            service.publish(BusEvent::to_agents(&site, frame)).await;
        }
        self.tell_agents(VisitorChange::Joined).await;
        Ok(())
    }
}

/// A device's state without anything of the visitor it spoke as: its page, device class and
/// language (the identity the shop just verified is applied after the move).
fn where_it_is(state: &VisitorRecord, now: Timestamp) -> VisitorRecord {
    let mut fresh = VisitorRecord::first_visit(now);
    fresh.current_page.clone_from(&state.current_page);
    fresh.page_entered_at = state.page_entered_at;
    fresh.device.clone_from(&state.device);
    fresh.language.clone_from(&state.language);
    fresh
}

/// Takes a device's state into the customer's: every rule firing either one saw (so caps
/// count both), and what the device says about now — its page, product, cart, identity.
fn merge_device(customer: &mut VisitorRecord, device: &VisitorRecord) {
    customer.triggers.merge(&device.triggers);
    let (c, d) = (&mut customer.browsing, &device.browsing);
    c.visits = c.visits.max(d.visits);
    c.last_seen_at = c.last_seen_at.max(d.last_seen_at);
    c.last_active_at = c.last_active_at.max(d.last_active_at);
    if d.current_page.is_some() {
        c.current_page.clone_from(&d.current_page);
        c.page_entered_at = d.page_entered_at;
        c.product.clone_from(&d.product);
        c.exit_intent = d.exit_intent;
    }
    if d.cart.is_some() {
        c.cart.clone_from(&d.cart);
    }
    if d.device.is_some() {
        c.device.clone_from(&d.device);
    }
    if d.language.is_some() {
        c.language.clone_from(&d.language);
    }
    c.identified |= d.identified;
    if d.verified.is_some() {
        c.verified.clone_from(&d.verified);
    }
    for (name, value) in &d.attributes {
        if c.attributes.contains_key(name) || c.attributes.len() < MAX_ATTRIBUTES {
            c.attributes.insert(name.clone(), value.clone());
        }
    }
    c.tags.extend(d.tags.iter().cloned());
}
