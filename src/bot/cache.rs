//! Each site's knowledge base, indexed once and shared by every conversation on this node.
//! Loaded from the store on first use and dropped when an owner changes an article, so the
//! next question is ranked against the new set (the same pattern as `site_rules`).

use super::kb::{KnowledgeBase, language_for};
use crate::domain::SiteId;
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Sites whose index is kept before the cache starts over; bounds memory.
const MAX_SITES: usize = 10_000;

/// The cache, cloneable; one per node, built in `startup` and held in `AppState`.
#[derive(Clone)]
pub struct KbCache {
    store: Arc<dyn Store>,
    sites: Arc<RwLock<HashMap<SiteId, Arc<KnowledgeBase>>>>,
}

impl KbCache {
    /// An empty cache over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        KbCache {
            store,
            sites: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    /// The site's knowledge base, indexing its articles on first use.
    pub async fn get(&self, site: &SiteId) -> Result<Arc<KnowledgeBase>, StoreError> {
        if let Some(found) = self.sites.read().ok().and_then(|m| m.get(site).cloned()) {
            return Ok(found);
        }
        let articles = self.store.list_articles(site).await?;
        // Stemming and stop words follow the site's first language (English by default).
        let settings = self.store.chat_settings(site).await?;
        let language = language_for(settings.languages.first().map(String::as_str));
        let kb = Arc::new(KnowledgeBase::new(&articles, language));
        if let Ok(mut sites) = self.sites.write() {
            if sites.len() >= MAX_SITES {
                sites.clear();
            }
            sites.insert(site.clone(), kb.clone());
        }
        Ok(kb)
    }

    /// Forgets a site's index after one of its articles changed.
    pub fn invalidate(&self, site: &SiteId) {
        if let Ok(mut sites) = self.sites.write() {
            sites.remove(site);
        }
    }
}
