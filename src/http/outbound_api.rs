//! A site's outbound events over REST, for its owners only: the webhook endpoints (create
//! with a secret shown once, list, delete, send a test event) and the delivery log. Agents
//! get 403, another site's owners 403 like every site route ([`OwnerScope`]).

use super::docs::{ErrorResponse, OwnerOnly, SitePath};
use super::{ApiError, OwnerScope, json};
use crate::chat::{CreatedEndpoint, EndpointView, NewEndpoint};
use crate::domain::EndpointId;
use crate::state::AppState;
use crate::store::DeliveryRecord;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites/{site_id}/webhooks", web::get().to(list_endpoints))
        .route("/sites/{site_id}/webhooks", web::post().to(create_endpoint))
        .route(
            "/sites/{site_id}/webhooks/deliveries",
            web::get().to(list_deliveries),
        )
        .route(
            "/sites/{site_id}/webhooks/{endpoint_id}",
            web::delete().to(delete_endpoint),
        )
        .route(
            "/sites/{site_id}/webhooks/{endpoint_id}/test",
            web::post().to(test_endpoint),
        );
}

/// The path of a route about one endpoint (documentation type).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(super) struct EndpointPath {
    /// Site id (site_…)
    site_id: String,
    /// Endpoint id (we_…)
    endpoint_id: String,
}

fn endpoint_id(text: &str) -> Result<EndpointId, ApiError> {
    EndpointId::parse(text).map_err(|e| {
        ApiError::bad_request("invalid_field", e.to_string()).with_field("endpoint_id")
    })
}

/// An endpoint as an owner registers it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EndpointBody {
    /// Where to POST events: https (plain http only when the server runs with
    /// `--allow-http-webhooks`).
    url: String,
    /// The event types wanted: `conversation.created`, `conversation.handed_off`,
    /// `conversation.assigned`, `conversation.closed`, `message.created`,
    /// `contact.captured`, `return.requested`.
    events: Vec<String>,
    /// What it is for (up to 200 characters).
    #[serde(default)]
    description: String,
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/webhooks", operation_id = "list_webhooks", tag = "outbound events", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The site's endpoints, oldest first, secrets shown by their prefix only: `{endpoints: [...]}`", body = super::docs::EndpointList), OwnerOnly))]
async fn list_endpoints(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let endpoints: Vec<EndpointView> = state.chat.endpoints(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "endpoints": endpoints })))
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/webhooks", operation_id = "create_webhook", tag = "outbound events", params(SitePath), request_body = EndpointBody, security(("bearer" = [])), responses((status = 201, description = "Created; `secret` (`whsec_…`) is shown this once", body = CreatedEndpoint), (status = 400, description = "Malformed JSON, a bad URL or an unknown event type; `field` names it", body = ErrorResponse), OwnerOnly, (status = 409, description = "The site has 10 endpoints already", body = ErrorResponse)))]
async fn create_endpoint(
    state: web::Data<AppState>,
    scope: OwnerScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: EndpointBody = json::parse(&body)?;
    let new = NewEndpoint {
        url: body.url,
        events: body.events,
        description: body.description,
    };
    let created = state.chat.create_endpoint(&scope.site, new).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site_id}/webhooks/{endpoint_id}", operation_id = "delete_webhook", tag = "outbound events", params(EndpointPath), security(("bearer" = [])), responses((status = 204, description = "Deleted"), OwnerOnly, (status = 404, description = "The site has no such endpoint", body = ErrorResponse)))]
async fn delete_endpoint(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&path.1)?;
    state.chat.delete_endpoint(&scope.site, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/sites/{site_id}/webhooks/{endpoint_id}/test", operation_id = "test_webhook", tag = "outbound events", params(EndpointPath), security(("bearer" = [])), responses((status = 202, description = "A `webhook.test` event is queued for this endpoint: `{message_id}` (its `webhook-id`); the delivery log shows how it went", body = super::docs::TestQueued), OwnerOnly, (status = 404, description = "The site has no such endpoint", body = ErrorResponse), (status = 503, description = "The delivery queue is full", body = ErrorResponse)))]
async fn test_endpoint(
    state: web::Data<AppState>,
    scope: OwnerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&path.1)?;
    let message_id = state.chat.test_endpoint(&scope.site, &id).await?;
    Ok(HttpResponse::Accepted().json(json!({ "message_id": message_id })))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/webhooks/deliveries", operation_id = "list_webhook_deliveries", tag = "outbound events", params(SitePath), security(("bearer" = [])), responses((status = 200, description = "The delivery log, newest first, the last 200 attempts: `{deliveries: [...]}`", body = super::docs::DeliveryList), OwnerOnly))]
async fn list_deliveries(
    state: web::Data<AppState>,
    scope: OwnerScope,
) -> Result<HttpResponse, ApiError> {
    let deliveries: Vec<DeliveryRecord> = state.chat.deliveries(&scope.site).await?;
    Ok(HttpResponse::Ok().json(json!({ "deliveries": deliveries })))
}
