//! Data-subject rights and retention in Redis.
//!
//! Keys of this area, under the site's hash tag (see `keys.rs`): `privacy-settings` (JSON
//! `RetentionSettings`), `privacy-audit` (a list of JSON `AuditEntry`, newest first, trimmed
//! in the write that appends) and `visitors-seen` (a sorted set of visitor ids scored by
//! when their browsing state was last saved, written in the same `MULTI` as the state, so
//! the retention sweep finds old visitors without a scan).
//!
//! A person's visitors are found by scanning the site's `visitor:*` keys and conversations'
//! headers (an owner's request is rare; an identity index would cost every save). Removal
//! deletes keys and index entries (so Redis frees the memory): each conversation in one
//! script ([`super::privacy_scripts`]), its pointers in other slots after it, the outbox
//! rows and log entries in the `{mail}` slot and the commerce records in one `MULTI` each.

use super::RedisStore;
use super::keys::sub;
use super::privacy_data::CHUNK;
use super::privacy_scripts::EXPIRE_VISITORS;
use super::values::{from_json, redis_err, to_json};
use crate::commerce::ExternalId;
use crate::domain::{Email, SiteId, Timestamp, VisitorId};
use crate::email::OutboxEmail;
use crate::privacy::{AuditEntry, Counts, RetentionSettings, Subject};
use crate::store::{Privacy, StoreError};
use crate::triggers::VisitorRecord;
use async_trait::async_trait;
use serde_json::Value;

/// Whether a stored visitor's identity names the subject (verified, or the attribute the
/// shop passed to `identify`).
fn names(state: &Value, subject: &Subject) -> bool {
    let attribute = |name: &str| -> Option<String> {
        match state.get("attributes")?.get(name)? {
            Value::String(s) => Some(s.trim().to_lowercase()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let verified = |kind: &str| {
        state
            .get("verified")?
            .get(kind)?
            .as_str()
            .map(str::to_owned)
    };
    match subject {
        Subject::VisitorId(_) => false,
        Subject::Email(e) => {
            verified("email").as_deref() == Some(e.as_str())
                || attribute("email").as_deref() == Some(e.as_str())
        }
        Subject::CustomerId(c) => {
            verified("user_id").as_deref() == Some(c.as_str())
                || attribute("user_id").as_deref() == Some(&c.as_str().to_lowercase())
        }
    }
}

impl RedisStore {
    /// Saves a visitor's browsing state and marks when, in one `MULTI` (what
    /// [`crate::store::Visitors::save_visitor`] runs), so the retention sweep knows its age.
    pub(super) async fn save_visitor_seen(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError> {
        let base = self.keys.site(site);
        ::redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(sub(&base, "visitor:", visitor))
            .arg(to_json(state)?)
            .ignore()
            .cmd("ZADD")
            .arg(sub(&base, "visitors-seen", ""))
            .arg(Timestamp::now().0)
            .arg(visitor.as_str())
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("save visitor"))
    }

    /// The site's visitors whose stored identity names the subject (a scan of its keys).
    async fn visitors_named(
        &self,
        site: &SiteId,
        subject: &Subject,
    ) -> Result<Vec<VisitorId>, StoreError> {
        let prefix = sub(&self.keys.site(site), "visitor:", "");
        let mut cursor: u64 = 0;
        let mut found = Vec::new();
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{prefix}*"))
                .arg("COUNT")
                .arg(CHUNK)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("scan visitors"))?;
            if !keys.is_empty() {
                let states: Vec<Option<String>> = ::redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(&mut self.conn())
                    .await
                    .map_err(redis_err("read visitors"))?;
                for (key, state) in keys.iter().zip(states) {
                    let Some(state) = state else { continue };
                    let value: Value = from_json("visitor", &state)?;
                    if names(&value, subject) {
                        let id = key.strip_prefix(&prefix).unwrap_or_default();
                        if let Ok(id) = VisitorId::parse(id) {
                            found.push(id);
                        }
                    }
                }
            }
            cursor = next;
            if cursor == 0 {
                return Ok(found);
            }
        }
    }

    /// The visitors of the site's conversations that left `email` as their contact address.
    async fn contact_visitors(
        &self,
        site: &SiteId,
        email: &Email,
    ) -> Result<Vec<VisitorId>, StoreError> {
        let base = self.keys.site(site);
        let ids = self.zset_ids(site, "convs", "").await?;
        let mut found = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let mut pipe = ::redis::pipe();
            for id in chunk {
                pipe.cmd("HGET").arg(sub(&base, "conv:", id)).arg("doc");
            }
            let docs: Vec<Option<String>> = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read conversations"))?;
            for doc in docs.iter().flatten() {
                let value: Value = from_json("conversation", doc)?;
                let contact = value.get("contact_email").and_then(Value::as_str);
                let visitor = value.get("visitor_id").and_then(Value::as_str);
                if contact.is_some_and(|c| c.trim().eq_ignore_ascii_case(email.as_str())) {
                    found.extend(visitor.and_then(|v| VisitorId::parse(v).ok()));
                }
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl Privacy for RedisStore {
    async fn subject_visitors(
        &self,
        site: &SiteId,
        subject: &Subject,
    ) -> Result<Vec<VisitorId>, StoreError> {
        let mut found = match subject {
            Subject::VisitorId(v) => {
                let base = self.keys.site(site);
                let held: u64 = ::redis::cmd("EXISTS")
                    .arg(sub(&base, "visitor:", v))
                    .arg(sub(&base, "vconvs:", v))
                    .query_async(&mut self.conn())
                    .await
                    .map_err(redis_err("find visitor"))?;
                if held > 0 {
                    vec![v.clone()]
                } else {
                    Vec::new()
                }
            }
            _ => self.visitors_named(site, subject).await?,
        };
        if let Subject::Email(e) = subject {
            found.extend(self.contact_visitors(site, e).await?);
        }
        found.sort();
        found.dedup();
        Ok(found)
    }

    async fn emails_to(
        &self,
        site: &SiteId,
        email: &str,
        limit: usize,
    ) -> Result<Vec<OutboxEmail>, StoreError> {
        let email = email.to_lowercase();
        let mut rows: Vec<OutboxEmail> = self
            .site_outbox(site)
            .await?
            .into_iter()
            .filter(|r| r.to.to_lowercase() == email)
            .collect();
        rows.sort_by_key(|r| r.created_at);
        rows.truncate(limit);
        Ok(rows)
    }

    async fn erase_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Counts, StoreError> {
        let convs = self.zset_ids(site, "vconvs:", visitor.as_str()).await?;
        let mut counts = Counts::default();
        for conv in &convs {
            counts = counts + self.delete_conversation(site, conv, None).await?;
        }
        if !convs.is_empty() {
            let rows: Vec<OutboxEmail> = self
                .site_outbox(site)
                .await?
                .into_iter()
                .filter(|r| {
                    r.conversation_id
                        .as_ref()
                        .is_some_and(|c| convs.iter().any(|x| x == c.as_str()))
                })
                .collect();
            counts.emails += self
                .delete_emails(site, &rows, |e| {
                    e.conversation_id
                        .as_ref()
                        .is_some_and(|c| convs.iter().any(|x| x == c.as_str()))
                })
                .await?;
        }
        let requests = self
            .site_requests(site, |r| &r.visitor_id == visitor)
            .await?;
        counts.requests += self.delete_requests(site, &requests).await?;
        let base = self.keys.site(site);
        let (gone, _, _): (u64, u64, u64) = ::redis::pipe()
            .atomic()
            .cmd("DEL")
            .arg(sub(&base, "visitor:", visitor))
            .cmd("DEL")
            .arg(sub(&base, "vconvs:", visitor))
            .cmd("ZREM")
            .arg(sub(&base, "visitors-seen", ""))
            .arg(visitor.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("erase visitor"))?;
        counts.visitors += gone;
        Ok(counts)
    }

    async fn erase_address(&self, site: &SiteId, email: &Email) -> Result<Counts, StoreError> {
        let address = email.as_str();
        let rows: Vec<OutboxEmail> = self
            .site_outbox(site)
            .await?
            .into_iter()
            .filter(|r| r.to.to_lowercase() == address)
            .collect();
        let emails = self
            .delete_emails(site, &rows, |e| e.to.to_lowercase() == address)
            .await?;
        let base = self.keys.site(site);
        let (suppressions, _): (u64, u64) = ::redis::pipe()
            .atomic()
            .cmd("HDEL")
            .arg(sub(&base, "suppressions", ""))
            .arg(address)
            .cmd("DEL")
            .arg(sub(&base, "email-code:", address))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("erase address"))?;
        let customers = self.zset_ids(site, "cust-email:", address).await?;
        let orders = self.zset_ids(site, "orders-email:", address).await?;
        let commerce = self.delete_commerce(site, &customers, &orders).await?;
        Ok(Counts {
            emails,
            suppressions,
            ..commerce
        })
    }

    async fn erase_customer(
        &self,
        site: &SiteId,
        customer: &ExternalId,
    ) -> Result<Counts, StoreError> {
        let orders = self
            .zset_ids(site, "orders-cust:", customer.as_str())
            .await?;
        self.delete_commerce(site, &[customer.as_str().to_owned()], &orders)
            .await
    }

    async fn retention(&self, site: &SiteId) -> Result<Option<RetentionSettings>, StoreError> {
        self.site_json(site, "privacy-settings")
            .await?
            .map(|json| from_json("retention settings", &json))
            .transpose()
    }

    async fn put_retention(
        &self,
        site: &SiteId,
        settings: &RetentionSettings,
    ) -> Result<(), StoreError> {
        self.set_site_json(site, "privacy-settings", to_json(settings)?)
            .await
    }

    async fn expire_visitors(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError> {
        EXPIRE_VISITORS
            .key(self.keys.site(site))
            .arg(before.0)
            .arg(limit.max(1))
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("expire visitors"))
    }

    async fn expire_conversations(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let ids: Vec<String> = ::redis::cmd("ZRANGEBYSCORE")
            .arg(sub(&self.keys.site(site), "by-stage:", "closed"))
            .arg("-inf")
            .arg(format!("({}", before.0))
            .arg("LIMIT")
            .arg(0)
            .arg(limit.max(1))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("find old conversations"))?;
        let mut removed = 0;
        for id in ids {
            removed += self
                .delete_conversation(site, &id, Some(before.0))
                .await?
                .conversations;
        }
        Ok(removed)
    }

    async fn record_audit(&self, entry: &AuditEntry, keep: usize) -> Result<(), StoreError> {
        let key = sub(&self.keys.site(&entry.site_id), "privacy-audit", "");
        ::redis::pipe()
            .atomic()
            .cmd("LPUSH")
            .arg(&key)
            .arg(to_json(entry)?)
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(keep.max(1) - 1)
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("record audit"))
    }

    async fn audit(&self, site: &SiteId, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let key = sub(&self.keys.site(site), "privacy-audit", "");
        self.json_list(key, limit as i64 - 1, "privacy audit").await
    }
}
