//! A site's outbound event endpoints as owners manage them: create (with a signing secret
//! shown once), list (the secret's first characters only), delete, send a test event, and
//! read the delivery log. Values are checked here, so the HTTP edge only decodes; at most
//! [`MAX_ENDPOINTS`] per site, checked by the store in the write that adds one.

use crate::chat::events::{EVENT_TYPES, OutboundEvent, deliver};
use crate::chat::{ChatError, ChatService};
use crate::domain::{EndpointId, SiteId, Timestamp};
use crate::store::{DeliveryRecord, Endpoint, StoreError};
use crate::webhooks::{Refused, new_message_id, sign::new_secret};
use serde::Serialize;

/// Endpoints a site may have.
pub const MAX_ENDPOINTS: usize = 10;
/// Delivery log entries an owner reads at once (the store keeps as many per site).
const LOG_READ: usize = 200;
/// Longest endpoint URL, in bytes.
const MAX_URL: usize = 2000;
/// Longest description, in characters.
const MAX_DESCRIPTION: usize = 200;

/// An endpoint as an owner asks for it (checked by [`ChatService::create_endpoint`]).
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Where to POST: https (plain http only with `--allow-http-webhooks`).
    pub url: String,
    /// The event types it wants, from [`EVENT_TYPES`].
    pub events: Vec<String>,
    /// What it is for.
    pub description: String,
}

/// An endpoint as listed: the secret's first characters only, so an owner can tell which
/// secret a receiver holds without the list giving it away.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    /// Endpoint id (`we_…`).
    #[schema(value_type = String)]
    pub id: EndpointId,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// The owner's note.
    pub description: String,
    /// `whsec_` and the secret's first four characters.
    pub secret_prefix: String,
    /// Created at (ms since the epoch).
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
}

impl From<&Endpoint> for EndpointView {
    fn from(e: &Endpoint) -> Self {
        EndpointView {
            id: e.id.clone(),
            url: e.url.clone(),
            events: e.events.clone(),
            description: e.description.clone(),
            secret_prefix: format!("{}…", e.secret.chars().take(10).collect::<String>()),
            created_at: e.created_at,
        }
    }
}

/// A new endpoint with its secret: the only answer that ever carries it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedEndpoint {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The signing secret (`whsec_…`): keep it, it is not shown again.
    pub secret: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> ChatError {
    ChatError::Invalid {
        field,
        message: message.into(),
    }
}

impl ChatService {
    /// Checks an endpoint's URL: absolute, https (or http when the server allows it), with a
    /// host and no credentials in it.
    fn endpoint_url(&self, url: &str) -> Result<String, ChatError> {
        let url = url.trim();
        if url.len() > MAX_URL {
            return Err(invalid("url", format!("is longer than {MAX_URL} bytes")));
        }
        let parsed = url::Url::parse(url).map_err(|e| invalid("url", e.to_string()))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.settings.allow_http_webhooks => {}
            _ => return Err(invalid("url", "must be an https URL")),
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("url", "must name a host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid("url", "must not contain credentials"));
        }
        Ok(parsed.to_string())
    }

    /// A new endpoint for the site, with a fresh signing secret returned once.
    pub async fn create_endpoint(
        &self,
        site: &SiteId,
        new: NewEndpoint,
    ) -> Result<CreatedEndpoint, ChatError> {
        let url = self.endpoint_url(&new.url)?;
        if new.events.is_empty() {
            return Err(invalid("events", "name at least one event type"));
        }
        let mut events: Vec<String> = Vec::new();
        for kind in new.events.iter().take(EVENT_TYPES.len() + 1) {
            if !EVENT_TYPES.contains(&kind.as_str()) {
                let known = EVENT_TYPES.join(", ");
                return Err(invalid(
                    "events",
                    format!(
                        "unknown event type \"{}\"; expected one of {known}",
                        kind.chars().take(60).collect::<String>()
                    ),
                ));
            }
            if !events.contains(kind) {
                events.push(kind.clone());
            }
        }
        let description = new.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(invalid(
                "description",
                format!("is longer than {MAX_DESCRIPTION} characters"),
            ));
        }
        let endpoint = Endpoint {
            id: EndpointId::generate(),
            site_id: site.clone(),
            url,
            events,
            description,
            secret: new_secret(),
            created_at: Timestamp::now(),
        };
        self.store.create_endpoint(&endpoint, MAX_ENDPOINTS).await?;
        self.events.forget(site);
        Ok(CreatedEndpoint {
            endpoint: EndpointView::from(&endpoint),
            secret: endpoint.secret,
        })
    }

    /// The site's endpoints, oldest first, without their secrets.
    pub async fn endpoints(&self, site: &SiteId) -> Result<Vec<EndpointView>, ChatError> {
        let all = self.store.endpoints(site).await?;
        Ok(all.iter().map(EndpointView::from).collect())
    }

    /// Deletes an endpoint; `NotFound` if the site has none with this id.
    pub async fn delete_endpoint(&self, site: &SiteId, id: &EndpointId) -> Result<(), ChatError> {
        if self.store.delete_endpoint(site, id).await? {
            self.events.forget(site);
            Ok(())
        } else {
            Err(ChatError::NotFound("webhook endpoint"))
        }
    }

    /// Queues a `webhook.test` event to one endpoint (whatever types it wants) and returns
    /// its `webhook-id`; its attempts show in the delivery log like any other.
    pub async fn test_endpoint(&self, site: &SiteId, id: &EndpointId) -> Result<String, ChatError> {
        let endpoints = self.store.endpoints(site).await?;
        let endpoint = endpoints
            .iter()
            .find(|e| &e.id == id)
            .ok_or(ChatError::NotFound("webhook endpoint"))?;
        let event = OutboundEvent::Test;
        let message_id = new_message_id();
        let body = event.payload(site, Timestamp::now());
        match deliver(&self.webhooks, endpoint, event.kind(), &message_id, body) {
            Ok(()) => Ok(message_id),
            Err(Refused::PlainHttp) => Err(invalid(
                "url",
                "plain http is only allowed with --allow-http-webhooks",
            )),
            Err(Refused::Full) => Err(ChatError::Store(StoreError::Unavailable {
                context: "queue a test event",
                source: "the webhook queue is full".into(),
            })),
        }
    }

    /// The site's delivery log, newest first.
    pub async fn deliveries(&self, site: &SiteId) -> Result<Vec<DeliveryRecord>, ChatError> {
        Ok(self.store.deliveries(site, LOG_READ).await?)
    }
}
