//! The WebSocket edge. Upgrades arrive at actix-http's upgrade hook ([`upgrade`]), which
//! checks the site and the page's origin *before* upgrading (the defence against cross-site
//! WebSocket hijacking, see [`admit`]) and runs the socket over a lean [`transport`]; the
//! session loops live in [`shopper`] and, for agents connecting with their login token to
//! `/ws/agent`, [`agent`].

mod admit;
mod agent;
mod connection;
mod flow;
mod shopper;
mod transport;
mod upgrade;

pub(crate) use upgrade::{OpenSockets, service as upgrade_service};

use crate::guards::PendingSlot;
use crate::http::ApiError;
use crate::state::AppState;
use crate::store::Site;
use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use std::net::SocketAddr;

/// Registers the socket routes for requests that did not ask to upgrade (the upgrade hook
/// takes those that did): they get the same refusals, then the handshake's own error.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws/shopper", web::get().to(shopper_socket))
        .route("/ws/agent", web::get().to(agent_socket));
}

/// What admitting a socket reads from its request, whichever way the request arrived.
struct Knock<'a> {
    query: &'a str,
    headers: &'a HeaderMap,
    peer: Option<SocketAddr>,
}

/// A socket allowed in, with what its loop starts from.
enum Admitted {
    Shopper {
        site: Site,
        pending: PendingSlot,
    },
    Agent {
        token: Option<String>,
        pending: PendingSlot,
    },
}

fn knock(req: &HttpRequest) -> Knock<'_> {
    Knock {
        query: req.query_string(),
        headers: req.headers(),
        peer: req.peer_addr(),
    }
}

/// The answer to a socket request that is not an upgrade: a refusal, or the handshake error.
fn not_upgraded(req: &HttpRequest, admitted: Result<Admitted, ApiError>) -> HttpResponse {
    if let Err(refused) = admitted {
        return refused.error_response();
    }
    match actix_http::ws::handshake(req.head()) {
        Err(bad) => HttpResponse::from(actix_http::Response::from(bad)),
        // Only a request actix-http did not hand to the upgrade hook gets here.
        Ok(_) => ApiError::bad_request("bad_upgrade", "the upgrade could not be completed")
            .error_response(),
    }
}

async fn shopper_socket(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let admitted = admit::shopper(&state, &knock(&req)).await;
    not_upgraded(&req, admitted)
}

async fn agent_socket(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let admitted = admit::agent(&state, &knock(&req));
    not_upgraded(&req, admitted)
}
