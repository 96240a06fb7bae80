//! A visitor's browsing state: one JSON value per visitor under its site's hash tag, written
//! with one `SET`, so it is never half saved.

use super::RedisStore;
use super::values::from_json;
use crate::domain::{SiteId, VisitorId};
use crate::store::{StoreError, Visitors};
use crate::triggers::VisitorRecord;
use async_trait::async_trait;

#[async_trait]
impl Visitors for RedisStore {
    async fn load_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<VisitorRecord>, StoreError> {
        let name = format!("visitor:{visitor}");
        self.site_json(site, &name)
            .await?
            .map(|json| from_json("visitor", &json))
            .transpose()
    }

    async fn save_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError> {
        // The state with its `visitors-seen` mark, for the retention sweep (see privacy.rs).
        self.save_visitor_seen(site, visitor, state).await
    }
}
