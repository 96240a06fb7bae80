//! One agent socket (`/ws/agent`): authenticate (token in `Sec-WebSocket-Protocol` or in a
//! first `auth` frame — never in the URL, which ends up in logs), send `ready` with
//! everything live on the agent's sites, then serve commands. Every command that names a
//! conversation or visitor is checked against the agent's own sites; another site's ids are
//! answered as `not_found`, never leaked.

use super::flow::{Flow, close};
use super::frame_guard::Refusals;
use super::pending::PendingSlot;
use crate::chat::{AgentRefused, AgentSession, ChatError, TokenRefused};
use crate::domain::ConversationId;
use crate::hub::Outbound;
use crate::protocol::ErrorCode;
use crate::protocol::agent::{self, AgentCommand, AgentFrame, AgentIn};
use crate::state::AppState;
use crate::store::Appended;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, Session};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A socket must authenticate within this time.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// The subprotocol the server answers with when the token came in the header.
pub const SUBPROTOCOL: &str = "shopchat.agent.v1";

/// State of one agent socket.
pub(super) struct AgentSocket {
    state: AppState,
    session: Session,
    limiter: DefaultDirectRateLimiter,
    /// Refused frames in a row.
    strikes: u32,
    /// The application's side of this connection, once authenticated.
    authed: Option<AgentSession>,
    outbox_tx: mpsc::Sender<Outbound>,
    outbox_rx: mpsc::Receiver<Outbound>,
    too_slow: CancellationToken,
    /// Counts this socket against its address's unauthenticated ones until `auth` succeeds.
    pending: Option<PendingSlot>,
}

impl AgentSocket {
    pub(super) fn new(state: AppState, session: Session, pending: PendingSlot) -> Self {
        let limits = &state.settings.limits;
        let per_sec = NonZeroU32::new(limits.rate_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.rate_burst).unwrap_or(NonZeroU32::MIN);
        // Agents see every site event, so their outbox is larger than a shopper's.
        let (outbox_tx, outbox_rx) = mpsc::channel(limits.outbox_capacity * 4);
        AgentSocket {
            limiter: RateLimiter::direct(Quota::per_second(per_sec).allow_burst(burst)),
            strikes: 0,
            authed: None,
            outbox_tx,
            outbox_rx,
            too_slow: CancellationToken::new(),
            pending: Some(pending),
            state,
            session,
        }
    }

    /// Serves the socket; `token` is the one from the subprotocol header, if any.
    pub(super) async fn run(
        mut self,
        mut stream: AggregatedMessageStream,
        token: Option<String>,
        refusals: Refusals,
    ) {
        let limits = self.state.settings.limits.clone();
        let shutdown = self.state.shutdown.clone();
        let too_slow = self.too_slow.clone();
        let mut ping = tokio::time::interval(limits.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await;
        let mut last_heard = Instant::now();
        // A socket that never authenticates is closed on time, not at the next ping.
        let auth_deadline = tokio::time::sleep(AUTH_TIMEOUT);
        tokio::pin!(auth_deadline);
        let mut flow = match token {
            Some(token) => self.authenticate(&token, None).await,
            None => Flow::Continue,
        };
        while let Flow::Continue = flow {
            flow = tokio::select! {
                biased;
                _ = shutdown.cancelled() => close(CloseCode::Restart, "server restarting; reconnect"),
                _ = too_slow.cancelled() => close(CloseCode::Again, "too slow to receive; reconnect"),
                Some(out) = self.outbox_rx.recv() => match out {
                    Outbound::Frame(json)
                    | Outbound::Message { json, .. }
                    | Outbound::Closed { json, .. } => self.send(&json).await,
                    Outbound::Reconnect => close(CloseCode::Restart, "reconnect for a fresh state"),
                    // Shopper-only; an agent socket resyncs by reconnecting (see `Hub::resync_all`).
                    Outbound::Resync => close(CloseCode::Restart, "reconnect for a fresh state"),
                },
                _ = &mut auth_deadline, if self.authed.is_none() => {
                    close(CloseCode::Policy, "authenticate first")
                }
                incoming = stream.recv() => match incoming {
                    None => Flow::Gone,
                    Some(Err(e)) => super::flow::unreadable(&e, &refusals),
                    Some(Ok(message)) => {
                        last_heard = Instant::now();
                        self.on_frame(message).await
                    }
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() > limits.idle_timeout {
                        close(CloseCode::Away, "idle timeout")
                    } else if self.session.ping(b"").await.is_err() {
                        Flow::Gone
                    } else {
                        Flow::Continue
                    }
                }
            };
        }
        if let Some(authed) = self.authed.take() {
            authed.leave().await;
        }
        super::flow::finish(&self.session, flow).await;
    }

    async fn send(&mut self, json: &str) -> Flow {
        super::flow::send_text(&mut self.session, json, &self.too_slow).await
    }

    async fn send_frame(&mut self, frame: &AgentFrame) -> Flow {
        self.send(&frame.to_json()).await
    }

    async fn refuse(
        &mut self,
        reference: Option<String>,
        code: ErrorCode,
        message: impl Into<String>,
        field: Option<&str>,
    ) -> Flow {
        let frame = AgentFrame::Error {
            reference,
            code,
            message: message.into(),
            field: field.map(str::to_owned),
        };
        self.send_frame(&frame).await
    }

    async fn on_frame(&mut self, message: AggregatedMessage) -> Flow {
        let text = match message {
            AggregatedMessage::Text(text) => text,
            AggregatedMessage::Binary(_) => {
                return self
                    .refuse(None, ErrorCode::BadJson, "send JSON text frames", None)
                    .await;
            }
            AggregatedMessage::Ping(bytes) => {
                return match self.session.pong(&bytes).await {
                    Ok(()) => Flow::Continue,
                    Err(_) => Flow::Gone,
                };
            }
            AggregatedMessage::Pong(_) => return Flow::Continue,
            AggregatedMessage::Close(_) => return close(CloseCode::Normal, "bye"),
        };
        if self.limiter.check().is_err() {
            metrics::counter!("shopchat_agent_frames_refused_total").increment(1);
            // A client that keeps flooding after being told is closed, like a shopper's.
            self.strikes += 1;
            if self.strikes >= self.state.settings.limits.rate_strikes {
                return close(CloseCode::Policy, "rate limit exceeded");
            }
            return self
                .refuse(
                    None,
                    ErrorCode::RateLimited,
                    "too many frames; slow down",
                    None,
                )
                .await;
        }
        self.strikes = 0;
        let AgentIn { reference, command } = match agent::decode(&text) {
            Ok(c) => c,
            Err((code, message, field)) => {
                return self.refuse(None, code, message, field.as_deref()).await;
            }
        };
        match command {
            AgentCommand::Auth { token } => {
                if self.authed.is_some() {
                    return self
                        .refuse(
                            reference,
                            ErrorCode::AlreadyHello,
                            "already authenticated",
                            None,
                        )
                        .await;
                }
                self.authenticate(&token, reference).await
            }
            _ if self.authed.is_none() => {
                self.refuse(
                    reference,
                    ErrorCode::Unauthorized,
                    "send `auth` with your token first",
                    None,
                )
                .await
            }
            command => {
                let result = self.command(command).await;
                match result {
                    Ok(frame) => {
                        let frame = match frame {
                            AgentFrame::Ok {
                                conversation_id, ..
                            } => AgentFrame::Ok {
                                reference,
                                conversation_id,
                            },
                            AgentFrame::Ack {
                                client_msg_id,
                                message,
                                ..
                            } => AgentFrame::Ack {
                                reference,
                                client_msg_id,
                                message,
                            },
                            other => other,
                        };
                        self.send_frame(&frame).await
                    }
                    Err(e) => {
                        if let ChatError::Store(s) = &e
                            && e.code() == ErrorCode::Internal
                        {
                            tracing::error!(error = %s, "agent command failed");
                        }
                        let code = e.code();
                        let field = e.field();
                        let message = match code {
                            ErrorCode::Internal => "the server could not do this; retry".to_owned(),
                            _ => e.to_string(),
                        };
                        self.refuse(reference, code, message, field).await
                    }
                }
            }
        }
    }

    async fn authenticate(&mut self, token: &str, reference: Option<String>) -> Flow {
        let joined = self
            .state
            .chat
            .agent_joins(token, self.outbox_tx.clone(), self.too_slow.clone())
            .await;
        let (authed, ready, status) = match joined {
            Ok(joined) => joined,
            Err(
                refused @ (AgentRefused::Unavailable(_)
                | AgentRefused::Token(TokenRefused::Store(_))),
            ) => {
                tracing::error!(error = %refused, "agent authentication failed");
                return close(CloseCode::Error, "server error; retry");
            }
            Err(refused) => {
                let field = matches!(refused, AgentRefused::Token(_)).then_some("token");
                let reason = match refused {
                    AgentRefused::PasswordChange => "password change required",
                    _ => "invalid token",
                };
                let _ = self
                    .refuse(
                        reference,
                        ErrorCode::Unauthorized,
                        refused.to_string(),
                        field,
                    )
                    .await;
                return close(CloseCode::Policy, reason);
            }
        };
        self.pending = None;
        let flow = self.send_frame(&ready).await;
        authed.started(status).await;
        self.authed = Some(authed);
        flow
    }

    /// Carries out one command of an authenticated agent; the answer (`ok`, `ack`) or the
    /// refusal goes back with the command's reference.
    async fn command(&mut self, command: AgentCommand) -> Result<AgentFrame, ChatError> {
        let Some(session) = &self.authed else {
            return Err(ChatError::NotFound("agent"));
        };
        let ok = |conversation_id: ConversationId| AgentFrame::Ok {
            reference: None,
            conversation_id: Some(conversation_id),
        };
        let ack = |client_msg_id: String, appended: Appended| AgentFrame::Ack {
            reference: None,
            client_msg_id,
            message: appended.message,
        };
        Ok(match command {
            AgentCommand::Auth { .. } => AgentFrame::Ok {
                reference: None,
                conversation_id: None,
            },
            AgentCommand::Take { conversation_id } => ok(session.take(&conversation_id).await?),
            AgentCommand::Message {
                conversation_id,
                client_msg_id,
                text,
            } => {
                let appended = session.say(&conversation_id, &client_msg_id, &text).await?;
                ack(client_msg_id, appended)
            }
            AgentCommand::Transfer {
                conversation_id,
                to_agent,
                to_team,
            } => ok(session
                .transfer(&conversation_id, to_agent, to_team)
                .await?),
            AgentCommand::Close { conversation_id } => ok(session.close(&conversation_id).await?),
            AgentCommand::Tag {
                conversation_id,
                tag,
                remove,
            } => ok(session.tag(&conversation_id, &tag, remove).await?),
            AgentCommand::Note {
                conversation_id,
                text,
            } => ok(session.note(&conversation_id, &text).await?),
            AgentCommand::Typing {
                conversation_id,
                active,
            } => ok(session.typing(&conversation_id, active).await?),
            AgentCommand::Read {
                conversation_id,
                seq,
            } => ok(session.read(&conversation_id, seq).await?),
            AgentCommand::Status { status } => {
                session.set_status(status).await;
                AgentFrame::Ok {
                    reference: None,
                    conversation_id: None,
                }
            }
            AgentCommand::Start {
                site_id,
                visitor_id,
                client_msg_id,
                text,
            } => {
                let appended = session
                    .start(&site_id, &visitor_id, &client_msg_id, &text)
                    .await?;
                ack(client_msg_id, appended)
            }
        })
    }
}
