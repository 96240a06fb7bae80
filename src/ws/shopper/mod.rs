//! One shopper socket: a single task that reads frames, forwards what the hub queues for it,
//! pings, and closes on silence, floods, slowness or shutdown.
//!
//! Ordering and exactly-once delivery rest on `delivered`: the highest seq this socket has
//! sent per conversation. A live message at or below it is a repeat and is dropped; one
//! above the next expected seq means something was missed (messages published out of order)
//! and the gap is filled from the store first.

mod email;
mod frames;
mod hello;
mod rating;

use super::connection::{Connection, Peer, RateGuard, RatePolicy, Verdict, finish, serve};
use super::flow::{Flow, close};
use crate::chat::{ChatError, ShopperSession};
use crate::domain::ConversationId;
use crate::guards::ClientAddr;
use crate::guards::PendingSlot;
use crate::hub::Outbound;
use crate::protocol::{self, ClientFrame, ErrorCode, ServerFrame};
use crate::state::AppState;
use crate::store::Site;
use crate::triggers::Wake;
use crate::ws::transport::Transport;
use crate::ws::upgrade::Open;
use actix_web::web;
use actix_ws::CloseCode;
use std::collections::HashMap;
use std::time::Duration;

/// Messages read from the store per query while replaying.
const REPLAY_PAGE: u32 = 200;
/// Conversations a `hello` may name in `last_seq`.
const MAX_RESUME: usize = 20;
/// Window in which refused frames count towards closing a flooding socket.
const STRIKE_WINDOW: Duration = Duration::from_secs(10);

/// State of one shopper socket (the transport is the loop's [`Connection`]).
pub(super) struct ShopperSocket {
    /// Shared, not cloned: a clone of `AppState` is a few hundred bytes in every socket.
    state: web::Data<AppState>,
    site: Site,
    rate: RateGuard,
    /// The application's side of this connection, once `hello` succeeded.
    joined: Option<ShopperSession>,
    /// The highest seq sent per conversation (see the module comment).
    delivered: HashMap<ConversationId, u64>,
    /// The client's address, for the per-address budgets.
    addr: ClientAddr,
    /// Counts this socket against its address's unidentified ones until `hello` succeeds.
    pending: Option<PendingSlot>,
    /// False when `hello` said the shopper has not consented to tracking (`consent: false`):
    /// browsing events are refused and no trigger rule runs for this socket.
    tracking: bool,
}

/// Each frame type's counter (`type` label: [`protocol::CLIENT_TYPES`] by
/// [`ClientFrame::type_index`], then `invalid`), looked up once: `counter!` with a label
/// builds its key (two allocations) on every call, and this one runs for every frame a
/// shopper sends. The recorder is put in place first, so the handles are never no-ops.
static FRAME_COUNTERS: std::sync::LazyLock<Vec<metrics::Counter>> =
    std::sync::LazyLock::new(|| {
        crate::telemetry::metrics_handle();
        protocol::CLIENT_TYPES
            .iter()
            .chain(&["invalid"])
            .map(|kind| metrics::counter!("shopchat_shopper_frames_total", "type" => *kind))
            .collect()
    });

fn error(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> ServerFrame {
    ServerFrame::error(code, message, field)
}

/// The `rate_limited` answer when a per-address budget is spent, counted by `reason`.
fn budget_spent(reason: &'static str, what: &str) -> ServerFrame {
    metrics::counter!("shopchat_shopper_refused_total", "reason" => reason).increment(1);
    error(
        ErrorCode::RateLimited,
        format!("too many {what} from your address; retry in a minute"),
        None,
    )
}

impl ShopperSocket {
    /// Serves a shopper socket until it closes, then lets the visitor leave; `open` counts
    /// the socket as open until then.
    pub(super) async fn run(
        state: web::Data<AppState>,
        site: Site,
        transport: Transport,
        pending: PendingSlot,
        open: Open,
    ) {
        let settings = state.settings.clone();
        let limits = &settings.limits;
        let shutdown = state.shutdown.clone();
        let mut conn = Connection::new(transport, limits.outbox_capacity);
        let mut socket = ShopperSocket {
            rate: RateGuard::new(limits, RatePolicy::Window(STRIKE_WINDOW)),
            joined: None,
            delivered: HashMap::new(),
            addr: pending.addr(),
            pending: Some(pending),
            tracking: true,
            site,
            // A socket that never says `hello` is closed on time: it proves nothing and holds
            // one of its address's few unidentified places.
            state,
        };
        let hello_within = settings.guards.hello_timeout;
        let flow = serve(&mut socket, &mut conn, limits, &shutdown, hello_within).await;
        metrics::counter!("shopchat_shopper_closes_total", "reason" => close_reason(&flow))
            .increment(1);
        // Leave the hub first: a peer too slow to take the close frame must not keep its
        // registration (and its full outbox) for the length of the close timeout. Boxed: it
        // runs once, at the end, so the parked task does not carry room for it.
        if let Some(joined) = socket.joined.take() {
            Box::pin(joined.leave()).await;
        }
        finish(&mut conn, flow).await;
        drop(open);
    }

    pub(super) async fn send_frame(&self, conn: &mut Connection, frame: &ServerFrame) -> Flow {
        conn.send(&frame.to_json()).await
    }

    /// Refuses a frame sent too fast: `Some` with what to do instead of handling it.
    async fn rate_limited(&mut self, conn: &mut Connection) -> Option<Flow> {
        match self.rate.check(self.state.settings.limits.rate_strikes) {
            Verdict::Pass => None,
            verdict => {
                metrics::counter!("shopchat_shopper_frames_refused_total").increment(1);
                Some(match verdict {
                    Verdict::Close => close(CloseCode::Policy, "rate limit exceeded"),
                    Verdict::Refuse { answer: true } => {
                        let frame =
                            error(ErrorCode::RateLimited, "too many frames; slow down", None);
                        self.send_frame(conn, &frame).await
                    }
                    _ => Flow::Continue,
                })
            }
        }
    }

    async fn on_frame(&mut self, conn: &mut Connection, text: &str) -> Flow {
        if let Some(flow) = self.rate_limited(conn).await {
            return flow;
        }
        let decoded = protocol::decode(text);
        let kind = match &decoded {
            Ok(frame) => frame.type_index(),
            Err(_) => protocol::CLIENT_TYPES.len(),
        };
        if let Some(counter) = FRAME_COUNTERS.get(kind) {
            counter.increment(1);
        }
        match decoded {
            Err(e) => self.send_frame(conn, &e.into_frame()).await,
            // Boxed: `hello` is the largest step (joining, welcome, replay) and runs once, so
            // the socket's parked task does not carry room for it (see `socket_task_size`).
            Ok(ClientFrame::Hello(hello)) => Box::pin(self.on_hello(conn, hello)).await,
            Ok(_) if self.joined.is_none() => {
                self.send_frame(
                    conn,
                    &error(ErrorCode::HelloRequired, "send `hello` first", None),
                )
                .await
            }
            Ok(ClientFrame::Event(event)) => self.on_event(conn, event).await,
            Ok(ClientFrame::Message(message)) => self.on_message(conn, message).await,
            // Typing holds proactive messages back (and reaches agents once they have a channel).
            Ok(ClientFrame::Typing(typing)) => {
                if let Some(joined) = &mut self.joined
                    && let Some(wake) = joined.typing(typing.active).await
                {
                    conn.arm(wake);
                }
                Flow::Continue
            }
            Ok(ClientFrame::Read(read)) => self.on_read(conn, read).await,
            Ok(ClientFrame::Handoff(_)) => self.on_handoff(conn).await,
            Ok(ClientFrame::Contact(contact)) => self.on_contact(conn, contact).await,
            Ok(ClientFrame::Orders(_)) => self.on_orders(conn).await,
            Ok(ClientFrame::OrderLookup(frame)) => self.on_order_lookup(conn, frame).await,
            Ok(ClientFrame::OrderRequest(frame)) => self.on_order_request(conn, frame).await,
            Ok(ClientFrame::Transcript(frame)) => self.on_transcript(conn, frame).await,
            Ok(ClientFrame::EmailCode(frame)) => self.on_email_code(conn, frame).await,
            Ok(ClientFrame::VerifyCode(frame)) => self.on_verify_code(conn, frame).await,
            Ok(ClientFrame::Rate(frame)) => self.on_rate(conn, frame).await,
            Ok(ClientFrame::UploadToken(frame)) => self.on_upload_token(conn, frame).await,
        }
    }

    pub(super) async fn chat_error(&self, conn: &mut Connection, e: ChatError) -> Flow {
        let code = e.code();
        if code == ErrorCode::Internal {
            return self.internal_error(conn, e).await;
        }
        let field = e.field();
        self.send_frame(conn, &error(code, e.to_string(), field))
            .await
    }

    pub(super) async fn internal_error(
        &self,
        conn: &mut Connection,
        cause: impl std::fmt::Display,
    ) -> Flow {
        tracing::error!(error = %cause, site = %self.site.id, "shopper frame failed");
        self.send_frame(
            conn,
            &error(
                ErrorCode::Internal,
                "the server could not process this frame; retry",
                None,
            ),
        )
        .await
    }
}

impl Peer for ShopperSocket {
    fn identified(&self) -> bool {
        self.joined.is_some()
    }

    // 1001, not 1008: a real widget whose page was frozen that long reconnects (it gives up
    // for good after 1008).
    fn too_late(&self) -> Flow {
        close(CloseCode::Away, "send `hello` first")
    }

    async fn on_text(&mut self, conn: &mut Connection, text: &str) -> Flow {
        // Boxed: handling a frame (a message's durable write, the trigger engine, a handoff)
        // is the largest state the task passes through; inline, every idle socket would carry
        // its size for its whole life. One allocation per frame buys several KiB per socket.
        Box::pin(self.on_frame(conn, text)).await
    }

    async fn on_binary(&mut self, conn: &mut Connection) -> Flow {
        // Boxed: a mistake a widget does not make; no room for it in every parked socket.
        Box::pin(async {
            if let Some(flow) = self.rate_limited(conn).await {
                return flow;
            }
            let frame = error(
                ErrorCode::BadJson,
                "binary frames are not supported; send JSON text",
                None,
            );
            self.send_frame(conn, &frame).await
        })
        .await
    }

    async fn on_outbound(&mut self, conn: &mut Connection, out: Outbound) -> Flow {
        self.forward(conn, out).await
    }

    async fn on_wake(&mut self, conn: &mut Connection) -> Flow {
        // Boxed for the same reason as `on_text`: a firing is rare and large.
        Box::pin(self.run_triggers(conn, Wake::Timer)).await;
        Flow::Continue
    }

    async fn on_quiet(&mut self) {
        if let Some(joined) = &mut self.joined {
            // Boxed: a save is a store call every ping interval; inline, every idle socket
            // would carry its size.
            Box::pin(joined.save()).await;
        }
    }
}

/// The label a socket's close is counted under.
fn close_reason(flow: &Flow) -> &'static str {
    match flow {
        Flow::Close(r) => match r.code {
            CloseCode::Restart => "restart",
            CloseCode::Again => "too_slow",
            CloseCode::Size => "too_large",
            CloseCode::Policy => "policy",
            CloseCode::Away => "idle",
            CloseCode::Protocol => "protocol",
            CloseCode::Invalid => "invalid_utf8",
            _ => "normal",
        },
        _ => "gone",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Hello;

    /// The size of what an `async fn` taking these arguments returns, without calling it.
    fn future_size<A, B, C, D, E, F>(_: fn(A, B, C, D, E) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    fn method_size<'a, C, F>(_: fn(&'a mut ShopperSocket, &'a mut Connection, C) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Prints how large a shopper socket's task is (and its largest parts), for README's
    /// memory figures: `cargo test --lib socket_task_size -- --nocapture`. Not an assertion:
    /// the figure moves with the compiler; `examples/loadgen` measures what it costs.
    #[test]
    fn socket_task_size() {
        let run = future_size(ShopperSocket::run);
        let hello = method_size(ShopperSocket::on_hello as fn(_, _, Hello) -> _);
        let forward = method_size(ShopperSocket::forward);
        println!("shopper socket future: run {run} B, on_hello {hello} B, forward {forward} B");
        assert!(run > 0);
    }
}
