//! The records of outbound events the store keeps: a site's webhook endpoints (where its
//! events go, which ones, and the secret they are signed with) and the delivery log owners
//! read (one line per attempt, newest first, a bounded number per site).

use crate::domain::{EndpointId, SiteId, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a site's outbound events go. The secret is in the Standard Webhooks form
/// (`whsec_` + base64 of the key); it is stored whole because every delivery signs with it,
/// and it leaves the server only in the answer that created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Endpoint id.
    pub id: EndpointId,
    /// The site whose events it receives.
    pub site_id: SiteId,
    /// Where deliveries are POSTed (https, or http when the server allows it).
    pub url: String,
    /// The event types it wants (`conversation.created`, …), never empty.
    pub events: Vec<String>,
    /// The owner's note (what this endpoint is for).
    pub description: String,
    /// The signing secret, `whsec_…`.
    pub secret: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx: done.
    Delivered,
    /// It failed; another attempt is planned.
    Retrying,
    /// It failed and was the last attempt: the event is given up.
    Failed,
}

/// One delivery attempt, as the owner's delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryRecord {
    /// The site whose event it was.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The endpoint it went to (it may have been deleted since).
    #[schema(value_type = String)]
    pub endpoint_id: EndpointId,
    /// The endpoint's URL at the time.
    pub url: String,
    /// The event type (`message.created`, …).
    pub event_type: String,
    /// The `webhook-id` header: the same on every attempt of one event.
    pub message_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why the attempt failed without an HTTP answer (timeout, refused connection).
    pub error: Option<String>,
    /// How it ended.
    pub outcome: DeliveryOutcome,
    /// When the attempt ended (ms since the epoch).
    #[schema(value_type = i64)]
    pub at: Timestamp,
}
