//! Data-subject rights and retention in SQLite. A person is found through the visitors'
//! stored JSON (`json_extract` over the site's visitors: an owner's request, rare enough not
//! to deserve an index that every browsing save would pay for) and the conversations'
//! contact address; each removal is one writer transaction (see `privacy_sql.rs`).

use super::mail_sql::{OUTBOX_COLUMNS, outbox_email, outbox_row, strings};
use super::privacy_sql as sql;
use super::{SqliteStore, corrupt, db};
use crate::commerce::ExternalId;
use crate::domain::{Email, SiteId, Timestamp, VisitorId};
use crate::email::OutboxEmail;
use crate::privacy::{AuditEntry, Counts, RetentionSettings, Subject};
use crate::store::{Privacy, StoreError};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

pub(super) use sql::MIGRATION;

/// A count or limit as SQLite's signed integer.
fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The visitors of a site a subject names: `?1` the site, `?2` the value.
fn subject_query(subject: &Subject) -> (&'static str, String) {
    match subject {
        Subject::VisitorId(v) => (
            "SELECT id FROM visitors WHERE site_id = ?1 AND id = ?2
             UNION SELECT visitor_id FROM conversations WHERE site_id = ?1 AND visitor_id = ?2",
            v.to_string(),
        ),
        Subject::Email(e) => (
            "SELECT id FROM visitors WHERE site_id = ?1
               AND (json_extract(state, '$.verified.email') = ?2
                    OR lower(trim(json_extract(state, '$.attributes.email'))) = ?2)
             UNION SELECT visitor_id FROM conversations
               WHERE site_id = ?1 AND lower(trim(contact_email)) = ?2",
            e.as_str().to_owned(),
        ),
        Subject::CustomerId(c) => (
            "SELECT id FROM visitors WHERE site_id = ?1
               AND (json_extract(state, '$.verified.user_id') = ?2
                    OR CAST(json_extract(state, '$.attributes.user_id') AS TEXT) = ?2)",
            c.as_str().to_owned(),
        ),
    }
}

#[async_trait]
impl Privacy for SqliteStore {
    async fn subject_visitors(
        &self,
        site: &SiteId,
        subject: &Subject,
    ) -> Result<Vec<VisitorId>, StoreError> {
        let (query, value) = subject_query(subject);
        let site = site.to_string();
        let ids = self
            .readers
            .run(move |c| strings(c, query, [&site, &value]))
            .await?;
        ids.iter()
            .map(|id| VisitorId::parse(id).map_err(corrupt))
            .collect()
    }

    async fn emails_to(
        &self,
        site: &SiteId,
        email: &str,
        limit: usize,
    ) -> Result<Vec<OutboxEmail>, StoreError> {
        let (site, email) = (site.to_string(), email.to_lowercase());
        let raw = self
            .readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {OUTBOX_COLUMNS} FROM email_outbox
                         WHERE site_id = ?1 AND recipient = ?2 ORDER BY created_at LIMIT ?3"
                    ))
                    .map_err(db("emails to"))?;
                let rows = stmt
                    .query_map(params![site, email, int(limit)], outbox_row)
                    .map_err(db("emails to"))?;
                rows.collect::<Result<Vec<_>, _>>().map_err(db("emails to"))
            })
            .await?;
        raw.into_iter().map(outbox_email).collect()
    }

    async fn erase_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Counts, StoreError> {
        let (site, visitor) = (site.to_string(), visitor.to_string());
        self.writer
            .run(move |c| sql::erase_visitor(c, &site, &visitor))
            .await
    }

    async fn erase_address(&self, site: &SiteId, email: &Email) -> Result<Counts, StoreError> {
        let (site, email) = (site.to_string(), email.as_str().to_owned());
        self.writer
            .run(move |c| sql::erase_address(c, &site, &email))
            .await
    }

    async fn erase_customer(
        &self,
        site: &SiteId,
        customer: &ExternalId,
    ) -> Result<Counts, StoreError> {
        let (site, id) = (site.to_string(), customer.as_str().to_owned());
        self.writer
            .run(move |c| sql::erase_customer(c, &site, &id))
            .await
    }

    async fn retention(&self, site: &SiteId) -> Result<Option<RetentionSettings>, StoreError> {
        let site = site.to_string();
        let body: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT body FROM privacy_settings WHERE site_id = ?1",
                    [&site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("retention settings"))
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn put_retention(
        &self,
        site: &SiteId,
        settings: &RetentionSettings,
    ) -> Result<(), StoreError> {
        let site = site.to_string();
        let body = serde_json::to_string(settings).map_err(corrupt)?;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO privacy_settings (site_id, body) VALUES (?1, ?2)
                     ON CONFLICT (site_id) DO UPDATE SET body = excluded.body",
                    params![site, body],
                )
                .map_err(db("save retention settings"))?;
                Ok(())
            })
            .await
    }

    async fn expire_visitors(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let site = site.to_string();
        self.writer
            .run(move |c| sql::expire_visitors(c, &site, before.0, int(limit)))
            .await
    }

    async fn expire_conversations(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let site = site.to_string();
        self.writer
            .run(move |c| sql::expire_conversations(c, &site, before.0, int(limit)))
            .await
    }

    async fn record_audit(&self, entry: &AuditEntry, keep: usize) -> Result<(), StoreError> {
        let site = entry.site_id.to_string();
        let json = serde_json::to_string(entry).map_err(corrupt)?;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO privacy_audit (site_id, entry) VALUES (?1, ?2)",
                    params![site, json],
                )
                .map_err(db("record audit"))?;
                c.execute(
                    "DELETE FROM privacy_audit WHERE site_id = ?1 AND id <= (
                       SELECT id FROM privacy_audit WHERE site_id = ?1
                       ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                    params![site, int(keep)],
                )
                .map_err(db("trim audit"))?;
                Ok(())
            })
            .await
    }

    async fn audit(&self, site: &SiteId, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let site = site.to_string();
        let rows = self
            .readers
            .run(move |c| {
                strings(
                    c,
                    "SELECT entry FROM privacy_audit WHERE site_id = ?1 ORDER BY id DESC LIMIT ?2",
                    params![site, int(limit)],
                )
            })
            .await?;
        rows.iter()
            .map(|r| serde_json::from_str(r).map_err(corrupt))
            .collect()
    }
}
