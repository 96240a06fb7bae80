//! The WebSocket edge. The handshake checks the site and the page's origin *before* upgrading
//! (the defence against cross-site WebSocket hijacking); the session loop lives in
//! [`shopper`]. Agents connect to `/ws/agent` ([`agent`]) with their login token.

mod agent;
mod connection;
mod flow;
pub mod frame_guard;
mod shopper;

use crate::guards::{ClientAddr, PendingSlot};

use crate::domain::Origin;
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessageStream, Session};
use frame_guard::{FrameGuard, Refusals};
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
        .chat
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
    let pending = claim_pending(&req, &state)?;
    let (response, session, stream, refusals) = upgrade(&req, body, &state, &[]).await?;
    actix_web::rt::spawn(shopper::ShopperSocket::run(
        state.get_ref().clone(),
        site,
        session,
        pending,
        stream,
        refusals,
    ));
    Ok(response)
}

/// A place among the client address's unidentified sockets, or 429 before any upgrade.
fn claim_pending(req: &HttpRequest, state: &AppState) -> Result<PendingSlot, ApiError> {
    let addr = ClientAddr::from_request(req, &state.settings.guards.trusted_proxies);
    state.pending_sockets.claim(addr).ok_or_else(|| {
        metrics::counter!("shopchat_sockets_refused_total", "reason" => "pending_per_addr")
            .increment(1);
        ApiError::too_many(
            "too many sockets from your address that have not identified themselves; retry later",
        )
    })
}

/// Upgrades to a WebSocket whose incoming bytes pass the frame-length guard first, so a
/// frame or fragmented message over `max_frame_bytes` is refused on its declared length.
async fn upgrade(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
    protocols: &[&str],
) -> Result<(HttpResponse, Session, AggregatedMessageStream, Refusals), actix_web::Error> {
    let limit = state.settings.limits.max_frame_bytes;
    let (guarded, refusals) = FrameGuard::new(body.into_inner(), limit);
    let boxed: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>>,
    > = Box::pin(guarded);
    let body = web::Payload::from_request(req, &mut actix_web::dev::Payload::from(boxed)).await?;
    let (response, session, stream) = actix_ws::handle_with_protocols(req, body, protocols)?;
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    Ok((response, session, stream, refusals))
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
    let pending = claim_pending(&req, &state)?;
    let (response, session, stream, refusals) =
        upgrade(&req, body, &state, &[agent::SUBPROTOCOL]).await?;
    actix_web::rt::spawn(agent::AgentSocket::run(
        state.get_ref().clone(),
        session,
        pending,
        stream,
        token,
        refusals,
    ));
    Ok(response)
}
