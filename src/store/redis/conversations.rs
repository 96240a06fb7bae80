//! Conversations, their messages, notes and read marks: the appends and the compare-and-set
//! run as scripts (see `scripts.rs`); the reads assemble headers from their hashes. The keys
//! and how records are encoded are in [`super::conversation_data`].

use super::RedisStore;
use super::conversation_data::{
    AppendOutcome, MessageArgs, NewConversation, Target, conversation_from, entries, message_from,
    opened_conversation, sort_recent,
};
use super::keys::sub;
use super::values::{corrupt, from_json, items, pairs, redis_err, text, to_json};
use crate::conversation::{Conversation, ConversationFilter, Note, Opening};
use crate::domain::{ConversationId, Message, SiteId, Timestamp, VisitorId};
use crate::store::{Appended, Conversations, Directory, NewMessage, StoreError};
use ::redis::Value;
use async_trait::async_trait;

#[async_trait]
impl Conversations for RedisStore {
    async fn append_to_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        message: NewMessage,
        opening: &Opening,
    ) -> Result<Appended, StoreError> {
        let base = self.keys.site(site);
        let ts = message.ts;
        let args = MessageArgs::new(message);
        let args = match self
            .run_append(&base, Target::Visitor(visitor), args, None)
            .await?
        {
            AppendOutcome::Done(appended) => return Ok(*appended),
            AppendOutcome::NeedOpen(args) => args,
        };
        // No open conversation: point its id at the site first (see the module doc of
        // `redis`), then let the script open it, unless another node opened one meanwhile.
        let id = ConversationId::generate();
        ::redis::cmd("SET")
            .arg(self.keys.conv_site(&id))
            .arg(site.as_str())
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("point the conversation at its site"))?;
        let conversation = opened_conversation(id, site, visitor, opening, ts);
        match self
            .run_append(
                &base,
                Target::Visitor(visitor),
                args,
                Some(NewConversation { conversation }),
            )
            .await?
        {
            AppendOutcome::Done(appended) => Ok(*appended),
            AppendOutcome::NeedOpen(_) => Err(corrupt("the append script did not open")),
        }
    }

    async fn append_message(
        &self,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> Result<Appended, StoreError> {
        let site = self
            .site_of(conversation)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?;
        let base = self.keys.site(&site);
        match self
            .run_append(
                &base,
                Target::Conversation(conversation),
                MessageArgs::new(message),
                None,
            )
            .await?
        {
            AppendOutcome::Done(appended) => Ok(*appended),
            AppendOutcome::NeedOpen(_) => Err(StoreError::NotFound("conversation")),
        }
    }

    async fn save_conversation(
        &self,
        conv: &Conversation,
        expected: u64,
        notice: Option<NewMessage>,
    ) -> Result<(Conversation, Option<Message>), StoreError> {
        let base = self.keys.site(&conv.site_id);
        let now = Timestamp::now();
        let mut invocation = self.scripts.save_conversation.key(&base);
        invocation
            .arg(conv.id.as_str())
            .arg(expected.to_string())
            .arg(to_json(conv)?)
            .arg(conv.lifecycle.stage.name())
            .arg(conv.agent().map(|a| a.as_str()).unwrap_or(""))
            .arg(now.0);
        let notice = notice.map(MessageArgs::new);
        match &notice {
            Some(args) => {
                invocation.arg("1");
                args.push(&mut invocation)?;
            }
            None => {
                invocation.arg("0");
            }
        }
        let reply: Value = invocation
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("save conversation"))?;
        let mut reply = items(reply).into_iter();
        let status = reply.next().as_ref().and_then(text).unwrap_or_default();
        match status.as_str() {
            "ok" => {}
            // SQLite's UPDATE … WHERE version = ? cannot tell these apart either.
            "missing" | "conflict" => {
                return Err(StoreError::Conflict(
                    "the conversation changed meanwhile".into(),
                ));
            }
            other => return Err(corrupt(format!("save conversation answered {other}"))),
        }
        let header = reply
            .next()
            .ok_or_else(|| corrupt("save reply lacks the header"))?;
        let saved =
            conversation_from(&pairs(&header))?.ok_or(StoreError::NotFound("conversation"))?;
        let seq = reply.next().as_ref().and_then(text).unwrap_or_default();
        let message = match notice {
            Some(args) => {
                let seq: u64 = seq.parse().map_err(|_| corrupt("notice seq"))?;
                Some(args.stored(&conv.id, seq))
            }
            None => None,
        };
        Ok((saved, message))
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        let Some(site) = self.site_of(id).await? else {
            return Ok(None);
        };
        let base = self.keys.site(&site);
        Ok(self
            .headers(&base, &[id.to_string()])
            .await?
            .into_iter()
            .next())
    }

    async fn open_conversations(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>, StoreError> {
        let base = self.keys.site(site);
        let ids: Vec<String> = ::redis::cmd("ZRANGE")
            .arg(sub(&base, "vconvs:", visitor))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list visitor conversations"))?;
        let mut open: Vec<Conversation> = self
            .headers(&base, &ids)
            .await?
            .into_iter()
            .filter(Conversation::is_open)
            .collect();
        open.sort_by_key(|c| c.created_at);
        Ok(open)
    }

    async fn site_conversations(
        &self,
        site: &SiteId,
        limit: u32,
    ) -> Result<Vec<Conversation>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let base = self.keys.site(site);
        let ids: Vec<String> = ::redis::cmd("ZREVRANGE")
            .arg(sub(&base, "convs", ""))
            .arg(0)
            .arg(i64::from(limit) - 1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list site conversations"))?;
        let mut list = self.headers(&base, &ids).await?;
        sort_recent(&mut list);
        Ok(list)
    }

    async fn find_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let limit = filter.limit.clamp(1, 1000) as usize;
        let sites = match &filter.site {
            Some(site) => vec![site.clone()],
            None => self.list_sites().await?.into_iter().map(|s| s.id).collect(),
        };
        let mut found = Vec::new();
        for site in sites {
            found.extend(self.find_in_site(&site, filter, limit).await?);
        }
        sort_recent(&mut found);
        found.truncate(limit);
        Ok(found)
    }

    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let Some(site) = self.site_of(conversation).await? else {
            return Ok(Vec::new());
        };
        let base = self.keys.site(&site);
        let reply: Value = ::redis::cmd("XRANGE")
            .arg(sub(&base, "msgs:", conversation))
            .arg(format!("{}-0", after.saturating_add(1)))
            .arg("+")
            .arg("COUNT")
            .arg(limit)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read messages"))?;
        entries(reply)?
            .into_iter()
            .map(|(seq, fields)| message_from(conversation, seq, &fields))
            .collect()
    }

    async fn last_shopper_message(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<Message>, StoreError> {
        let Some(site) = self.site_of(conversation).await? else {
            return Ok(None);
        };
        let base = self.keys.site(&site);
        let mut conn = self.conn();
        let seq: Option<u64> = ::redis::cmd("HGET")
            .arg(sub(&base, "conv:", conversation))
            .arg("last_shopper")
            .query_async(&mut conn)
            .await
            .map_err(redis_err("last shopper message"))?;
        let Some(seq) = seq else { return Ok(None) };
        let reply: Value = ::redis::cmd("XRANGE")
            .arg(sub(&base, "msgs:", conversation))
            .arg(format!("{seq}-0"))
            .arg(format!("{seq}-0"))
            .query_async(&mut conn)
            .await
            .map_err(redis_err("last shopper message"))?;
        entries(reply)?
            .into_iter()
            .next()
            .map(|(seq, fields)| message_from(conversation, seq, &fields))
            .transpose()
    }

    async fn mark_read(&self, conversation: &ConversationId, seq: u64) -> Result<(), StoreError> {
        self.mark(conversation, "sread", seq).await
    }

    async fn mark_agent_read(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.mark(conversation, "aread", seq).await
    }

    async fn add_note(&self, note: &Note) -> Result<(), StoreError> {
        let site = self
            .site_of(&note.conversation_id)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?;
        let base = self.keys.site(&site);
        ::redis::cmd("RPUSH")
            .arg(sub(&base, "notes:", &note.conversation_id))
            .arg(to_json(note)?)
            .query_async::<i64>(&mut self.conn())
            .await
            .map_err(redis_err("add note"))?;
        Ok(())
    }

    async fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>, StoreError> {
        let Some(site) = self.site_of(conversation).await? else {
            return Ok(Vec::new());
        };
        let base = self.keys.site(&site);
        let list: Vec<String> = ::redis::cmd("LRANGE")
            .arg(sub(&base, "notes:", conversation))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read notes"))?;
        let mut notes: Vec<Note> = list
            .iter()
            .map(|json| from_json("note", json))
            .collect::<Result<_, _>>()?;
        notes.sort_by(|a, b| (a.ts, a.id.as_str()).cmp(&(b.ts, b.id.as_str())));
        Ok(notes)
    }
}
