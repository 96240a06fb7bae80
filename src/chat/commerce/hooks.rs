//! Shopify's and WooCommerce's webhooks: verified over the raw bytes under the site's secret
//! before anything is parsed (no secret set, or a wrong signature: refused, nothing stored),
//! deduplicated on the platform's delivery id (remembered only after the delivery was
//! applied, so a failed one is retried and a replayed one is a no-op), mapped by the pure
//! `commerce::shopify` / `commerce::woocommerce` modules and stored by the same merge rules
//! as the push API.

use super::super::{ChatError, ChatService};
use super::ingest::{Source, count_n, rejected};
use crate::commerce::{Invalid, OrderChange, Upsert, platform, shopify, woocommerce};
use crate::domain::{SiteId, Timestamp};
use crate::store::StoreError;

/// Longest delivery id remembered (Shopify's are UUIDs; anything longer is not an id).
const MAX_DELIVERY_ID: usize = 128;

/// A platform delivery as received: the headers that matter and the raw body.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// Which platform's route it came in on.
    pub source: Source,
    /// The topic header (`X-Shopify-Topic`, `X-WC-Webhook-Topic`).
    pub topic: Option<&'a str>,
    /// The delivery id header (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`).
    pub delivery_id: Option<&'a str>,
    /// The signature header (`X-Shopify-Hmac-Sha256`, `X-WC-Webhook-Signature`).
    pub signature: Option<&'a str>,
    /// The body exactly as received: the signature covers these bytes.
    pub body: &'a [u8],
}

/// What a platform delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookOutcome {
    /// Stored (or found as new as what is stored).
    Applied(Upsert),
    /// This delivery id was handled before: nothing done.
    Replay,
    /// A topic shopchat does not read: acknowledged so the platform does not retry.
    Ignored,
    /// WooCommerce's ping when the webhook is saved.
    Ping,
}

/// Why a platform delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// No secret set for this platform, or the signature does not match: nothing stored.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Signed, but the payload does not fit the model.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The order this part belongs to is not stored yet: retry later (platforms do).
    #[error("{0} is not known yet; retry later")]
    NotYet(&'static str),
    /// The store failed.
    #[error(transparent)]
    Chat(#[from] ChatError),
}

/// What a mapped delivery asks of the store, whichever platform sent it.
enum Apply {
    Order(Box<crate::commerce::Order>),
    Customer(Box<crate::commerce::Customer>),
    Change(crate::commerce::ExternalId, OrderChange),
    Nothing,
}

fn mapped(source: Source, topic: &str, body: &[u8]) -> Result<Apply, Invalid> {
    Ok(match source {
        Source::Shopify => match shopify::parse(topic, body)? {
            shopify::Event::Order(o) => Apply::Order(o),
            shopify::Event::Customer(c) => Apply::Customer(c),
            shopify::Event::Shipment { order_id, shipment } => {
                Apply::Change(order_id, OrderChange::Shipment(shipment))
            }
            shopify::Event::Refund { order_id, refund } => {
                Apply::Change(order_id, OrderChange::Refund(refund))
            }
            shopify::Event::Ignored => Apply::Nothing,
        },
        Source::Push => Apply::Nothing,
        Source::WooCommerce => match woocommerce::parse(topic, body)? {
            woocommerce::Event::Order(o) => Apply::Order(o),
            woocommerce::Event::Customer(c) => Apply::Customer(c),
            woocommerce::Event::Ignored => Apply::Nothing,
        },
    })
}

fn secret_of(source: Source, settings: &crate::commerce::CommerceSettings) -> Option<&str> {
    match source {
        Source::Shopify => settings.shopify_secret.as_deref(),
        Source::WooCommerce => settings.woocommerce_secret.as_deref(),
        Source::Push => None,
    }
}

impl ChatService {
    /// Handles one platform delivery for `site`.
    pub async fn platform_webhook(
        &self,
        site: &SiteId,
        delivery: Delivery<'_>,
    ) -> Result<HookOutcome, HookError> {
        let source = delivery.source;
        if source == Source::WooCommerce && woocommerce::is_ping(delivery.topic, delivery.body) {
            return Ok(HookOutcome::Ping);
        }
        let settings = self
            .store
            .commerce_settings(site)
            .await
            .map_err(ChatError::from)?;
        let Some(secret) = secret_of(source, &settings) else {
            metrics::counter!("shopchat_commerce_signature_failures_total", "source" => source.label(), "reason" => "no_secret").increment(1);
            return Err(HookError::Unauthorized(
                "no secret is set for this platform on this site",
            ));
        };
        let signed = delivery
            .signature
            .is_some_and(|s| platform::signature_matches(secret, delivery.body, s));
        if !signed {
            metrics::counter!("shopchat_commerce_signature_failures_total", "source" => source.label(), "reason" => "mismatch").increment(1);
            return Err(HookError::Unauthorized("the signature does not match"));
        }
        let topic = delivery.topic.map(str::trim).unwrap_or_default();
        let delivery_id = delivery
            .delivery_id
            .map(str::trim)
            .filter(|id| !id.is_empty() && id.len() <= MAX_DELIVERY_ID);
        if let Some(id) = delivery_id {
            let seen = self.store.webhook_seen(site, source.label(), id).await;
            if seen.map_err(ChatError::from)? {
                return Ok(HookOutcome::Replay);
            }
        }
        let outcome = self
            .apply(site, source, mapped(source, topic, delivery.body)?)
            .await?;
        if let Some(id) = delivery_id {
            self.store
                .remember_webhook(site, source.label(), id, Timestamp::now())
                .await
                .map_err(ChatError::from)?;
        }
        Ok(outcome)
    }

    async fn apply(
        &self,
        site: &SiteId,
        source: Source,
        apply: Apply,
    ) -> Result<HookOutcome, HookError> {
        let (kind, outcome) = match apply {
            Apply::Nothing => {
                metrics::counter!("shopchat_commerce_webhooks_ignored_total", "source" => source.label()).increment(1);
                return Ok(HookOutcome::Ignored);
            }
            Apply::Order(order) => {
                order
                    .validate()
                    .map_err(|e| rejected("the order", "", &e))?;
                (
                    "order",
                    self.store
                        .upsert_order(site, *order)
                        .await
                        .map_err(ChatError::from)?,
                )
            }
            Apply::Customer(c) => {
                c.validate().map_err(|e| rejected("the customer", "", &e))?;
                (
                    "customer",
                    self.store
                        .upsert_customer(site, *c)
                        .await
                        .map_err(ChatError::from)?,
                )
            }
            Apply::Change(order, change) => {
                let kind = match change {
                    OrderChange::Shipment(_) => "shipment",
                    OrderChange::Refund(_) => "refund",
                    OrderChange::Return(_) => "return",
                };
                match self.store.change_order(site, &order, change).await {
                    Ok(outcome) => (kind, outcome),
                    Err(StoreError::NotFound(_)) => return Err(HookError::NotYet("the order")),
                    Err(e) => return Err(ChatError::from(e).into()),
                }
            }
        };
        count_n(source, kind, outcome, 1);
        Ok(HookOutcome::Applied(outcome))
    }
}

/// What the outcome tells the platform (and a person reading its delivery log).
impl HookOutcome {
    /// A word for the answer's body.
    pub fn label(self) -> &'static str {
        match self {
            HookOutcome::Applied(Upsert::Created) => "created",
            HookOutcome::Applied(Upsert::Updated) => "updated",
            HookOutcome::Applied(Upsert::Unchanged) => "unchanged",
            HookOutcome::Replay => "replay",
            HookOutcome::Ignored => "ignored",
            HookOutcome::Ping => "ping",
        }
    }
}
