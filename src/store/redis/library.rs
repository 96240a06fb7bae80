//! A site's library: knowledge-base articles and canned replies, each a JSON record in a
//! per-site hash by id, so an id of another site is simply absent there.
//!
//! Per site: `articles` (hash id → JSON), `canned` (hash id → JSON), `canned-sc` (hash
//! id → shortcut) and `shortcuts` (hash shortcut → id, the uniqueness index the scripts
//! check and move together with the reply).

use super::RedisStore;
use super::keys::sub;
use super::values::{corrupt, from_json, redis_err, to_json};
use crate::domain::{ArticleId, CannedId, SiteId, Timestamp};
use crate::store::{Article, CannedReply, Library, NewArticle, NewCanned, StoreError};
use async_trait::async_trait;

impl RedisStore {
    /// Every JSON value of a site's hash.
    async fn hash_values(
        &self,
        key: &str,
        context: &'static str,
    ) -> Result<Vec<String>, StoreError> {
        ::redis::cmd("HVALS")
            .arg(key)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err(context))
    }

    /// One JSON value of a site's hash.
    async fn hash_value(
        &self,
        key: &str,
        id: &str,
        context: &'static str,
    ) -> Result<Option<String>, StoreError> {
        ::redis::cmd("HGET")
            .arg(key)
            .arg(id)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err(context))
    }
}

/// The same words as the SQLite store, so the API answers alike.
fn shortcut_taken(shortcut: &str) -> StoreError {
    StoreError::Conflict(format!(
        "the shortcut /{shortcut} is already taken on this site"
    ))
}

#[async_trait]
impl Library for RedisStore {
    async fn list_articles(&self, site: &SiteId) -> Result<Vec<Article>, StoreError> {
        let key = sub(&self.keys.site(site), "articles", "");
        let mut list: Vec<Article> = self
            .hash_values(&key, "list articles")
            .await?
            .iter()
            .map(|j| from_json("article", j))
            .collect::<Result<_, _>>()?;
        list.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
        Ok(list)
    }

    async fn article(&self, site: &SiteId, id: &ArticleId) -> Result<Option<Article>, StoreError> {
        let key = sub(&self.keys.site(site), "articles", "");
        self.hash_value(&key, id.as_str(), "read article")
            .await?
            .map(|j| from_json("article", &j))
            .transpose()
    }

    async fn create_article(&self, site: &SiteId, new: NewArticle) -> Result<Article, StoreError> {
        let article = new.into_article(site, Timestamp::now());
        ::redis::cmd("HSET")
            .arg(sub(&self.keys.site(site), "articles", ""))
            .arg(article.id.as_str())
            .arg(to_json(&article)?)
            .query_async::<i64>(&mut self.conn())
            .await
            .map_err(redis_err("insert article"))?;
        Ok(article)
    }

    async fn update_article(
        &self,
        site: &SiteId,
        id: &ArticleId,
        new: NewArticle,
    ) -> Result<Article, StoreError> {
        let key = sub(&self.keys.site(site), "articles", "");
        let now = Timestamp::now();
        self.update_json(&key, Some(id.as_str()), "article", |a: &mut Article| {
            a.question = new.question.clone();
            a.answer = new.answer.clone();
            a.translations = new.translations.clone();
            a.updated_at = now;
        })
        .await
    }

    async fn delete_article(&self, site: &SiteId, id: &ArticleId) -> Result<bool, StoreError> {
        let n: i64 = ::redis::cmd("HDEL")
            .arg(sub(&self.keys.site(site), "articles", ""))
            .arg(id.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("delete article"))?;
        Ok(n > 0)
    }

    async fn list_canned(&self, site: &SiteId) -> Result<Vec<CannedReply>, StoreError> {
        let key = sub(&self.keys.site(site), "canned", "");
        let mut list: Vec<CannedReply> = self
            .hash_values(&key, "list canned replies")
            .await?
            .iter()
            .map(|j| from_json("canned reply", j))
            .collect::<Result<_, _>>()?;
        list.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        Ok(list)
    }

    async fn canned(
        &self,
        site: &SiteId,
        id: &CannedId,
    ) -> Result<Option<CannedReply>, StoreError> {
        let key = sub(&self.keys.site(site), "canned", "");
        self.hash_value(&key, id.as_str(), "read canned reply")
            .await?
            .map(|j| from_json("canned reply", &j))
            .transpose()
    }

    async fn create_canned(
        &self,
        site: &SiteId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError> {
        let reply = new.into_reply(site, Timestamp::now());
        let outcome: String = self
            .scripts
            .create_canned
            .key(self.keys.site(site))
            .arg(reply.id.as_str())
            .arg(&reply.shortcut)
            .arg(to_json(&reply)?)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("insert canned reply"))?;
        match outcome.as_str() {
            "ok" => Ok(reply),
            "taken" => Err(shortcut_taken(&reply.shortcut)),
            other => Err(corrupt(format!("create canned answered {other}"))),
        }
    }

    async fn update_canned(
        &self,
        site: &SiteId,
        id: &CannedId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError> {
        let key = sub(&self.keys.site(site), "canned", "");
        for _ in 0..super::CAS_ATTEMPTS {
            let Some(current) = self
                .hash_value(&key, id.as_str(), "read canned reply")
                .await?
            else {
                return Err(StoreError::NotFound("canned reply"));
            };
            let mut reply: CannedReply = from_json("canned reply", &current)?;
            reply.shortcut = new.shortcut.clone();
            reply.title = new.title.clone();
            reply.body = new.body.clone();
            reply.translations = new.translations.clone();
            reply.updated_at = Timestamp::now();
            let outcome: String = self
                .scripts
                .update_canned
                .key(self.keys.site(site))
                .arg(id.as_str())
                .arg(&current)
                .arg(&reply.shortcut)
                .arg(to_json(&reply)?)
                .invoke_async(&mut self.conn())
                .await
                .map_err(redis_err("update canned reply"))?;
            match outcome.as_str() {
                "ok" => return Ok(reply),
                "missing" => return Err(StoreError::NotFound("canned reply")),
                "taken" => return Err(shortcut_taken(&reply.shortcut)),
                "retry" => continue,
                other => return Err(corrupt(format!("update canned answered {other}"))),
            }
        }
        Err(StoreError::Conflict(
            "the canned reply kept changing meanwhile; try again".into(),
        ))
    }

    async fn delete_canned(&self, site: &SiteId, id: &CannedId) -> Result<bool, StoreError> {
        let n: i64 = self
            .scripts
            .delete_canned
            .key(self.keys.site(site))
            .arg(id.as_str())
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("delete canned reply"))?;
        Ok(n == 1)
    }
}
