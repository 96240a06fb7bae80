//! A visitor's browsing state in SQLite: one JSON column per visitor, written whole.

use super::{SqliteStore, corrupt, db};
use crate::domain::{SiteId, Timestamp, VisitorId};
use crate::store::{StoreError, Visitors};
use crate::triggers::VisitorRecord;
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl Visitors for SqliteStore {
    async fn load_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<VisitorRecord>, StoreError> {
        let (site, visitor) = (site.to_string(), visitor.to_string());
        let json: Option<String> = self
            .readers
            .run(move |c| {
                c.query_row(
                    "SELECT state FROM visitors WHERE id = ?1 AND site_id = ?2",
                    [&visitor, &site],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("load visitor"))
            })
            .await?;
        json.map(|j| serde_json::from_str(&j).map_err(corrupt))
            .transpose()
    }

    async fn save_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(state).map_err(corrupt)?;
        let (site, visitor) = (site.to_string(), visitor.to_string());
        let now = Timestamp::now().0;
        self.writer
            .run(move |c| {
                c.execute(
                    "INSERT INTO visitors (id, site_id, state, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?4)
                     ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                     WHERE visitors.site_id = excluded.site_id",
                    params![visitor, site, json, now],
                )
                .map_err(db("save visitor"))?;
                Ok(())
            })
            .await
    }
}
