//! The conversations' SQL: headers, messages and the appends and compare-and-set that
//! change them, one function per question, each taking a plain connection so the writer
//! thread and the read pool share them.

use super::{corrupt, db, exec_cached, search_sql, seq_param};
use crate::conversation::{
    Conversation, ConversationFilter, HandoffReason, Lifecycle, Opening, Stage,
};
use crate::domain::{
    AgentId, Author, AuthorKind, ConversationId, Message, MessageId, SiteId, Timestamp, VisitorId,
};
use crate::store::{Appended, NewMessage, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

// ---- conversations and messages -------------------------------------------------------------

const CONVERSATION_COLUMNS: &str = "id, site_id, visitor_id, stage, agent_id, version, last_agent, \
    closed_at, last_seq, shopper_read_seq, agent_read_seq, priority, queued_at, handoff_reason, \
    skill, tags, bot_misses, contact_email, cart_total, created_at, updated_at";

fn conversation_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Conversation, StoreError>> {
    let id: String = row.get(0)?;
    let site: String = row.get(1)?;
    let visitor: String = row.get(2)?;
    let stage: String = row.get(3)?;
    let agent: Option<String> = row.get(4)?;
    let version: i64 = row.get(5)?;
    let last_agent: Option<String> = row.get(6)?;
    let closed_at: Option<i64> = row.get(7)?;
    let last_seq: i64 = row.get(8)?;
    let read: i64 = row.get(9)?;
    let agent_read: i64 = row.get(10)?;
    let priority: i64 = row.get(11)?;
    let queued_at: Option<i64> = row.get(12)?;
    let reason: Option<String> = row.get(13)?;
    let skill: Option<String> = row.get(14)?;
    let tags: String = row.get(15)?;
    let misses: i64 = row.get(16)?;
    let contact: Option<String> = row.get(17)?;
    let cart_total: f64 = row.get(18)?;
    let created: i64 = row.get(19)?;
    let updated: i64 = row.get(20)?;
    Ok((|| {
        let agent = agent
            .map(|a| AgentId::parse(&a))
            .transpose()
            .map_err(corrupt)?;
        let stage = match (stage.as_str(), agent) {
            ("bot", _) => Stage::Bot,
            ("queued", _) => Stage::Queued,
            ("assigned", Some(agent)) => Stage::Assigned { agent },
            ("closed", _) => Stage::Closed,
            (other, _) => return Err(corrupt(format!("stage {other}"))),
        };
        Ok(Conversation {
            id: ConversationId::parse(&id).map_err(corrupt)?,
            site_id: SiteId::parse(&site).map_err(corrupt)?,
            visitor_id: VisitorId::parse(&visitor).map_err(corrupt)?,
            lifecycle: Lifecycle {
                stage,
                version: version as u64,
                last_agent: last_agent
                    .map(|a| AgentId::parse(&a))
                    .transpose()
                    .map_err(corrupt)?,
                closed_at: closed_at.map(Timestamp),
            },
            last_seq: last_seq as u64,
            shopper_read_seq: read as u64,
            agent_read_seq: agent_read as u64,
            priority: priority.clamp(0, 255) as u8,
            queued_at: queued_at.map(Timestamp),
            handoff_reason: reason.as_deref().and_then(HandoffReason::parse),
            skill,
            tags: serde_json::from_str(&tags).map_err(|e| corrupt(format!("tags: {e}")))?,
            bot_misses: misses.max(0) as u32,
            contact_email: contact,
            cart_total,
            created_at: Timestamp(created),
            updated_at: Timestamp(updated),
        })
    })())
}

pub(super) fn conversations_where(
    conn: &Connection,
    filter: &'static str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Conversation>, StoreError> {
    let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {filter}");
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(db("find conversations"))?;
    let rows = stmt
        .query_map(args, conversation_from_row)
        .map_err(db("find conversations"))?;
    rows.map(|r| r.map_err(db("find conversations"))?).collect()
}

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Message, StoreError>> {
    let id: String = row.get(0)?;
    let conversation: String = row.get(1)?;
    let seq: i64 = row.get(2)?;
    let kind: String = row.get(3)?;
    let name: String = row.get(4)?;
    let text: String = row.get(5)?;
    let ts: i64 = row.get(6)?;
    let attachments: Option<String> = row.get(7)?;
    Ok((|| {
        Ok(Message {
            id: MessageId::parse(&id).map_err(corrupt)?,
            conversation_id: ConversationId::parse(&conversation).map_err(corrupt)?,
            seq: seq as u64,
            author: Author {
                kind: AuthorKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("author kind {kind}")))?,
                name,
            },
            offers_handoff: kind == AuthorKind::Bot.as_str(),
            text,
            ts: Timestamp(ts),
            attachments: match attachments {
                Some(json) => serde_json::from_str(&json).map_err(corrupt)?,
                None => Vec::new(),
            },
        })
    })())
}

const MESSAGE_COLUMNS: &str =
    "id, conversation_id, seq, author_kind, author_name, text, ts, attachments";

pub(super) fn messages_after(
    conn: &Connection,
    conversation: &ConversationId,
    after: u64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq > ?2
         ORDER BY seq LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db("read messages"))?;
    let rows = stmt
        .query_map(
            params![conversation.as_str(), seq_param(after), limit],
            message_from_row,
        )
        .map_err(db("read messages"))?;
    rows.map(|r| r.map_err(db("read messages"))?).collect()
}

fn message_by_client_id(
    conn: &Connection,
    author_id: &str,
    client_msg_id: &str,
) -> Result<Option<Message>, StoreError> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE author_id = ?1 AND client_msg_id = ?2"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db("find message"))?;
    stmt.query_row(params![author_id, client_msg_id], message_from_row)
        .optional()
        .map_err(db("find message"))?
        .transpose()
}

/// The earlier message with the same sender and key, if the sender sent one.
fn duplicate_of(conn: &Connection, message: &NewMessage) -> Result<Option<Appended>, StoreError> {
    let Some(key) = &message.client_msg_id else {
        return Ok(None);
    };
    let Some(first) = message_by_client_id(conn, &message.author_id, key.as_str())? else {
        return Ok(None);
    };
    Ok(Some(Appended {
        conversation: conversation_by_id(conn, &first.conversation_id)?,
        message: first,
        duplicate: true,
        opened: false,
    }))
}

/// A conversation's header, read in the same transaction as the write that changed it.
fn conversation_by_id(conn: &Connection, id: &ConversationId) -> Result<Conversation, StoreError> {
    conversations_where(conn, "id = ?1", &[&id.as_str()])?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("conversation"))
}

pub(super) fn insert_message(
    conn: &Connection,
    conversation: &ConversationId,
    last_seq: u64,
    message: NewMessage,
) -> Result<Message, StoreError> {
    let seq = last_seq + 1;
    let id = MessageId::generate();
    let attachments_json = if message.attachments.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&message.attachments).map_err(corrupt)?)
    };
    exec_cached(
                conn,
        "INSERT INTO messages (id, conversation_id, seq, author_kind, author_name, author_id, text, client_msg_id, ts, attachments)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id.as_str(),
            conversation.as_str(),
            seq as i64,
            message.author.kind.as_str(),
            message.author.name,
            message.author_id,
            message.text.as_str(),
            message.client_msg_id.as_ref().map(|c| c.as_str()),
            message.ts.0,
            attachments_json
        ],
    )
    .map_err(db("insert message"))?;
    exec_cached(
        conn,
        "UPDATE conversations SET last_seq = ?2, updated_at = ?3 WHERE id = ?1",
        params![conversation.as_str(), seq as i64, message.ts.0],
    )
    .map_err(db("advance seq"))?;
    Ok(Message {
        id,
        conversation_id: conversation.clone(),
        seq,
        offers_handoff: message.author.kind == AuthorKind::Bot,
        author: message.author,
        text: message.text.into_string(),
        ts: message.ts,
        attachments: message.attachments,
    })
}

pub(super) fn append_to_visitor(
    conn: &Connection,
    site: &SiteId,
    visitor: &VisitorId,
    message: NewMessage,
    opening: &Opening,
) -> Result<Appended, StoreError> {
    if let Some(dup) = duplicate_of(conn, &message)? {
        return Ok(dup);
    }
    let open = conversations_where(
        conn,
        "site_id = ?1 AND visitor_id = ?2 AND stage <> 'closed' ORDER BY created_at DESC LIMIT 1",
        &[&site.as_str(), &visitor.as_str()],
    )?;
    let (conversation, last_seq, known) = match open.into_iter().next() {
        Some(c) => (c.id.clone(), c.last_seq, Some(c)),
        None => {
            let id = ConversationId::generate();
            let agent = match &opening.lifecycle.stage {
                Stage::Assigned { agent } => Some(agent.as_str()),
                _ => None,
            };
            let queued_at =
                matches!(opening.lifecycle.stage, Stage::Queued).then_some(message.ts.0);
            exec_cached(
                conn,
                "INSERT INTO conversations (id, site_id, visitor_id, state, stage, agent_id, last_agent, queued_at, handoff_reason, created_at, updated_at, cart_total)
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?5, ?6, ?7, ?8, ?8, ?9)",
                params![
                    id.as_str(),
                    site.as_str(),
                    visitor.as_str(),
                    opening.lifecycle.stage.name(),
                    agent,
                    queued_at,
                    opening.reason.map(|r| r.as_str()),
                    message.ts.0,
                    opening.cart_total
                ],
            )
            .map_err(db("open conversation"))?;
            (id, 0, None)
        }
    };
    let message = insert_message(conn, &conversation, last_seq, message)?;
    let opened = known.is_none();
    Ok(Appended {
        conversation: after_insert(conn, known, &message)?,
        message,
        duplicate: false,
        opened,
    })
}

/// The header after `insert_message`: the one read before it with the two columns the insert
/// changed, or (for a conversation this transaction opened) read back.
fn after_insert(
    conn: &Connection,
    known: Option<Conversation>,
    message: &Message,
) -> Result<Conversation, StoreError> {
    match known {
        Some(mut conversation) => {
            conversation.last_seq = message.seq;
            conversation.updated_at = message.ts;
            Ok(conversation)
        }
        None => conversation_by_id(conn, &message.conversation_id),
    }
}

/// Writes a conversation's header if its version is still `expected` (compare-and-set),
/// bumping the version, and appends the transition's notice in the same transaction.
pub(super) fn save_conversation(
    conn: &Connection,
    conv: &Conversation,
    expected: u64,
    notice: Option<NewMessage>,
    now: Timestamp,
) -> Result<(Conversation, Option<Message>), StoreError> {
    let tags = serde_json::to_string(&conv.tags).map_err(|e| corrupt(e.to_string()))?;
    let closed = matches!(conv.lifecycle.stage, Stage::Closed);
    let changed = exec_cached(
            conn,
            "UPDATE conversations SET state = ?3, stage = ?4, agent_id = ?5, version = ?2 + 1,
                last_agent = ?6, closed_at = ?7, priority = ?8, queued_at = ?9, handoff_reason = ?10,
                skill = ?11, tags = ?12, bot_misses = ?13, contact_email = ?14, cart_total = ?15,
                updated_at = ?16
             WHERE id = ?1 AND version = ?2",
            params![
                conv.id.as_str(),
                expected as i64,
                if closed { "closed" } else { "open" },
                conv.lifecycle.stage.name(),
                conv.agent().map(|a| a.as_str()),
                conv.lifecycle.last_agent.as_ref().map(|a| a.as_str()),
                conv.lifecycle.closed_at.map(|t| t.0),
                i64::from(conv.priority),
                conv.queued_at.map(|t| t.0),
                conv.handoff_reason.map(|r| r.as_str()),
                conv.skill,
                tags,
                i64::from(conv.bot_misses),
                conv.contact_email,
                conv.cart_total,
                now.0
            ],
        )
        .map_err(db("save conversation"))?;
    if changed == 0 {
        return Err(StoreError::Conflict(
            "the conversation changed meanwhile".into(),
        ));
    }
    let notice = match notice {
        Some(message) => Some(insert_message(
            conn,
            &conv.id,
            current_seq(conn, &conv.id)?,
            message,
        )?),
        None => None,
    };
    let saved = conversations_where(conn, "id = ?1", &[&conv.id.as_str()])?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("conversation"))?;
    Ok((saved, notice))
}

fn current_seq(conn: &Connection, conversation: &ConversationId) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT last_seq FROM conversations WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([conversation.as_str()], |r| r.get::<_, i64>(0)))
        .map(|s| s as u64)
        .map_err(db("read seq"))
}

/// Conversations matching a filter, most recently active first.
pub(super) fn find_conversations(
    conn: &Connection,
    filter: &ConversationFilter,
) -> Result<Vec<Conversation>, StoreError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    let mut arg = |clauses: &mut Vec<String>, sql: &str, value: Box<dyn rusqlite::ToSql>| {
        args.push(value);
        clauses.push(sql.replace('?', &format!("?{}", args.len())));
    };
    if let Some(site) = &filter.site {
        arg(&mut clauses, "site_id = ?", Box::new(site.to_string()));
    }
    if let Some(visitor) = &filter.visitor {
        arg(
            &mut clauses,
            "visitor_id = ?",
            Box::new(visitor.to_string()),
        );
    }
    if !filter.stages.is_empty() {
        let names: Vec<String> = filter
            .stages
            .iter()
            .filter(|s| Stage::is_name(s).is_some())
            .map(|s| format!("'{s}'"))
            .collect();
        clauses.push(format!("stage IN ({})", names.join(", ")));
    }
    if let Some(agent) = &filter.agent {
        arg(&mut clauses, "agent_id = ?", Box::new(agent.to_string()));
    }
    if let Some(tag) = &filter.tag {
        arg(
            &mut clauses,
            "EXISTS (SELECT 1 FROM json_each(conversations.tags) WHERE value = ?)",
            Box::new(tag.clone()),
        );
    }
    if let Some(from) = filter.from {
        arg(&mut clauses, "created_at >= ?", Box::new(from.0));
    }
    if let Some(to) = filter.to {
        arg(&mut clauses, "created_at < ?", Box::new(to.0));
    }
    if let Some(before) = filter.active_before {
        arg(&mut clauses, "updated_at < ?", Box::new(before.0));
    }
    if let Some(text) = &filter.text {
        let (condition, value) =
            search_sql::text_condition(conn, text).map_err(db("search conversations"))?;
        arg(&mut clauses, condition, Box::new(value));
    }
    let filter_sql = if clauses.is_empty() {
        "1".to_owned()
    } else {
        clauses.join(" AND ")
    };
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {filter_sql}
         ORDER BY updated_at DESC, id LIMIT {}",
        filter.limit.clamp(1, 1000)
    );
    // Cached: the shopper's reopen check and the dashboard's lists ask the same few shapes
    // over and over (the values are parameters; only the filter's shape is in the text).
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(db("search conversations"))?;
    let params: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let rows = stmt
        .query_map(params.as_slice(), conversation_from_row)
        .map_err(db("search conversations"))?;
    rows.map(|r| r.map_err(db("search conversations"))?)
        .collect()
}

pub(super) fn append_message(
    conn: &Connection,
    conversation: &ConversationId,
    message: NewMessage,
) -> Result<Appended, StoreError> {
    if let Some(dup) = duplicate_of(conn, &message)? {
        return Ok(dup);
    }
    let found = conversations_where(conn, "id = ?1", &[&conversation.as_str()])?;
    let Some(conv) = found.into_iter().next() else {
        return Err(StoreError::NotFound("conversation"));
    };
    if !conv.is_open() {
        return Err(StoreError::Conflict("the conversation is closed".into()));
    }
    let message = insert_message(conn, conversation, conv.last_seq, message)?;
    Ok(Appended {
        conversation: after_insert(conn, Some(conv), &message)?,
        message,
        duplicate: false,
        opened: false,
    })
}

/// The newest message a shopper wrote in a conversation.
pub(super) fn last_shopper_message(
    conn: &Connection,
    conversation: &ConversationId,
) -> Result<Option<Message>, StoreError> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND author_kind = ?2
         ORDER BY seq DESC LIMIT 1"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(db("last shopper message"))?;
    stmt.query_row(
        params![conversation.as_str(), AuthorKind::Shopper.as_str()],
        message_from_row,
    )
    .optional()
    .map_err(db("last shopper message"))?
    .transpose()
}
