//! How conversations, messages and notes are kept in Redis, and the append script's call
//! that both appends share.
//!
//! Per site (`{site}:` prefix): `conv:{id}` (hash: `doc` JSON plus the fields scripts
//! change), `msgs:{id}` (stream, entry id `seq-0`), `cmids` (hash `author\nkey → conv seq`,
//! the idempotency index), `vconvs:{visitor}` (zset by creation), `convs` (zset by last
//! activity), `convs-created` (zset by creation, for the site report),
//! `by-stage:{stage}` and `by-agent:{agent}` (zsets by last activity, the queue and an
//! agent's chats without a scan), `agent-ts:{id}` (zset of agent message times, for the
//! report's first-response time), `notes:{id}` (list of JSON notes).

use super::RedisStore;
use super::keys::sub;
use super::values::{corrupt, from_json, items, number, pairs, redis_err, text, to_json};
use crate::conversation::{Conversation, Lifecycle, Opening, Stage};
use crate::domain::{
    Author, AuthorKind, ConversationId, Message, MessageId, SiteId, Timestamp, VisitorId,
};
use crate::store::{Appended, NewMessage, StoreError};
use ::redis::Value;
use std::collections::HashMap;

/// A header from its hash; `None` when the hash is empty (no such conversation).
pub(super) fn conversation_from(
    map: &HashMap<String, String>,
) -> Result<Option<Conversation>, StoreError> {
    let Some(doc) = map.get("doc") else {
        return Ok(None);
    };
    let mut conv: Conversation = from_json("conversation", doc)?;
    conv.lifecycle.version = number(map, "version")?;
    conv.last_seq = number(map, "last_seq")?;
    conv.shopper_read_seq = number(map, "sread")?;
    conv.agent_read_seq = number(map, "aread")?;
    conv.updated_at = Timestamp(number(map, "updated")? as i64);
    Ok(Some(conv))
}

/// A message from its stream entry.
pub(super) fn message_from(
    conversation: &ConversationId,
    seq: u64,
    map: &HashMap<String, String>,
) -> Result<Message, StoreError> {
    let field = |name: &str| {
        map.get(name)
            .cloned()
            .ok_or_else(|| corrupt(format!("message {conversation}/{seq} lacks {name}")))
    };
    let kind = field("kind")?;
    let kind = AuthorKind::parse(&kind).ok_or_else(|| corrupt(format!("author kind {kind}")))?;
    Ok(Message {
        id: MessageId::parse(&field("id")?).map_err(corrupt)?,
        conversation_id: conversation.clone(),
        seq,
        offers_handoff: kind == AuthorKind::Bot,
        author: Author {
            kind,
            name: field("name")?,
        },
        text: field("text")?,
        ts: Timestamp(field("ts")?.parse().map_err(|_| corrupt("message ts"))?),
        // Messages stored before attachments have no `att` field.
        attachments: match map.get("att").map(String::as_str) {
            None | Some("") => Vec::new(),
            Some(json) => from_json("attachments", json)?,
        },
    })
}

/// A stream entry id `seq-0` back to its seq.
fn seq_of(entry_id: &str) -> Result<u64, StoreError> {
    entry_id
        .split('-')
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(format!("stream id {entry_id}")))
}

/// A stream entry: its seq and fields.
pub(super) type Entry = (u64, HashMap<String, String>);

/// `XRANGE` replies as `(seq, fields)`.
pub(super) fn entries(reply: Value) -> Result<Vec<Entry>, StoreError> {
    items(reply)
        .into_iter()
        .map(|entry| {
            let mut parts = items(entry).into_iter();
            let id = parts.next().as_ref().and_then(text).unwrap_or_default();
            let fields = parts.next().map(|f| pairs(&f)).unwrap_or_default();
            Ok((seq_of(&id)?, fields))
        })
        .collect()
}

/// Most recently active first, ties by id: the SQLite order.
pub(super) fn sort_recent(list: &mut [Conversation]) {
    list.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then_with(|| a.id.as_str().cmp(b.id.as_str()))
    });
}

/// The arguments of the append script that describe the message.
pub(super) struct MessageArgs {
    id: MessageId,
    message: NewMessage,
}

impl MessageArgs {
    /// The message with the id it will be stored under, chosen before the script runs.
    pub(super) fn new(message: NewMessage) -> Self {
        MessageArgs {
            id: MessageId::generate(),
            message,
        }
    }

    /// author, cmid, kind, msg_id, name, text, ts, att (JSON, empty for none) — the order
    /// the scripts expect.
    pub(super) fn push(
        &self,
        invocation: &mut ::redis::ScriptInvocation<'_>,
    ) -> Result<(), StoreError> {
        let m = &self.message;
        let att = if m.attachments.is_empty() {
            String::new()
        } else {
            to_json(&m.attachments)?
        };
        invocation
            .arg(&m.author_id)
            .arg(m.client_msg_id.as_ref().map(|c| c.as_str()).unwrap_or(""))
            .arg(m.author.kind.as_str())
            .arg(self.id.as_str())
            .arg(&m.author.name)
            .arg(m.text.as_str())
            .arg(m.ts.0)
            .arg(att);
        Ok(())
    }

    /// The message as stored, once the script has given it its seq.
    pub(super) fn stored(self, conversation: &ConversationId, seq: u64) -> Message {
        let m = self.message;
        Message {
            id: self.id,
            conversation_id: conversation.clone(),
            seq,
            offers_handoff: m.author.kind == AuthorKind::Bot,
            author: m.author,
            text: m.text.into_string(),
            ts: m.ts,
            attachments: m.attachments,
        }
    }
}

/// Where an append goes.
pub(super) enum Target<'a> {
    Conversation(&'a ConversationId),
    Visitor(&'a VisitorId),
}

/// A conversation to open if the visitor has none open.
pub(super) struct NewConversation {
    pub(super) conversation: Conversation,
}

/// What the append script did.
pub(super) enum AppendOutcome {
    Done(Box<Appended>),
    NeedOpen(MessageArgs),
}

impl RedisStore {
    /// The site a conversation belongs to, from its pointer.
    pub(super) async fn site_of(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<SiteId>, StoreError> {
        let site: Option<String> = ::redis::cmd("GET")
            .arg(self.keys.conv_site(conversation))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("find the conversation's site"))?;
        site.map(|s| SiteId::parse(&s).map_err(corrupt)).transpose()
    }

    /// Runs the append script for a conversation or a visitor's open one (opening `open` if
    /// the visitor has none and it is given) and reads its answer.
    pub(super) async fn run_append(
        &self,
        base: &str,
        target: Target<'_>,
        args: MessageArgs,
        open: Option<NewConversation>,
    ) -> Result<AppendOutcome, StoreError> {
        let mut invocation = self.scripts.append.key(base);
        match target {
            Target::Conversation(id) => invocation.arg("conv").arg(id.as_str()),
            Target::Visitor(id) => invocation.arg("visitor").arg(id.as_str()),
        };
        args.push(&mut invocation)?;
        match &open {
            Some(new) => {
                let c = &new.conversation;
                invocation
                    .arg(c.id.as_str())
                    .arg(to_json(c)?)
                    .arg(c.lifecycle.stage.name())
                    .arg(c.agent().map(|a| a.as_str()).unwrap_or(""));
            }
            None => {
                invocation.arg("").arg("").arg("").arg("");
            }
        }
        let reply: Value = invocation
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("append message"))?;
        let mut reply = items(reply).into_iter();
        let status = reply.next().as_ref().and_then(text).unwrap_or_default();
        let mut next_text = |what: &str| {
            reply
                .next()
                .ok_or_else(|| corrupt(format!("append reply lacks {what}")))
        };
        match status.as_str() {
            "need_open" => Ok(AppendOutcome::NeedOpen(args)),
            "missing" => Err(StoreError::NotFound("conversation")),
            "closed" => Err(StoreError::Conflict("the conversation is closed".into())),
            "dup" | "ok" => {
                let cid = text(&next_text("id")?).unwrap_or_default();
                let cid = ConversationId::parse(&cid).map_err(corrupt)?;
                let seq: u64 = text(&next_text("seq")?)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| corrupt("append reply seq"))?;
                let conversation = conversation_from(&pairs(&next_text("header")?))?
                    .ok_or(StoreError::NotFound("conversation"))?;
                let last = next_text("last")?;
                if status == "dup" {
                    let message = message_from(&cid, seq, &pairs(&last))?;
                    Ok(AppendOutcome::Done(Box::new(Appended {
                        conversation,
                        message,
                        duplicate: true,
                        opened: false,
                    })))
                } else {
                    Ok(AppendOutcome::Done(Box::new(Appended {
                        conversation,
                        message: args.stored(&cid, seq),
                        duplicate: false,
                        opened: text(&last).as_deref() == Some("1"),
                    })))
                }
            }
            other => Err(corrupt(format!("append answered {other}"))),
        }
    }

    /// Headers of some conversations of a site, in the order asked, skipping absent ones.
    pub(super) async fn headers(
        &self,
        base: &str,
        ids: &[String],
    ) -> Result<Vec<Conversation>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = ::redis::pipe();
        for id in ids {
            pipe.cmd("HGETALL").arg(sub(base, "conv:", id));
        }
        let replies: Vec<Value> = pipe
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read conversations"))?;
        let mut out = Vec::new();
        for reply in replies {
            if let Some(conv) = conversation_from(&pairs(&reply))? {
                out.push(conv);
            }
        }
        Ok(out)
    }

    /// Moves a read mark (`sread` for the shopper, `aread` for agents) forwards.
    pub(super) async fn mark(
        &self,
        conversation: &ConversationId,
        field: &'static str,
        seq: u64,
    ) -> Result<(), StoreError> {
        // Like SQLite's UPDATE of no row: marking an unknown conversation changes nothing.
        let Some(site) = self.site_of(conversation).await? else {
            return Ok(());
        };
        let base = self.keys.site(&site);
        self.scripts
            .mark_read
            .key(sub(&base, "conv:", conversation))
            .arg(field)
            .arg(seq.to_string())
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map_err(redis_err("mark read"))?;
        Ok(())
    }
}

/// The header of a conversation the append script opens: the `Opening` rule's stage,
/// queued now if it starts queued, created and active at the message's time.
pub(super) fn opened_conversation(
    id: ConversationId,
    site: &SiteId,
    visitor: &VisitorId,
    opening: &Opening,
    ts: Timestamp,
) -> Conversation {
    let stage = opening.lifecycle.stage.clone();
    let agent = match &stage {
        Stage::Assigned { agent } => Some(agent.clone()),
        _ => None,
    };
    let queued = matches!(stage, Stage::Queued);
    Conversation {
        id,
        site_id: site.clone(),
        visitor_id: visitor.clone(),
        lifecycle: Lifecycle {
            stage,
            version: 0,
            last_agent: agent,
            closed_at: None,
        },
        last_seq: 0,
        shopper_read_seq: 0,
        agent_read_seq: 0,
        priority: 0,
        queued_at: queued.then_some(ts),
        handoff_reason: opening.reason,
        skill: None,
        tags: Vec::new(),
        bot_misses: 0,
        contact_email: None,
        cart_total: opening.cart_total,
        created_at: ts,
        updated_at: ts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(conv: &Conversation, fields: &[(&str, &str)]) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("doc".into(), to_json(conv).unwrap());
        map
    }

    #[test]
    fn the_hash_fields_the_scripts_change_override_the_json_doc() {
        let site = SiteId::generate();
        let visitor = VisitorId::generate();
        let conv = opened_conversation(
            ConversationId::generate(),
            &site,
            &visitor,
            &Lifecycle::new(false).into(),
            Timestamp(10),
        );
        assert_eq!(conv.queued_at, Some(Timestamp(10)));
        let map = header(
            &conv,
            &[
                ("version", "4"),
                ("last_seq", "9"),
                ("sread", "7"),
                ("aread", "8"),
                ("updated", "99"),
            ],
        );
        let read = conversation_from(&map).unwrap().unwrap();
        assert_eq!(
            (
                read.lifecycle.version,
                read.last_seq,
                read.shopper_read_seq,
                read.agent_read_seq,
                read.updated_at
            ),
            (4, 9, 7, 8, Timestamp(99))
        );
        assert_eq!(read.lifecycle.stage, conv.lifecycle.stage);
        assert!(conversation_from(&HashMap::new()).unwrap().is_none());
        let mut bad = map.clone();
        bad.insert("version".into(), "x".into());
        assert!(matches!(
            conversation_from(&bad),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn stream_ids_are_seqs() {
        assert_eq!(seq_of("42-0").unwrap(), 42);
        assert!(seq_of("x-0").is_err());
    }

    #[test]
    fn an_agent_opening_owns_the_conversation_from_the_start() {
        let agent = crate::domain::AgentId::generate();
        let conv = opened_conversation(
            ConversationId::generate(),
            &SiteId::generate(),
            &VisitorId::generate(),
            &Lifecycle::started_by(agent.clone()).into(),
            Timestamp(5),
        );
        assert_eq!(conv.agent(), Some(&agent));
        assert_eq!(conv.lifecycle.last_agent, Some(agent));
        assert_eq!(conv.queued_at, None);
    }
}
