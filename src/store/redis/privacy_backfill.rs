//! Once per Redis: visitors saved before the `visitors-seen` index existed get their entry,
//! scored by the `last_seen_at` their state records, so the browsing-retention sweep finds
//! them too. Run at connect like the other migrations, marked done under the directory's
//! `migrated:visitors-seen`; `ZADD NX`, so a mark a save wrote meanwhile is kept.

use super::RedisStore;
use super::keys::sub;
use super::privacy_data::CHUNK;
use super::values::redis_err;
use crate::store::StoreError;

/// The site base (`PREFIX{SITE}:`) and visitor id of a `…visitor:ID` key, if it is one.
fn split_key<'k>(prefix: &str, key: &'k str) -> Option<(&'k str, &'k str)> {
    let rest = key.strip_prefix(prefix)?;
    let close = rest.find("}:visitor:")?;
    let base_len = prefix.len() + close + "}:".len();
    Some((&key[..base_len], &key[base_len + "visitor:".len()..]))
}

impl RedisStore {
    /// Indexes the visitors saved before `visitors-seen` existed (once per Redis).
    pub(super) async fn backfill_visitors_seen(&self) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let done_key = sub(&self.keys.dir(), "migrated:", "visitors-seen");
        let done: bool = ::redis::cmd("EXISTS")
            .arg(&done_key)
            .query_async(&mut conn)
            .await
            .map_err(redis_err("check visitors-seen back-fill"))?;
        if done {
            return Ok(());
        }
        let prefix = self.keys.prefix().to_owned();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{prefix}{{*}}:visitor:*"))
                .arg("COUNT")
                .arg(CHUNK)
                .query_async(&mut conn)
                .await
                .map_err(redis_err("back-fill visitors-seen"))?;
            if !keys.is_empty() {
                let states: Vec<Option<String>> = ::redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(redis_err("back-fill visitors-seen"))?;
                let mut pipe = ::redis::pipe();
                for (key, state) in keys.iter().zip(states) {
                    let (Some((base, id)), Some(state)) = (split_key(&prefix, key), state) else {
                        continue;
                    };
                    let seen = serde_json::from_str::<serde_json::Value>(&state)
                        .ok()
                        .and_then(|v| v.get("last_seen_at").and_then(serde_json::Value::as_i64))
                        .unwrap_or(0);
                    pipe.cmd("ZADD")
                        .arg(sub(base, "visitors-seen", ""))
                        .arg("NX")
                        .arg(seen)
                        .arg(id)
                        .ignore();
                }
                pipe.query_async::<()>(&mut conn)
                    .await
                    .map_err(redis_err("back-fill visitors-seen"))?;
            }
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        ::redis::cmd("SET")
            .arg(&done_key)
            .arg(1)
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_err("back-fill visitors-seen"))
    }
}

#[cfg(test)]
mod tests {
    use super::split_key;

    #[test]
    fn a_visitor_key_splits_into_its_site_base_and_id() {
        assert_eq!(
            split_key("shopchat:", "shopchat:{site_abc}:visitor:v_123"),
            Some(("shopchat:{site_abc}:", "v_123"))
        );
        assert_eq!(split_key("shopchat:", "shopchat:{site_abc}:conv:c_1"), None);
        assert_eq!(split_key("other:", "shopchat:{site_abc}:visitor:v_1"), None);
    }
}
