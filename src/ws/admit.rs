//! Who may open a socket, decided before the upgrade (the defence against cross-site
//! WebSocket hijacking): the shopper's site and page origin, and each address's share of
//! sockets that have not identified themselves yet. The same checks serve the upgrade hook
//! and the plain HTTP route (a request without `Upgrade`, which can only be refused).

use super::{Admitted, Knock};
use crate::domain::Origin;
use crate::guards::{ClientAddr, PendingSlot};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::http::header;
use serde::Deserialize;

#[derive(Deserialize)]
struct SiteQuery {
    site: String,
}

/// A shopper socket: a known site, an Origin header the site allows, a place among the
/// address's unidentified sockets.
pub(super) async fn shopper(state: &AppState, knock: &Knock<'_>) -> Result<Admitted, ApiError> {
    let query = serde_urlencoded_site(knock.query).ok_or_else(|| {
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
    let origin = knock
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::forbidden("an Origin header is required").with_field("origin"))?;
    let allowed = Origin::parse(origin).is_ok_and(|o| site.allows(&o));
    if !allowed {
        tracing::info!(site = %site.id, origin, "shopper socket refused: origin not allowed");
        return Err(
            ApiError::forbidden("this origin is not allowed for the site").with_field("origin"),
        );
    }
    let pending = claim_pending(state, knock)?;
    Ok(Admitted::Shopper { site, pending })
}

/// An agent socket. A token may come as a `bearer.<jwt>` entry of `Sec-WebSocket-Protocol`
/// (browsers cannot set other headers on a WebSocket); otherwise the first frame must be
/// `auth`. Tokens are never read from the query string, which ends up in access logs.
pub(super) fn agent(state: &AppState, knock: &Knock<'_>) -> Result<Admitted, ApiError> {
    let token = knock
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("bearer."))
                .map(str::to_owned)
        });
    let pending = claim_pending(state, knock)?;
    Ok(Admitted::Agent { token, pending })
}

/// The `site` query parameter, as `web::Query` reads it.
fn serde_urlencoded_site(query: &str) -> Option<SiteQuery> {
    actix_web::web::Query::<SiteQuery>::from_query(query)
        .ok()
        .map(actix_web::web::Query::into_inner)
}

/// A place among the client address's unidentified sockets, or 429 before any upgrade.
fn claim_pending(state: &AppState, knock: &Knock<'_>) -> Result<PendingSlot, ApiError> {
    let addr = ClientAddr::from_parts(
        knock.peer,
        knock.headers,
        &state.settings.guards.trusted_proxies,
    );
    state.pending_sockets.claim(addr).ok_or_else(|| {
        metrics::counter!("shopchat_sockets_refused_total", "reason" => "pending_per_addr")
            .increment(1);
        ApiError::too_many(
            "too many sockets from your address that have not identified themselves; retry later",
        )
    })
}
