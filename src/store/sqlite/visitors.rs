//! A visitor's browsing state in SQLite: one JSON column per visitor, written whole. It may be
//! written behind ([`Visitors::save_visitor_behind`]): queued in order with every other write,
//! not waited for.

use super::{SqliteStore, corrupt, db, exec_cached};
use crate::domain::{SiteId, Timestamp, VisitorId};
use crate::store::{StoreError, Visitors};
use crate::triggers::VisitorRecord;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

/// The upsert; a visitor id already taken by another site is left alone.
const UPSERT: &str = "INSERT INTO visitors (id, site_id, state, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?4)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
     WHERE visitors.site_id = excluded.site_id";

/// What one save writes, prepared off the writer thread (the JSON is encoded by the caller).
struct Save {
    site: String,
    visitor: String,
    json: String,
    now: i64,
}

impl Save {
    fn new(site: &SiteId, visitor: &VisitorId, state: &VisitorRecord) -> Result<Self, StoreError> {
        Ok(Save {
            site: site.to_string(),
            visitor: visitor.to_string(),
            json: serde_json::to_string(state).map_err(corrupt)?,
            now: Timestamp::now().0,
        })
    }

    /// One statement: it either changes the row or fails before changing anything.
    fn write(self, c: &Connection) -> Result<(), StoreError> {
        exec_cached(
            c,
            UPSERT,
            params![self.visitor, self.site, self.json, self.now],
        )
        .map_err(db("save visitor"))?;
        Ok(())
    }
}

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
                c.prepare_cached("SELECT state FROM visitors WHERE id = ?1 AND site_id = ?2")
                    .and_then(|mut stmt| stmt.query_row([&visitor, &site], |r| r.get(0)).optional())
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
        let save = Save::new(site, visitor, state)?;
        self.writer.run_checked(move |c| save.write(c)).await
    }

    async fn save_visitor_behind(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError> {
        let save = Save::new(site, visitor, state)?;
        self.writer
            .submit("browsing state", move |c| save.write(c))
            .await
    }
}
