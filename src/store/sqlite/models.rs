//! A site's own provider in SQLite (`ai_providers`: one JSON document per site), and the
//! model-call counts: one row per site per day. "Count if under the limit" is one
//! upsert whose `WHERE` refuses the increment at the limit (no row comes back then), run on
//! the writer thread like every write, so two calls never both take the last one.

use super::{SqliteStore, db, exec_cached};
use crate::ai::provider::SiteProvider;
use crate::domain::SiteId;
use crate::store::{Models, StoreError, USAGE_KEPT_DAYS};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

/// The table of this area, one migration of its own (appended to `schema::MIGRATIONS`).
pub(super) const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS ai_usage (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    day     INTEGER NOT NULL,               -- days since the Unix epoch, UTC
    calls   INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);
"#;

/// The sites' own providers, a migration of its own (appended after [`MIGRATION`]).
pub(super) const PROVIDERS_MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS ai_providers (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    doc     TEXT NOT NULL                   -- {base_url, model, api_key}
);
"#;

#[async_trait]
impl Models for SqliteStore {
    async fn site_provider(&self, site: &SiteId) -> Result<Option<SiteProvider>, StoreError> {
        let site = site.to_string();
        let doc: Option<String> = self
            .readers
            .run(move |c| {
                c.prepare_cached("SELECT doc FROM ai_providers WHERE site_id = ?1")
                    .and_then(|mut s| s.query_row([&site], |r| r.get(0)).optional())
                    .map_err(db("site provider"))
            })
            .await?;
        doc.map(|d| serde_json::from_str(&d).map_err(super::corrupt))
            .transpose()
    }

    async fn set_site_provider(
        &self,
        site: &SiteId,
        provider: Option<&SiteProvider>,
    ) -> Result<(), StoreError> {
        let site = site.to_string();
        let doc = provider
            .map(serde_json::to_string)
            .transpose()
            .map_err(super::corrupt)?;
        self.writer
            .run(move |c| {
                match &doc {
                    Some(doc) => exec_cached(
                        c,
                        "INSERT INTO ai_providers (site_id, doc) VALUES (?1, ?2)
                         ON CONFLICT (site_id) DO UPDATE SET doc = excluded.doc",
                        params![site, doc],
                    ),
                    None => exec_cached(
                        c,
                        "DELETE FROM ai_providers WHERE site_id = ?1",
                        params![site],
                    ),
                }
                .map_err(db("set site provider"))?;
                Ok(())
            })
            .await
    }

    async fn take_ai_call(&self, site: &SiteId, day: i64, limit: u32) -> Result<bool, StoreError> {
        let site = site.to_string();
        self.writer
            .run(move |c| {
                let taken: Option<i64> = c
                    .prepare_cached(
                        "INSERT INTO ai_usage (site_id, day, calls) VALUES (?1, ?2, 1)
                         ON CONFLICT (site_id, day) DO UPDATE SET calls = calls + 1
                             WHERE calls < ?3
                         RETURNING calls",
                    )
                    .and_then(|mut s| {
                        s.query_row(params![site, day, limit], |r| r.get(0))
                            .optional()
                    })
                    .map_err(db("count model call"))?;
                // A new day's first call: yesterday's and older counts past keeping go.
                if taken == Some(1) {
                    exec_cached(
                        c,
                        "DELETE FROM ai_usage WHERE site_id = ?1 AND day < ?2",
                        params![site, day - USAGE_KEPT_DAYS],
                    )
                    .map_err(db("count model call"))?;
                }
                Ok(taken.is_some())
            })
            .await
    }

    async fn ai_calls(&self, site: &SiteId, day: i64) -> Result<u32, StoreError> {
        let site = site.to_string();
        let calls: Option<i64> = self
            .readers
            .run(move |c| {
                c.prepare_cached("SELECT calls FROM ai_usage WHERE site_id = ?1 AND day = ?2")
                    .and_then(|mut s| s.query_row(params![site, day], |r| r.get(0)).optional())
                    .map_err(db("model calls"))
            })
            .await?;
        Ok(calls.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
    }
}
