//! The conversation actions: what shoppers, agents, the bot and trigger rules do to a
//! conversation, each a pure life-cycle event applied through [`super::change`].

use super::{ChatError, announce, change, deliver_message, publish, system_message};
use crate::agent_protocol::AgentFrame;
use crate::bus::BusEvent;
use crate::conversation::handoff::asks_for_person;
use crate::conversation::settings::valid_tag;
use crate::conversation::{Closer, Event, HandoffReason, Lifecycle, Notice, Opening, Stage};
use crate::domain::{
    AgentId, AuthorKind, ClientMsgId, ConversationId, Email, MessageText, NoteId, SiteId,
    Timestamp, VisitorId,
};
use crate::protocol::{Author, MessageOut, ServerFrame};
use crate::startup::AppState;
use crate::store::{Appended, Conversation, ConversationFilter, NewMessage, Note};

/// Applies a life-cycle event at the version the conversation was loaded with.
fn apply(
    conv: &mut Conversation,
    event: &Event,
    now: Timestamp,
    window_ms: i64,
) -> Result<Notice, ChatError> {
    let version = conv.lifecycle.version;
    Ok(conv.lifecycle.apply(event, version, now, window_ms)?)
}

/// How a new conversation on this site starts: with the bot when the site has one that can
/// answer (articles or an external bot), otherwise straight in the queue for people — for a
/// shopper's own message, because they wrote to people (`shopper_asked`); for a proactive
/// message with no reason yet, until the shopper answers.
pub async fn opening(state: &AppState, site: &SiteId, shopper_wrote: bool) -> Opening {
    let lifecycle = Lifecycle::new(super::bot::available(state, site).await);
    let reason = (shopper_wrote && matches!(lifecycle.stage, Stage::Queued))
        .then_some(HandoffReason::ShopperAsked);
    Opening { lifecycle, reason }
}

/// Before a shopper's message is stored: a conversation closed within the site's reopen
/// window is reopened, so the message continues it instead of starting a new one.
pub async fn reopen_if_recent(state: &AppState, site: &SiteId, visitor: &VisitorId) {
    let latest = state
        .store
        .find_conversations(&ConversationFilter {
            site: Some(site.clone()),
            visitor: Some(visitor.clone()),
            limit: 1,
            ..ConversationFilter::default()
        })
        .await;
    let Ok(Some(conv)) = latest.map(|l| l.into_iter().next()) else {
        return;
    };
    if conv.is_open() {
        return;
    }
    let window_ms = (super::settings(state, site).await.reopen_window_secs * 1000) as i64;
    let reopened = change(state, &conv.id, |c, now| {
        let notice = apply(c, &Event::ShopperWrites, now, window_ms)?;
        if matches!(c.lifecycle.stage, Stage::Queued) {
            c.queued_at = Some(now);
        }
        Ok(Some(notice))
    })
    .await;
    if let Ok((conv, _)) = reopened
        && matches!(conv.lifecycle.stage, Stage::Queued)
    {
        after_queued(state, &conv).await;
    }
}

/// After a shopper's message is stored and delivered: keyword rules, then the bot or the
/// handoff, or (for a chat that opened queued) routing.
pub async fn shopper_wrote(state: &AppState, appended: &Appended, text: &str) {
    let id = &appended.message.conversation_id;
    let conv = appended.conversation.clone();
    let settings = super::settings(state, &conv.site_id).await;
    let (tags, priority) = settings.classify(text);
    let new_tags = tags.iter().any(|t| !conv.tags.contains(t));
    if new_tags || priority > conv.priority {
        let _ = change(state, id, |c, _| {
            for tag in &tags {
                if !c.tags.contains(tag) && c.tags.len() < 20 {
                    c.tags.push(tag.clone());
                }
            }
            c.priority = c.priority.max(priority);
            Ok(None)
        })
        .await;
    }
    match conv.lifecycle.stage {
        Stage::Bot if asks_for_person(text) => {
            let _ = hand_off(state, id, HandoffReason::ShopperAsked, 0).await;
        }
        Stage::Bot => super::bot::spawn_answer(state.clone(), conv, text.to_owned()),
        // A chat that opened straight in the queue (no bot): route it.
        Stage::Queued if appended.opened => after_queued(state, &conv).await,
        // Opened by a proactive message with no bot behind it: the shopper's first answer
        // goes to people.
        Stage::Queued if conv.handoff_reason.is_none() => {
            if let Ok((conv, _)) = change(state, id, |c, now| {
                c.handoff_reason.get_or_insert(HandoffReason::ShopperAsked);
                c.queued_at = Some(now);
                Ok(None)
            })
            .await
            {
                after_queued(state, &conv).await;
            }
        }
        _ => {}
    }
}

/// Puts a conversation in the human queue (from the bot) with a reason and priority, then
/// routes it. A conversation already with people is left as it is.
pub async fn hand_off(
    state: &AppState,
    id: &ConversationId,
    reason: HandoffReason,
    priority: u8,
) -> Result<Conversation, ChatError> {
    let cart = match state.store.conversation(id).await? {
        Some(c) => state
            .hub
            .visitor_state(&c.site_id, &c.visitor_id)
            .and_then(|v| v.cart.map(|c| c.total))
            .unwrap_or(0.0),
        None => return Err(ChatError::NotFound("conversation")),
    };
    let (conv, _) = change(state, id, |c, now| {
        c.priority = c.priority.max(priority);
        c.cart_total = cart;
        if !matches!(c.lifecycle.stage, Stage::Bot) {
            return Ok(None);
        }
        let notice = apply(c, &Event::HandOff(reason), now, 0)?;
        c.queued_at = Some(now);
        c.handoff_reason = Some(reason);
        Ok(Some(notice))
    })
    .await?;
    if matches!(conv.lifecycle.stage, Stage::Queued) {
        after_queued(state, &conv).await;
    }
    Ok(conv)
}

/// A queued chat: route it when the site auto-assigns; if it is still waiting and nobody is
/// online, tell the shopper so honestly (`status` with `nobody_online`), so the widget offers
/// to leave an email.
async fn after_queued(state: &AppState, conv: &Conversation) {
    let settings = super::settings(state, &conv.site_id).await;
    if settings.auto_assign {
        super::route_site(state, &conv.site_id).await;
    }
    let anyone_online = state
        .hub
        .site_agents(&conv.site_id)
        .iter()
        .any(|(_, s)| *s == crate::agent_protocol::AgentStatus::Online);
    if anyone_online {
        return;
    }
    let Ok(Some(now)) = state.store.conversation(&conv.id).await else {
        return;
    };
    if !matches!(now.lifecycle.stage, Stage::Queued) {
        return;
    }
    // The widget says so in the shopper's language and offers the email form; the
    // transcript stays free of it, and agents see the chat waiting when they come online.
    let frame = ServerFrame::Status {
        conversation_id: conv.id.clone(),
        state: "queued".into(),
        agent: None,
        nobody_online: true,
    };
    publish(
        state,
        BusEvent::to_visitor(&conv.site_id, &conv.visitor_id, frame),
    )
    .await;
}

/// The shopper pressed "Talk to a person": the open conversation goes to people, or one is
/// opened in the queue.
pub async fn shopper_handoff(
    state: &AppState,
    site: &SiteId,
    visitor: &VisitorId,
) -> Result<Conversation, ChatError> {
    let open = state.store.open_conversations(site, visitor).await?;
    if let Some(conv) = open.into_iter().last() {
        return hand_off(state, &conv.id, HandoffReason::ShopperAsked, 0).await;
    }
    open_queued(state, site, visitor, HandoffReason::ShopperAsked, 0).await
}

/// Opens a conversation directly in the queue, its first line the handoff notice.
async fn open_queued(
    state: &AppState,
    site: &SiteId,
    visitor: &VisitorId,
    reason: HandoffReason,
    priority: u8,
) -> Result<Conversation, ChatError> {
    let now = Timestamp::now();
    let text = Notice::HandedOff { reason }.text(|a| a.to_string());
    let message = system_message(text, now).ok_or(ChatError::NotFound("message"))?;
    let appended = state
        .store
        .append_to_visitor(
            site,
            visitor,
            message,
            &Opening {
                lifecycle: Lifecycle::new(false),
                reason: Some(reason),
            },
        )
        .await?;
    let cart = state
        .hub
        .visitor_state(site, visitor)
        .and_then(|v| v.cart.map(|c| c.total))
        .unwrap_or(0.0);
    let (conv, _) = change(state, &appended.message.conversation_id, |c, _| {
        c.handoff_reason = Some(reason);
        c.priority = c.priority.max(priority);
        c.cart_total = cart;
        Ok(None)
    })
    .await?;
    if appended.opened {
        publish(
            state,
            BusEvent::to_visitor(
                site,
                visitor,
                ServerFrame::Status {
                    conversation_id: conv.id.clone(),
                    state: conv.lifecycle.stage.name().into(),
                    agent: None,
                    nobody_online: false,
                },
            ),
        )
        .await;
    }
    deliver_message(state, &conv, &appended.message).await;
    if matches!(conv.lifecycle.stage, Stage::Queued) {
        after_queued(state, &conv).await;
    }
    Ok(conv)
}

/// A trigger rule's `route_to_human`: the visitor's conversation (or a new one) goes to the
/// queue with the rule's priority.
pub async fn route_from_trigger(
    state: &AppState,
    site: &SiteId,
    visitor: &VisitorId,
    priority: u8,
) -> Result<Conversation, ChatError> {
    let open = state.store.open_conversations(site, visitor).await?;
    if let Some(conv) = open.into_iter().last() {
        return hand_off(state, &conv.id, HandoffReason::Trigger, priority).await;
    }
    open_queued(state, site, visitor, HandoffReason::Trigger, priority).await
}

/// An agent takes a chat from the queue or over from the bot. Of two agents taking the same
/// chat at once exactly one wins: the other's compare-and-set fails, and on the fresh load
/// the chat is no longer takeable.
pub async fn take(
    state: &AppState,
    id: &ConversationId,
    agent: &AgentId,
) -> Result<Conversation, ChatError> {
    let (conv, _) = change(state, id, |c, now| {
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
    state: &AppState,
    id: &ConversationId,
    from: &AgentId,
    to_agent: Option<AgentId>,
    to_team: Option<String>,
) -> Result<Conversation, ChatError> {
    if let Some(to) = &to_agent {
        let Some(conv) = state.store.conversation(id).await? else {
            return Err(ChatError::NotFound("conversation"));
        };
        let members = state.store.site_agents(&conv.site_id).await?;
        if !members.iter().any(|m| &m.agent.id == to) {
            return Err(ChatError::NotFound("agent"));
        }
        let (conv, _) = change(state, id, |c, now| {
            let event = Event::TransferTo {
                from: from.clone(),
                to: to.clone(),
            };
            Ok(Some(apply(c, &event, now, 0)?))
        })
        .await?;
        publish(
            state,
            BusEvent::to_agent(
                &conv.site_id,
                to,
                AgentFrame::Routed {
                    site_id: conv.site_id.clone(),
                    conversation_id: conv.id.clone(),
                },
            ),
        )
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
    let (conv, _) = change(state, id, |c, now| {
        let notice = apply(c, &Event::TransferToQueue(from.clone()), now, 0)?;
        c.queued_at = Some(now);
        c.skill = to_team.clone();
        Ok(Some(notice))
    })
    .await?;
    after_queued(state, &conv).await;
    Ok(conv)
}

/// Closes a chat; the shopper's tabs learn it, and proactive rules may speak again.
pub async fn close(
    state: &AppState,
    id: &ConversationId,
    by: Closer,
) -> Result<Conversation, ChatError> {
    let (conv, _) = change(state, id, |c, now| {
        Ok(Some(apply(c, &Event::Close(by.clone()), now, 0)?))
    })
    .await?;
    if let Closer::Agent(agent) = &by {
        free_capacity(state, agent).await;
    }
    Ok(conv)
}

/// An agent has room for another chat: route the queues of its sites.
async fn free_capacity(state: &AppState, agent: &AgentId) {
    if let Ok(memberships) = state.store.memberships(agent).await {
        for m in memberships {
            super::route_site(state, &m.site_id).await;
        }
    }
}

/// The agent stayed offline past the grace period: its chats go back to the queue.
pub async fn agent_gone(state: &AppState, agent: &AgentId) {
    let assigned = state
        .store
        .find_conversations(&ConversationFilter {
            agent: Some(agent.clone()),
            stages: vec!["assigned"],
            limit: 1000,
            ..ConversationFilter::default()
        })
        .await
        .unwrap_or_default();
    for conv in assigned {
        let requeued = change(state, &conv.id, |c, now| {
            let notice = apply(c, &Event::AgentGone(agent.clone()), now, 0)?;
            c.queued_at = Some(now);
            Ok(Some(notice))
        })
        .await;
        match requeued {
            Ok((conv, _)) => after_queued(state, &conv).await,
            Err(e) => tracing::debug!(error = %e, conversation = %conv.id, "not requeued"),
        }
    }
}

/// An agent's message. A chat with the bot or in the queue is taken first (an agent can take
/// over at any time); a chat another agent has is refused.
pub async fn agent_message(
    state: &AppState,
    id: &ConversationId,
    agent: &AgentId,
    client_msg_id: ClientMsgId,
    text: MessageText,
) -> Result<Appended, ChatError> {
    let conv = state
        .store
        .conversation(id)
        .await?
        .ok_or(ChatError::NotFound("conversation"))?;
    if matches!(conv.lifecycle.stage, Stage::Bot | Stage::Queued) {
        take(state, id, agent).await?;
    }
    let conv = state
        .store
        .conversation(id)
        .await?
        .ok_or(ChatError::NotFound("conversation"))?;
    if conv.agent() != Some(agent) {
        return Err(crate::conversation::TransitionError::NotYours.into());
    }
    let message = agent_line(state, agent, client_msg_id, text).await;
    let appended = state.store.append_message(id, message).await?;
    if !appended.duplicate {
        metrics::counter!("shopchat_messages_stored_total", "author" => "agent").increment(1);
        deliver_message(state, &conv, &appended.message).await;
    }
    Ok(appended)
}

/// A message by an agent, under the name shoppers see.
async fn agent_line(
    state: &AppState,
    agent: &AgentId,
    client_msg_id: ClientMsgId,
    text: MessageText,
) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Agent,
            name: super::agent_name(state, agent).await,
        },
        author_id: agent.to_string(),
        text,
        client_msg_id: Some(client_msg_id),
        ts: Timestamp::now(),
    }
}

/// An agent opens a conversation with a visitor on the shop; a visitor who already has an
/// open conversation gets the message there (taken over by this agent).
pub async fn start(
    state: &AppState,
    site: &SiteId,
    visitor: &VisitorId,
    agent: &AgentId,
    client_msg_id: ClientMsgId,
    text: MessageText,
) -> Result<Appended, ChatError> {
    let known = state.hub.visitor_is_live(site, visitor)
        || state.store.load_visitor(site, visitor).await?.is_some();
    if !known {
        return Err(ChatError::NotFound("visitor"));
    }
    if let Some(conv) = state
        .store
        .open_conversations(site, visitor)
        .await?
        .into_iter()
        .last()
    {
        return agent_message(state, &conv.id, agent, client_msg_id, text).await;
    }
    let message = agent_line(state, agent, client_msg_id, text).await;
    let appended = state
        .store
        .append_to_visitor(
            site,
            visitor,
            message,
            &Lifecycle::started_by(agent.clone()).into(),
        )
        .await?;
    if !appended.duplicate
        && let Some(conv) = state
            .store
            .conversation(&appended.message.conversation_id)
            .await?
    {
        announce(state, &conv, None, &Stage::Closed).await;
        deliver_message(state, &conv, &appended.message).await;
    }
    Ok(appended)
}

/// Adds or removes a tag.
pub async fn set_tag(
    state: &AppState,
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
    let (conv, _) = change(state, id, |c, _| {
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
    state: &AppState,
    conv: &Conversation,
    agent: &AgentId,
    text: MessageText,
) -> Result<Note, ChatError> {
    let note = Note {
        id: NoteId::generate(),
        conversation_id: conv.id.clone(),
        agent_id: agent.clone(),
        author_name: super::agent_name(state, agent).await,
        text: text.into_string(),
        ts: Timestamp::now(),
    };
    state.store.add_note(&note).await?;
    publish(
        state,
        BusEvent::to_agents(
            &conv.site_id,
            AgentFrame::Note {
                site_id: conv.site_id.clone(),
                note: note.clone(),
            },
        ),
    )
    .await;
    Ok(note)
}

/// The shopper left an email while waiting: kept on the conversation for agents, confirmed
/// in the transcript.
pub async fn contact(
    state: &AppState,
    site: &SiteId,
    visitor: &VisitorId,
    email: &str,
) -> Result<Conversation, ChatError> {
    let email = Email::parse(email).map_err(|e| ChatError::Invalid {
        field: "email",
        message: e.to_string(),
    })?;
    let conv = state
        .store
        .open_conversations(site, visitor)
        .await?
        .into_iter()
        .last()
        .ok_or(ChatError::NotFound("conversation"))?;
    let (conv, _) = change(state, &conv.id, |c, _| {
        c.contact_email = Some(email.as_str().to_owned());
        Ok(None)
    })
    .await?;
    let text = format!("Thanks! We will reply to {email} as soon as someone is back.");
    if let Some(message) = system_message(text, Timestamp::now())
        && let Ok(stored) = state.store.append_message(&conv.id, message).await
    {
        deliver_message(state, &conv, &stored.message).await;
    }
    Ok(conv)
}

/// A message the bot writes into a conversation, if the bot still has it.
pub(super) async fn bot_says(
    state: &AppState,
    conv: &Conversation,
    name: &str,
    text: &str,
) -> Option<MessageOut> {
    let fresh = state.store.conversation(&conv.id).await.ok()??;
    if !matches!(fresh.lifecycle.stage, Stage::Bot) {
        return None;
    }
    let max = state.settings.limits.max_message_chars;
    let clipped: String = text.chars().take(max).collect();
    let message = NewMessage {
        author: Author {
            kind: AuthorKind::Bot,
            name: name.to_owned(),
        },
        author_id: format!("bot:{}", conv.site_id),
        text: MessageText::parse(&clipped, max).ok()?,
        client_msg_id: None,
        ts: Timestamp::now(),
    };
    let stored = state.store.append_message(&conv.id, message).await.ok()?;
    metrics::counter!("shopchat_messages_stored_total", "author" => "bot").increment(1);
    deliver_message(state, &fresh, &stored.message).await;
    Some(stored.message)
}
