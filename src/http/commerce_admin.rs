//! The owners' side of the shop's data: push-API keys (created with the secret shown once,
//! listed without it, revoked), the commerce settings (platform secrets written but never
//! read back), and the stored order and customer by the shop's id, for support and for an
//! integrator checking what a sync stored. Owners only: these hold the keys to the site's data.

use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::error::conflict_on;
use super::{ApiError, OwnerScope, json};
use crate::chat::CommerceSettingsChange;
use crate::commerce::ExternalId;
use crate::domain::ApiKeyId;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/api-keys", web::get().to(list_keys))
        .route("/sites/{site_id}/api-keys", web::post().to(create_key))
        .route(
            "/sites/{site_id}/api-keys/{key_id}",
            web::delete().to(revoke_key),
        )
        .route(
            "/sites/{site_id}/commerce/settings",
            web::get().to(get_settings),
        )
        .route(
            "/sites/{site_id}/commerce/settings",
            web::put().to(put_settings),
        )
        .route(
            "/sites/{site_id}/commerce/orders/{order_id}",
            web::get().to(get_order),
        )
        .route(
            "/sites/{site_id}/commerce/customers/{customer_id}",
            web::get().to(get_customer),
        );
}

/// A key as an owner names it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct KeyBody {
    /// What the key is for ("ERP sync"); 1 to 80 characters.
    name: String,
}

/// The shop's id in the path, or 400 naming the parameter.
pub(super) fn shop_id(field: &'static str, text: &str) -> Result<ExternalId, ApiError> {
    ExternalId::parse(text)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field(field))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/api-keys", operation_id = "list_api_keys", tag = "commerce", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "`{api_keys: [{id, name, prefix, created_at}]}`, oldest first; never the secrets", body = super::docs::ApiKeyList), OwnerOnly))]
async fn list_keys(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let keys = state.chat.api_keys(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "api_keys": keys })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/api-keys", operation_id = "create_api_key", tag = "commerce", params(SitePath), request_body = KeyBody, security(("bearer" = [])), responses((status = 201, description = "`{id, name, prefix, created_at, secret}`: the secret (`shk_…`) is shown this once", body = crate::chat::NewApiKey), (status = 400, description = "Bad name; `field` names it", body = ErrorResponse), OwnerOnly, (status = 409, description = "The site has 20 keys already", body = ErrorResponse)))]
async fn create_key(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: KeyBody = json::parse(&body)?;
    let created = state
        .chat
        .create_api_key(&scope.site, &body.name)
        .await
        .map_err(conflict_on("name"))?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/api-keys/{key_id}", operation_id = "revoke_api_key", tag = "commerce", params(SitePath, ("key_id" = String, Path, description = "Key id (key_…)")), security(("bearer" = [])), responses((status = 204, description = "Revoked: requests with it are refused from now on"), OwnerOnly, (status = 404, description = "No such key on this site", body = ErrorResponse)))]
async fn revoke_key(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = ApiKeyId::parse(&path.1)
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("key_id"))?;
    state.chat.revoke_api_key(&scope.site, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/commerce/settings", operation_id = "get_commerce_settings", tag = "commerce", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "`{shopify_secret_set, woocommerce_secret_set, stuck_after_days, vip_total_spent, vip_tags, self_service}`", body = crate::chat::CommerceSettingsView), OwnerOnly))]
async fn get_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.chat.commerce_settings_view(&scope.site).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{site_id}/commerce/settings", operation_id = "put_commerce_settings", tag = "commerce", params(SitePath), request_body(content = crate::chat::CommerceSettingsChange, description = "Any of `shopify_secret`, `woocommerce_secret` (`null` removes one), `stuck_after_days` (1–365), `vip_total_spent` (decimal or `null`), `vip_tags` (≤ 20), `self_service`; fields left out keep their value"), security(("bearer" = [])), responses((status = 200, description = "The settings as they are now (secrets only as `*_set`)", body = crate::chat::CommerceSettingsView), (status = 400, description = "A bad value; `field` names it", body = ErrorResponse), OwnerOnly))]
async fn put_settings(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let change: CommerceSettingsChange = json::parse(&body)?;
    let view = state
        .chat
        .change_commerce_settings(&scope.site, change)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/commerce/orders/{order_id}", operation_id = "get_commerce_order", tag = "commerce", params(SitePath, ("order_id" = String, Path, description = "The shop's order id")), security(("bearer" = [])), responses((status = 200, description = "The order as stored", body = crate::commerce::Order), OwnerOnly, (status = 404, description = "No such order on this site", body = ErrorResponse)))]
async fn get_order(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = shop_id("order_id", &path.1)?;
    Ok(HttpResponse::Ok().json(state.chat.shop_order(&scope.site, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/commerce/customers/{customer_id}", operation_id = "get_commerce_customer", tag = "commerce", params(SitePath, ("customer_id" = String, Path, description = "The shop's customer id")), security(("bearer" = [])), responses((status = 200, description = "The customer as stored", body = crate::commerce::Customer), OwnerOnly, (status = 404, description = "No such customer on this site", body = ErrorResponse)))]
async fn get_customer(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = shop_id("customer_id", &path.1)?;
    Ok(HttpResponse::Ok().json(state.chat.shop_customer(&scope.site, &id).await?))
}
