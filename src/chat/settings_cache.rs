//! Each site's chat settings, read on every shopper message (bot or queue, reopen window,
//! keyword rules) and changed rarely: kept per node and dropped when an owner saves new ones.

use crate::conversation::ChatSettings;
use crate::domain::SiteId;
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Sites kept before the cache starts over; bounds memory.
const MAX_SITES: usize = 10_000;

/// The cache, cloneable; one per node, built in `startup` and held in `AppState`.
#[derive(Clone, Default)]
pub struct ChatSettingsCache {
    sites: Arc<RwLock<HashMap<SiteId, Arc<ChatSettings>>>>,
}

impl ChatSettingsCache {
    /// The site's settings, from the store on first use.
    pub async fn get(
        &self,
        store: &dyn Store,
        site: &SiteId,
    ) -> Result<Arc<ChatSettings>, StoreError> {
        if let Some(found) = self.sites.read().ok().and_then(|m| m.get(site).cloned()) {
            return Ok(found);
        }
        let settings = Arc::new(store.chat_settings(site).await?);
        if let Ok(mut sites) = self.sites.write() {
            if sites.len() >= MAX_SITES {
                sites.clear();
            }
            sites.insert(site.clone(), settings.clone());
        }
        Ok(settings)
    }

    /// Forgets a site's settings after an owner changed them.
    pub fn invalidate(&self, site: &SiteId) {
        if let Ok(mut sites) = self.sites.write() {
            sites.remove(site);
        }
    }
}
