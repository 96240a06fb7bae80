//! The Redis email area's records beside the outbox (see `mail.rs` for the trait, `keys.rs`
//! for the keys): each conversation's thread and its token pointer, inbound records and
//! one-time codes, and the small helpers both files use.

use super::RedisStore;
use super::keys::sub;
use super::mail_scripts::{MARK_EMAILED, TAKE_CODE, THREAD};
use super::values::{corrupt, from_json, redis_err, to_json};
use crate::domain::{ConversationId, SiteId, Timestamp};
use crate::email::{InboundRecord, MailThread};
use crate::store::StoreError;
use std::collections::HashMap;

/// A code's key outlives its expiry by this much before Redis drops it on its own.
const CODE_GRACE_MS: i64 = 24 * 3_600_000;

impl RedisStore {
    /// A key of the `{mail}` group.
    pub(super) fn mail_key(&self, name: &str, id: impl std::fmt::Display) -> String {
        sub(&self.keys.mail(), name, id)
    }

    /// A key of the site's group.
    pub(super) fn site_key(&self, site: &SiteId, name: &str, id: impl std::fmt::Display) -> String {
        sub(&self.keys.site(site), name, id)
    }

    /// Runs one command with its context for errors.
    pub(super) async fn query<T: ::redis::FromRedisValue>(
        &self,
        cmd: &mut ::redis::Cmd,
        what: &'static str,
    ) -> Result<T, StoreError> {
        cmd.query_async(&mut self.conn())
            .await
            .map_err(redis_err(what))
    }

    /// A list of JSON records, from its start to `last` (-1: all).
    pub(super) async fn json_list<T: serde::de::DeserializeOwned>(
        &self,
        key: String,
        last: i64,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let rows: Vec<String> = self
            .query(::redis::cmd("LRANGE").arg(key).arg(0).arg(last), what)
            .await?;
        rows.iter().map(|j| from_json(what, j)).collect()
    }

    /// A thread from its hash, if the conversation and the thread both exist.
    async fn read_thread(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
    ) -> Result<Option<MailThread>, StoreError> {
        let (exists, fields): (bool, HashMap<String, String>) = ::redis::pipe()
            .cmd("EXISTS")
            .arg(self.site_key(site, "conv:", conversation))
            .cmd("HGETALL")
            .arg(self.site_key(site, "mail-thread:", conversation))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read thread"))?;
        let (Some(token), true) = (fields.get("token"), exists) else {
            return Ok(None);
        };
        Ok(Some(MailThread {
            conversation_id: conversation.clone(),
            site_id: site.clone(),
            token: token.clone(),
            emailed_seq: fields.get("seq").and_then(|s| s.parse().ok()).unwrap_or(0),
        }))
    }

    pub(super) async fn create_thread(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        new_token: &str,
    ) -> Result<MailThread, StoreError> {
        // The pointer first: a crash after it leaves a token that finds nothing.
        let pointer = self.keys.mail_token(new_token);
        let set: Option<String> = self
            .query(
                ::redis::cmd("SET")
                    .arg(&pointer)
                    .arg(format!("{site} {conversation}"))
                    .arg("NX"),
                "thread pointer",
            )
            .await?;
        let reply: Vec<String> = THREAD
            .key(self.keys.site(site))
            .arg(conversation.as_str())
            .arg(new_token)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("thread"))?;
        let token = match reply.as_slice() {
            [ok, token, _] if ok == "ok" => token.clone(),
            _ => String::new(),
        };
        if set.is_some() && token != new_token {
            let _: i64 = self
                .query(::redis::cmd("DEL").arg(&pointer), "thread pointer")
                .await?;
        }
        if token.is_empty() {
            return Err(StoreError::NotFound("conversation"));
        }
        let emailed_seq = reply.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
        Ok(MailThread {
            conversation_id: conversation.clone(),
            site_id: site.clone(),
            token,
            emailed_seq,
        })
    }

    pub(super) async fn raise_emailed(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        let Some(site) = self.site_of(conversation).await? else {
            return Ok(());
        };
        let _: i64 = MARK_EMAILED
            .key(self.site_key(&site, "mail-thread:", conversation))
            .arg(seq)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("mark emailed"))?;
        Ok(())
    }

    pub(super) async fn find_thread(&self, token: &str) -> Result<Option<MailThread>, StoreError> {
        let pointer: Option<String> = self
            .query(
                ::redis::cmd("GET").arg(self.keys.mail_token(token)),
                "thread by token",
            )
            .await?;
        let Some((site, conv)) = pointer.as_deref().and_then(|p| p.split_once(' ')) else {
            return Ok(None);
        };
        let site = SiteId::parse(site).map_err(corrupt)?;
        let conv = ConversationId::parse(conv).map_err(corrupt)?;
        Ok(self
            .read_thread(&site, &conv)
            .await?
            .filter(|t| t.token == token))
    }

    pub(super) async fn push_inbound(&self, record: &InboundRecord) -> Result<(), StoreError> {
        let site = self
            .site_of(&record.conversation_id)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?;
        let _: i64 = self
            .query(
                ::redis::cmd("RPUSH")
                    .arg(self.site_key(&site, "inbound:", &record.conversation_id))
                    .arg(to_json(record)?),
                "record inbound",
            )
            .await?;
        Ok(())
    }

    pub(super) async fn list_inbound(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<InboundRecord>, StoreError> {
        let Some(site) = self.site_of(conversation).await? else {
            return Ok(Vec::new());
        };
        self.json_list(
            self.site_key(&site, "inbound:", conversation),
            -1,
            "inbound email",
        )
        .await
    }

    pub(super) async fn store_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        let key = self.site_key(site, "email-code:", email.to_lowercase());
        let drop_at = expires.0.max(Timestamp::now().0) + CODE_GRACE_MS;
        ::redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(&key)
            .arg("hash")
            .arg(code_hash)
            .arg("expires")
            .arg(expires.0)
            .ignore()
            .cmd("PEXPIREAT")
            .arg(&key)
            .arg(drop_at)
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("put email code"))
    }

    pub(super) async fn consume_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let taken: i64 = TAKE_CODE
            .key(self.site_key(site, "email-code:", email.to_lowercase()))
            .arg(code_hash)
            .arg(now.0)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("take email code"))?;
        Ok(taken == 1)
    }
}
