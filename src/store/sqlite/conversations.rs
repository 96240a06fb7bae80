//! Conversations in SQLite: the appends and compare-and-set go through the writer, the reads
//! through the pool (the SQL is in [`super::conversation_sql`]); notes and read marks here.
//! Every write here checks before it changes anything (a missing or closed conversation, a
//! stale version, a duplicate `client_msg_id` are found before the first insert or update),
//! so they run without a savepoint of their own ([`super::writer::Writer::run_checked`]).

use super::{SqliteStore, conversation_sql as sql, corrupt, db, exec_cached, seq_param};
use crate::conversation::{Conversation, ConversationFilter, Note, Opening};
use crate::domain::{AgentId, ConversationId, Message, NoteId, SiteId, Timestamp, VisitorId};
use crate::store::{Appended, Conversations, NewMessage, StoreError};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl Conversations for SqliteStore {
    async fn append_to_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        message: NewMessage,
        opening: &Opening,
    ) -> Result<Appended, StoreError> {
        let (site, visitor, opening) = (site.clone(), visitor.clone(), opening.clone());
        self.writer
            .run_checked(move |c| sql::append_to_visitor(c, &site, &visitor, message, &opening))
            .await
    }

    async fn append_message(
        &self,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> Result<Appended, StoreError> {
        let conversation = conversation.clone();
        self.writer
            .run_checked(move |c| sql::append_message(c, &conversation, message))
            .await
    }

    async fn save_conversation(
        &self,
        conversation: &Conversation,
        expected: u64,
        notice: Option<NewMessage>,
    ) -> Result<(Conversation, Option<Message>), StoreError> {
        let conversation = conversation.clone();
        let now = Timestamp::now();
        self.writer
            .run_checked(move |c| sql::save_conversation(c, &conversation, expected, notice, now))
            .await
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        let id = id.to_string();
        let found = self
            .readers
            .run(move |c| sql::conversations_where(c, "id = ?1", &[&id]))
            .await?;
        Ok(found.into_iter().next())
    }

    async fn open_conversations(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>, StoreError> {
        let (site, visitor) = (site.to_string(), visitor.to_string());
        self.readers
            .run(move |c| {
                sql::conversations_where(
                    c,
                    "site_id = ?1 AND visitor_id = ?2 AND stage <> 'closed' ORDER BY created_at",
                    &[&site, &visitor],
                )
            })
            .await
    }

    async fn site_conversations(
        &self,
        site: &SiteId,
        limit: u32,
    ) -> Result<Vec<Conversation>, StoreError> {
        let site = site.to_string();
        self.readers
            .run(move |c| {
                sql::conversations_where(
                    c,
                    "site_id = ?1 ORDER BY updated_at DESC LIMIT ?2",
                    &[&site, &limit],
                )
            })
            .await
    }

    async fn find_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let filter = filter.clone();
        self.readers
            .run(move |c| sql::find_conversations(c, &filter))
            .await
    }

    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let conversation = conversation.clone();
        self.readers
            .run(move |c| sql::messages_after(c, &conversation, after, limit))
            .await
    }

    async fn last_shopper_message(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<Message>, StoreError> {
        let conversation = conversation.clone();
        self.readers
            .run(move |c| sql::last_shopper_message(c, &conversation))
            .await
    }

    async fn mark_read(&self, conversation: &ConversationId, seq: u64) -> Result<(), StoreError> {
        let conversation = conversation.to_string();
        self.writer
            .run_checked(move |c| {
                exec_cached(
                    c,
                    "UPDATE conversations SET shopper_read_seq = MAX(shopper_read_seq, MIN(?2, last_seq))
                     WHERE id = ?1",
                    params![conversation, seq_param(seq)],
                )
                .map_err(db("mark read"))?;
                Ok(())
            })
            .await
    }

    async fn mark_agent_read(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        let conversation = conversation.to_string();
        self.writer
            .run_checked(move |c| {
                exec_cached(
                    c,
                    "UPDATE conversations SET agent_read_seq = MAX(agent_read_seq, MIN(?2, last_seq))
                     WHERE id = ?1",
                    params![conversation, seq_param(seq)],
                )
                .map_err(db("mark agent read"))?;
                Ok(())
            })
            .await
    }

    async fn add_note(&self, note: &Note) -> Result<(), StoreError> {
        let note = note.clone();
        self.writer
            .run_checked(move |c| {
                exec_cached(
                    c,
                    "INSERT INTO notes (id, conversation_id, agent_id, author_name, text, ts)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        note.id.as_str(),
                        note.conversation_id.as_str(),
                        note.agent_id.as_str(),
                        note.author_name,
                        note.text,
                        note.ts.0
                    ],
                )
                .map_err(db("add note"))?;
                Ok(())
            })
            .await
    }

    async fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>, StoreError> {
        let conversation = conversation.to_string();
        self.readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, conversation_id, agent_id, author_name, text, ts FROM notes
                         WHERE conversation_id = ?1 ORDER BY ts, id",
                    )
                    .map_err(db("read notes"))?;
                let rows = stmt
                    .query_map([&conversation], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    })
                    .map_err(db("read notes"))?;
                rows.map(|r| {
                    let (id, conv, agent, author_name, text, ts) = r.map_err(db("read notes"))?;
                    let bad = |e: crate::domain::IdError| corrupt(e);
                    Ok(Note {
                        id: NoteId::parse(&id).map_err(bad)?,
                        conversation_id: ConversationId::parse(&conv).map_err(bad)?,
                        agent_id: AgentId::parse(&agent).map_err(bad)?,
                        author_name,
                        text,
                        ts: Timestamp(ts),
                    })
                })
                .collect()
            })
            .await
    }
}
