//! One agent socket (`/ws/agent`): authenticate (token in `Sec-WebSocket-Protocol` or in a
//! first `auth` frame — never in the URL, which ends up in logs), send `ready` with
//! everything live on the agent's sites, then serve commands. Every command that names a
//! conversation or visitor is checked against the agent's own sites; another site's ids are
//! answered as `not_found`, never leaked.

use super::connection::{Connection, Peer, RateGuard, RatePolicy, Verdict, finish, serve};
use super::flow::{Flow, close};
use super::transport::Transport;
use super::upgrade::Open;
use crate::chat::{AgentRefused, AgentSession, ChatError, TokenRefused};
use crate::domain::ConversationId;
use crate::guards::PendingSlot;
use crate::hub::Outbound;
use crate::protocol::ErrorCode;
use crate::protocol::agent::{self, AgentCommand, AgentFrame, AgentIn};
use crate::state::AppState;
use crate::store::Appended;
use actix_web::web;
use actix_ws::CloseCode;
use std::time::Duration;

/// A socket must authenticate within this time.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// The subprotocol the server answers with when the token came in the header.
pub(super) const SUBPROTOCOL: &str = "shopchat.agent.v1";

/// State of one agent socket (the transport is the loop's [`Connection`]).
pub(super) struct AgentSocket {
    state: web::Data<AppState>,
    rate: RateGuard,
    /// The application's side of this connection, once authenticated.
    authed: Option<AgentSession>,
    /// Counts this socket against its address's unauthenticated ones until `auth` succeeds.
    pending: Option<PendingSlot>,
}

impl AgentSocket {
    /// Serves an agent socket until it closes; `token` is the one from the subprotocol
    /// header, if any.
    pub(super) async fn run(
        state: web::Data<AppState>,
        transport: Transport,
        pending: PendingSlot,
        token: Option<String>,
        open: Open,
    ) {
        let settings = state.settings.clone();
        let limits = &settings.limits;
        let shutdown = state.shutdown.clone();
        // Agents see every site event, so their outbox is larger than a shopper's.
        let mut conn = Connection::new(transport, limits.outbox_capacity * 4);
        let mut socket = AgentSocket {
            rate: RateGuard::new(limits, RatePolicy::InARow),
            authed: None,
            pending: Some(pending),
            state,
        };
        let mut flow = match token {
            Some(token) => socket.authenticate(&mut conn, &token, None).await,
            None => Flow::Continue,
        };
        if let Flow::Continue = flow {
            // A socket that never authenticates is closed on time, not at the next ping.
            flow = serve(&mut socket, &mut conn, limits, &shutdown, AUTH_TIMEOUT).await;
        }
        // Leaving drops the registration first: the hub no longer counts this socket when
        // deciding whether the agent is gone, and the other nodes hear so.
        if let Some(authed) = socket.authed.take() {
            authed.leave().await;
        }
        finish(&mut conn, flow).await;
        drop(open);
    }

    async fn send_frame(&self, conn: &mut Connection, frame: &AgentFrame) -> Flow {
        conn.send(&frame.to_json()).await
    }

    async fn refuse(
        &self,
        conn: &mut Connection,
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
        self.send_frame(conn, &frame).await
    }

    async fn on_frame(&mut self, conn: &mut Connection, text: &str) -> Flow {
        match self.rate.check(self.state.settings.limits.rate_strikes) {
            Verdict::Pass => {}
            verdict => {
                metrics::counter!("shopchat_agent_frames_refused_total").increment(1);
                // A client that keeps flooding after being told is closed, like a shopper's.
                if let Verdict::Close = verdict {
                    return close(CloseCode::Policy, "rate limit exceeded");
                }
                return self
                    .refuse(
                        conn,
                        None,
                        ErrorCode::RateLimited,
                        "too many frames; slow down",
                        None,
                    )
                    .await;
            }
        }
        let AgentIn { reference, command } = match agent::decode(text) {
            Ok(c) => c,
            Err((code, message, field)) => {
                return self
                    .refuse(conn, None, code, message, field.as_deref())
                    .await;
            }
        };
        match command {
            AgentCommand::Auth { token } => {
                if self.authed.is_some() {
                    return self
                        .refuse(
                            conn,
                            reference,
                            ErrorCode::AlreadyHello,
                            "already authenticated",
                            None,
                        )
                        .await;
                }
                self.authenticate(conn, &token, reference).await
            }
            _ if self.authed.is_none() => {
                self.refuse(
                    conn,
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
                        self.send_frame(conn, &frame).await
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
                        self.refuse(conn, reference, code, message, field).await
                    }
                }
            }
        }
    }

    async fn authenticate(
        &mut self,
        conn: &mut Connection,
        token: &str,
        reference: Option<String>,
    ) -> Flow {
        let joined = self
            .state
            .chat
            .agent_joins(token, conn.outbox_tx.clone(), conn.too_slow.clone())
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
                        conn,
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
        let flow = self.send_frame(conn, &ready).await;
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
        let chat = &self.state.chat;
        let ack = |client_msg_id: String, appended: Appended| {
            let mut message = appended.message;
            chat.sign_attachments(&appended.conversation.site_id, &mut message);
            AgentFrame::Ack {
                reference: None,
                client_msg_id,
                message,
            }
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
                attachments,
                draft_token,
            } => {
                let appended = session
                    .say(
                        &conversation_id,
                        &client_msg_id,
                        (&text, &attachments),
                        draft_token.as_deref(),
                    )
                    .await?;
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

impl Peer for AgentSocket {
    fn identified(&self) -> bool {
        self.authed.is_some()
    }

    fn too_late(&self) -> Flow {
        close(CloseCode::Policy, "authenticate first")
    }

    async fn on_text(&mut self, conn: &mut Connection, text: &str) -> Flow {
        self.on_frame(conn, text).await
    }

    async fn on_binary(&mut self, conn: &mut Connection) -> Flow {
        self.refuse(
            conn,
            None,
            ErrorCode::BadJson,
            "send JSON text frames",
            None,
        )
        .await
    }

    async fn on_outbound(&mut self, conn: &mut Connection, out: Outbound) -> Flow {
        match out {
            Outbound::Frame(json)
            | Outbound::Message { json, .. }
            | Outbound::Closed { json, .. } => conn.send(&json).await,
            Outbound::Reconnect => close(CloseCode::Restart, "reconnect for a fresh state"),
            // Shopper-only; an agent socket resyncs by reconnecting (see `Hub::resync_all`).
            Outbound::Resync => close(CloseCode::Restart, "reconnect for a fresh state"),
        }
    }

    // Agents arm no timer.
    async fn on_wake(&mut self, _conn: &mut Connection) -> Flow {
        Flow::Continue
    }

    async fn on_quiet(&mut self) {}
}
