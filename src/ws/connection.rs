//! The socket loop both sockets run: frames in, the hub's outbox out, pings and the idle
//! timeout, the identification deadline, shutdown, "too slow", and one timer a socket may
//! arm. A socket's own code implements [`Peer`] and only says what a frame, a queued frame or
//! its timer means to it; how long to wait, when to ping and how to close is decided here,
//! once, for both.

use super::flow::{self, Flow, close};
use super::transport::{Incoming, Transport};
use crate::config::Limits;
use crate::domain::Timestamp;
use crate::hub::{Outbound, OutboxReceiver, OutboxSender, outbox};
use actix_ws::CloseCode;
use governor::clock::MonotonicClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// One socket's side of the loop: the transport it writes to and what the hub queues for it.
pub(super) struct Connection {
    transport: Transport,
    /// Handed to the hub at registration; the hub queues frames for this socket here.
    pub(super) outbox_tx: OutboxSender,
    outbox_rx: OutboxReceiver,
    /// Cancelled by the hub when the outbox is full: the client cannot keep up.
    pub(super) too_slow: CancellationToken,
    /// The one timer a socket may arm (the trigger engine's next wake).
    wake: Pin<Box<tokio::time::Sleep>>,
    wake_armed: bool,
}

impl Connection {
    /// A connection with an outbox of `capacity` frames.
    pub(super) fn new(transport: Transport, capacity: usize) -> Self {
        let (outbox_tx, outbox_rx) = outbox(capacity);
        Connection {
            transport,
            outbox_tx,
            outbox_rx,
            too_slow: CancellationToken::new(),
            wake: Box::pin(tokio::time::sleep(Duration::ZERO)),
            wake_armed: false,
        }
    }

    /// Sends one text frame without waiting on a peer that stopped reading.
    pub(super) async fn send(&mut self, json: &str) -> Flow {
        flow::send_text(&mut self.transport, json.to_owned(), &self.too_slow).await
    }

    /// Arms the timer for `at` (or disarms it with `None`).
    pub(super) fn arm(&mut self, at: Option<Timestamp>) {
        match at {
            Some(at) => {
                let wait = at.millis_since(Timestamp::now()).max(0) as u64;
                let deadline = tokio::time::Instant::now() + Duration::from_millis(wait);
                self.wake.as_mut().reset(deadline);
                self.wake_armed = true;
            }
            None => self.wake_armed = false,
        }
    }
}

/// What a socket's own code does with what the loop hands it.
pub(super) trait Peer {
    /// Whether the client has identified itself (`hello`, `auth`); until then the loop
    /// closes the socket at the deadline.
    fn identified(&self) -> bool;
    /// The close when the identification deadline passes.
    fn too_late(&self) -> Flow;
    /// A text frame that passed the rate limit.
    async fn on_text(&mut self, conn: &mut Connection, text: &str) -> Flow;
    /// A binary frame (the protocols are JSON text only).
    async fn on_binary(&mut self, conn: &mut Connection) -> Flow;
    /// A frame the hub queued for this socket.
    async fn on_outbound(&mut self, conn: &mut Connection, out: Outbound) -> Flow;
    /// The armed timer fired.
    async fn on_wake(&mut self, conn: &mut Connection) -> Flow;
    /// Between pings, with the client still there (a moment to save state).
    async fn on_quiet(&mut self);
}

/// What a socket does about a client sending too fast.
pub(super) struct RateGuard {
    /// On the standard monotonic clock: governor's default (quanta) calibrates a new clock
    /// for every limiter, a CPUID-heavy few microseconds per socket, which 10,000 shoppers
    /// saying `hello` at once paid in a row. `Instant::now()` per frame costs nanoseconds.
    limiter: RateLimiter<NotKeyed, InMemoryState, MonotonicClock, NoOpMiddleware<Instant>>,
    strikes: u32,
    since: Instant,
    policy: RatePolicy,
}

/// How refusals count towards closing a flooding socket.
pub(super) enum RatePolicy {
    /// Refusals within a window count; only the first in a window is answered (a widget that
    /// floods by mistake learns once, and its later frames cost nothing).
    Window(Duration),
    /// Refusals in a row count, each answered (a dashboard ties every answer to a button).
    InARow,
}

/// The rate guard's verdict on one frame.
pub(super) enum Verdict {
    /// Carry on with the frame.
    Pass,
    /// Drop the frame; `answer`: tell the client.
    Refuse {
        /// Whether to send the `rate_limited` error.
        answer: bool,
    },
    /// The client keeps flooding after being told: close with 1008.
    Close,
}

impl RateGuard {
    /// A guard with the server's per-socket rate and burst.
    pub(super) fn new(limits: &Limits, policy: RatePolicy) -> Self {
        let per_sec = NonZeroU32::new(limits.rate_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.rate_burst).unwrap_or(NonZeroU32::MIN);
        RateGuard {
            limiter: RateLimiter::direct_with_clock(
                Quota::per_second(per_sec).allow_burst(burst),
                MonotonicClock,
            ),
            strikes: 0,
            since: Instant::now(),
            policy,
        }
    }

    /// Checks one frame; `max_strikes` refusals close the socket.
    pub(super) fn check(&mut self, max_strikes: u32) -> Verdict {
        if self.limiter.check().is_ok() {
            if let RatePolicy::InARow = self.policy {
                self.strikes = 0;
            }
            return Verdict::Pass;
        }
        if let RatePolicy::Window(window) = self.policy
            && self.since.elapsed() > window
        {
            self.strikes = 0;
            self.since = Instant::now();
        }
        self.strikes += 1;
        if self.strikes >= max_strikes {
            return Verdict::Close;
        }
        let answer = match self.policy {
            RatePolicy::Window(_) => self.strikes == 1,
            RatePolicy::InARow => true,
        };
        Verdict::Refuse { answer }
    }
}

/// Serves a socket until it closes; returns how it ended (the caller lets its peer leave,
/// then sends the close frame with [`flow::finish`]).
pub(super) async fn serve<P: Peer>(
    peer: &mut P,
    conn: &mut Connection,
    limits: &Limits,
    shutdown: &CancellationToken,
    identify_within: Duration,
) -> Flow {
    let too_slow = conn.too_slow.clone();
    let mut ping = tokio::time::interval(limits.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let deadline = tokio::time::sleep(identify_within);
    tokio::pin!(deadline);
    loop {
        let flow = tokio::select! {
            biased;
            _ = shutdown.cancelled() => close(CloseCode::Restart, "server restarting; reconnect"),
            _ = too_slow.cancelled() => close(CloseCode::Again, "too slow to receive; reconnect"),
            _ = &mut deadline, if !peer.identified() => peer.too_late(),
            // Frames already queued for this socket go out before the next input is read,
            // so an answer never overtakes what was published before its question.
            out = conn.outbox_rx.recv() => peer.on_outbound(conn, out).await,
            _ = &mut conn.wake, if conn.wake_armed => {
                conn.wake_armed = false;
                peer.on_wake(conn).await
            }
            incoming = conn.transport.recv() => match incoming {
                Err(e) => flow::unreadable(e),
                Ok(message) => {
                    last_heard = Instant::now();
                    on_message(peer, conn, message).await
                }
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > limits.idle_timeout {
                    close(CloseCode::Away, "idle timeout")
                } else if !conn.transport.ping().await {
                    Flow::Gone
                } else {
                    peer.on_quiet().await;
                    Flow::Continue
                }
            }
        };
        if !matches!(flow, Flow::Continue) {
            return flow;
        }
    }
}

/// Data frames go to the peer; pings were answered by the transport.
async fn on_message<P: Peer>(peer: &mut P, conn: &mut Connection, message: Incoming) -> Flow {
    match message {
        Incoming::Text(text) => peer.on_text(conn, &text).await,
        Incoming::Binary => peer.on_binary(conn).await,
        Incoming::Control => Flow::Continue,
        Incoming::Close => close(CloseCode::Normal, "bye"),
    }
}

/// Sends the close frame, if the loop ended with one.
pub(super) async fn finish(conn: &mut Connection, flow: Flow) {
    flow::finish(&mut conn.transport, flow).await;
}
