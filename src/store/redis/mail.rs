//! Email in Redis: the outbox under the `{mail}` hash tag (one claim script takes due rows
//! of every site), settings, suppressions, codes, threads and inbound records under their
//! site's tag; see `keys.rs` for the schema, `mail_scripts.rs` for the atomic steps and
//! `mail_records.rs` for threads, inbound records and codes.

use super::RedisStore;
use super::mail_scripts::{CLAIM, ENQUEUE, FINISH, PRUNE};
use super::values::{corrupt, from_json, pairs, redis_err, to_json};
use crate::domain::{ConversationId, EmailId, SiteId, Timestamp};
use crate::email::{
    EmailLogEntry, EmailOutcome, EmailSettings, EmailStatus, InboundRecord, MailThread,
    OutboxEmail, Suppression,
};
use crate::store::{Mail, StoreError};
use ::redis::Value;
use async_trait::async_trait;
use std::collections::HashMap;

/// Hourly limits look an hour back; counters keep two days and drop the rest.
const COUNT_HORIZON_MS: i64 = 2 * 24 * 3_600_000;

fn status_name(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Pending => "pending",
        EmailStatus::Sent => "sent",
        EmailStatus::Failed => "failed",
        EmailStatus::Skipped => "skipped",
    }
}

/// An outbox row from its hash: the queued record, with the fields the scripts change.
pub(super) fn outbox_row(fields: &HashMap<String, String>) -> Result<OutboxEmail, StoreError> {
    let doc = fields
        .get("doc")
        .ok_or_else(|| corrupt("outbox row without doc"))?;
    let mut row: OutboxEmail = from_json("outbox row", doc)?;
    let number = |name: &str| {
        fields
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| corrupt(format!("outbox row without {name}")))
    };
    row.attempts = u32::try_from(number("attempts")?).unwrap_or(u32::MAX);
    row.due_at = Timestamp(number("due")?);
    let status = fields.get("status").map_or("", String::as_str);
    row.status = serde_json::from_value(serde_json::Value::String(status.to_owned()))
        .map_err(|e| corrupt(format!("outbox status: {e}")))?;
    Ok(row)
}

#[async_trait]
impl Mail for RedisStore {
    async fn email_settings(&self, site: &SiteId) -> Result<Option<EmailSettings>, StoreError> {
        let json: Option<String> = self
            .query(
                ::redis::cmd("GET").arg(self.site_key(site, "email-settings", "")),
                "email settings",
            )
            .await?;
        json.map(|j| from_json("email settings", &j)).transpose()
    }

    async fn put_email_settings(
        &self,
        site: &SiteId,
        settings: &EmailSettings,
    ) -> Result<(), StoreError> {
        self.query(
            ::redis::cmd("SET")
                .arg(self.site_key(site, "email-settings", ""))
                .arg(to_json(settings)?),
            "save email settings",
        )
        .await
    }

    async fn enqueue_email(&self, email: &OutboxEmail) -> Result<bool, StoreError> {
        let queued: i64 = ENQUEUE
            .key(self.keys.mail())
            .arg(email.site_id.as_str())
            .arg(&email.key)
            .arg(email.id.as_str())
            .arg(to_json(email)?)
            .arg(email.due_at.0)
            .arg(status_name(email.status))
            .arg(email.created_at.0)
            .arg(email.to.to_lowercase())
            .arg(email.created_at.0.saturating_sub(COUNT_HORIZON_MS))
            .arg(email.attempts)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("enqueue email"))?;
        Ok(queued == 1)
    }

    async fn claim_emails(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<OutboxEmail>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let reply: Value = CLAIM
            .key(self.keys.mail())
            .arg(now.0)
            .arg(lease_until.0)
            .arg(limit)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("claim emails"))?;
        let Value::Array(items) = reply else {
            return Ok(Vec::new());
        };
        let mut rows = items
            .iter()
            .map(|item| outbox_row(&pairs(item)))
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| (a.due_at, a.id.as_str()).cmp(&(b.due_at, b.id.as_str())));
        Ok(rows)
    }

    async fn finish_email(
        &self,
        id: &EmailId,
        entry: &EmailLogEntry,
        keep: usize,
    ) -> Result<(), StoreError> {
        let (status, next) = match &entry.outcome {
            EmailOutcome::Sent { .. } => ("sent", 0),
            EmailOutcome::Retry { next_at } => ("pending", next_at.0),
            EmailOutcome::Failed => ("failed", 0),
            EmailOutcome::Skipped => ("skipped", 0),
        };
        let done: i64 = FINISH
            .key(self.keys.mail())
            .arg(id.as_str())
            .arg(status)
            .arg(next)
            .arg(to_json(entry)?)
            .arg(keep.max(1))
            .arg(entry.site_id.as_str())
            .arg(entry.at.0)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("finish email"))?;
        if done == 0 {
            return Err(StoreError::NotFound("email"));
        }
        Ok(())
    }

    async fn prune_emails(&self, ended_before: Timestamp, limit: usize) -> Result<u64, StoreError> {
        let n: u64 = PRUNE
            .key(self.keys.mail())
            .arg(ended_before.0)
            .arg(limit.max(1))
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("prune emails"))?;
        Ok(n)
    }

    async fn email_by_key(
        &self,
        site: &SiteId,
        key: &str,
    ) -> Result<Option<OutboxEmail>, StoreError> {
        let id: Option<String> = self
            .query(
                ::redis::cmd("HGET")
                    .arg(self.mail_key("keys", ""))
                    .arg(format!("{site}\n{key}")),
                "email by key",
            )
            .await?;
        let Some(id) = id else { return Ok(None) };
        let fields: HashMap<String, String> = self
            .query(
                ::redis::cmd("HGETALL").arg(self.mail_key("row:", id)),
                "email by key",
            )
            .await?;
        if fields.is_empty() {
            return Ok(None);
        }
        outbox_row(&fields).map(Some)
    }

    async fn email_log(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<EmailLogEntry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let last = i64::try_from(limit).unwrap_or(i64::MAX) - 1;
        self.json_list(self.mail_key("log:", site), last, "email log")
            .await
    }

    async fn pending_emails(&self) -> Result<u64, StoreError> {
        self.query(
            ::redis::cmd("ZCARD").arg(self.mail_key("due", "")),
            "pending emails",
        )
        .await
    }

    async fn emails_since(
        &self,
        site: &SiteId,
        to: Option<&str>,
        since: Timestamp,
    ) -> Result<u64, StoreError> {
        let key = match to {
            Some(to) => self.mail_key("count:", format!("{site}:{}", to.to_lowercase())),
            None => self.mail_key("count:", site),
        };
        self.query(
            ::redis::cmd("ZCOUNT").arg(key).arg(since.0).arg("+inf"),
            "emails since",
        )
        .await
    }

    async fn thread(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        new_token: &str,
    ) -> Result<MailThread, StoreError> {
        self.create_thread(site, conversation, new_token).await
    }

    async fn mark_emailed(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.raise_emailed(conversation, seq).await
    }

    async fn thread_by_token(&self, token: &str) -> Result<Option<MailThread>, StoreError> {
        self.find_thread(token).await
    }

    async fn suppress(&self, entry: &Suppression) -> Result<(), StoreError> {
        let mut entry = entry.clone();
        entry.email = entry.email.to_lowercase();
        self.query(
            ::redis::cmd("HSET")
                .arg(self.site_key(&entry.site_id, "suppressions", ""))
                .arg(&entry.email)
                .arg(to_json(&entry)?),
            "suppress",
        )
        .await
    }

    async fn suppression(
        &self,
        site: &SiteId,
        email: &str,
    ) -> Result<Option<Suppression>, StoreError> {
        let json: Option<String> = self
            .query(
                ::redis::cmd("HGET")
                    .arg(self.site_key(site, "suppressions", ""))
                    .arg(email.to_lowercase()),
                "suppression",
            )
            .await?;
        json.map(|j| from_json("suppression", &j)).transpose()
    }

    async fn suppressions(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError> {
        let all: HashMap<String, String> = self
            .query(
                ::redis::cmd("HGETALL").arg(self.site_key(site, "suppressions", "")),
                "suppressions",
            )
            .await?;
        let mut list = all
            .values()
            .map(|j| from_json::<Suppression>("suppression", j))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.email.cmp(&b.email)));
        list.truncate(limit);
        Ok(list)
    }

    async fn unsuppress(&self, site: &SiteId, email: &str) -> Result<bool, StoreError> {
        let n: i64 = self
            .query(
                ::redis::cmd("HDEL")
                    .arg(self.site_key(site, "suppressions", ""))
                    .arg(email.to_lowercase()),
                "unsuppress",
            )
            .await?;
        Ok(n > 0)
    }

    async fn record_inbound(&self, record: &InboundRecord) -> Result<(), StoreError> {
        self.push_inbound(record).await
    }

    async fn inbound_emails(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<InboundRecord>, StoreError> {
        self.list_inbound(conversation).await
    }

    async fn put_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        self.store_code(site, email, code_hash, expires).await
    }

    async fn take_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.consume_code(site, email, code_hash, now).await
    }
}
