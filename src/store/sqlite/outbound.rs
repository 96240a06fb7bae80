//! Outbound events in SQLite: a site's webhook endpoints and its delivery log, each row a
//! JSON record beside the columns it is found and ordered by. The per-site limit on
//! endpoints is checked in the same write transaction that adds one, and the log is trimmed
//! to the newest entries of the site in the same write that appends to it.

use super::{SqliteStore, corrupt, db};
use crate::domain::{EndpointId, SiteId};
use crate::store::{DeliveryRecord, Endpoint, Outbound, StoreError};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

/// The tables of this area, one migration of its own (appended to `schema::MIGRATIONS`).
/// `IF NOT EXISTS`, so a test that winds `user_version` back to replay an older migration
/// can run this one again.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    spec       TEXT NOT NULL,               -- JSON Endpoint
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_by_site ON webhook_endpoints (site_id, created_at);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    entry   TEXT NOT NULL                   -- JSON DeliveryRecord
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_site ON webhook_deliveries (site_id, id);
"#;

#[async_trait]
impl Outbound for SqliteStore {
    async fn create_endpoint(&self, endpoint: &Endpoint, max: usize) -> Result<(), StoreError> {
        let json = serde_json::to_string(endpoint).map_err(corrupt)?;
        let (id, site, created) = (
            endpoint.id.to_string(),
            endpoint.site_id.to_string(),
            endpoint.created_at.0,
        );
        self.writer
            .run(move |c| {
                let count: i64 = c
                    .query_row(
                        "SELECT COUNT(*) FROM webhook_endpoints WHERE site_id = ?1",
                        [&site],
                        |r| r.get(0),
                    )
                    .map_err(db("count endpoints"))?;
                if usize::try_from(count).unwrap_or(usize::MAX) >= max {
                    return Err(StoreError::Conflict(format!(
                        "a site has at most {max} webhook endpoints"
                    )));
                }
                c.execute(
                    "INSERT INTO webhook_endpoints (id, site_id, spec, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, site, json, created],
                )
                .map_err(db("create endpoint"))?;
                Ok(())
            })
            .await
    }

    async fn endpoints(&self, site: &SiteId) -> Result<Vec<Endpoint>, StoreError> {
        let site = site.to_string();
        let rows: Vec<String> = self
            .readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT spec FROM webhook_endpoints WHERE site_id = ?1
                         ORDER BY created_at, id",
                    )
                    .map_err(db("list endpoints"))?;
                let rows = stmt
                    .query_map([&site], |r| r.get(0))
                    .map_err(db("list endpoints"))?;
                rows.collect::<Result<_, _>>().map_err(db("list endpoints"))
            })
            .await?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(corrupt))
            .collect()
    }

    async fn delete_endpoint(&self, site: &SiteId, id: &EndpointId) -> Result<bool, StoreError> {
        let (site, id) = (site.to_string(), id.to_string());
        self.writer
            .run(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM webhook_endpoints WHERE id = ?1 AND site_id = ?2",
                        [&id, &site],
                    )
                    .map_err(db("delete endpoint"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn record_delivery(&self, entry: &DeliveryRecord, keep: usize) -> Result<(), StoreError> {
        let json = serde_json::to_string(entry).map_err(corrupt)?;
        let site = entry.site_id.to_string();
        let keep = i64::try_from(keep.max(1)).unwrap_or(i64::MAX);
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO webhook_deliveries (site_id, entry) VALUES (?1, ?2)",
                    params![site, json],
                )
                .map_err(db("record delivery"))?;
                // The oldest entry still kept; everything of the site before it goes.
                let oldest: Option<i64> = c
                    .query_row(
                        "SELECT id FROM webhook_deliveries WHERE site_id = ?1
                         ORDER BY id DESC LIMIT 1 OFFSET ?2",
                        params![site, keep - 1],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db("trim deliveries"))?;
                if let Some(oldest) = oldest {
                    c.execute(
                        "DELETE FROM webhook_deliveries WHERE site_id = ?1 AND id < ?2",
                        params![site, oldest],
                    )
                    .map_err(db("trim deliveries"))?;
                }
                Ok(())
            })
            .await
    }

    async fn deliveries(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let site = site.to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<String> = self
            .readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT entry FROM webhook_deliveries WHERE site_id = ?1
                         ORDER BY id DESC LIMIT ?2",
                    )
                    .map_err(db("list deliveries"))?;
                let rows = stmt
                    .query_map(params![site, limit], |r| r.get(0))
                    .map_err(db("list deliveries"))?;
                rows.collect::<Result<_, _>>()
                    .map_err(db("list deliveries"))
            })
            .await?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(corrupt))
            .collect()
    }
}
