//! The owners' site report from Redis. Redis cannot group and rank like SQL, so the numbers
//! are folded here from two pipelined round trips: the headers of the conversations created
//! in the window (from the `convs-created` index), then per conversation the first agent
//! message at or after it went to people (from the `agent-ts` index the append script keeps).
//! The semantics are those of the SQLite report; see `sqlite/stats.rs`.

use super::RedisStore;
use super::keys::sub;
use super::values::{redis_err, score_ms};
use crate::conversation::HandoffReason;
use crate::domain::{SiteId, Timestamp};
use crate::store::{DayStats, SiteStats, Stats, StoreError};
use async_trait::async_trait;

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
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_utc_dates() {
        assert_eq!(super::day_of(1_773_100_800_000), "2026-03-10");
        assert_eq!(super::day_of(1_773_100_800_000 - 1), "2026-03-09");
    }
}
