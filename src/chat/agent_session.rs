//! The agent's side of the application: an [`AgentSession`] is one dashboard connection that
//! authenticated — the account, the memberships it authenticated with (every command is
//! checked against them: another site's ids are answered as "not found", never leaked), and
//! its registration in the hub. The socket decodes commands and calls one method each.

use super::{ChatError, ChatService, TokenRefused};
use crate::bus::BusEvent;
use crate::conversation::{Closer, Conversation, ConversationFilter, Stage};
use crate::domain::{
    AgentId, Author, AuthorKind, ClientMsgId, ConversationId, MessageText, SiteId, VisitorId,
};
use crate::hub::AgentRegistration;
use crate::protocol::ServerFrame;
use crate::protocol::agent::{AgentFrame, AgentStatus, AgentView, SiteView};
use crate::store::{Agent, Appended, Membership};
use tokio_util::sync::CancellationToken;

/// Open conversations per site a `ready` carries.
const READY_CONVERSATIONS: u32 = 500;

/// Why an agent connection was not let in.
#[derive(Debug, thiserror::Error)]
pub enum AgentRefused {
    /// The token is not (or no longer) good.
    #[error(transparent)]
    Token(#[from] TokenRefused),
    /// The account must set its own password before it works.
    #[error("set your own password first (POST /api/v1/auth/password)")]
    PasswordChange,
    /// The account was deleted.
    #[error("account no longer exists")]
    Gone,
    /// The store could not say; the client should retry.
    #[error(transparent)]
    Unavailable(#[from] ChatError),
}

/// One authenticated agent connection.
pub struct AgentSession {
    service: ChatService,
    agent: Agent,
    memberships: Vec<Membership>,
    /// Keeps the socket in the hub; dropped when the session ends.
    registration: AgentRegistration,
}

impl ChatService {
    /// Lets an agent connection in: checks the token and the account, registers the socket
    /// for the agent's sites and builds `ready` (sites, live visitors, open conversations).
    /// The caller sends `ready`, then calls [`AgentSession::started`].
    pub async fn agent_joins(
        &self,
        token: &str,
        outbox: crate::hub::OutboxSender,
        too_slow: CancellationToken,
    ) -> Result<(AgentSession, AgentFrame, AgentStatus), AgentRefused> {
        // A bad, expired or revoked token, or a deleted account's, opens no socket.
        let agent_id = self.token_holder(token).await?;
        let agent = match self.store.agent(&agent_id).await.map_err(ChatError::from)? {
            Some(agent) if !agent.must_change_password => agent,
            Some(_) => return Err(AgentRefused::PasswordChange),
            None => return Err(AgentRefused::Gone),
        };
        let memberships = self
            .store
            .memberships(&agent.id)
            .await
            .map_err(ChatError::from)?;
        let sites: Vec<SiteId> = memberships.iter().map(|m| m.site_id.clone()).collect();
        let registration = self
            .hub
            .register_agent(&agent.id, sites.clone(), outbox, too_slow);
        self.cluster.seen(&agent.id);
        let status = self.agent_status(&agent.id);
        let mut site_views = Vec::new();
        let mut conversations = Vec::new();
        for m in &memberships {
            if let Ok(Some(site)) = self.store.site(&m.site_id).await {
                site_views.push(SiteView {
                    id: site.id,
                    name: site.name,
                    role: m.role,
                    capacity: m.profile.capacity,
                    skills: m.profile.skills.clone(),
                });
            }
            let open = self
                .store
                .find_conversations(&ConversationFilter {
                    site: Some(m.site_id.clone()),
                    stages: vec!["bot", "queued", "assigned"],
                    limit: READY_CONVERSATIONS,
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
            visitors: self.live_visitors(&sites),
            conversations,
        };
        let session = AgentSession {
            service: self.clone(),
            agent,
            memberships,
            registration,
        };
        Ok((session, ready, status))
    }
}

impl AgentSession {
    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    fn sites(&self) -> Vec<SiteId> {
        self.memberships.iter().map(|m| m.site_id.clone()).collect()
    }

    /// After `ready` went out: the other agents see this one's status, and an online agent
    /// gets the chats waiting for it.
    pub async fn started(&self, status: AgentStatus) {
        let sites = self.sites();
        self.service
            .tell_status(&self.agent.id, &sites, status)
            .await;
        if status == AgentStatus::Online {
            for site in &sites {
                self.service.route_site(site).await;
            }
        }
    }

    /// The connection ends: the socket leaves the hub first (so it no longer counts when
    /// deciding whether the agent is gone), then the other nodes hear so, and an agent with
    /// no socket left starts its grace period.
    pub async fn leave(self) {
        let sites = self.sites();
        let AgentSession {
            service,
            agent,
            registration,
            ..
        } = self;
        drop(registration);
        service.announce_agents(&sites).await;
        service.went_offline(&agent.id).await;
    }

    /// The conversation, if it is on one of the agent's sites.
    pub async fn conversation(&self, id: &str) -> Result<Conversation, ChatError> {
        let id = ConversationId::parse(id).map_err(|_| ChatError::NotFound("conversation"))?;
        let conv = self
            .service
            .store
            .conversation(&id)
            .await?
            .ok_or(ChatError::NotFound("conversation"))?;
        if self.memberships.iter().any(|m| m.site_id == conv.site_id) {
            Ok(conv)
        } else {
            Err(ChatError::NotFound("conversation"))
        }
    }

    /// Message text within the server's limit, or the reason naming `text`.
    pub fn text(&self, text: &str) -> Result<MessageText, ChatError> {
        MessageText::parse(text, self.service.settings.limits.max_message_chars).map_err(|e| {
            ChatError::Invalid {
                field: "text",
                message: e.to_string(),
            }
        })
    }

    /// Takes the conversation for this agent.
    pub async fn take(&self, conversation: &str) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        self.service.take(&conv.id, &self.agent.id).await?;
        Ok(conv.id)
    }

    /// Writes in the conversation (taking it if it waits for people): the text and the ids
    /// of files this agent uploaded to it (the text may be empty when there are files);
    /// `draft_token` names the model draft the text started from, for the owners' report.
    pub async fn say(
        &self,
        conversation: &str,
        client_msg_id: &str,
        (text, files): (&str, &[String]),
        draft_token: Option<&str>,
    ) -> Result<Appended, ChatError> {
        let conv = self.conversation(conversation).await?;
        let key = message_key(client_msg_id)?;
        let text = if !files.is_empty() && text.trim().is_empty() {
            MessageText::none()
        } else {
            self.text(text)?
        };
        self.service
            .agent_message_from_draft(&conv.id, &self.agent.id, key, text, files, draft_token)
            .await
    }

    /// Hands the conversation to another agent or a team.
    pub async fn transfer(
        &self,
        conversation: &str,
        to_agent: Option<String>,
        to_team: Option<String>,
    ) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        let to_agent = to_agent
            .map(|a| AgentId::parse(&a).map_err(|_| ChatError::NotFound("agent")))
            .transpose()?;
        self.service
            .transfer(&conv.id, &self.agent.id, to_agent, to_team)
            .await?;
        Ok(conv.id)
    }

    /// Closes the conversation.
    pub async fn close(&self, conversation: &str) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        self.service
            .close(&conv.id, Closer::Agent(self.agent.id.clone()))
            .await?;
        Ok(conv.id)
    }

    /// Adds or removes a tag.
    pub async fn tag(
        &self,
        conversation: &str,
        tag: &str,
        remove: bool,
    ) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        self.service.set_tag(&conv.id, tag, remove).await?;
        Ok(conv.id)
    }

    /// Adds an internal note (never shown to the shopper).
    pub async fn note(&self, conversation: &str, text: &str) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        let text = self.text(text)?;
        self.service.note(&conv, &self.agent.id, text).await?;
        Ok(conv.id)
    }

    /// The agent is typing: the shopper and the other agents see it, if the chat is this
    /// agent's or still waits for people (not while a colleague has it).
    pub async fn typing(
        &self,
        conversation: &str,
        active: bool,
    ) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        let me = &self.agent.id;
        if conv.agent() == Some(me) || matches!(conv.lifecycle.stage, Stage::Bot | Stage::Queued) {
            let name = self.service.agent_name(me).await;
            let author = Author {
                kind: AuthorKind::Agent,
                name,
            };
            let frame = ServerFrame::Typing {
                conversation_id: conv.id.clone(),
                author: author.clone(),
                active,
            };
            self.service
                .publish(BusEvent::to_visitor(&conv.site_id, &conv.visitor_id, frame))
                .await;
            self.service
                .publish(BusEvent::to_agents(
                    &conv.site_id,
                    AgentFrame::Typing {
                        site_id: conv.site_id.clone(),
                        conversation_id: Some(conv.id.clone()),
                        visitor_id: conv.visitor_id.clone(),
                        author,
                        active,
                    },
                ))
                .await;
        }
        Ok(conv.id)
    }

    /// The agent read the conversation up to `seq`: stored, and the shopper's widget shows
    /// "read".
    pub async fn read(&self, conversation: &str, seq: u64) -> Result<ConversationId, ChatError> {
        let conv = self.conversation(conversation).await?;
        self.service.store.mark_agent_read(&conv.id, seq).await?;
        let seq = seq.min(conv.last_seq);
        self.service
            .publish(BusEvent::to_visitor(
                &conv.site_id,
                &conv.visitor_id,
                ServerFrame::Read {
                    conversation_id: conv.id.clone(),
                    seq,
                },
            ))
            .await;
        self.service
            .publish(BusEvent::to_agents(
                &conv.site_id,
                AgentFrame::Read {
                    site_id: conv.site_id.clone(),
                    conversation_id: conv.id.clone(),
                    by: "agent",
                    seq,
                },
            ))
            .await;
        Ok(conv.id)
    }

    /// Online, away or offline: everyone on the agent's sites sees it; online routes waiting
    /// chats to the agent, offline starts the grace period for its chats.
    pub async fn set_status(&self, status: AgentStatus) {
        let me = &self.agent.id;
        if self.service.hub.set_agent_status(me, status) && status != AgentStatus::Offline {
            self.service.cluster.seen(me);
        }
        let sites = self.sites();
        self.service.tell_status(me, &sites, status).await;
        match status {
            AgentStatus::Online => {
                for site in &sites {
                    self.service.route_site(site).await;
                }
            }
            AgentStatus::Offline => self.service.went_offline(me).await,
            AgentStatus::Away => {}
        }
    }

    /// Starts a conversation with a visitor on one of the agent's sites.
    pub async fn start(
        &self,
        site: &str,
        visitor: &str,
        client_msg_id: &str,
        text: &str,
    ) -> Result<Appended, ChatError> {
        let site = SiteId::parse(site).map_err(|_| ChatError::NotFound("site"))?;
        if !self.memberships.iter().any(|m| m.site_id == site) {
            return Err(ChatError::NotFound("site"));
        }
        let visitor = VisitorId::parse(visitor).map_err(|_| ChatError::NotFound("visitor"))?;
        let key = message_key(client_msg_id)?;
        let text = self.text(text)?;
        self.service
            .start(&site, &visitor, &self.agent.id, key, text)
            .await
    }
}

/// The client's idempotency key for a message, or the reason naming `client_msg_id`.
fn message_key(client_msg_id: &str) -> Result<ClientMsgId, ChatError> {
    ClientMsgId::parse(client_msg_id).map_err(|e| ChatError::Invalid {
        field: "client_msg_id",
        message: e.to_string(),
    })
}
