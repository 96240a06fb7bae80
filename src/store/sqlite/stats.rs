//! The owners' site report in SQL: conversations per UTC day and handoff reason, totals, and
//! the time people took to answer, each aggregated by the database in one query so a busy
//! site's report is not thousands of round trips.

use super::{SqliteStore, db};
use crate::conversation::HandoffReason;
use crate::domain::ConversationId;
use crate::domain::{SiteId, Timestamp};
use crate::report::{day_key, oldest_kept_day};
use crate::store::{DayStats, DraftDay, DraftMark, SiteStats, Stats, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, params};

/// The AI-draft figures: drafts made per site and UTC day (a counter), and one row per agent
/// message sent from a draft (keyed by the message, so a retried send counts once). Rows hold
/// no text and no shopper, and go after [`crate::report::DRAFT_DAYS_KEPT`] days.
pub(super) const DRAFT_MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS ai_drafts_made (
    site_id TEXT NOT NULL,
    day     TEXT NOT NULL,
    drafted INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);
CREATE TABLE IF NOT EXISTS ai_draft_sends (
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    site_id         TEXT NOT NULL,
    day             TEXT NOT NULL,
    mark            TEXT NOT NULL,  -- unchanged, edited
    PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX IF NOT EXISTS ai_draft_sends_by_day ON ai_draft_sends (site_id, day);
";

/// Draft figures per day in a window, both tables folded into one row per day.
const DRAFT_DAYS: &str = "
SELECT day, SUM(drafted), SUM(unchanged), SUM(edited) FROM (
    SELECT day, drafted, 0 AS unchanged, 0 AS edited FROM ai_drafts_made
    WHERE site_id = ?1 AND day >= ?2 AND day <= ?3
    UNION ALL
    SELECT day, 0, mark = 'unchanged', mark = 'edited' FROM ai_draft_sends
    WHERE site_id = ?1 AND day >= ?2 AND day <= ?3
) GROUP BY day ORDER BY day";

/// Counts grouped by day, reason and who answered; folded into days, reasons and totals.
const GROUPS: &str = "
SELECT date(c.created_at / 1000, 'unixepoch') AS day,
       c.handoff_reason,
       EXISTS (SELECT 1 FROM messages m
               WHERE m.conversation_id = c.id AND m.author_kind = 'agent') AS agent_wrote,
       c.last_agent IS NOT NULL AS had_agent,
       COUNT(*)
FROM conversations c
WHERE c.site_id = ?1 AND c.created_at >= ?2 AND c.created_at < ?3
GROUP BY day, c.handoff_reason, agent_wrote, had_agent
ORDER BY day";

/// Wait from going to people (the queue, or creation when an agent started or took the chat
/// itself) to the first agent message after it; nearest-rank median and 90th percentile,
/// so each is a wait some shopper really had. `queued_at` is the latest time the chat was
/// queued, so a chat queued again after an agent left counts the wait since then.
const FIRST_RESPONSE: &str = "
WITH waits AS (
    SELECT (SELECT MIN(m.ts) FROM messages m
            WHERE m.conversation_id = c.id AND m.author_kind = 'agent'
              AND m.ts >= COALESCE(c.queued_at, c.created_at))
           - COALESCE(c.queued_at, c.created_at) AS wait
    FROM conversations c
    WHERE c.site_id = ?1 AND c.created_at >= ?2 AND c.created_at < ?3
),
ranked AS (
    SELECT wait, ROW_NUMBER() OVER (ORDER BY wait) AS rn, COUNT(*) OVER () AS n
    FROM waits WHERE wait IS NOT NULL
)
SELECT COUNT(*),
       MAX(CASE WHEN rn = (n + 1) / 2 THEN wait END),
       MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN wait END)
FROM ranked";

/// See [`super::super::Store::site_stats`].
pub(super) fn site_stats(
    conn: &Connection,
    site: &SiteId,
    from: Timestamp,
    to: Timestamp,
) -> Result<SiteStats, StoreError> {
    let mut stats = SiteStats::default();
    let mut reasons: Vec<(HandoffReason, u64)> = Vec::new();
    let mut stmt = conn.prepare_cached(GROUPS).map_err(db("report groups"))?;
    let rows = stmt
        .query_map(params![site.as_str(), from.0, to.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(db("report groups"))?;
    for row in rows {
        let (day, reason, agent_wrote, had_agent, count) = row.map_err(db("report groups"))?;
        let count = count.max(0) as u64;
        let reason = reason.as_deref().and_then(HandoffReason::parse);
        if stats.days.last().is_none_or(|d| d.date != day) {
            stats.days.push(DayStats {
                date: day,
                conversations: 0,
                handed_off: 0,
            });
        }
        if let Some(d) = stats.days.last_mut() {
            d.conversations += count;
            if reason.is_some() {
                d.handed_off += count;
            }
        }
        stats.conversations += count;
        if agent_wrote {
            stats.with_agent += count;
        } else if reason.is_none() && !had_agent {
            stats.bot_only += count;
        }
        if let Some(reason) = reason {
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, n)) => *n += count,
                None => reasons.push((reason, count)),
            }
        }
    }
    stats.handoff_reasons = reasons;
    let (responses, median, p90) = conn
        .prepare_cached(FIRST_RESPONSE)
        .map_err(db("report first response"))?
        .query_row(params![site.as_str(), from.0, to.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })
        .map_err(db("report first response"))?;
    stats.responses = responses.max(0) as u64;
    stats.median_response_ms = median;
    stats.p90_response_ms = p90;
    Ok(stats)
}

#[async_trait]
impl Stats for SqliteStore {
    async fn site_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SiteStats, StoreError> {
        let site = site.clone();
        self.readers
            .run(move |c| site_stats(c, &site, from, to))
            .await
    }

    async fn count_draft(&self, site: &SiteId, at: Timestamp) -> Result<(), StoreError> {
        let (site, day) = (site.to_string(), day_key(at));
        let oldest = oldest_kept_day(Timestamp::now());
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO ai_drafts_made (site_id, day, drafted) VALUES (?1, ?2, 1)
                     ON CONFLICT (site_id, day) DO UPDATE SET drafted = drafted + 1",
                )
                .and_then(|mut s| s.execute(params![site, day]))
                .map_err(db("count draft"))?;
                // Each count drops the site's days past keeping (a primary-key range: nearly
                // always nothing), as Redis lets them expire.
                c.prepare_cached("DELETE FROM ai_drafts_made WHERE site_id = ?1 AND day < ?2")
                    .and_then(|mut s| s.execute(params![site, oldest]))
                    .map_err(db("prune drafts"))?;
                Ok(())
            })
            .await
    }

    async fn record_draft_send(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        seq: u64,
        mark: DraftMark,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (site, conversation) = (site.to_string(), conversation.to_string());
        let (day, seq) = (day_key(at), super::seq_param(seq));
        let oldest = oldest_kept_day(Timestamp::now());
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO ai_draft_sends (conversation_id, seq, site_id, day, mark)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (conversation_id, seq) DO NOTHING",
                )
                .and_then(|mut s| s.execute(params![conversation, seq, site, day, mark.as_str()]))
                .map_err(db("record draft send"))?;
                c.prepare_cached("DELETE FROM ai_draft_sends WHERE site_id = ?1 AND day < ?2")
                    .and_then(|mut s| s.execute(params![site, oldest]))
                    .map_err(db("prune draft sends"))?;
                Ok(())
            })
            .await
    }

    async fn draft_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DraftDay>, StoreError> {
        let (site, first, last) = (site.to_string(), day_key(from), day_key(to));
        self.readers
            .run(move |c| {
                let mut stmt = c.prepare_cached(DRAFT_DAYS).map_err(db("draft days"))?;
                let rows = stmt
                    .query_map(params![site, first, last], |r| {
                        Ok(DraftDay {
                            date: r.get(0)?,
                            drafted: r.get::<_, i64>(1)?.max(0) as u64,
                            sent_unchanged: r.get::<_, i64>(2)?.max(0) as u64,
                            sent_edited: r.get::<_, i64>(3)?.max(0) as u64,
                        })
                    })
                    .map_err(db("draft days"))?;
                rows.collect::<Result<Vec<_>, _>>()
                    .map_err(db("draft days"))
            })
            .await
    }
}
