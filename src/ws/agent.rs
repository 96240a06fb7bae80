//! One agent socket (`/ws/agent`): authenticate (token in `Sec-WebSocket-Protocol` or in a
//! first `auth` frame — never in the URL, which ends up in logs), send `ready` with
//! everything live on the agent's sites, then serve commands. Every command that names a
//! conversation or visitor is checked against the agent's own sites; another site's ids are
//! answered as `not_found`, never leaked.

use super::flow::{Flow, close};
use super::frame_guard::Refusals;
use super::pending::PendingSlot;
use crate::agent_protocol::{
    self, AgentCommand, AgentFrame, AgentIn, AgentStatus, AgentView, SiteView,
};
use crate::bus::BusEvent;
use crate::chat::{self, ChatError};
use crate::conversation::{Closer, Stage};
use crate::domain::{
    AgentId, AuthorKind, ClientMsgId, ConversationId, MessageText, SiteId, ValueError, VisitorId,
};
use crate::hub::{AgentRegistration, Outbound};
use crate::protocol::{Author, ErrorCode, ServerFrame};
use crate::startup::AppState;
use crate::store::{Agent, Conversation, ConversationFilter, Membership};
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

struct Authed {
    agent: Agent,
    memberships: Vec<Membership>,
    _registration: AgentRegistration,
}

/// State of one agent socket.
pub(super) struct AgentSocket {
    state: AppState,
    session: Session,
    limiter: DefaultDirectRateLimiter,
    /// Refused frames in a row.
    strikes: u32,
    authed: Option<Authed>,
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
        let authed = self.authed.take();
        let agent = authed.as_ref().map(|a| a.agent.id.clone());
        let sites: Vec<SiteId> = authed
            .iter()
            .flat_map(|a| a.memberships.iter().map(|m| m.site_id.clone()))
            .collect();
        // Dropping `authed` drops the registration: the hub no longer counts this socket
        // when deciding whether the agent is gone, and the other nodes hear so.
        drop(authed);
        chat::announce_agents(&self.state, &sites).await;
        if let Some(agent) = agent {
            chat::went_offline(&self.state, &agent).await;
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
        let AgentIn { reference, command } = match agent_protocol::decode(&text) {
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
        // A bad, expired or revoked token, or a deleted account's, opens no socket.
        let agent_id = match chat::token_holder(&self.state, token).await {
            Ok(agent) => agent,
            Err(chat::TokenRefused::Store(e)) => {
                tracing::error!(error = %e, "token check failed");
                return close(CloseCode::Error, "server error; retry");
            }
            Err(refused) => {
                let _ = self
                    .refuse(
                        reference,
                        ErrorCode::Unauthorized,
                        refused.to_string(),
                        Some("token"),
                    )
                    .await;
                return close(CloseCode::Policy, "invalid token");
            }
        };
        let agent = match self.state.store.agent(&agent_id).await {
            Ok(Some(agent)) if !agent.must_change_password => agent,
            Ok(Some(_)) => {
                let _ = self
                    .refuse(
                        reference,
                        ErrorCode::Unauthorized,
                        "set your own password first (POST /api/v1/auth/password)",
                        None,
                    )
                    .await;
                return close(CloseCode::Policy, "password change required");
            }
            Ok(None) => {
                let _ = self
                    .refuse(
                        reference,
                        ErrorCode::Unauthorized,
                        "account no longer exists",
                        None,
                    )
                    .await;
                return close(CloseCode::Policy, "invalid token");
            }
            Err(e) => {
                tracing::error!(error = %e, "agent lookup failed");
                return close(CloseCode::Error, "server error; retry");
            }
        };
        let memberships = match self.state.store.memberships(&agent.id).await {
            Ok(m) => m,
            Err(_) => return close(CloseCode::Error, "server error; retry"),
        };
        let sites: Vec<SiteId> = memberships.iter().map(|m| m.site_id.clone()).collect();
        let registration = self.state.hub.register_agent(
            &agent.id,
            sites.clone(),
            self.outbox_tx.clone(),
            self.too_slow.clone(),
        );
        let status = self.state.hub.agent_status(&agent.id);
        let mut site_views = Vec::new();
        let mut conversations = Vec::new();
        for m in &memberships {
            if let Ok(Some(site)) = self.state.store.site(&m.site_id).await {
                site_views.push(SiteView {
                    id: site.id,
                    name: site.name,
                    role: m.role,
                    capacity: m.profile.capacity,
                    skills: m.profile.skills.clone(),
                });
            }
            let open = self
                .state
                .store
                .find_conversations(&ConversationFilter {
                    site: Some(m.site_id.clone()),
                    stages: vec!["bot", "queued", "assigned"],
                    limit: 500,
                    ..ConversationFilter::default()
                })
                .await
                .unwrap_or_default();
            conversations.extend(open);
        }
        let ready = AgentFrame::Ready {
            agent: AgentView {
                id: agent.id.clone(),
                name: agent.display_name.clone(),
                status,
            },
            sites: site_views,
            visitors: self.state.hub.live_visitors(&sites),
            conversations,
        };
        let agent_id = agent.id.clone();
        self.pending = None;
        self.authed = Some(Authed {
            agent,
            memberships,
            _registration: registration,
        });
        let flow = self.send_frame(&ready).await;
        chat::tell_status(&self.state, &agent_id, &sites, status).await;
        if status == AgentStatus::Online {
            for site in &sites {
                chat::route_site(&self.state, site).await;
            }
        }
        flow
    }

    fn agent(&self) -> Option<&Agent> {
        self.authed.as_ref().map(|a| &a.agent)
    }

    /// The conversation, if it is on one of the agent's sites.
    async fn conversation(&self, id: &str) -> Result<Conversation, ChatError> {
        let id = ConversationId::parse(id).map_err(|_| ChatError::NotFound("conversation"))?;
        let conv = self
            .state
            .store
            .conversation(&id)
            .await?
            .ok_or(ChatError::NotFound("conversation"))?;
        let mine = self
            .authed
            .as_ref()
            .is_some_and(|a| a.memberships.iter().any(|m| m.site_id == conv.site_id));
        if mine {
            Ok(conv)
        } else {
            Err(ChatError::NotFound("conversation"))
        }
    }

    fn text(&self, text: &str) -> Result<MessageText, ChatError> {
        MessageText::parse(text, self.state.settings.limits.max_message_chars).map_err(|e| {
            ChatError::Invalid {
                field: "text",
                message: match e {
                    ValueError::TextTooLong { .. } => e.to_string(),
                    other => other.to_string(),
                },
            }
        })
    }

    async fn command(&mut self, command: AgentCommand) -> Result<AgentFrame, ChatError> {
        let Some(me) = self.agent().map(|a| a.id.clone()) else {
            return Err(ChatError::NotFound("agent"));
        };
        let ok = |conversation_id: Option<ConversationId>| AgentFrame::Ok {
            reference: None,
            conversation_id,
        };
        match command {
            AgentCommand::Auth { .. } => Ok(ok(None)),
            AgentCommand::Take { conversation_id } => {
                let conv = self.conversation(&conversation_id).await?;
                chat::take(&self.state, &conv.id, &me).await?;
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Message {
                conversation_id,
                client_msg_id,
                text,
            } => {
                let conv = self.conversation(&conversation_id).await?;
                let key = ClientMsgId::parse(&client_msg_id).map_err(|e| ChatError::Invalid {
                    field: "client_msg_id",
                    message: e.to_string(),
                })?;
                let text = self.text(&text)?;
                let appended = chat::agent_message(&self.state, &conv.id, &me, key, text).await?;
                Ok(AgentFrame::Ack {
                    reference: None,
                    client_msg_id,
                    message: appended.message,
                })
            }
            AgentCommand::Transfer {
                conversation_id,
                to_agent,
                to_team,
            } => {
                let conv = self.conversation(&conversation_id).await?;
                let to_agent = to_agent
                    .map(|a| AgentId::parse(&a).map_err(|_| ChatError::NotFound("agent")))
                    .transpose()?;
                chat::transfer(&self.state, &conv.id, &me, to_agent, to_team).await?;
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Close { conversation_id } => {
                let conv = self.conversation(&conversation_id).await?;
                chat::close(&self.state, &conv.id, Closer::Agent(me)).await?;
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Tag {
                conversation_id,
                tag,
                remove,
            } => {
                let conv = self.conversation(&conversation_id).await?;
                chat::set_tag(&self.state, &conv.id, &tag, remove).await?;
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Note {
                conversation_id,
                text,
            } => {
                let conv = self.conversation(&conversation_id).await?;
                let text = self.text(&text)?;
                chat::note(&self.state, &conv, &me, text).await?;
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Typing {
                conversation_id,
                active,
            } => {
                let conv = self.conversation(&conversation_id).await?;
                if conv.agent() == Some(&me)
                    || matches!(conv.lifecycle.stage, Stage::Bot | Stage::Queued)
                {
                    let name = chat::agent_name(&self.state, &me).await;
                    let author = Author {
                        kind: AuthorKind::Agent,
                        name,
                    };
                    let frame = ServerFrame::Typing {
                        conversation_id: conv.id.clone(),
                        author: author.clone(),
                        active,
                    };
                    chat::publish(
                        &self.state,
                        BusEvent::to_visitor(&conv.site_id, &conv.visitor_id, frame),
                    )
                    .await;
                    chat::publish(
                        &self.state,
                        BusEvent::to_agents(
                            &conv.site_id,
                            AgentFrame::Typing {
                                site_id: conv.site_id.clone(),
                                conversation_id: Some(conv.id.clone()),
                                visitor_id: conv.visitor_id.clone(),
                                author,
                                active,
                            },
                        ),
                    )
                    .await;
                }
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Read {
                conversation_id,
                seq,
            } => {
                let conv = self.conversation(&conversation_id).await?;
                self.state.store.mark_agent_read(&conv.id, seq).await?;
                let seq = seq.min(conv.last_seq);
                chat::publish(
                    &self.state,
                    BusEvent::to_visitor(
                        &conv.site_id,
                        &conv.visitor_id,
                        ServerFrame::Read {
                            conversation_id: conv.id.clone(),
                            seq,
                        },
                    ),
                )
                .await;
                chat::publish(
                    &self.state,
                    BusEvent::to_agents(
                        &conv.site_id,
                        AgentFrame::Read {
                            site_id: conv.site_id.clone(),
                            conversation_id: conv.id.clone(),
                            by: "agent",
                            seq,
                        },
                    ),
                )
                .await;
                Ok(ok(Some(conv.id)))
            }
            AgentCommand::Status { status } => {
                self.state.hub.set_agent_status(&me, status);
                let sites: Vec<SiteId> = self
                    .authed
                    .as_ref()
                    .map(|a| a.memberships.iter().map(|m| m.site_id.clone()).collect())
                    .unwrap_or_default();
                chat::tell_status(&self.state, &me, &sites, status).await;
                match status {
                    AgentStatus::Online => {
                        for site in &sites {
                            chat::route_site(&self.state, site).await;
                        }
                    }
                    AgentStatus::Offline => chat::went_offline(&self.state, &me).await,
                    AgentStatus::Away => {}
                }
                Ok(ok(None))
            }
            AgentCommand::Start {
                site_id,
                visitor_id,
                client_msg_id,
                text,
            } => {
                let site = SiteId::parse(&site_id).map_err(|_| ChatError::NotFound("site"))?;
                let member = self
                    .authed
                    .as_ref()
                    .is_some_and(|a| a.memberships.iter().any(|m| m.site_id == site));
                if !member {
                    return Err(ChatError::NotFound("site"));
                }
                let visitor =
                    VisitorId::parse(&visitor_id).map_err(|_| ChatError::NotFound("visitor"))?;
                let key = ClientMsgId::parse(&client_msg_id).map_err(|e| ChatError::Invalid {
                    field: "client_msg_id",
                    message: e.to_string(),
                })?;
                let text = self.text(&text)?;
                let appended = chat::start(&self.state, &site, &visitor, &me, key, text).await?;
                Ok(AgentFrame::Ack {
                    reference: None,
                    client_msg_id,
                    message: appended.message,
                })
            }
        }
    }
}
