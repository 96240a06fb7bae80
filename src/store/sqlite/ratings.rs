//! The shoppers' ratings in SQLite: a `ratings` row per conversation (deleted with it), the
//! transcript's line appended in the same savepoint, and the report's groups counted by
//! the database.

use super::conversation_sql::{conversations_where, insert_message};
use super::{SqliteStore, db};
use crate::conversation::Stage;
use crate::domain::{AgentId, RuleId, SiteId, Timestamp};
use crate::store::{Appended, NewMessage, Rated, Rating, RatingGroup, Ratings, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

/// One rating per conversation, with what it counts for fixed when it was given.
pub(super) const MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    site_id         TEXT NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT,
    agent_id        TEXT,   -- the agent who last had the chat; NULL: only the bot
    team            TEXT,
    rule_id         TEXT,   -- the trigger rule whose message opened the chat
    rated_at        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ratings_by_site ON ratings (site_id, rated_at);
";

/// The report's groups of a site's ratings in a window.
const GROUPS: &str = "
SELECT date(rated_at / 1000, 'unixepoch'), score, agent_id, team, rule_id, COUNT(*)
FROM ratings WHERE site_id = ?1 AND rated_at >= ?2 AND rated_at < ?3
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1";

/// The rule whose message opened the conversation: its first message's author, when that
/// is a rule of the site (a rule speaking as the bot stores its id as the author).
const OPENING_RULE: &str = "
SELECT r.id FROM messages m JOIN rules r ON r.id = m.author_id AND r.site_id = ?2
WHERE m.conversation_id = ?1 AND m.seq = 1";

fn rate(conn: &Connection, rating: &Rating, notice: NewMessage) -> Result<Rated, StoreError> {
    let id = rating.conversation_id.as_str();
    let site = rating.site_id.as_str();
    let Some(conv) = conversations_where(conn, "id = ?1 AND site_id = ?2", &[&id, &site])?
        .into_iter()
        .next()
    else {
        return Err(StoreError::NotFound("conversation"));
    };
    if !matches!(conv.lifecycle.stage, Stage::Closed) {
        return Ok(Rated::NotClosed);
    }
    let rule: Option<String> = conn
        .prepare_cached(OPENING_RULE)
        .and_then(|mut s| s.query_row(params![id, site], |r| r.get(0)).optional())
        .map_err(db("find the opening rule"))?;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO ratings (conversation_id, site_id, score, comment, agent_id, team,
                rule_id, rated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (conversation_id) DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![
                id,
                site,
                rating.score,
                rating.comment,
                rating.agent.as_ref().map(|a| a.as_str()),
                rating.team,
                rule,
                rating.rated_at.0
            ])
        })
        .map_err(db("store rating"))?;
    if inserted == 0 {
        return Ok(Rated::AlreadyRated);
    }
    let message = insert_message(conn, &conv.id, conv.last_seq, notice)?;
    let mut conversation = conv;
    conversation.last_seq = message.seq;
    conversation.updated_at = message.ts;
    Ok(Rated::Stored(Box::new(Appended {
        conversation,
        message,
        duplicate: false,
        opened: false,
    })))
}

fn groups(
    conn: &Connection,
    site: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<RatingGroup>, StoreError> {
    let mut stmt = conn.prepare_cached(GROUPS).map_err(db("rating groups"))?;
    let rows = stmt
        .query_map(params![site, from.0, to.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .map_err(db("rating groups"))?;
    rows.map(|row| {
        let (date, score, agent, team, rule, count) = row.map_err(db("rating groups"))?;
        let bad = |e: crate::domain::IdError| super::corrupt(e);
        Ok(RatingGroup {
            date,
            score: u8::try_from(score).map_err(|_| super::corrupt("rating score"))?,
            agent: agent.map(|a| AgentId::parse(&a)).transpose().map_err(bad)?,
            team,
            rule: rule.map(|r| RuleId::parse(&r)).transpose().map_err(bad)?,
            count: count.max(0) as u64,
        })
    })
    .collect()
}

#[async_trait]
impl Ratings for SqliteStore {
    async fn rate(&self, rating: &Rating, notice: NewMessage) -> Result<Rated, StoreError> {
        let rating = rating.clone();
        // In a savepoint: a failed append takes the rating row back with it.
        self.writer.run(move |c| rate(c, &rating, notice)).await
    }

    async fn rating_groups(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RatingGroup>, StoreError> {
        let site = site.to_string();
        self.readers.run(move |c| groups(c, &site, from, to)).await
    }
}
