//! Shopify's and WooCommerce's webhooks, one route each per site
//! (`/hooks/shopify/{site_id}`, `/hooks/woocommerce/{site_id}`), outside `/api/v1` because
//! the platforms, not agents, call them. The body is read raw (the signature covers its exact
//! bytes) and handed with the platform's headers to the application, which verifies, dedups,
//! maps and stores. Answers follow what the platforms do with them: 2xx for everything
//! handled or deliberately ignored (so they stop retrying), 401 for a missing secret or a bad
//! signature, 409 with `Retry-After` for a part (a parcel, a refund) whose order has not
//! arrived yet (they retry, and by then it usually has).

use super::ApiError;
use super::docs::ErrorResponse;
use crate::chat::{Delivery, HookError, Source};
use crate::domain::SiteId;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// Largest delivery read: Shopify's biggest orders run to a few hundred KiB.
const MAX_HOOK_BODY: usize = 1024 * 1024;
/// Seconds a platform is asked to wait before retrying a part whose order is missing.
const RETRY_MISSING_ORDER: u64 = 30;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/hooks/shopify/{site_id}")
            .app_data(web::PayloadConfig::new(MAX_HOOK_BODY))
            .route(web::post().to(shopify)),
    )
    .service(
        web::resource("/hooks/woocommerce/{site_id}")
            .app_data(web::PayloadConfig::new(MAX_HOOK_BODY))
            .route(web::post().to(woocommerce)),
    );
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn site(path: &str) -> Result<SiteId, ApiError> {
    SiteId::parse(path)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("site_id"))
}

fn refused(e: HookError) -> ApiError {
    match e {
        HookError::Unauthorized(why) => ApiError::unauthorized(why),
        HookError::Invalid(invalid) => {
            ApiError::bad_request("invalid_field", invalid.to_string()).with_field(invalid.field)
        }
        HookError::NotYet(what) => {
            ApiError::conflict(format!("{what} is not known yet; retry later"))
                .with_retry_after(RETRY_MISSING_ORDER)
        }
        HookError::Chat(e) => e.into(),
    }
}

async fn deliver(
    state: &AppState,
    path: &str,
    delivery: Delivery<'_>,
) -> Result<HttpResponse, ApiError> {
    let site = site(path)?;
    let outcome = state
        .chat
        .platform_webhook(&site, delivery)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(json!({ "result": outcome.label() })))
}

#[utoipa::path(post, path = "/hooks/shopify/{site_id}", operation_id = "shopify_webhook", tag = "shop platforms", params(("site_id" = String, Path, description = "Site id (site_…)"), ("X-Shopify-Hmac-Sha256" = String, Header, description = "base64 HMAC-SHA256 of the raw body under the app's client secret"), ("X-Shopify-Topic" = String, Header, description = "orders/*, fulfillments/*, refunds/create, customers/*"), ("X-Shopify-Webhook-Id" = Option<String>, Header, description = "Delivery id: a repeat is a no-op")), request_body(content = Object, description = "Shopify's webhook payload for the topic"), responses((status = 200, description = "`{result: created | updated | unchanged | replay | ignored}`", body = super::docs::HookAnswer), (status = 400, description = "Signed but not a payload of the topic; `field` names it", body = ErrorResponse), (status = 401, description = "No Shopify secret set for the site, or a bad signature: nothing stored", body = ErrorResponse), (status = 409, description = "A fulfillment or refund for an order not stored yet: retry", body = ErrorResponse), (status = 413, description = "Body over 1 MiB")))]
async fn shopify(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let delivery = Delivery {
        source: Source::Shopify,
        topic: header(&req, "x-shopify-topic"),
        delivery_id: header(&req, "x-shopify-webhook-id"),
        signature: header(&req, "x-shopify-hmac-sha256"),
        body: &body,
    };
    deliver(&state, &path, delivery).await
}

#[utoipa::path(post, path = "/hooks/woocommerce/{site_id}", operation_id = "woocommerce_webhook", tag = "shop platforms", params(("site_id" = String, Path, description = "Site id (site_…)"), ("X-WC-Webhook-Signature" = String, Header, description = "base64 HMAC-SHA256 of the raw body under the webhook's secret"), ("X-WC-Webhook-Topic" = String, Header, description = "order.created|updated, customer.created|updated"), ("X-WC-Webhook-Delivery-ID" = Option<String>, Header, description = "Delivery id: a repeat is a no-op")), request_body(content = Object, description = "WooCommerce's REST v3 resource for the topic, or its ping (`webhook_id=…`)"), responses((status = 200, description = "`{result: created | updated | unchanged | replay | ignored | ping}`", body = super::docs::HookAnswer), (status = 400, description = "Signed but not a resource of the topic; `field` names it", body = ErrorResponse), (status = 401, description = "No WooCommerce secret set for the site, or a bad signature: nothing stored", body = ErrorResponse), (status = 413, description = "Body over 1 MiB")))]
async fn woocommerce(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let delivery = Delivery {
        source: Source::WooCommerce,
        topic: header(&req, "x-wc-webhook-topic"),
        delivery_id: header(&req, "x-wc-webhook-delivery-id"),
        signature: header(&req, "x-wc-webhook-signature"),
        body: &body,
    };
    deliver(&state, &path, delivery).await
}
