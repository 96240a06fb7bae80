//! Metered use of an outside service — the language model — counted per site per UTC day
//! in the store, so the owners' daily budget holds for every node together rather than once
//! per node.

use super::StoreError;
use crate::domain::SiteId;
use async_trait::async_trait;

/// How long a day's count is kept, days: long enough to show owners recent use, short
/// enough that the counts never grow with time.
pub const USAGE_KEPT_DAYS: i64 = 35;

/// The per-site daily counts of model calls.
#[async_trait]
pub trait Usage: Send + Sync + 'static {
    /// Counts one model call for `site` on `day` (days since the Unix epoch, UTC) if fewer
    /// than `limit` are counted for it, atomically across nodes: `true` when it was counted
    /// (the call may be made), `false` when the day's budget is spent. Counts of days older
    /// than [`USAGE_KEPT_DAYS`] may be dropped on the way.
    async fn take_ai_call(&self, site: &SiteId, day: i64, limit: u32) -> Result<bool, StoreError>;
    /// The calls counted for `site` on `day`.
    async fn ai_calls(&self, site: &SiteId, day: i64) -> Result<u32, StoreError>;
}
