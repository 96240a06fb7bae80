//! The embedded store: one SQLite file in the data directory, in WAL mode with full sync, so
//! a committed write survives a crash or power loss. Writes go through one writer thread that
//! batches them ([`writer`]); reads use a small pool of read-only connections ([`readers`]).

mod library;
mod queries;
mod readers;
mod schema;
mod stats;
mod writer;

use super::{
    Agent, AgentCredentials, Appended, Conversation, ConversationFilter, FunnelCounts, Membership,
    NewAgent, NewMessage, NewSite, Note, RoutingProfile, Site, SiteAgent, Store, StoreError,
    StoredRule, TriggerSettings,
};
use super::{Article, CannedReply, NewArticle, NewCanned, SiteStats};
use crate::conversation::{ChatSettings, Opening};
use crate::domain::{
    AgentId, ConversationId, Email, NoteId, Role, RuleId, SiteId, Timestamp, VisitorId,
    random_token,
};
use crate::domain::{ArticleId, CannedId};
use crate::protocol::MessageOut;
use crate::triggers::{Stage, VisitorRecord};
use async_trait::async_trait;
use readers::Readers;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use writer::Writer;

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "shopchat.db";

/// Jobs that may wait for the writer before callers are made to wait too.
const WRITE_QUEUE: usize = 4096;

/// The SQLite-backed [`Store`].
pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join(DB_FILE);
        let fail = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        std::fs::create_dir_all(data_dir)
            .map_err(|e| fail(format!("cannot create directory: {e}")))?;
        let mut conn = Connection::open(&path).map_err(|e| fail(e.to_string()))?;
        configure(&conn).map_err(|e| fail(e.to_string()))?;
        schema::migrate(&mut conn).map_err(|e| fail(format!("migration failed: {e}")))?;
        let writer = Writer::start(conn, WRITE_QUEUE)
            .map_err(|e| fail(format!("cannot start writer: {e}")))?;
        Ok(SqliteStore {
            writer,
            readers: Readers::new(PathBuf::from(&path)),
        })
    }

    /// Finishes queued writes and stops the writer thread; later calls fail with `Closed`.
    pub async fn close(&self) {
        self.writer.close().await;
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL lets readers run beside the writer; FULL sync makes each commit survive power loss,
    // which is the promise an `ack` makes. Batching in the writer keeps the fsync count low.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { context, source }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.readers
            .run(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db("ping")))
            .await?;
        self.writer.run(|_| Ok(())).await
    }

    async fn secret(&self, name: &str, generate: fn() -> String) -> Result<String, StoreError> {
        let name = name.to_owned();
        self.writer
            .run(move |c| {
                let found: Option<String> = c
                    .query_row("SELECT value FROM secrets WHERE name = ?1", [&name], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(db("read secret"))?;
                if let Some(value) = found {
                    return Ok(value);
                }
                let value = generate();
                c.execute(
                    "INSERT INTO secrets (name, value) VALUES (?1, ?2)",
                    params![name, value],
                )
                .map_err(db("store secret"))?;
                Ok(value)
            })
            .await
    }

    async fn create_site(&self, new: NewSite) -> Result<Site, StoreError> {
        let site = Site {
            id: SiteId::generate(),
            name: new.name,
            public_key: format!("pk_{}", random_token(24)),
            origins: new.origins,
            identity_secret: random_token(40),
            created_at: Timestamp::now(),
        };
        let stored = site.clone();
        self.writer
            .run(move |c| queries::insert_site(c, &stored))
            .await?;
        Ok(site)
    }

    async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        self.readers.run(queries::sites).await
    }

    async fn site(&self, id: &SiteId) -> Result<Option<Site>, StoreError> {
        let id = id.to_string();
        self.readers
            .run(move |c| queries::site_where(c, "id", &id))
            .await
    }

    async fn site_by_public_key(&self, key: &str) -> Result<Option<Site>, StoreError> {
        let key = key.to_owned();
        self.readers
            .run(move |c| queries::site_where(c, "public_key", &key))
            .await
    }

    async fn update_site(
        &self,
        id: &SiteId,
        name: Option<String>,
        origins: Option<Vec<crate::domain::Origin>>,
    ) -> Result<Site, StoreError> {
        let id = id.to_string();
        self.writer
            .run(move |c| {
                if let Some(name) = name {
                    c.execute(
                        "UPDATE sites SET name = ?2 WHERE id = ?1",
                        params![id, name],
                    )
                    .map_err(db("rename site"))?;
                }
                if let Some(origins) = origins {
                    let json = serde_json::to_string(&origins)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    c.execute(
                        "UPDATE sites SET origins = ?2 WHERE id = ?1",
                        params![id, json],
                    )
                    .map_err(db("set origins"))?;
                }
                queries::site_where(c, "id", &id)?.ok_or(StoreError::NotFound("site"))
            })
            .await
    }

    async fn create_agent(&self, new: NewAgent) -> Result<Agent, StoreError> {
        self.writer
            .run(move |c| queries::insert_agent(c, &new, Timestamp::now()))
            .await
    }

    async fn agent_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<AgentCredentials>, StoreError> {
        let email = email.to_string();
        self.readers
            .run(move |c| queries::agent_where(c, "email", &email))
            .await
    }

    async fn agent(&self, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        let id = id.to_string();
        let found = self
            .readers
            .run(move |c| queries::agent_where(c, "id", &id))
            .await?;
        Ok(found.map(|creds| creds.agent))
    }

    async fn memberships(&self, agent: &AgentId) -> Result<Vec<Membership>, StoreError> {
        let agent = agent.clone();
        self.readers
            .run(move |c| queries::memberships(c, &agent))
            .await
    }

    async fn set_password(&self, agent: &AgentId, hash: String) -> Result<(), StoreError> {
        let agent = agent.clone();
        self.writer
            .run(move |c| queries::set_password(c, &agent, &hash))
            .await
    }

    async fn token_generation(&self, agent: &AgentId) -> Result<Option<u64>, StoreError> {
        let agent = agent.clone();
        self.readers
            .run(move |c| queries::token_generation(c, &agent))
            .await
    }

    async fn add_membership(
        &self,
        agent: &AgentId,
        site: &SiteId,
        role: Role,
    ) -> Result<(), StoreError> {
        let (agent, site) = (agent.clone(), site.clone());
        self.writer
            .run(move |c| queries::add_membership(c, &agent, &site, role))
            .await
    }

    async fn set_role(&self, site: &SiteId, agent: &AgentId, role: Role) -> Result<(), StoreError> {
        let (site, agent) = (site.clone(), agent.clone());
        self.writer
            .run(move |c| queries::set_role(c, &site, &agent, role))
            .await
    }

    async fn remove_membership(&self, site: &SiteId, agent: &AgentId) -> Result<bool, StoreError> {
        let (site, agent) = (site.clone(), agent.clone());
        self.writer
            .run(move |c| queries::remove_membership(c, &site, &agent))
            .await
    }

    async fn load_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<VisitorRecord>, StoreError> {
        let (site, visitor) = (site.to_string(), visitor.to_string());
        let json: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT state FROM visitors WHERE id = ?1 AND site_id = ?2",
                    [&visitor, &site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("load visitor"))
            })
            .await?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    async fn save_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (site, visitor) = (site.to_string(), visitor.to_string());
        let now = Timestamp::now().0;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO visitors (id, site_id, state, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?4)
                     ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                     WHERE visitors.site_id = excluded.site_id",
                    params![visitor, site, json, now],
                )
                .map_err(db("save visitor"))?;
                Ok(())
            })
            .await
    }

    async fn append_to_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        message: NewMessage,
        opening: &Opening,
    ) -> Result<Appended, StoreError> {
        let (site, visitor, opening) = (site.clone(), visitor.clone(), opening.clone());
        self.writer
            .run(move |c| queries::append_to_visitor(c, &site, &visitor, message, &opening))
            .await
    }

    async fn save_conversation(
        &self,
        conversation: &Conversation,
        expected: u64,
        notice: Option<NewMessage>,
    ) -> Result<(Conversation, Option<MessageOut>), StoreError> {
        let conversation = conversation.clone();
        let now = Timestamp::now();
        self.writer
            .run(move |c| queries::save_conversation(c, &conversation, expected, notice, now))
            .await
    }

    async fn site_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SiteStats, StoreError> {
        let site = site.clone();
        self.readers
            .run(move |c| stats::site_stats(c, &site, from, to))
            .await
    }

    async fn last_shopper_message(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<MessageOut>, StoreError> {
        let conversation = conversation.clone();
        self.readers
            .run(move |c| queries::last_shopper_message(c, &conversation))
            .await
    }

    async fn find_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let filter = filter.clone();
        self.readers
            .run(move |c| queries::find_conversations(c, &filter))
            .await
    }

    async fn add_note(&self, note: &Note) -> Result<(), StoreError> {
        let note = note.clone();
        self.writer
            .run(move |c| {
                c.execute(
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
                    let bad = |e: crate::domain::IdError| StoreError::Corrupt(e.to_string());
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

    async fn mark_agent_read(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        let conversation = conversation.to_string();
        self.writer
            .run(move |c| {
                c.execute(
                    "UPDATE conversations SET agent_read_seq = MAX(agent_read_seq, MIN(?2, last_seq))
                     WHERE id = ?1",
                    params![conversation, queries::seq_param(seq)],
                )
                .map_err(db("mark agent read"))?;
                Ok(())
            })
            .await
    }

    async fn site_agents(&self, site: &SiteId) -> Result<Vec<SiteAgent>, StoreError> {
        let site = site.clone();
        self.readers
            .run(move |c| queries::site_agents(c, &site))
            .await
    }

    async fn set_member_profile(
        &self,
        site: &SiteId,
        agent: &AgentId,
        profile: &RoutingProfile,
    ) -> Result<(), StoreError> {
        let (site, agent) = (site.to_string(), agent.to_string());
        let capacity = profile.capacity;
        let skills = serde_json::to_string(&profile.skills)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .run(move |c| {
                let n = c
                    .execute(
                        "UPDATE memberships SET capacity = ?3, skills = ?4
                         WHERE site_id = ?1 AND agent_id = ?2",
                        params![site, agent, capacity, skills],
                    )
                    .map_err(db("set member profile"))?;
                if n == 0 {
                    Err(StoreError::NotFound("agent"))
                } else {
                    Ok(())
                }
            })
            .await
    }

    async fn chat_settings(&self, site: &SiteId) -> Result<ChatSettings, StoreError> {
        let site = site.to_string();
        let spec: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT spec FROM chat_settings WHERE site_id = ?1",
                    [site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("read chat settings"))
            })
            .await?;
        match spec {
            Some(spec) => serde_json::from_str(&spec)
                .map_err(|e| StoreError::Corrupt(format!("chat settings: {e}"))),
            None => Ok(ChatSettings::default()),
        }
    }

    async fn set_chat_settings(
        &self,
        site: &SiteId,
        settings: &ChatSettings,
    ) -> Result<(), StoreError> {
        let site = site.to_string();
        let spec =
            serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO chat_settings (site_id, spec) VALUES (?1, ?2)
                     ON CONFLICT (site_id) DO UPDATE SET spec = excluded.spec",
                    params![site, spec],
                )
                .map_err(db("save chat settings"))?;
                Ok(())
            })
            .await
    }

    async fn append_message(
        &self,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> Result<Appended, StoreError> {
        let conversation = conversation.clone();
        self.writer
            .run(move |c| queries::append_message(c, &conversation, message))
            .await
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        let id = id.to_string();
        let found = self
            .readers
            .run(move |c| queries::conversations_where(c, "id = ?1", &[&id]))
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
                queries::conversations_where(
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
                queries::conversations_where(
                    c,
                    "site_id = ?1 ORDER BY updated_at DESC LIMIT ?2",
                    &[&site, &limit],
                )
            })
            .await
    }

    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<MessageOut>, StoreError> {
        let conversation = conversation.clone();
        self.readers
            .run(move |c| queries::messages_after(c, &conversation, after, limit))
            .await
    }

    async fn mark_read(&self, conversation: &ConversationId, seq: u64) -> Result<(), StoreError> {
        let conversation = conversation.to_string();
        self.writer
            .run(move |c| {
                c.execute(
                    "UPDATE conversations SET shopper_read_seq = MAX(shopper_read_seq, MIN(?2, last_seq))
                     WHERE id = ?1",
                    params![conversation, queries::seq_param(seq)],
                )
                .map_err(db("mark read"))?;
                Ok(())
            })
            .await
    }

    async fn list_rules(&self, site: &SiteId) -> Result<Vec<StoredRule>, StoreError> {
        let site = site.to_string();
        self.readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT id, spec, created_at, updated_at FROM rules WHERE site_id = ?1
                         ORDER BY created_at, id",
                    )
                    .map_err(db("list rules"))?;
                let rows = stmt
                    .query_map([&site], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    })
                    .map_err(db("list rules"))?;
                rows.map(|row| {
                    let (id, spec, created, updated) = row.map_err(db("list rules"))?;
                    Ok(StoredRule {
                        id: RuleId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        spec: serde_json::from_str(&spec)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        created_at: Timestamp(created),
                        updated_at: Timestamp(updated),
                    })
                })
                .collect()
            })
            .await
    }

    async fn save_rule(
        &self,
        site: &SiteId,
        id: &RuleId,
        spec: serde_json::Value,
    ) -> Result<bool, StoreError> {
        let (site, id) = (site.to_string(), id.to_string());
        let spec = spec.to_string();
        let now = Timestamp::now().0;
        self.writer
            .run(move |c| {
                let owner: Option<String> = c
                    .query_row("SELECT site_id FROM rules WHERE id = ?1", [&id], |r| r.get(0))
                    .optional()
                    .map_err(db("find rule"))?;
                match owner {
                    Some(s) if s != site => Err(StoreError::NotFound("rule")),
                    Some(_) => {
                        c.execute("UPDATE rules SET spec = ?2, updated_at = ?3 WHERE id = ?1", params![id, spec, now])
                            .map_err(db("replace rule"))?;
                        Ok(false)
                    }
                    None => {
                        c.execute(
                            "INSERT INTO rules (id, site_id, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                            params![id, site, spec, now],
                        )
                        .map_err(db("insert rule"))?;
                        Ok(true)
                    }
                }
            })
            .await
    }

    async fn delete_rule(&self, site: &SiteId, id: &RuleId) -> Result<bool, StoreError> {
        let (site, id) = (site.to_string(), id.to_string());
        self.writer
            .run(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM rules WHERE id = ?1 AND site_id = ?2",
                        [&id, &site],
                    )
                    .map_err(db("delete rule"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn count_funnel(
        &self,
        site: &SiteId,
        rule: &RuleId,
        held_out: bool,
        stage: Stage,
    ) -> Result<(), StoreError> {
        let (site, rule) = (site.to_string(), rule.to_string());
        self.writer
            .run(move |c| {
                // Only rules of this site count; a deleted rule's late events are dropped.
                c.execute(
                    "INSERT INTO rule_funnel (rule_id, held_out, stage, count)
                     SELECT id, ?3, ?4, 1 FROM rules WHERE id = ?1 AND site_id = ?2
                     ON CONFLICT (rule_id, held_out, stage) DO UPDATE SET count = count + 1",
                    params![rule, site, held_out, stage.as_str()],
                )
                .map_err(db("count funnel"))?;
                Ok(())
            })
            .await
    }

    async fn funnel(&self, site: &SiteId, rule: &RuleId) -> Result<FunnelCounts, StoreError> {
        let (site, rule) = (site.to_string(), rule.to_string());
        self.readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT f.held_out, f.stage, f.count FROM rule_funnel f JOIN rules r ON r.id = f.rule_id
                         WHERE f.rule_id = ?1 AND r.site_id = ?2",
                    )
                    .map_err(db("read funnel"))?;
                let rows = stmt
                    .query_map([&rule, &site], |r| {
                        Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
                    })
                    .map_err(db("read funnel"))?;
                let mut counts = FunnelCounts::default();
                for row in rows {
                    let (held_out, stage, count) = row.map_err(db("read funnel"))?;
                    let Some(i) = Stage::ALL.iter().position(|s| s.as_str() == stage) else { continue };
                    let group = if held_out { &mut counts.held_out } else { &mut counts.shown };
                    group[i] = count.max(0) as u64;
                }
                Ok(counts)
            })
            .await
    }

    async fn trigger_settings(&self, site: &SiteId) -> Result<TriggerSettings, StoreError> {
        let site = site.to_string();
        let json: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT triggers FROM site_settings WHERE site_id = ?1",
                    [&site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("read trigger settings"))
            })
            .await?;
        match json {
            Some(j) => serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string())),
            None => Ok(TriggerSettings::default()),
        }
    }

    async fn set_trigger_settings(
        &self,
        site: &SiteId,
        settings: &TriggerSettings,
    ) -> Result<(), StoreError> {
        let site = site.to_string();
        let json =
            serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO site_settings (site_id, triggers) VALUES (?1, ?2)
                     ON CONFLICT (site_id) DO UPDATE SET triggers = excluded.triggers",
                    params![site, json],
                )
                .map_err(db("save trigger settings"))?;
                Ok(())
            })
            .await
    }

    async fn list_articles(&self, site: &SiteId) -> Result<Vec<Article>, StoreError> {
        let site = site.clone();
        self.readers.run(move |c| library::articles(c, &site)).await
    }

    async fn article(&self, site: &SiteId, id: &ArticleId) -> Result<Option<Article>, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.readers
            .run(move |c| library::article(c, &site, &id))
            .await
    }

    async fn create_article(&self, site: &SiteId, new: NewArticle) -> Result<Article, StoreError> {
        let now = Timestamp::now();
        let article = Article {
            id: ArticleId::generate(),
            site_id: site.clone(),
            question: new.question,
            answer: new.answer,
            created_at: now,
            updated_at: now,
        };
        let stored = article.clone();
        self.writer
            .run(move |c| library::insert_article(c, &stored))
            .await?;
        Ok(article)
    }

    async fn update_article(
        &self,
        site: &SiteId,
        id: &ArticleId,
        new: NewArticle,
    ) -> Result<Article, StoreError> {
        let (site, id, now) = (site.clone(), id.clone(), Timestamp::now());
        self.writer
            .run(move |c| library::update_article(c, &site, &id, &new, now))
            .await
    }

    async fn delete_article(&self, site: &SiteId, id: &ArticleId) -> Result<bool, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.writer
            .run(move |c| library::delete_article(c, &site, &id))
            .await
    }

    async fn list_canned(&self, site: &SiteId) -> Result<Vec<CannedReply>, StoreError> {
        let site = site.clone();
        self.readers
            .run(move |c| library::canned_list(c, &site))
            .await
    }

    async fn canned(
        &self,
        site: &SiteId,
        id: &CannedId,
    ) -> Result<Option<CannedReply>, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.readers
            .run(move |c| library::canned(c, &site, &id))
            .await
    }

    async fn create_canned(
        &self,
        site: &SiteId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError> {
        let now = Timestamp::now();
        let reply = CannedReply {
            id: CannedId::generate(),
            site_id: site.clone(),
            shortcut: new.shortcut,
            title: new.title,
            body: new.body,
            created_at: now,
            updated_at: now,
        };
        let stored = reply.clone();
        self.writer
            .run(move |c| library::insert_canned(c, &stored))
            .await?;
        Ok(reply)
    }

    async fn update_canned(
        &self,
        site: &SiteId,
        id: &CannedId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError> {
        let (site, id, now) = (site.clone(), id.clone(), Timestamp::now());
        self.writer
            .run(move |c| library::update_canned(c, &site, &id, &new, now))
            .await
    }

    async fn delete_canned(&self, site: &SiteId, id: &CannedId) -> Result<bool, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.writer
            .run(move |c| library::delete_canned(c, &site, &id))
            .await
    }
}
