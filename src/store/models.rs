//! The language model as the store knows it: a site's own provider (chosen by its owners,
//! used instead of the server's), and the calls made per site per UTC day, counted here so
//! the daily budget holds for every node together rather than once per node.

use super::StoreError;
use crate::ai::provider::SiteProvider;
use crate::domain::SiteId;
use async_trait::async_trait;

/// How long a day's count is kept, days: long enough to show owners recent use, short
/// enough that the counts never grow with time.
pub const USAGE_KEPT_DAYS: i64 = 35;

/// A site's provider and its daily counts of model calls.
#[async_trait]
pub trait Models: Send + Sync + 'static {
    /// The site's own provider, if its owners chose one.
    async fn site_provider(&self, site: &SiteId) -> Result<Option<SiteProvider>, StoreError>;
    /// Sets (or with `None` removes) the site's own provider.
    async fn set_site_provider(
        &self,
        site: &SiteId,
        provider: Option<&SiteProvider>,
    ) -> Result<(), StoreError>;
    /// Counts one model call for `site` on `day` (days since the Unix epoch, UTC) if fewer
    /// than `limit` are counted for it, atomically across nodes: `true` when it was counted
    /// (the call may be made), `false` when the day's budget is spent. Counts of days older
    /// than [`USAGE_KEPT_DAYS`] may be dropped on the way.
    async fn take_ai_call(&self, site: &SiteId, day: i64, limit: u32) -> Result<bool, StoreError>;
    /// The calls counted for `site` on `day`.
    async fn ai_calls(&self, site: &SiteId, day: i64) -> Result<u32, StoreError>;
}
