//! An account changing its own display name, login email or avatar: the record and the email index
//! (`emails`, email → id) change together in one script, so no login ever finds an email
//! that points at nobody, or two accounts with the same email.

use super::accounts::AgentRecord;
use super::values::{from_json, redis_err, to_json};
use super::{CAS_ATTEMPTS, RedisStore};
use crate::domain::AgentId;
use crate::store::{AccountChange, Agent, StoreError};

/// `KEYS[1]` the directory's base; `ARGV`: id, the record as read, the changed record, the
/// old email, the new email. Answers `moved` if the record changed since it was read (the
/// caller reads again), `taken` if another account has the new email, else `ok`.
pub(super) const UPDATE_ACCOUNT: &str = r#"
local base = KEYS[1]
local id, expected, record, old, new = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('GET', base .. 'agent:' .. id) ~= expected then return 'moved' end
if old ~= new then
  local owner = redis.call('HGET', base .. 'emails', new)
  if owner and owner ~= id then return 'taken' end
  redis.call('HDEL', base .. 'emails', old)
  redis.call('HSET', base .. 'emails', new, id)
end
redis.call('SET', base .. 'agent:' .. id, record)
return 'ok'
"#;

impl RedisStore {
    /// Read, change, and write back through [`UPDATE_ACCOUNT`], retried while a concurrent
    /// write (a password change) moves the record in between.
    pub(super) async fn change_account(
        &self,
        agent: &AgentId,
        change: &AccountChange,
    ) -> Result<Agent, StoreError> {
        let dir = self.keys.dir();
        let key = super::keys::sub(&dir, "agent:", agent);
        let mut conn = self.conn();
        for _ in 0..CAS_ATTEMPTS {
            let current: Option<String> = ::redis::cmd("GET")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(redis_err("read account"))?;
            let Some(current) = current else {
                return Err(StoreError::NotFound("agent"));
            };
            let mut record: AgentRecord = from_json("agent", &current)?;
            let old_email = record.agent.email.to_string();
            if let Some(name) = &change.display_name {
                record.agent.display_name = name.clone();
            }
            if let Some(email) = &change.email {
                record.agent.email = email.clone();
            }
            if let Some(avatar) = &change.avatar {
                record.agent.avatar = avatar.clone();
            }
            let outcome: String = self
                .scripts
                .update_account
                .key(&dir)
                .arg(agent.as_str())
                .arg(&current)
                .arg(to_json(&record)?)
                .arg(&old_email)
                .arg(record.agent.email.as_str())
                .invoke_async(&mut conn)
                .await
                .map_err(redis_err("update account"))?;
            match outcome.as_str() {
                "ok" => return Ok(record.agent),
                "taken" => {
                    return Err(StoreError::Conflict(format!(
                        "an account with email {} exists",
                        record.agent.email
                    )));
                }
                _ => continue,
            }
        }
        Err(StoreError::Conflict(
            "the account kept changing meanwhile; try again".into(),
        ))
    }
}
