//! The SQL, one function per question, each taking a plain connection so the writer thread
//! and the read pool share them.

use super::super::{
    Agent, AgentCredentials, Appended, Conversation, Membership, NewAgent, NewMessage, Site,
    StoreError,
};
use crate::conversation::ConversationState;
use crate::domain::{
    AgentId, AuthorKind, ConversationId, Email, MessageId, Origin, Role, SiteId, Timestamp,
    VisitorId,
};
use crate::protocol::{Author, MessageOut};
use rusqlite::{Connection, OptionalExtension, Row, params};

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { context, source }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

// ---- sites ----------------------------------------------------------------------------------

const SITE_COLUMNS: &str = "id, name, public_key, origins, identity_secret, created_at";

fn site_from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, String, String, String, i64)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn site_from_parts(p: (String, String, String, String, String, i64)) -> Result<Site, StoreError> {
    let (id, name, public_key, origins, identity_secret, created_at) = p;
    let origins: Vec<Origin> = serde_json::from_str(&origins).map_err(corrupt)?;
    Ok(Site {
        id: SiteId::parse(&id).map_err(corrupt)?,
        name,
        public_key,
        origins,
        identity_secret,
        created_at: Timestamp(created_at),
    })
}

pub(super) fn insert_site(conn: &Connection, site: &Site) -> Result<(), StoreError> {
    let origins = serde_json::to_string(&site.origins).map_err(corrupt)?;
    conn.execute(
        "INSERT INTO sites (id, name, public_key, origins, identity_secret, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            site.id.as_str(),
            site.name,
            site.public_key,
            origins,
            site.identity_secret,
            site.created_at.0
        ],
    )
    .map_err(db("insert site"))?;
    Ok(())
}

pub(super) fn sites(conn: &Connection) -> Result<Vec<Site>, StoreError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY created_at, id");
    let mut stmt = conn.prepare_cached(&sql).map_err(db("list sites"))?;
    let rows = stmt
        .query_map([], site_from_row)
        .map_err(db("list sites"))?;
    rows.map(|r| r.map_err(db("list sites")).and_then(site_from_parts))
        .collect()
}

pub(super) fn site_where(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<Site>, StoreError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE {column} = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db("find site"))?;
    stmt.query_row([value], site_from_row)
        .optional()
        .map_err(db("find site"))?
        .map(site_from_parts)
        .transpose()
}

// ---- agents ---------------------------------------------------------------------------------

fn agent_from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, String, bool, i64, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn agent_from_parts(
    p: (String, String, String, bool, i64, String),
) -> Result<AgentCredentials, StoreError> {
    let (id, email, display_name, must_change_password, created_at, password_hash) = p;
    Ok(AgentCredentials {
        agent: Agent {
            id: AgentId::parse(&id).map_err(corrupt)?,
            email: Email::parse(&email).map_err(corrupt)?,
            display_name,
            must_change_password,
            created_at: Timestamp(created_at),
        },
        password_hash,
    })
}

pub(super) fn insert_agent(
    conn: &Connection,
    new: &NewAgent,
    now: Timestamp,
) -> Result<Agent, StoreError> {
    let taken: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM agents WHERE email = ?1)",
            [new.email.as_str()],
            |r| r.get(0),
        )
        .map_err(db("check email"))?;
    if taken {
        return Err(StoreError::Conflict(format!(
            "an account with email {} exists",
            new.email
        )));
    }
    let id = AgentId::generate();
    conn.execute(
        "INSERT INTO agents (id, email, display_name, password_hash, must_change_password, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.as_str(), new.email.as_str(), new.display_name, new.password_hash, new.must_change_password, now.0],
    )
    .map_err(db("insert agent"))?;
    for (site, role) in &new.memberships {
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sites WHERE id = ?1)",
                [site.as_str()],
                |r| r.get(0),
            )
            .map_err(db("check site"))?;
        if !exists {
            return Err(StoreError::NotFound("site"));
        }
        conn.execute(
            "INSERT OR REPLACE INTO memberships (agent_id, site_id, role) VALUES (?1, ?2, ?3)",
            params![id.as_str(), site.as_str(), role.as_str()],
        )
        .map_err(db("insert membership"))?;
    }
    Ok(Agent {
        id,
        email: new.email.clone(),
        display_name: new.display_name.clone(),
        must_change_password: new.must_change_password,
        created_at: now,
    })
}

const AGENT_COLUMNS: &str =
    "id, email, display_name, must_change_password, created_at, password_hash";

pub(super) fn agent_where(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<AgentCredentials>, StoreError> {
    let sql = format!("SELECT {AGENT_COLUMNS} FROM agents WHERE {column} = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db("find agent"))?;
    stmt.query_row([value], agent_from_row)
        .optional()
        .map_err(db("find agent"))?
        .map(agent_from_parts)
        .transpose()
}

pub(super) fn memberships(
    conn: &Connection,
    agent: &AgentId,
) -> Result<Vec<Membership>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT site_id, role FROM memberships WHERE agent_id = ?1 ORDER BY site_id",
        )
        .map_err(db("list memberships"))?;
    let rows = stmt
        .query_map([agent.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db("list memberships"))?;
    rows.map(|r| {
        let (site, role) = r.map_err(db("list memberships"))?;
        Ok(Membership {
            site_id: SiteId::parse(&site).map_err(corrupt)?,
            role: Role::parse(&role).map_err(corrupt)?,
        })
    })
    .collect()
}

pub(super) fn set_password(
    conn: &Connection,
    agent: &AgentId,
    hash: &str,
) -> Result<(), StoreError> {
    let n = conn
        .execute(
            "UPDATE agents SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
            params![agent.as_str(), hash],
        )
        .map_err(db("set password"))?;
    if n == 0 {
        Err(StoreError::NotFound("agent"))
    } else {
        Ok(())
    }
}

// ---- conversations and messages -------------------------------------------------------------

const CONVERSATION_COLUMNS: &str =
    "id, site_id, visitor_id, state, last_seq, shopper_read_seq, created_at, updated_at";

fn conversation_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Conversation, StoreError>> {
    let id: String = row.get(0)?;
    let site: String = row.get(1)?;
    let visitor: String = row.get(2)?;
    let state: String = row.get(3)?;
    let last_seq: i64 = row.get(4)?;
    let read: i64 = row.get(5)?;
    let created: i64 = row.get(6)?;
    let updated: i64 = row.get(7)?;
    Ok((|| {
        Ok(Conversation {
            id: ConversationId::parse(&id).map_err(corrupt)?,
            site_id: SiteId::parse(&site).map_err(corrupt)?,
            visitor_id: VisitorId::parse(&visitor).map_err(corrupt)?,
            state: ConversationState::parse(&state)
                .ok_or_else(|| corrupt(format!("state {state}")))?,
            last_seq: last_seq as u64,
            shopper_read_seq: read as u64,
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

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Result<MessageOut, StoreError>> {
    let id: String = row.get(0)?;
    let conversation: String = row.get(1)?;
    let seq: i64 = row.get(2)?;
    let kind: String = row.get(3)?;
    let name: String = row.get(4)?;
    let text: String = row.get(5)?;
    let ts: i64 = row.get(6)?;
    Ok((|| {
        Ok(MessageOut {
            id: MessageId::parse(&id).map_err(corrupt)?,
            conversation_id: ConversationId::parse(&conversation).map_err(corrupt)?,
            seq: seq as u64,
            author: Author {
                kind: AuthorKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("author kind {kind}")))?,
                name,
            },
            text,
            ts: Timestamp(ts),
        })
    })())
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, seq, author_kind, author_name, text, ts";

pub(super) fn messages_after(
    conn: &Connection,
    conversation: &ConversationId,
    after: u64,
    limit: u32,
) -> Result<Vec<MessageOut>, StoreError> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq > ?2
         ORDER BY seq LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db("read messages"))?;
    let rows = stmt
        .query_map(
            params![conversation.as_str(), after as i64, limit],
            message_from_row,
        )
        .map_err(db("read messages"))?;
    rows.map(|r| r.map_err(db("read messages"))?).collect()
}

fn message_by_client_id(
    conn: &Connection,
    author_id: &str,
    client_msg_id: &str,
) -> Result<Option<MessageOut>, StoreError> {
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
    Ok(
        message_by_client_id(conn, &message.author_id, key.as_str())?.map(|m| Appended {
            message: m,
            duplicate: true,
            opened: false,
        }),
    )
}

fn insert_message(
    conn: &Connection,
    conversation: &ConversationId,
    last_seq: u64,
    message: NewMessage,
) -> Result<MessageOut, StoreError> {
    let seq = last_seq + 1;
    let id = MessageId::generate();
    conn.execute(
        "INSERT INTO messages (id, conversation_id, seq, author_kind, author_name, author_id, text, client_msg_id, ts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id.as_str(),
            conversation.as_str(),
            seq as i64,
            message.author.kind.as_str(),
            message.author.name,
            message.author_id,
            message.text.as_str(),
            message.client_msg_id.as_ref().map(|c| c.as_str()),
            message.ts.0
        ],
    )
    .map_err(db("insert message"))?;
    conn.execute(
        "UPDATE conversations SET last_seq = ?2, updated_at = ?3 WHERE id = ?1",
        params![conversation.as_str(), seq as i64, message.ts.0],
    )
    .map_err(db("advance seq"))?;
    Ok(MessageOut {
        id,
        conversation_id: conversation.clone(),
        seq,
        author: message.author,
        text: message.text.into_string(),
        ts: message.ts,
    })
}

pub(super) fn append_to_visitor(
    conn: &Connection,
    site: &SiteId,
    visitor: &VisitorId,
    message: NewMessage,
) -> Result<Appended, StoreError> {
    if let Some(dup) = duplicate_of(conn, &message)? {
        return Ok(dup);
    }
    let open = conversations_where(
        conn,
        "site_id = ?1 AND visitor_id = ?2 AND state = 'open' ORDER BY created_at DESC LIMIT 1",
        &[&site.as_str(), &visitor.as_str()],
    )?;
    let (conversation, last_seq, opened) = match open.into_iter().next() {
        Some(c) => (c.id, c.last_seq, false),
        None => {
            let id = ConversationId::generate();
            conn.execute(
                "INSERT INTO conversations (id, site_id, visitor_id, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![
                    id.as_str(),
                    site.as_str(),
                    visitor.as_str(),
                    ConversationState::Open.as_str(),
                    message.ts.0
                ],
            )
            .map_err(db("open conversation"))?;
            (id, 0, true)
        }
    };
    let message = insert_message(conn, &conversation, last_seq, message)?;
    Ok(Appended {
        message,
        duplicate: false,
        opened,
    })
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
    if !conv.state.takes_new_messages() {
        return Err(StoreError::Conflict("the conversation is closed".into()));
    }
    let message = insert_message(conn, conversation, conv.last_seq, message)?;
    Ok(Appended {
        message,
        duplicate: false,
        opened: false,
    })
}
