//! What agents do to conversations: take, reply, transfer, close, tag, note, start one with a
//! live visitor; and what happens when an agent stays away.

use super::ChatService;
use super::{ChatError, apply};
use crate::bus::BusEvent;
use crate::conversation::settings::valid_tag;
use crate::conversation::{Closer, Conversation, ConversationFilter, Event, Note, Stage};
use crate::domain::{
    AgentId, Author, AuthorKind, ClientMsgId, ConversationId, MessageText, NoteId, SiteId,
    Timestamp, VisitorId,
};
use crate::protocol::agent::AgentFrame;
use crate::store::{Appended, NewMessage};

impl ChatService {
    /// An agent takes a chat from the queue or over from the bot. Of two agents taking the same
    /// chat at once exactly one wins: the other's compare-and-set fails, and on the fresh load
    /// the chat is no longer takeable.
    pub async fn take(
        &self,
        id: &ConversationId,
        agent: &AgentId,
    ) -> Result<Conversation, ChatError> {
        let (conv, _) = self
            .change(id, |c, now| {
                if c.agent() == Some(agent) {
                    return Ok(None);
                }
                Ok(Some(apply(c, &Event::Take(agent.clone()), now, 0)?))
            })
            .await?;
        Ok(conv)
    }

    /// Hands a chat to another agent of the site, to a team (queued for agents with that skill),
    /// or back to the queue.
    pub async fn transfer(
        &self,
        id: &ConversationId,
        from: &AgentId,
        to_agent: Option<AgentId>,
        to_team: Option<String>,
    ) -> Result<Conversation, ChatError> {
        if let Some(to) = &to_agent {
            let Some(conv) = self.store.conversation(id).await? else {
                return Err(ChatError::NotFound("conversation"));
            };
            let members = self.store.site_agents(&conv.site_id).await?;
            if !members.iter().any(|m| &m.agent.id == to) {
                return Err(ChatError::NotFound("agent"));
            }
            // Nobody would answer, and no grace timer would bring the chat back.
            if self.agent_status(to) == crate::protocol::agent::AgentStatus::Offline {
                return Err(ChatError::Invalid {
                    field: "to_agent",
                    message: "that agent is offline; transfer to a team or the queue".into(),
                });
            }
            let (conv, _) = self
                .change(id, |c, now| {
                    let event = Event::TransferTo {
                        from: from.clone(),
                        to: to.clone(),
                    };
                    Ok(Some(apply(c, &event, now, 0)?))
                })
                .await?;
            self.publish(BusEvent::to_agent(
                &conv.site_id,
                to,
                AgentFrame::Routed {
                    site_id: conv.site_id.clone(),
                    conversation_id: conv.id.clone(),
                },
            ))
            .await;
            return Ok(conv);
        }
        if let Some(team) = &to_team
            && !valid_tag(team)
        {
            return Err(ChatError::Invalid {
                field: "to_team",
                message: "a team is 1 to 40 of a-z, 0-9, `_`, `-`".into(),
            });
        }
        let (conv, _) = self
            .change(id, |c, now| {
                let notice = apply(c, &Event::TransferToQueue(from.clone()), now, 0)?;
                c.queued_at = Some(now);
                c.skill = to_team.clone();
                Ok(Some(notice))
            })
            .await?;
        self.after_queued(&conv).await;
        Ok(conv)
    }

    /// Closes a chat; the shopper's tabs learn it, and proactive rules may speak again.
    pub async fn close(&self, id: &ConversationId, by: Closer) -> Result<Conversation, ChatError> {
        let (conv, _) = self
            .change(id, |c, now| {
                Ok(Some(apply(c, &Event::Close(by.clone()), now, 0)?))
            })
            .await?;
        if let Closer::Agent(agent) = &by {
            self.free_capacity(agent).await;
        }
        Ok(conv)
    }

    /// An agent has room for another chat: route the queues of its sites.
    async fn free_capacity(&self, agent: &AgentId) {
        if let Ok(memberships) = self.store.memberships(agent).await {
            for m in memberships {
                self.route_site(&m.site_id).await;
            }
        }
    }

    /// The agent stayed offline past the grace period: its chats go back to the queue.
    pub async fn agent_gone(&self, agent: &AgentId) {
        self.requeue_assigned(agent, None).await;
    }

    /// An owner removed the agent from a site: its chats there go back to the queue (it can no
    /// longer answer them) and its sockets authenticate again without the site.
    pub async fn agent_removed(&self, site: &SiteId, agent: &AgentId) {
        self.publish(BusEvent::reconnect_agent(site, agent)).await;
        self.requeue_assigned(agent, Some(site.clone())).await;
    }

    /// Puts the agent's assigned chats (on `site`, or everywhere) back in the queue.
    async fn requeue_assigned(&self, agent: &AgentId, site: Option<SiteId>) {
        let assigned = self
            .store
            .find_conversations(&ConversationFilter {
                site,
                agent: Some(agent.clone()),
                stages: vec!["assigned"],
                limit: 1000,
                ..ConversationFilter::default()
            })
            .await
            .unwrap_or_default();
        for conv in assigned {
            let requeued = self
                .change(&conv.id, |c, now| {
                    let notice = apply(c, &Event::AgentGone(agent.clone()), now, 0)?;
                    c.queued_at = Some(now);
                    Ok(Some(notice))
                })
                .await;
            match requeued {
                Ok((conv, _)) => self.after_queued(&conv).await,
                Err(e) => tracing::debug!(error = %e, conversation = %conv.id, "not requeued"),
            }
        }
    }

    /// An agent's message. A chat with the bot or in the queue is taken first (an agent can take
    /// over at any time); a chat another agent has is refused.
    pub async fn agent_message(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        client_msg_id: ClientMsgId,
        text: MessageText,
        files: &[String],
    ) -> Result<Appended, ChatError> {
        self.agent_message_from_draft(id, agent, client_msg_id, text, files, None)
            .await
    }

    /// An agent's message that may have started from a model draft (`draft_token`): as
    /// [`Self::agent_message`], and then counted for the owners' report when the token is
    /// this chat's (never refused over it).
    pub async fn agent_message_from_draft(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        client_msg_id: ClientMsgId,
        text: MessageText,
        files: &[String],
        draft_token: Option<&str>,
    ) -> Result<Appended, ChatError> {
        let conv = self
            .store
            .conversation(id)
            .await?
            .ok_or(ChatError::NotFound("conversation"))?;
        if matches!(conv.lifecycle.stage, Stage::Bot | Stage::Queued) {
            self.take(id, agent).await?;
        }
        let conv = self
            .store
            .conversation(id)
            .await?
            .ok_or(ChatError::NotFound("conversation"))?;
        if conv.agent() != Some(agent) {
            return Err(crate::conversation::TransitionError::NotYours.into());
        }
        let attachments = self
            .claim_attachments(
                (&conv.site_id, &conv.id),
                agent.as_str(),
                &client_msg_id,
                files,
            )
            .await?;
        let mut message = self.agent_line(agent, client_msg_id, text).await;
        message.attachments = attachments;
        let appended = self.store.append_message(id, message).await?;
        self.appended(&appended);
        if !appended.duplicate {
            metrics::counter!("shopchat_messages_stored_total", "author" => "agent").increment(1);
        }
        // A retried duplicate is delivered again: its first attempt may have been stored by a
        // node that died before delivering it. Every receiver drops a seq it already has.
        self.deliver_message(&conv, &appended.message).await;
        if let Some(token) = draft_token {
            // Before the ack: a send retried after a crash here records the mark then.
            self.record_draft_send(&conv, &appended, token).await;
        }
        if !appended.duplicate {
            // Owed by email if the shopper left an address and does not read it in time.
            self.schedule_reply(&appended.conversation, appended.message.seq)
                .await;
        }
        Ok(appended)
    }

    /// A message by an agent, under the name shoppers see.
    async fn agent_line(
        &self,
        agent: &AgentId,
        client_msg_id: ClientMsgId,
        text: MessageText,
    ) -> NewMessage {
        NewMessage {
            author: Author {
                kind: AuthorKind::Agent,
                name: self.agent_name(agent).await,
            },
            author_id: agent.to_string(),
            text,
            client_msg_id: Some(client_msg_id),
            ts: Timestamp::now(),
            attachments: Vec::new(),
        }
    }

    /// An agent opens a conversation with a visitor on the shop; a visitor who already has an
    /// open conversation gets the message there (taken over by this agent).
    pub async fn start(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        agent: &AgentId,
        client_msg_id: ClientMsgId,
        text: MessageText,
    ) -> Result<Appended, ChatError> {
        let known = self.hub.visitor_is_live(site, visitor)
            || self.store.load_visitor(site, visitor).await?.is_some();
        if !known {
            return Err(ChatError::NotFound("visitor"));
        }
        if let Some(conv) = self
            .store
            .open_conversations(site, visitor)
            .await?
            .into_iter()
            .last()
        {
            return self
                .agent_message(&conv.id, agent, client_msg_id, text, &[])
                .await;
        }
        let message = self.agent_line(agent, client_msg_id, text).await;
        let appended = self
            .store
            .append_to_visitor(
                site,
                visitor,
                message,
                &self.opening_by_agent(site, visitor, agent).await,
            )
            .await?;
        self.appended(&appended);
        // A retried duplicate is announced and delivered again, as in `agent_message`.
        if let Some(conv) = self
            .store
            .conversation(&appended.message.conversation_id)
            .await?
        {
            self.announce(&conv, None, &Stage::Closed).await;
            self.deliver_message(&conv, &appended.message).await;
        }
        Ok(appended)
    }

    /// Tells the shopper and the site's agents about a conversation that just opened assigned
    /// (an agent persona's proactive message), as [`start`] does for an agent's own opening.
    pub async fn announce_opened(&self, id: &crate::domain::ConversationId) {
        match self.store.conversation(id).await {
            Ok(Some(conv)) => self.announce(&conv, None, &Stage::Closed).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, conversation = %id, "cannot announce a new chat"),
        }
    }

    /// Adds or removes a tag.
    pub async fn set_tag(
        &self,
        id: &ConversationId,
        tag: &str,
        remove: bool,
    ) -> Result<Conversation, ChatError> {
        if !valid_tag(tag) {
            return Err(ChatError::Invalid {
                field: "tag",
                message: "a tag is 1 to 40 of a-z, 0-9, `_`, `-`".into(),
            });
        }
        let (conv, _) = self
            .change(id, |c, _| {
                if remove {
                    c.tags.retain(|t| t != tag);
                } else if !c.tags.iter().any(|t| t == tag) {
                    if c.tags.len() >= 20 {
                        return Err(ChatError::Invalid {
                            field: "tag",
                            message: "at most 20 tags per conversation".into(),
                        });
                    }
                    c.tags.push(tag.to_owned());
                }
                Ok(None)
            })
            .await?;
        Ok(conv)
    }

    /// An internal note: stored, and sent to the site's agents only, never to the shopper.
    pub async fn note(
        &self,
        conv: &Conversation,
        agent: &AgentId,
        text: MessageText,
    ) -> Result<Note, ChatError> {
        let note = Note {
            id: NoteId::generate(),
            conversation_id: conv.id.clone(),
            agent_id: agent.clone(),
            author_name: self.agent_name(agent).await,
            text: text.into_string(),
            ts: Timestamp::now(),
        };
        self.post_note(conv, note).await
    }

    /// A note the system writes for agents (the bot on an order, the mail on a reply's sender
    /// or a bounce) as `author` named `author_name`; a failure is logged, never the caller's.
    pub(crate) async fn system_note(
        &self,
        conv: &Conversation,
        author: &str,
        author_name: String,
        text: String,
    ) {
        let Ok(agent_id) = AgentId::parse(author) else {
            return;
        };
        let note = Note {
            id: NoteId::generate(),
            conversation_id: conv.id.clone(),
            agent_id,
            author_name,
            text,
            ts: Timestamp::now(),
        };
        if let Err(e) = self.post_note(conv, note).await {
            tracing::warn!(error = %e, conversation = %conv.id, "could not store a note");
        }
    }

    /// Stores a note and tells the site's agents: the one path every note takes.
    async fn post_note(&self, conv: &Conversation, note: Note) -> Result<Note, ChatError> {
        self.store.add_note(&note).await?;
        self.publish(BusEvent::to_agents(
            &conv.site_id,
            AgentFrame::Note {
                site_id: conv.site_id.clone(),
                note: note.clone(),
            },
        ))
        .await;
        Ok(note)
    }
}
