//! The WebSocket edge. The handshake checks the site and the page's origin *before* upgrading
//! (the defence against cross-site WebSocket hijacking); the session loop lives in
//! [`shopper`]. Agents connect to `/ws/agent` ([`agent`]) with their login token.

mod agent;
mod flow;
mod shopper;

use crate::domain::Origin;
use crate::http::ApiError;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// Registers the socket routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws/shopper", web::get().to(shopper_socket))
        .route("/ws/agent", web::get().to(agent_socket));
}

#[derive(Deserialize)]
struct SiteQuery {
    site: String,
}

async fn shopper_socket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let query = web::Query::<SiteQuery>::from_query(req.query_string()).map_err(|_| {
        ApiError::bad_request(
            "missing_field",
            "query parameter `site` (the site's public key) is required",
        )
        .with_field("site")
    })?;
    let site = state
        .store
        .site_by_public_key(&query.site)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::not_found("site").with_field("site"))?;
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::forbidden("an Origin header is required").with_field("origin"))?;
    let allowed = Origin::parse(origin).is_ok_and(|o| site.allows(&o));
    if !allowed {
        tracing::info!(site = %site.id, origin, "shopper socket refused: origin not allowed");
        return Err(
            ApiError::forbidden("this origin is not allowed for the site")
                .with_field("origin")
                .into(),
        );
    }
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let limits = &state.settings.limits;
    let stream = stream
        .max_frame_size(limits.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(limits.max_frame_bytes);
    let socket = shopper::ShopperSocket::new(state.get_ref().clone(), site, session);
    actix_web::rt::spawn(socket.run(stream));
    Ok(response)
}

/// The agent socket. A token may come as a `bearer.<jwt>` entry of `Sec-WebSocket-Protocol`
/// (browsers cannot set other headers on a WebSocket); otherwise the first frame must be
/// `auth`. Tokens are never read from the query string, which ends up in access logs.
async fn agent_socket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let token = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("bearer."))
                .map(str::to_owned)
        });
    let (response, session, stream) =
        actix_ws::handle_with_protocols(&req, body, &[agent::SUBPROTOCOL])?;
    let limits = &state.settings.limits;
    let stream = stream
        .max_frame_size(limits.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(limits.max_frame_bytes);
    let socket = agent::AgentSocket::new(state.get_ref().clone(), session);
    actix_web::rt::spawn(socket.run(stream, token));
    Ok(response)
}
