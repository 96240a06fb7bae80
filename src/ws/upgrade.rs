//! Where socket upgrades arrive. actix-http hands every `Upgrade: websocket` request to this
//! hook with the connection (`Framed<TcpStream, h1::Codec>`); the hook admits it (the same
//! checks as before: site, Origin, per-address guards), answers the handshake itself, drops
//! actix-http's two 8 KiB connection buffers, and spawns the socket over a [`Transport`] on
//! the raw TCP stream. Anything refused gets the same JSON error an HTTP route would.

use super::transport::Transport;
use super::{Admitted, Knock, admit, agent, shopper};
use crate::http::ApiError;
use crate::state::AppState;
use actix_codec::Framed;
use actix_http::body::{BoxBody, MessageBody};
use actix_http::{HttpMessage, Request, Response, h1};
use actix_service::{ServiceFactory, fn_service};
use actix_web::rt::net::TcpStream;
use actix_web::{ResponseError, web};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

/// The open sockets, so a stopping server can wait for each to send its close frame: the
/// sockets run as their own tasks, which actix-server does not count as connections.
#[derive(Clone, Default)]
pub(crate) struct OpenSockets(Arc<Count>);

#[derive(Default)]
struct Count {
    open: AtomicUsize,
    none_left: Notify,
}

/// Counts one socket as open until dropped: each socket's future holds its own.
pub(super) struct Open(Arc<Count>);

impl Drop for Open {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.none_left.notify_waiters();
        }
    }
}

impl OpenSockets {
    fn open(&self) -> Open {
        self.0.open.fetch_add(1, Ordering::AcqRel);
        Open(self.0.clone())
    }

    /// Resolves once no socket is open (each ends soon after the shutdown token fires).
    pub(crate) async fn closed(&self) {
        loop {
            let notified = self.0.none_left.notified();
            tokio::pin!(notified);
            // Registered before the check, so a last socket ending in between still wakes us.
            notified.as_mut().enable();
            if self.0.open.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// The upgrade hook for [`actix_http::HttpServiceBuilder::upgrade`].
pub(crate) fn service(
    state: web::Data<AppState>,
    open: OpenSockets,
) -> impl ServiceFactory<
    (Request, Framed<TcpStream, h1::Codec>),
    Config = (),
    Response = (),
    Error = Infallible,
    InitError = (),
> + Clone {
    fn_service(
        move |(req, framed): (Request, Framed<TcpStream, h1::Codec>)| {
            let state = state.clone();
            let open = open.clone();
            async move {
                upgrade(state, open, req, framed).await;
                Ok::<_, Infallible>(())
            }
        },
    )
}

/// Admits or refuses one upgrade, answers it, and spawns the socket if admitted.
async fn upgrade(
    state: web::Data<AppState>,
    open: OpenSockets,
    req: Request,
    framed: Framed<TcpStream, h1::Codec>,
) {
    let knock = Knock {
        query: req.uri().query().unwrap_or(""),
        headers: req.headers(),
        peer: req.peer_addr(),
    };
    let admitted = match req.path() {
        "/ws/shopper" => admit::shopper(&state, &knock).await,
        "/ws/agent" => admit::agent(&state, &knock),
        _ => Err(ApiError::not_found("route")),
    };
    let protocols: &[&str] = match admitted {
        Ok(Admitted::Agent { .. }) => &[agent::SUBPROTOCOL],
        _ => &[],
    };
    let answer = match admitted {
        Err(refused) => Err(Response::from(refused.error_response())),
        Ok(admitted) => match actix_http::ws::handshake(req.head()) {
            Err(bad) => Err(Response::from(bad)),
            Ok(mut switching) => {
                if let Some(protocol) = select_protocol(&knock, protocols) {
                    switching.insert_header((
                        actix_web::http::header::SEC_WEBSOCKET_PROTOCOL,
                        protocol.to_owned(),
                    ));
                }
                Ok((admitted, switching.finish().map_into_boxed_body()))
            }
        },
    };
    // The connection's buffers go here: only what the client sent after its request is kept.
    let parts = framed.into_parts();
    let (mut io, read) = (parts.io, parts.read_buf.to_vec());
    let (admitted, switching) = match answer {
        Ok(ok) => ok,
        Err(refusal) => {
            let _ = write_response(&mut io, refusal).await;
            return;
        }
    };
    if write_response(&mut io, switching).await.is_err() {
        return;
    }
    let limit = state.settings.limits.max_frame_bytes;
    // Built here, not in the socket's task: the task is spawned with exactly the socket's own
    // future, so an idle socket's task carries no room for setting up its transport.
    let transport = Transport::new(io, read, limit).await;
    let open = open.open();
    match admitted {
        Admitted::Shopper { site, pending } => {
            actix_web::rt::spawn(shopper::ShopperSocket::run(
                state, site, transport, pending, open,
            ));
        }
        Admitted::Agent { token, pending } => {
            actix_web::rt::spawn(agent::AgentSocket::run(
                state, transport, pending, token, open,
            ));
        }
    }
}

/// The first protocol the client asks for that the socket speaks (as actix-ws chose it).
fn select_protocol<'a>(knock: &Knock<'a>, protocols: &[&str]) -> Option<&'a str> {
    knock
        .headers
        .get_all(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(str::trim))
        .find(|p| !p.is_empty() && protocols.contains(p))
}

/// Writes a response head (and its body, for a refusal) straight to the socket. A refusal
/// says `connection: close`: the socket is dropped after it.
async fn write_response(io: &mut TcpStream, response: Response<BoxBody>) -> std::io::Result<()> {
    let (head, body) = response.into_parts();
    let status = head.status();
    // Every answer here is a complete JSON body or none; a streaming one is not expected.
    let body: actix_web::web::Bytes = body.try_into_bytes().unwrap_or_default();
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {} {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .as_bytes(),
    );
    for (name, value) in head.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if status == actix_web::http::StatusCode::SWITCHING_PROTOCOLS {
        // actix-http's encoder would add this from the head's connection type.
        out.extend_from_slice(b"connection: upgrade\r\n\r\n");
    } else {
        out.extend_from_slice(
            format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&body);
    }
    io.write_all(&out).await?;
    io.flush().await
}
