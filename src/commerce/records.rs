//! The commerce records the store keeps besides customers and orders: the push API's keys,
//! the site's commerce settings, and shoppers' return and cancellation requests.

use super::ExternalId;
use crate::domain::{ApiKeyId, ConversationId, Email, RequestId, SiteId, Timestamp, VisitorId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A push-API key as listed to owners. The secret itself is shown once, when created; the
/// store keeps only its SHA-256, so a leaked database does not leak working keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKey {
    /// The key's id (for revoking it).
    #[schema(value_type = String)]
    pub id: ApiKeyId,
    /// The site it writes to.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The owner's label ("ERP sync").
    pub name: String,
    /// The first characters of the secret, so an owner can tell keys apart.
    pub prefix: String,
    /// Hex SHA-256 of the whole secret: what a request's key is looked up by.
    #[serde(skip_serializing)]
    pub secret_hash: String,
    /// When it was created.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
}

/// How the site's commerce data is used: the platform secrets that sign its webhooks, and the
/// thresholds for stuck orders and valued customers. Defaults until an owner sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommerceSettings {
    /// The Shopify app's client secret (`X-Shopify-Hmac-Sha256` is keyed by it); `None`
    /// refuses Shopify webhooks.
    #[serde(default)]
    pub shopify_secret: Option<String>,
    /// The WooCommerce webhook secret (`X-WC-Webhook-Signature`); `None` refuses them.
    #[serde(default)]
    pub woocommerce_secret: Option<String>,
    /// Days without parcel movement (or without shipping a paid order) after which an order
    /// counts as stuck and goes to a person.
    #[serde(default = "default_stuck_days")]
    pub stuck_after_days: u32,
    /// A customer who has spent at least this much (in their currency) is a valued customer:
    /// routed first.
    #[serde(default)]
    pub vip_total_spent: Option<Decimal>,
    /// Shop tags that make a customer valued ("vip").
    #[serde(default = "default_vip_tags")]
    pub vip_tags: Vec<String>,
    /// Whether shoppers can look up their orders in the widget.
    #[serde(default = "default_true")]
    pub self_service: bool,
}

fn default_stuck_days() -> u32 {
    5
}

fn default_vip_tags() -> Vec<String> {
    vec!["vip".to_owned()]
}

fn default_true() -> bool {
    true
}

impl Default for CommerceSettings {
    fn default() -> Self {
        CommerceSettings {
            shopify_secret: None,
            woocommerce_secret: None,
            stuck_after_days: default_stuck_days(),
            vip_total_spent: None,
            vip_tags: default_vip_tags(),
            self_service: true,
        }
    }
}

/// Who a shopper is to the shop, as far as shopchat may trust it: the ids their orders are
/// looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerKey {
    /// The shop's customer id (a verified `identify({user_id})`).
    pub customer_id: Option<ExternalId>,
    /// An email (a verified `identify({email})`, or the customer record's email).
    pub email: Option<Email>,
}

impl CustomerKey {
    /// Whether the key names nobody.
    pub fn is_empty(&self) -> bool {
        self.customer_id.is_none() && self.email.is_none()
    }
}

/// What a shopper asked for on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Send something back.
    Return,
    /// Cancel the order.
    Cancel,
}

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a person.
    Open,
    /// A person dealt with it.
    Done,
}

/// A shopper's return or cancellation request: never acted on automatically, handed to a
/// person with the order attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderRequest {
    /// Its id.
    #[schema(value_type = String)]
    pub id: RequestId,
    /// The site.
    #[schema(value_type = String)]
    pub site_id: SiteId,
    /// The order (the shop's id).
    #[schema(value_type = String)]
    pub order_id: ExternalId,
    /// The order's number, as the shopper knows it.
    pub order_number: String,
    /// Return or cancel.
    pub kind: RequestKind,
    /// The shopper's reason, if they gave one.
    #[serde(default)]
    pub reason: Option<String>,
    /// The conversation it was made in.
    #[schema(value_type = String)]
    pub conversation_id: ConversationId,
    /// The shopper's browser.
    #[schema(value_type = String)]
    pub visitor_id: VisitorId,
    /// Open or done.
    pub status: RequestStatus,
    /// When it was made.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
}

impl CommerceSettings {
    /// Whether the shop values this customer above others: one of the site's valued tags
    /// (case-insensitive), or at least the site's threshold of money spent.
    pub fn is_valued(&self, customer: &super::Customer) -> bool {
        let tagged = customer
            .tags
            .iter()
            .any(|t| self.vip_tags.iter().any(|v| v.eq_ignore_ascii_case(t)));
        let spent = match (&customer.total_spent, self.vip_total_spent) {
            (Some(total), Some(threshold)) => total.amount >= threshold,
            _ => false,
        };
        tagged || spent
    }
}
