//! `find_conversations`: the filters of the conversation list, the queue and an agent's
//! chats, answered from the narrowest per-site index (visitor, agent, stage, or every
//! conversation by activity) and checked header by header, reading pages so a search that
//! finds its `limit` early stops early.

use super::RedisStore;
use super::conversation_data::entries;
use super::keys::sub;
use super::values::redis_err;
use crate::conversation::{Conversation, ConversationFilter, Stage};
use crate::domain::{ConversationId, SiteId};
use crate::store::StoreError;
use ::redis::Value;
use std::collections::HashSet;

/// Headers loaded per round trip while searching.
const PAGE: isize = 200;
/// Stream entries read per round trip during a text search.
const TEXT_PAGE: usize = 500;

impl RedisStore {
    /// One site's matches, at most `limit` plus the rest of the last page read.
    pub(super) async fn find_in_site(
        &self,
        site: &SiteId,
        filter: &ConversationFilter,
        limit: usize,
    ) -> Result<Vec<Conversation>, StoreError> {
        let base = self.keys.site(site);
        let stages: Vec<&'static str> = filter
            .stages
            .iter()
            .filter_map(|s| Stage::is_name(s))
            .collect();
        if !filter.stages.is_empty() && stages.is_empty() {
            return Ok(Vec::new());
        }
        // The narrowest index that holds every match; the filter is applied to each header
        // anyway, so an index entry that went stale meanwhile is harmless.
        let paged_key = if let Some(visitor) = &filter.visitor {
            let ids: Vec<String> = ::redis::cmd("ZRANGE")
                .arg(sub(&base, "vconvs:", visitor))
                .arg(0)
                .arg(-1)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("search conversations"))?;
            let mut out = Vec::new();
            for conv in self.headers(&base, &ids).await? {
                if self.matches(&base, &conv, filter, &stages).await? {
                    out.push(conv);
                }
            }
            return Ok(out);
        } else if let Some(agent) = &filter.agent {
            sub(&base, "by-agent:", agent)
        } else if stages.len() == 1 {
            sub(&base, "by-stage:", stages[0])
        } else if stages.is_empty() {
            sub(&base, "convs", "")
        } else {
            // Several stages: merge their indexes by activity, then page through the ids.
            let mut pipe = ::redis::pipe();
            for stage in &stages {
                pipe.cmd("ZREVRANGE")
                    .arg(sub(&base, "by-stage:", stage))
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES");
            }
            let lists: Vec<Vec<(String, f64)>> = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("search conversations"))?;
            let mut ids: Vec<(String, f64)> = lists.into_iter().flatten().collect();
            // The indexes are scored by last activity: the idle sweep's old ones are found
            // without loading every open header (the header check below stays the judge).
            if let Some(before) = filter.active_before {
                ids.retain(|(_, score)| *score < before.0 as f64 + 1.0);
            }
            ids.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut seen = HashSet::new();
            ids.retain(|(id, _)| seen.insert(id.clone()));
            let mut out = Vec::new();
            for chunk in ids.chunks(PAGE as usize) {
                let chunk: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
                for conv in self.headers(&base, &chunk).await? {
                    if self.matches(&base, &conv, filter, &stages).await? {
                        out.push(conv);
                    }
                }
                if out.len() >= limit {
                    break;
                }
            }
            return Ok(out);
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut start: isize = 0;
        loop {
            let ids: Vec<String> = ::redis::cmd("ZREVRANGE")
                .arg(&paged_key)
                .arg(start)
                .arg(start + PAGE - 1)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("search conversations"))?;
            let ids: Vec<String> = ids
                .into_iter()
                .filter(|id| seen.insert(id.clone()))
                .collect();
            let page_len = ids.len();
            for conv in self.headers(&base, &ids).await? {
                if self.matches(&base, &conv, filter, &stages).await? {
                    out.push(conv);
                }
            }
            if out.len() >= limit || page_len == 0 {
                break;
            }
            start += PAGE;
        }
        Ok(out)
    }

    /// Whether a header (and, for a text search, its messages) passes the filter.
    async fn matches(
        &self,
        base: &str,
        conv: &Conversation,
        filter: &ConversationFilter,
        stages: &[&'static str],
    ) -> Result<bool, StoreError> {
        let cheap = filter
            .visitor
            .as_ref()
            .is_none_or(|v| *v == conv.visitor_id)
            && (filter.stages.is_empty() || stages.contains(&conv.lifecycle.stage.name()))
            && filter
                .agent
                .as_ref()
                .is_none_or(|a| conv.agent() == Some(a))
            && filter.tag.as_ref().is_none_or(|t| conv.tags.contains(t))
            && filter.from.is_none_or(|from| conv.created_at >= from)
            && filter.to.is_none_or(|to| conv.created_at < to)
            && filter
                .active_before
                .is_none_or(|before| conv.updated_at < before);
        if !cheap {
            return Ok(false);
        }
        match &filter.text {
            Some(needle) => self.mentions(base, &conv.id, needle).await,
            None => Ok(true),
        }
    }

    /// Whether a message of the conversation contains `needle`, ignoring case. Reads the
    /// stream in pages; Redis has no index for this, like SQLite's `LIKE` has none.
    async fn mentions(
        &self,
        base: &str,
        conversation: &ConversationId,
        needle: &str,
    ) -> Result<bool, StoreError> {
        let needle = needle.to_lowercase();
        let key = sub(base, "msgs:", conversation);
        let mut from = "-".to_owned();
        loop {
            let reply: Value = ::redis::cmd("XRANGE")
                .arg(&key)
                .arg(&from)
                .arg("+")
                .arg("COUNT")
                .arg(TEXT_PAGE)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("search messages"))?;
            let page = entries(reply)?;
            let Some((last, _)) = page.last() else {
                return Ok(false);
            };
            let next = format!("{}-0", last + 1);
            if page.iter().any(|(_, fields)| {
                fields
                    .get("text")
                    .is_some_and(|t| t.to_lowercase().contains(&needle))
            }) {
                return Ok(true);
            }
            if page.len() < TEXT_PAGE {
                return Ok(false);
            }
            from = next;
        }
    }
}
