//! The shoppers' ratings in Redis: the rating is a field of the conversation's hash
//! (`rating`: JSON, `rating_rule`: the opening rule's id or empty), so it goes wherever the
//! conversation goes (erasure, retention), and `ratings` (a sorted set of conversation ids
//! by rating time) finds a window's ratings for the report. [`RATE`] checks, stores and
//! appends the transcript's line in one step, with the semantics of `sqlite/ratings.rs`.

use super::RedisStore;
use super::conversation_data::{MessageArgs, conversation_from};
use super::keys::sub;
use super::values::{corrupt, from_json, items, pairs, redis_err, text, to_json};
use crate::domain::{AgentId, RuleId, SiteId, Timestamp};
use crate::report::day_key;
use crate::store::{Appended, NewMessage, Rated, Rating, RatingGroup, Ratings, StoreError};
use ::redis::Value;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Stores a rating once on a closed conversation: `KEYS[1]` the site's base; `ARGV`: the
/// conversation, the rating time, the rating's JSON, then the notice's message arguments.
/// The opening rule is the first message's author when that is one of the site's rules.
pub(super) const RATE: &str = r#"
local base = KEYS[1]
local cid, rated_at, doc = ARGV[1], ARGV[2], ARGV[3]
local key = conv_key(base, cid)
local stage = redis.call('HGET', key, 'stage')
if not stage then return {'missing'} end
if stage ~= 'closed' then return {'open'} end
if redis.call('HEXISTS', key, 'rating') == 1 then return {'rated'} end
local rule = ''
local first = entry(base, cid, 1)
for i = 1, #first, 2 do
  if first[i] == 'author' then rule = first[i + 1] end
end
if rule ~= '' and not redis.call('ZSCORE', base .. 'rules', rule) then rule = '' end
redis.call('HSET', key, 'rating', doc, 'rating_rule', rule)
redis.call('ZADD', base .. 'ratings', rated_at, cid)
local seq = append(base, cid, ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
return {'ok', redis.call('HGETALL', key), tostring(seq)}
"#;

/// A rating as kept in the conversation's hash.
#[derive(Serialize, Deserialize)]
struct Stored {
    score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    team: Option<String>,
    rated_at: i64,
}

/// Ratings read per round trip.
const BATCH: usize = 500;

#[async_trait]
impl Ratings for RedisStore {
    async fn rate(&self, rating: &Rating, notice: NewMessage) -> Result<Rated, StoreError> {
        let base = self.keys.site(&rating.site_id);
        let doc = to_json(&Stored {
            score: rating.score,
            comment: rating.comment.clone(),
            agent: rating.agent.clone(),
            team: rating.team.clone(),
            rated_at: rating.rated_at.0,
        })?;
        let args = MessageArgs::new(notice);
        let mut invocation = self.scripts.rate.key(&base);
        invocation
            .arg(rating.conversation_id.as_str())
            .arg(rating.rated_at.0)
            .arg(doc);
        args.push(&mut invocation)?;
        let reply: Value = invocation
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("rate"))?;
        let mut reply = items(reply).into_iter();
        let status = reply.next().as_ref().and_then(text).unwrap_or_default();
        match status.as_str() {
            "ok" => {}
            "missing" => return Err(StoreError::NotFound("conversation")),
            "open" => return Ok(Rated::NotClosed),
            "rated" => return Ok(Rated::AlreadyRated),
            other => return Err(corrupt(format!("rate answered {other}"))),
        }
        let header = reply.next().ok_or_else(|| corrupt("rate reply header"))?;
        let conversation =
            conversation_from(&pairs(&header))?.ok_or(StoreError::NotFound("conversation"))?;
        let seq: u64 = reply
            .next()
            .as_ref()
            .and_then(text)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| corrupt("rate reply seq"))?;
        Ok(Rated::Stored(Box::new(Appended {
            message: args.stored(&rating.conversation_id, seq),
            conversation,
            duplicate: false,
            opened: false,
        })))
    }

    async fn rating_groups(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RatingGroup>, StoreError> {
        let base = self.keys.site(site);
        let ids: Vec<String> = ::redis::cmd("ZRANGEBYSCORE")
            .arg(sub(&base, "ratings", ""))
            .arg(from.0)
            .arg(format!("({}", to.0))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("report ratings"))?;
        let mut groups: Vec<RatingGroup> = Vec::new();
        for chunk in ids.chunks(BATCH) {
            let mut pipe = ::redis::pipe();
            for id in chunk {
                pipe.cmd("HMGET")
                    .arg(sub(&base, "conv:", id))
                    .arg("rating")
                    .arg("rating_rule");
            }
            let found: Vec<Vec<Option<String>>> = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("report ratings"))?;
            // A conversation erased or expired since leaves its id behind: skipped.
            for fields in found {
                let mut fields = fields.into_iter();
                let (Some(Some(doc)), rule) = (fields.next(), fields.next().flatten()) else {
                    continue;
                };
                let stored: Stored = from_json("rating", &doc)?;
                let rule = rule.filter(|r| !r.is_empty());
                let group = RatingGroup {
                    date: day_key(Timestamp(stored.rated_at)),
                    score: stored.score,
                    agent: stored.agent,
                    team: stored.team,
                    rule: rule
                        .map(|r| RuleId::parse(&r))
                        .transpose()
                        .map_err(corrupt)?,
                    count: 1,
                };
                match groups.iter_mut().find(|g| {
                    (&g.date, g.score, &g.agent, &g.team, &g.rule)
                        == (
                            &group.date,
                            group.score,
                            &group.agent,
                            &group.team,
                            &group.rule,
                        )
                }) {
                    Some(g) => g.count += 1,
                    None => groups.push(group),
                }
            }
        }
        Ok(groups)
    }
}
