//! Email in SQLite: settings, the outbox, the delivery log, threads, suppressions, inbound
//! records and one-time codes. Every write runs on the writer thread, so the outbox's
//! claim (select the due rows, lease them, count the attempt) is one transaction no other
//! write interleaves with; reads go to the reader pool. The row-shaped SQL is in
//! `mail_sql.rs`.

use super::mail_sql::{self, OUTBOX_COLUMNS};
use super::{SqliteStore, corrupt, db, exec_cached, seq_param};
use crate::domain::{ConversationId, EmailId, SiteId, Timestamp};
use crate::email::{
    EmailLogEntry, EmailOutcome, EmailSettings, InboundRecord, MailThread, OutboxEmail, Suppression,
};
use crate::store::{Mail, StoreError};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

pub(super) use mail_sql::MIGRATION;

/// A count or limit as SQLite's signed integer.
fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl Mail for SqliteStore {
    async fn email_settings(&self, site: &SiteId) -> Result<Option<EmailSettings>, StoreError> {
        let site = site.to_string();
        let body: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT body FROM email_settings WHERE site_id = ?1",
                    [&site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("email settings"))
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn put_email_settings(
        &self,
        site: &SiteId,
        settings: &EmailSettings,
    ) -> Result<(), StoreError> {
        let (site, body) = (
            site.to_string(),
            serde_json::to_string(settings).map_err(corrupt)?,
        );
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO email_settings (site_id, body) VALUES (?1, ?2)
                     ON CONFLICT (site_id) DO UPDATE SET body = excluded.body",
                    params![site, body],
                )
                .map_err(db("save email settings"))?;
                Ok(())
            })
            .await
    }

    async fn enqueue_email(&self, email: &OutboxEmail) -> Result<bool, StoreError> {
        let row = email.clone();
        self.writer
            .run(move |c| mail_sql::insert_outbox(c, &row))
            .await
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
        self.writer
            .run(move |c| mail_sql::claim(c, now, lease_until, int(limit)))
            .await
    }

    async fn finish_email(
        &self,
        id: &EmailId,
        entry: &EmailLogEntry,
        keep: usize,
    ) -> Result<(), StoreError> {
        let (id, site) = (id.to_string(), entry.site_id.to_string());
        let json = serde_json::to_string(entry).map_err(corrupt)?;
        let (status, due) = match &entry.outcome {
            EmailOutcome::Sent { .. } => ("sent", None),
            EmailOutcome::Retry { next_at } => ("pending", Some(next_at.0)),
            EmailOutcome::Failed => ("failed", None),
            EmailOutcome::Skipped => ("skipped", None),
        };
        let keep = int(keep.max(1));
        // A row that ended keeps when it ended as its due time, for pruning.
        let due = due.unwrap_or(entry.at.0);
        self.writer
            .run(move |c| {
                let n = exec_cached(
                    c,
                    "UPDATE email_outbox SET status = ?2, due_at = ?3,
                     lease_until = 0 WHERE id = ?1 AND site_id = ?4",
                    params![id, status, due, site],
                )
                .map_err(db("finish email"))?;
                if n == 0 {
                    return Err(StoreError::NotFound("email"));
                }
                mail_sql::append_log(c, &site, &json, keep)
            })
            .await
    }

    async fn email_by_key(
        &self,
        site: &SiteId,
        key: &str,
    ) -> Result<Option<OutboxEmail>, StoreError> {
        let (site, key) = (site.to_string(), key.to_owned());
        self.readers
            .run(move |c| {
                let sql = format!(
                    "SELECT {OUTBOX_COLUMNS} FROM email_outbox WHERE site_id = ?1 AND key = ?2"
                );
                let mut stmt = c.prepare_cached(&sql).map_err(db("email by key"))?;
                let mut rows = stmt
                    .query_map(params![site, key], mail_sql::outbox_row)
                    .map_err(db("email by key"))?;
                rows.next()
                    .transpose()
                    .map_err(db("email by key"))?
                    .map(mail_sql::outbox_email)
                    .transpose()
            })
            .await
    }

    async fn email_log(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<EmailLogEntry>, StoreError> {
        let site = site.to_string();
        let rows: Vec<String> = self
            .readers
            .run(move |c| {
                mail_sql::strings(
                    c,
                    "SELECT entry FROM email_log WHERE site_id = ?1 ORDER BY id DESC LIMIT ?2",
                    params![site, int(limit)],
                )
            })
            .await?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(corrupt))
            .collect()
    }

    async fn pending_emails(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .readers
            .run(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM email_outbox WHERE status = 'pending'",
                    [],
                    |r| r.get(0),
                )
                .map_err(db("pending emails"))
            })
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn prune_emails(&self, ended_before: Timestamp, limit: usize) -> Result<u64, StoreError> {
        let limit = int(limit);
        let n = self
            .writer
            .run(move |c| {
                exec_cached(
                    c,
                    "DELETE FROM email_outbox WHERE id IN (SELECT id FROM email_outbox
                     WHERE status <> 'pending' AND due_at < ?1 LIMIT ?2)",
                    params![ended_before.0, limit],
                )
                .map_err(db("prune emails"))
            })
            .await?;
        Ok(n as u64)
    }

    async fn emails_since(
        &self,
        site: &SiteId,
        to: Option<&str>,
        since: Timestamp,
    ) -> Result<u64, StoreError> {
        let (site, to) = (site.to_string(), to.map(str::to_lowercase));
        let n: i64 = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT COUNT(*) FROM email_outbox WHERE site_id = ?1 AND created_at >= ?2
                     AND (?3 IS NULL OR recipient = ?3) AND status <> 'skipped'",
                    params![site, since.0, to],
                    |r| r.get(0),
                )
                .map_err(db("emails since"))
            })
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn thread(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        new_token: &str,
    ) -> Result<MailThread, StoreError> {
        let (site, conv, token) = (
            site.to_string(),
            conversation.to_string(),
            new_token.to_owned(),
        );
        self.writer
            .run(move |c| mail_sql::thread(c, &site, &conv, &token))
            .await
    }

    async fn mark_emailed(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        let conv = conversation.to_string();
        self.writer
            .run(move |c| {
                exec_cached(
                    c,
                    "UPDATE email_threads SET emailed_seq = MAX(emailed_seq, ?2)
                     WHERE conversation_id = ?1",
                    params![conv, seq_param(seq)],
                )
                .map_err(db("mark emailed"))?;
                Ok(())
            })
            .await
    }

    async fn thread_by_token(&self, token: &str) -> Result<Option<MailThread>, StoreError> {
        let token = token.to_owned();
        self.readers
            .run(move |c| mail_sql::thread_where(c, "t.token = ?1", &token))
            .await
    }

    async fn suppress(&self, entry: &Suppression) -> Result<(), StoreError> {
        let mut entry = entry.clone();
        entry.email = entry.email.to_lowercase();
        let json = serde_json::to_string(&entry).map_err(corrupt)?;
        let (site, email) = (entry.site_id.to_string(), entry.email);
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO email_suppressions (site_id, email, entry, at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (site_id, email) DO UPDATE
                     SET entry = excluded.entry, at = excluded.at",
                    params![site, email, json, entry.at.0],
                )
                .map_err(db("suppress"))?;
                Ok(())
            })
            .await
    }

    async fn suppression(
        &self,
        site: &SiteId,
        email: &str,
    ) -> Result<Option<Suppression>, StoreError> {
        let (site, email) = (site.to_string(), email.to_lowercase());
        let rows = self
            .readers
            .run(move |c| {
                mail_sql::strings(
                    c,
                    "SELECT entry FROM email_suppressions WHERE site_id = ?1 AND email = ?2",
                    params![site, email],
                )
            })
            .await?;
        rows.first()
            .map(|j| serde_json::from_str(j).map_err(corrupt))
            .transpose()
    }

    async fn suppressions(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError> {
        let site = site.to_string();
        let rows = self
            .readers
            .run(move |c| {
                mail_sql::strings(
                    c,
                    "SELECT entry FROM email_suppressions WHERE site_id = ?1
                     ORDER BY at DESC, email LIMIT ?2",
                    params![site, int(limit)],
                )
            })
            .await?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(corrupt))
            .collect()
    }

    async fn unsuppress(&self, site: &SiteId, email: &str) -> Result<bool, StoreError> {
        let (site, email) = (site.to_string(), email.to_lowercase());
        self.writer
            .run(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM email_suppressions WHERE site_id = ?1 AND email = ?2",
                        params![site, email],
                    )
                    .map_err(db("unsuppress"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn record_inbound(&self, record: &InboundRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(record).map_err(corrupt)?;
        let conv = record.conversation_id.to_string();
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO email_inbound (conversation_id, entry) VALUES (?1, ?2)",
                    params![conv, json],
                )
                .map_err(db("record inbound"))?;
                Ok(())
            })
            .await
    }

    async fn inbound_emails(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<InboundRecord>, StoreError> {
        let conv = conversation.to_string();
        let rows = self
            .readers
            .run(move |c| {
                mail_sql::strings(
                    c,
                    "SELECT entry FROM email_inbound WHERE conversation_id = ?1 ORDER BY id",
                    params![conv],
                )
            })
            .await?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(corrupt))
            .collect()
    }

    async fn put_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        let (site, email, hash) = (site.to_string(), email.to_lowercase(), code_hash.to_owned());
        self.writer
            .run(move |c| mail_sql::put_code(c, &site, &email, &hash, expires))
            .await
    }

    async fn take_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (site, email, hash) = (site.to_string(), email.to_lowercase(), code_hash.to_owned());
        self.writer
            .run(move |c| mail_sql::take_code(c, &site, &email, &hash, now))
            .await
    }
}
