//! The owners' site report from Redis. Redis cannot group and rank like SQL, so the numbers
//! are folded here from two pipelined round trips: the headers of the conversations created
//! in the window (from the `convs-created` index), then per conversation the first agent
//! message at or after it went to people (from the `agent-ts` index the append script keeps).
//! The semantics are those of the SQLite report; see `sqlite/stats.rs`.
//!
//! The AI-draft figures are counters kept as they happen, per site and UTC day:
//! `ai-drafts:DAY` (a hash: `drafted`, `unchanged`, `edited`) and `ai-sent:DAY` (a hash:
//! `CONVERSATION:SEQ` → mark, so a retried send counts once), both expiring
//! [`DRAFT_DAYS_KEPT`] days after their day. [`DRAFT_SEND`] records a send and counts it in one step.

use super::RedisStore;
use super::keys::sub;
use super::values::{redis_err, score_ms};
use crate::conversation::HandoffReason;
use crate::domain::ConversationId;
use crate::domain::{SiteId, Timestamp};
use crate::report::{DRAFT_DAYS_KEPT, day_key, days_between};
use crate::store::{DayStats, DraftDay, DraftMark, SiteStats, Stats, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;

/// When a day's draft figures expire (Unix seconds): [`DRAFT_DAYS_KEPT`] days after the day
/// began, however late they were written (a day already past keeping expires at once).
fn draft_expiry(at: Timestamp) -> i64 {
    const DAY_SECS: i64 = 86_400;
    (at.0.div_euclid(1000).div_euclid(DAY_SECS) + DRAFT_DAYS_KEPT) * DAY_SECS
}

/// Records that an agent message was sent from a draft, once: `KEYS[1]` the site's base;
/// `ARGV`: day, `CONVERSATION:SEQ`, mark, when the day expires (Unix seconds). The mark is set only if the message
/// has none, and only then counted, so a retried send neither counts twice nor half.
pub(super) const DRAFT_SEND: &str = r#"
local sent = KEYS[1] .. 'ai-sent:' .. ARGV[1]
local counts = KEYS[1] .. 'ai-drafts:' .. ARGV[1]
if redis.call('HSETNX', sent, ARGV[2], ARGV[3]) == 1 then
  redis.call('HINCRBY', counts, ARGV[3], 1)
  redis.call('EXPIREAT', sent, ARGV[4])
  redis.call('EXPIREAT', counts, ARGV[4])
end
return 0
"#;

/// Conversations read per round trip.
const BATCH: usize = 500;

/// `YYYY-MM-DD` of a UTC time in ms.
fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[async_trait]
impl Stats for RedisStore {
    async fn site_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SiteStats, StoreError> {
        let base = self.keys.site(site);
        let ids: Vec<String> = ::redis::cmd("ZRANGEBYSCORE")
            .arg(sub(&base, "convs-created", ""))
            .arg(from.0)
            .arg(format!("({}", to.0))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("report conversations"))?;
        let mut stats = SiteStats::default();
        let mut reasons: Vec<(HandoffReason, u64)> = Vec::new();
        let mut waits: Vec<i64> = Vec::new();
        for chunk in ids.chunks(BATCH) {
            let mut convs = self.headers(&base, chunk).await?;
            convs.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
            // Per conversation: does it have an agent message, and the first one since it
            // went to people (the queue, or creation when an agent started it).
            let mut pipe = ::redis::pipe();
            for conv in &convs {
                let key = sub(&base, "agent-ts:", &conv.id);
                let start = conv.queued_at.unwrap_or(conv.created_at).0;
                pipe.cmd("ZCARD").arg(&key);
                pipe.cmd("ZRANGEBYSCORE")
                    .arg(&key)
                    .arg(start)
                    .arg("+inf")
                    .arg("WITHSCORES")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(1);
            }
            let replies: Vec<::redis::Value> = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("report agent replies"))?;
            for (conv, answers) in convs.iter().zip(replies.chunks(2)) {
                let agent_wrote = match answers.first() {
                    Some(::redis::Value::Int(n)) => *n > 0,
                    _ => false,
                };
                let first: Vec<(String, String)> = answers
                    .get(1)
                    .cloned()
                    .map(::redis::from_redis_value)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("report reply: {e}")))?
                    .unwrap_or_default();
                let day = day_of(conv.created_at.0);
                if stats.days.last().is_none_or(|d| d.date != day) {
                    stats.days.push(DayStats {
                        date: day,
                        conversations: 0,
                        handed_off: 0,
                    });
                }
                if let Some(d) = stats.days.last_mut() {
                    d.conversations += 1;
                    if conv.handoff_reason.is_some() {
                        d.handed_off += 1;
                    }
                }
                stats.conversations += 1;
                if agent_wrote {
                    stats.with_agent += 1;
                } else if conv.handoff_reason.is_none() && conv.lifecycle.last_agent.is_none() {
                    stats.bot_only += 1;
                }
                if let Some(reason) = conv.handoff_reason {
                    match reasons.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, n)) => *n += 1,
                        None => reasons.push((reason, 1)),
                    }
                }
                if let Some((_, score)) = first.first() {
                    let start = conv.queued_at.unwrap_or(conv.created_at).0;
                    waits.push(score_ms(score)? - start);
                }
            }
        }
        stats.handoff_reasons = reasons;
        waits.sort_unstable();
        let n = waits.len();
        stats.responses = n as u64;
        if n > 0 {
            // Nearest rank, as in SQLite: the ⌈n/2⌉th and the ⌈9n/10⌉th wait.
            stats.median_response_ms = waits.get(n.div_ceil(2) - 1).copied();
            stats.p90_response_ms = waits.get((9 * n).div_ceil(10) - 1).copied();
        }
        Ok(stats)
    }

    async fn count_draft(&self, site: &SiteId, at: Timestamp) -> Result<(), StoreError> {
        let key = sub(&self.keys.site(site), "ai-drafts:", day_key(at));
        ::redis::pipe()
            .atomic()
            .cmd("HINCRBY")
            .arg(&key)
            .arg("drafted")
            .arg(1)
            .ignore()
            .cmd("EXPIREAT")
            .arg(&key)
            .arg(draft_expiry(at))
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("count draft"))
    }

    async fn record_draft_send(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        seq: u64,
        mark: DraftMark,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.scripts
            .draft_send
            .key(self.keys.site(site))
            .arg(day_key(at))
            .arg(format!("{conversation}:{seq}"))
            .arg(mark.as_str())
            .arg(draft_expiry(at))
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map_err(redis_err("record draft send"))?;
        Ok(())
    }

    async fn draft_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DraftDay>, StoreError> {
        let base = self.keys.site(site);
        // At most the longest window's days (90), in one round trip.
        let days = days_between(from, to);
        let mut pipe = ::redis::pipe();
        for day in &days {
            pipe.cmd("HGETALL").arg(sub(&base, "ai-drafts:", day));
        }
        let found: Vec<HashMap<String, u64>> = pipe
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("draft days"))?;
        Ok(days
            .into_iter()
            .zip(found)
            .filter(|(_, counts)| !counts.is_empty())
            .map(|(date, counts)| {
                let get = |name: &str| counts.get(name).copied().unwrap_or(0);
                DraftDay {
                    drafted: get("drafted"),
                    sent_unchanged: get(DraftMark::Unchanged.as_str()),
                    sent_edited: get(DraftMark::Edited.as_str()),
                    date,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_utc_dates() {
        assert_eq!(super::day_of(1_773_100_800_000), "2026-03-10");
        assert_eq!(super::day_of(1_773_100_800_000 - 1), "2026-03-09");
    }
}
