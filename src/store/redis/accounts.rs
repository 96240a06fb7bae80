//! Accounts as stored in the directory (the record apart from its password hash, routing
//! profiles per membership, the one-time migration of older records) and the read-modify-write
//! helper the directory and the library share.

use super::keys::sub;
use super::values::{from_json, redis_err, to_json};
use super::{CAS_ATTEMPTS, RedisStore};
use crate::domain::AgentId;
use crate::store::{Agent, RoutingProfile, StoreError};
use serde::{Deserialize, Serialize};

/// An account as stored: the public record and, apart, the password hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct AgentRecord {
    pub(super) agent: Agent,
    pub(super) password_hash: String,
    /// Bumped with every password change; tokens of an older generation are refused.
    /// Records written before it existed read as 0.
    #[serde(default)]
    pub(super) token_generation: u64,
}

/// A membership's routing profile as stored; none yet (a membership added since the
/// migration and never changed) is the default.
pub(super) fn profile_from(json: Option<String>) -> Result<RoutingProfile, StoreError> {
    json.map_or_else(
        || Ok(RoutingProfile::default()),
        |j| from_json("routing profile", &j),
    )
}

/// The part of an account record written before routing profiles were per membership:
/// read once by [`RedisStore::migrate_profiles`].
#[derive(Deserialize)]
struct LegacyRecord {
    agent: LegacyProfile,
}

/// An account's routing profile from before; absent fields are the defaults of then.
#[derive(Deserialize)]
struct LegacyProfile {
    #[serde(default = "legacy_capacity")]
    capacity: u32,
    #[serde(default)]
    skills: Vec<String>,
}

fn legacy_capacity() -> u32 {
    RoutingProfile::DEFAULT_CAPACITY
}

impl RedisStore {
    /// Read-modify-write of a JSON record (a string key, or one field of a hash), retried
    /// while other writers change it in between; `NotFound(what)` when it is absent.
    pub(super) async fn update_json<T, F>(
        &self,
        key: &str,
        field: Option<&str>,
        what: &'static str,
        mut change: F,
    ) -> Result<T, StoreError>
    where
        T: Serialize + serde::de::DeserializeOwned,
        F: FnMut(&mut T),
    {
        let mut conn = self.conn();
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<String> = match field {
                None => ::redis::cmd("GET").arg(key).query_async(&mut conn).await,
                Some(f) => {
                    ::redis::cmd("HGET")
                        .arg(key)
                        .arg(f)
                        .query_async(&mut conn)
                        .await
                }
            }
            .map_err(redis_err("read for update"))?;
            let Some(current) = current else {
                return Err(StoreError::NotFound(what));
            };
            let mut value: T = from_json(what, &current)?;
            change(&mut value);
            let new = to_json(&value)?;
            let swapped: i64 = match field {
                None => {
                    self.scripts
                        .cas_string
                        .key(key)
                        .arg(&current)
                        .arg(&new)
                        .invoke_async(&mut conn)
                        .await
                }
                Some(f) => {
                    self.scripts
                        .cas_field
                        .key(key)
                        .arg(f)
                        .arg(&current)
                        .arg(&new)
                        .invoke_async(&mut conn)
                        .await
                }
            }
            .map_err(redis_err("compare and set"))?;
            if swapped == 1 {
                return Ok(value);
            }
        }
        Err(StoreError::Conflict(format!(
            "the {what} kept changing meanwhile; try again"
        )))
    }

    pub(super) async fn agent_record(
        &self,
        id: &AgentId,
    ) -> Result<Option<AgentRecord>, StoreError> {
        let json: Option<String> = ::redis::cmd("GET")
            .arg(sub(&self.keys.dir(), "agent:", id))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("find agent"))?;
        json.map(|j| from_json("agent", &j)).transpose()
    }

    /// Gives every membership the routing profile its account had when profiles were per
    /// account (before this version), once per Redis: `HSETNX` never overwrites a profile
    /// set since, so nodes starting together can all run it.
    pub(super) async fn migrate_profiles(&self) -> Result<(), StoreError> {
        let dir = self.keys.dir();
        let mut conn = self.conn();
        let done_key = sub(&dir, "migrated:", "member-profiles");
        let done: bool = ::redis::cmd("EXISTS")
            .arg(&done_key)
            .query_async(&mut conn)
            .await
            .map_err(redis_err("check profile migration"))?;
        if done {
            return Ok(());
        }
        let ids: Vec<String> = ::redis::cmd("HVALS")
            .arg(sub(&dir, "emails", ""))
            .query_async(&mut conn)
            .await
            .map_err(redis_err("migrate profiles"))?;
        for id in ids {
            let json: Option<String> = ::redis::cmd("GET")
                .arg(sub(&dir, "agent:", &id))
                .query_async(&mut conn)
                .await
                .map_err(redis_err("migrate profiles"))?;
            let Some(json) = json else { continue };
            let legacy: LegacyRecord = from_json("agent", &json)?;
            let profile = to_json(&RoutingProfile {
                capacity: legacy.agent.capacity,
                skills: legacy.agent.skills,
            })?;
            let sites: Vec<String> = ::redis::cmd("HKEYS")
                .arg(sub(&dir, "agent-sites:", &id))
                .query_async(&mut conn)
                .await
                .map_err(redis_err("migrate profiles"))?;
            for site in sites {
                ::redis::cmd("HSETNX")
                    .arg(sub(&dir, "profiles:", &site))
                    .arg(&id)
                    .arg(&profile)
                    .query_async::<i64>(&mut conn)
                    .await
                    .map_err(redis_err("migrate profiles"))?;
            }
        }
        ::redis::cmd("SET")
            .arg(&done_key)
            .arg(1)
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_err("migrate profiles"))?;
        Ok(())
    }

    /// Runs a membership script and maps its one-word answer.
    pub(super) async fn membership_script(
        &self,
        script: &::redis::Script,
        args: [&str; 3],
        context: &'static str,
    ) -> Result<String, StoreError> {
        script
            .key(self.keys.dir())
            .arg(args[0])
            .arg(args[1])
            .arg(args[2])
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err(context))
    }
}
