//! A site's library as owners write it: knowledge-base articles (what the bot answers from:
//! every change makes every node drop the site's index) and canned replies (what agents
//! insert by `/shortcut`). Values are checked by the caller; an article or reply of another
//! site is `NotFound`, never a leak.

use crate::bus::SiteData;
use crate::chat::{ChatError, ChatService};
use crate::domain::{ArticleId, CannedId, SiteId};
use crate::store::{Article, CannedReply, NewArticle, NewCanned};

impl ChatService {
    /// The site's articles, oldest first.
    pub async fn articles(&self, site: &SiteId) -> Result<Vec<Article>, ChatError> {
        Ok(self.store.list_articles(site).await?)
    }

    /// One article of the site, or `NotFound("article")`.
    pub async fn article(&self, site: &SiteId, id: &ArticleId) -> Result<Article, ChatError> {
        self.store
            .article(site, id)
            .await?
            .ok_or(ChatError::NotFound("article"))
    }

    /// A new article; the bot answers from it on every node at once.
    pub async fn create_article(
        &self,
        site: &SiteId,
        new: NewArticle,
    ) -> Result<Article, ChatError> {
        let article = self.store.create_article(site, new).await?;
        self.site_changed(site, &[SiteData::Knowledge]).await;
        Ok(article)
    }

    /// Replaces an article (`NotFound` if the site has none with this id).
    pub async fn update_article(
        &self,
        site: &SiteId,
        id: &ArticleId,
        new: NewArticle,
    ) -> Result<Article, ChatError> {
        let article = self.store.update_article(site, id, new).await?;
        self.site_changed(site, &[SiteData::Knowledge]).await;
        Ok(article)
    }

    /// Deletes an article; `NotFound("article")` if there is none.
    pub async fn delete_article(&self, site: &SiteId, id: &ArticleId) -> Result<(), ChatError> {
        if !self.store.delete_article(site, id).await? {
            return Err(ChatError::NotFound("article"));
        }
        self.site_changed(site, &[SiteData::Knowledge]).await;
        Ok(())
    }

    /// The site's canned replies, by shortcut.
    pub async fn canned_replies(&self, site: &SiteId) -> Result<Vec<CannedReply>, ChatError> {
        Ok(self.store.list_canned(site).await?)
    }

    /// One canned reply of the site, or `NotFound("canned reply")`.
    pub async fn canned_reply(
        &self,
        site: &SiteId,
        id: &CannedId,
    ) -> Result<CannedReply, ChatError> {
        self.store
            .canned(site, id)
            .await?
            .ok_or(ChatError::NotFound("canned reply"))
    }

    /// A new canned reply; a `Conflict` means the shortcut is taken on the site. Replies are
    /// read from the store when used, so no node caches them.
    pub async fn create_canned(
        &self,
        site: &SiteId,
        new: NewCanned,
    ) -> Result<CannedReply, ChatError> {
        Ok(self.store.create_canned(site, new).await?)
    }

    /// Replaces a canned reply; a `Conflict` means the shortcut is another reply's.
    pub async fn update_canned(
        &self,
        site: &SiteId,
        id: &CannedId,
        new: NewCanned,
    ) -> Result<CannedReply, ChatError> {
        Ok(self.store.update_canned(site, id, new).await?)
    }

    /// Deletes a canned reply; `NotFound("canned reply")` if there is none.
    pub async fn delete_canned(&self, site: &SiteId, id: &CannedId) -> Result<(), ChatError> {
        if !self.store.delete_canned(site, id).await? {
            return Err(ChatError::NotFound("canned reply"));
        }
        Ok(())
    }
}
