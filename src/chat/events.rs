//! Outbound events: what the shop's own stack hears from shopchat. A use case calls
//! [`ChatService::emit`] (or one of the hooks below, one line in `change` and after each
//! stored message) and goes on at once: the event is built into its JSON payload and put on a
//! bounded queue; a background task reads the site's endpoints, keeps those subscribed to the
//! type, and hands one signed delivery per endpoint to the webhook queue. A full queue drops
//! the event and counts it (`shopchat_outbound_events_dropped_total`) rather than slowing a
//! shopper or an agent down.

use super::ChatService;
use crate::conversation::{Conversation, Stage};
use crate::domain::{AuthorKind, ConversationId, Message, SiteId, Timestamp, VisitorId};
use crate::store::prelude::*;
use crate::store::{Appended, Endpoint};
use crate::webhooks::{LogTarget, Outgoing, Refused, Webhooks, new_message_id, sign::secret_key};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Every event type an endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "conversation.created",
    "conversation.handed_off",
    "conversation.assigned",
    "conversation.closed",
    "message.created",
    "contact.captured",
    "return.requested",
];

/// Events waiting for the fan-out; beyond this new ones are dropped and counted.
const QUEUE: usize = 2048;

/// Something that happened that a site's endpoints may want to hear.
#[derive(Debug, Clone)]
pub enum OutboundEvent {
    /// A conversation opened (by the shopper, a proactive rule, an agent or a handoff).
    ConversationCreated(Conversation),
    /// It went to the human queue; `from` is the stage it left (`new` when it opened queued).
    HandedOff {
        /// The conversation as it is now.
        conversation: Conversation,
        /// The stage before.
        from: &'static str,
    },
    /// An agent has it (took it, was transferred it, or started it).
    Assigned(Conversation),
    /// It was closed.
    Closed(Conversation),
    /// A shopper's, an agent's or the bot's message was stored (system notices are not).
    MessageCreated {
        /// The conversation it is in.
        conversation: Conversation,
        /// The message.
        message: Message,
    },
    /// The shopper left an email to be answered at.
    ContactCaptured {
        /// The conversation it was left in.
        conversation: Conversation,
        /// The address.
        email: String,
    },
    /// A shopper asked to return (or cancel) an order; emitted by the commerce use cases.
    /// `details` (an object: order number and id, kind, reason, …) is merged into `data`.
    ReturnRequested {
        /// The shopper.
        visitor_id: VisitorId,
        /// The conversation the request went to people in, if any.
        conversation_id: Option<ConversationId>,
        /// What the receiver needs about the request.
        details: Value,
    },
    /// "Send a test event" from the dashboard (sent to one endpoint only).
    Test,
}

impl OutboundEvent {
    /// The event's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            OutboundEvent::ConversationCreated(_) => "conversation.created",
            OutboundEvent::HandedOff { .. } => "conversation.handed_off",
            OutboundEvent::Assigned(_) => "conversation.assigned",
            OutboundEvent::Closed(_) => "conversation.closed",
            OutboundEvent::MessageCreated { .. } => "message.created",
            OutboundEvent::ContactCaptured { .. } => "contact.captured",
            OutboundEvent::ReturnRequested { .. } => "return.requested",
            OutboundEvent::Test => "webhook.test",
        }
    }

    /// The event's `data`: ids the receiver joins on and what happened; never a secret.
    fn data(&self, site: &SiteId) -> Value {
        match self {
            OutboundEvent::ConversationCreated(c)
            | OutboundEvent::Assigned(c)
            | OutboundEvent::Closed(c) => conversation_data(c),
            OutboundEvent::HandedOff { conversation, from } => {
                let mut data = conversation_data(conversation);
                data["from"] = json!(from);
                data
            }
            OutboundEvent::MessageCreated {
                conversation,
                message,
            } => {
                let mut data = ids(conversation);
                data["message"] = json!({
                    "id": message.id,
                    "seq": message.seq,
                    "author": { "kind": message.author.kind.as_str(), "name": message.author.name },
                    "text": message.text,
                    "ts": message.ts,
                });
                data
            }
            OutboundEvent::ContactCaptured {
                conversation,
                email,
            } => {
                let mut data = ids(conversation);
                data["email"] = json!(email);
                data
            }
            OutboundEvent::ReturnRequested {
                visitor_id,
                conversation_id,
                details,
            } => {
                let mut data = match details {
                    Value::Object(map) => Value::Object(map.clone()),
                    _ => json!({}),
                };
                data["site_id"] = json!(site);
                data["visitor_id"] = json!(visitor_id);
                data["conversation_id"] = json!(conversation_id);
                data
            }
            OutboundEvent::Test => json!({
                "site_id": site,
                "message": "A test event from shopchat: this endpoint is reachable.",
            }),
        }
    }

    /// The JSON body sent: `{type, timestamp (RFC 3339), data}`.
    pub fn payload(&self, site: &SiteId, now: Timestamp) -> String {
        let timestamp = chrono::DateTime::from_timestamp_millis(now.0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        json!({ "type": self.kind(), "timestamp": timestamp, "data": self.data(site) }).to_string()
    }
}

fn ids(c: &Conversation) -> Value {
    json!({ "site_id": c.site_id, "conversation_id": c.id, "visitor_id": c.visitor_id })
}

fn conversation_data(c: &Conversation) -> Value {
    let mut data = ids(c);
    data["state"] = json!(c.lifecycle.stage.name());
    data["agent_id"] = json!(c.agent());
    data["handoff_reason"] = json!(c.handoff_reason.map(|r| r.as_str()));
    data["priority"] = json!(c.priority);
    data["tags"] = json!(c.tags);
    data["created_at"] = json!(c.created_at);
    data
}

/// One event on its way to the fan-out.
struct Queued {
    site: SiteId,
    kind: &'static str,
    body: String,
}

/// How long this node trusts its copy of a site's endpoints: one created or deleted on
/// another node is heard here at most this late (this node's own changes drop it at once).
const FRESH: Duration = Duration::from_secs(5);
/// Sites whose endpoints are kept at once; beyond it the stale ones go (then all).
const MAX_SITES: usize = 10_000;

/// Each site's endpoints as last read, so a message on a site without endpoints costs no
/// store read and no payload.
#[derive(Default)]
struct EndpointCache {
    sites: Mutex<HashMap<SiteId, Read>>,
}

/// When a site's endpoints were read, and what they were.
type Read = (Instant, Arc<Vec<Endpoint>>);

impl EndpointCache {
    fn get(&self, site: &SiteId) -> Option<Arc<Vec<Endpoint>>> {
        let sites = self.sites.lock().ok()?;
        let (at, endpoints) = sites.get(site)?;
        (at.elapsed() < FRESH).then(|| endpoints.clone())
    }

    fn put(&self, site: &SiteId, endpoints: Arc<Vec<Endpoint>>) {
        if let Ok(mut sites) = self.sites.lock() {
            if sites.len() >= MAX_SITES {
                sites.retain(|_, (at, _)| at.elapsed() < FRESH);
                if sites.len() >= MAX_SITES {
                    sites.clear();
                }
            }
            sites.insert(site.clone(), (Instant::now(), endpoints));
        }
    }

    fn forget(&self, site: &SiteId) {
        if let Ok(mut sites) = self.sites.lock() {
            sites.remove(site);
        }
    }
}

/// The node's outbound event queue (a clone is a reference).
#[derive(Clone)]
pub(crate) struct Events {
    tx: mpsc::Sender<Queued>,
    cache: Arc<EndpointCache>,
}

impl Events {
    /// Starts the fan-out task over `store` (the endpoints) and `webhooks` (delivery).
    pub(crate) fn start(store: Arc<dyn Store>, webhooks: Webhooks) -> Events {
        let (tx, mut rx) = mpsc::channel::<Queued>(QUEUE);
        let cache = Arc::new(EndpointCache::default());
        let cached = cache.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let endpoints = match cached.get(&event.site) {
                    Some(endpoints) => endpoints,
                    None => match store.endpoints(&event.site).await {
                        Ok(all) => {
                            let all = Arc::new(all);
                            cached.put(&event.site, all.clone());
                            all
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, site = %event.site, "outbound event lost: endpoints unreadable");
                            continue;
                        }
                    },
                };
                let id = new_message_id();
                for endpoint in endpoints
                    .iter()
                    .filter(|e| e.events.iter().any(|t| t == event.kind))
                {
                    let _ = deliver(&webhooks, endpoint, event.kind, &id, event.body.clone());
                }
            }
        });
        Events { tx, cache }
    }

    /// The site's endpoints changed on this node: read them afresh for the next event.
    pub(super) fn forget(&self, site: &SiteId) {
        self.cache.forget(site);
    }

    /// Whether any of the site's endpoints wants `kind`; `None` when this node does not know.
    fn wanted(&self, site: &SiteId, kind: &str) -> Option<bool> {
        let endpoints = self.cache.get(site)?;
        Some(endpoints.iter().any(|e| e.events.iter().any(|t| t == kind)))
    }
}

/// Hands one signed delivery of `body` to `endpoint` to the webhook queue.
pub(super) fn deliver(
    webhooks: &Webhooks,
    endpoint: &Endpoint,
    kind: &str,
    id: &str,
    body: String,
) -> Result<(), Refused> {
    let Some(key) = secret_key(&endpoint.secret) else {
        // Only a hand-edited store gets here; the event is lost for this endpoint alone.
        tracing::error!(endpoint = %endpoint.id, "endpoint secret unreadable; not delivered");
        return Ok(());
    };
    let out = Outgoing {
        url: endpoint.url.clone(),
        body,
        id: id.to_owned(),
        key,
        legacy_signature: None,
        log: Some(LogTarget {
            site: endpoint.site_id.clone(),
            endpoint: endpoint.id.clone(),
            event_type: kind.to_owned(),
        }),
    };
    webhooks.queue(out).inspect_err(|e| {
        tracing::warn!(endpoint = %endpoint.id, error = %e, "outbound event not queued");
    })
}

impl ChatService {
    /// Tells the site's endpoints that `event` happened, without waiting: never fails and
    /// never blocks the caller (a full queue drops the event and counts it).
    pub(crate) fn emit(&self, site: &SiteId, event: OutboundEvent) {
        if self.events.wanted(site, event.kind()) == Some(false) {
            return;
        }
        let queued = Queued {
            site: site.clone(),
            kind: event.kind(),
            body: event.payload(site, Timestamp::now()),
        };
        if self.events.tx.try_send(queued).is_err() {
            metrics::counter!("shopchat_outbound_events_dropped_total").increment(1);
        }
    }

    /// After a saved change: the events its life-cycle step stands for.
    pub(super) fn conversation_changed(&self, before: &Conversation, after: &Conversation) {
        let (was, now) = (&before.lifecycle.stage, &after.lifecycle.stage);
        let site = &after.site_id;
        match now {
            Stage::Queued if was != now => self.emit(
                site,
                OutboundEvent::HandedOff {
                    conversation: after.clone(),
                    from: was.name(),
                },
            ),
            // Opened queued by a proactive message, and the shopper's answer sent it to people.
            Stage::Queued if before.handoff_reason.is_none() && after.handoff_reason.is_some() => {
                self.emit(
                    site,
                    OutboundEvent::HandedOff {
                        conversation: after.clone(),
                        from: "queued",
                    },
                );
            }
            Stage::Assigned { .. } if was != now => {
                self.emit(site, OutboundEvent::Assigned(after.clone()));
            }
            Stage::Closed if was != now => self.emit(site, OutboundEvent::Closed(after.clone())),
            _ => {}
        }
    }

    /// After a message was stored: `conversation.created` (with `handed_off` or `assigned`
    /// when it opened that way) and `message.created` for any but a system notice. A retried
    /// duplicate emits nothing again.
    pub(super) fn appended(&self, appended: &Appended) {
        if appended.duplicate {
            return;
        }
        let conv = &appended.conversation;
        if appended.opened {
            self.emit(
                &conv.site_id,
                OutboundEvent::ConversationCreated(conv.clone()),
            );
            match conv.lifecycle.stage {
                Stage::Queued if conv.handoff_reason.is_some() => self.emit(
                    &conv.site_id,
                    OutboundEvent::HandedOff {
                        conversation: conv.clone(),
                        from: "new",
                    },
                ),
                Stage::Assigned { .. } => {
                    self.emit(&conv.site_id, OutboundEvent::Assigned(conv.clone()));
                }
                _ => {}
            }
        }
        if appended.message.author.kind != AuthorKind::System {
            self.emit(
                &conv.site_id,
                OutboundEvent::MessageCreated {
                    conversation: conv.clone(),
                    message: appended.message.clone(),
                },
            );
        }
    }
}
