//! A site's library in SQLite: knowledge-base articles and canned replies. Every query is
//! scoped by site id, so an id from another site reads as absent and is never changed.

use super::{SqliteStore, corrupt, db};
use crate::domain::{ArticleId, CannedId, SiteId, Timestamp};
use crate::store::{Article, CannedReply, Library, NewArticle, NewCanned, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::BTreeMap;

// ---- articles -------------------------------------------------------------------------------

/// The library in other languages (issue 20): each article's versions, a JSON object by
/// language code (`{"fr": {"question", "answer"}}`), and each canned reply's (`{"fr": "…"}`),
/// beside the item (gone with it); an item without a row has none. Tables of their own
/// rather than columns: `CREATE … IF NOT EXISTS` can run again, `ADD COLUMN` cannot.
pub(super) const TRANSLATIONS_MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS article_translations (
    article_id   TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    translations TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS canned_translations (
    canned_id    TEXT PRIMARY KEY REFERENCES canned_replies(id) ON DELETE CASCADE,
    translations TEXT NOT NULL
);
";

/// An article's columns, its versions (`{}` without a row) last; read `FROM` [`ARTICLES`].
const ARTICLE_COLUMNS: &str =
    "id, site_id, question, answer, created_at, updated_at, COALESCE(translations, '{}')";

/// Articles with their versions beside them.
const ARTICLES: &str = "articles LEFT JOIN article_translations ON article_id = id";

/// Writes an item's versions into `table` (keyed by `key`): a row while it has some, none
/// without.
fn save_translations<T: serde::Serialize>(
    conn: &Connection,
    table: &str,
    key: &str,
    id: &str,
    translations: &BTreeMap<String, T>,
) -> Result<(), StoreError> {
    if translations.is_empty() {
        conn.execute(&format!("DELETE FROM {table} WHERE {key} = ?1"), [id])
            .map_err(db("clear translations"))?;
        return Ok(());
    }
    conn.execute(
        &format!(
            "INSERT INTO {table} ({key}, translations) VALUES (?1, ?2)
             ON CONFLICT ({key}) DO UPDATE SET translations = excluded.translations"
        ),
        params![id, translations_json(translations)?],
    )
    .map_err(db("save translations"))?;
    Ok(())
}

type ArticleRow = (String, String, String, String, i64, i64, String);

fn article_row(r: &Row<'_>) -> rusqlite::Result<ArticleRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn article_from(row: ArticleRow) -> Result<Article, StoreError> {
    let (id, site, question, answer, created, updated, translations) = row;
    Ok(Article {
        id: ArticleId::parse(&id).map_err(corrupt)?,
        site_id: SiteId::parse(&site).map_err(corrupt)?,
        question,
        answer,
        translations: serde_json::from_str(&translations).map_err(corrupt)?,
        created_at: Timestamp(created),
        updated_at: Timestamp(updated),
    })
}

/// An article's or canned reply's versions as stored.
fn translations_json<T: serde::Serialize>(
    translations: &BTreeMap<String, T>,
) -> Result<String, StoreError> {
    serde_json::to_string(translations).map_err(corrupt)
}

/// A site's articles, oldest first.
pub(super) fn articles(conn: &Connection, site: &SiteId) -> Result<Vec<Article>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM {ARTICLES} WHERE site_id = ?1 ORDER BY created_at, id"
        ))
        .map_err(db("list articles"))?;
    let rows = stmt
        .query_map([site.as_str()], article_row)
        .map_err(db("list articles"))?;
    rows.map(|row| article_from(row.map_err(db("list articles"))?))
        .collect()
}

/// One article of a site.
pub(super) fn article(
    conn: &Connection,
    site: &SiteId,
    id: &ArticleId,
) -> Result<Option<Article>, StoreError> {
    conn.query_row(
        &format!("SELECT {ARTICLE_COLUMNS} FROM {ARTICLES} WHERE id = ?1 AND site_id = ?2"),
        [id.as_str(), site.as_str()],
        article_row,
    )
    .optional()
    .map_err(db("read article"))?
    .map(article_from)
    .transpose()
}

/// Stores a new article.
pub(super) fn insert_article(conn: &Connection, article: &Article) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO articles (id, site_id, question, answer, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            article.id.as_str(),
            article.site_id.as_str(),
            article.question,
            article.answer,
            article.created_at.0,
            article.updated_at.0
        ],
    )
    .map_err(db("insert article"))?;
    save_translations(
        conn,
        "article_translations",
        "article_id",
        article.id.as_str(),
        &article.translations,
    )
}

/// Replaces an article's text; `NotFound` unless the site has it.
pub(super) fn update_article(
    conn: &Connection,
    site: &SiteId,
    id: &ArticleId,
    new: &NewArticle,
    now: Timestamp,
) -> Result<Article, StoreError> {
    let changed = conn
        .execute(
            "UPDATE articles SET question = ?3, answer = ?4, updated_at = ?5
             WHERE id = ?1 AND site_id = ?2",
            params![id.as_str(), site.as_str(), new.question, new.answer, now.0],
        )
        .map_err(db("update article"))?;
    if changed == 0 {
        return Err(StoreError::NotFound("article"));
    }
    save_translations(
        conn,
        "article_translations",
        "article_id",
        id.as_str(),
        &new.translations,
    )?;
    article(conn, site, id)?.ok_or(StoreError::NotFound("article"))
}

/// Deletes an article; `false` when the site had none with this id.
pub(super) fn delete_article(
    conn: &Connection,
    site: &SiteId,
    id: &ArticleId,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM articles WHERE id = ?1 AND site_id = ?2",
            [id.as_str(), site.as_str()],
        )
        .map_err(db("delete article"))?;
    Ok(n > 0)
}

// ---- canned replies -------------------------------------------------------------------------

/// A canned reply's columns, its versions (`{}` without a row) last; read `FROM` [`CANNED`].
const CANNED_COLUMNS: &str =
    "id, site_id, shortcut, title, body, created_at, updated_at, COALESCE(translations, '{}')";

/// Canned replies with their versions beside them.
const CANNED: &str = "canned_replies LEFT JOIN canned_translations ON canned_id = id";

type CannedRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    String,
);

fn canned_row(r: &Row<'_>) -> rusqlite::Result<CannedRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn canned_from(row: CannedRow) -> Result<CannedReply, StoreError> {
    let (id, site, shortcut, title, body, created, updated, translations) = row;
    Ok(CannedReply {
        id: CannedId::parse(&id).map_err(corrupt)?,
        site_id: SiteId::parse(&site).map_err(corrupt)?,
        shortcut,
        title,
        body,
        translations: serde_json::from_str(&translations).map_err(corrupt)?,
        created_at: Timestamp(created),
        updated_at: Timestamp(updated),
    })
}

/// A site's canned replies, by shortcut.
pub(super) fn canned_list(
    conn: &Connection,
    site: &SiteId,
) -> Result<Vec<CannedReply>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {CANNED_COLUMNS} FROM {CANNED} WHERE site_id = ?1 ORDER BY shortcut"
        ))
        .map_err(db("list canned replies"))?;
    let rows = stmt
        .query_map([site.as_str()], canned_row)
        .map_err(db("list canned replies"))?;
    rows.map(|row| canned_from(row.map_err(db("list canned replies"))?))
        .collect()
}

/// One canned reply of a site.
pub(super) fn canned(
    conn: &Connection,
    site: &SiteId,
    id: &CannedId,
) -> Result<Option<CannedReply>, StoreError> {
    conn.query_row(
        &format!("SELECT {CANNED_COLUMNS} FROM {CANNED} WHERE id = ?1 AND site_id = ?2"),
        [id.as_str(), site.as_str()],
        canned_row,
    )
    .optional()
    .map_err(db("read canned reply"))?
    .map(canned_from)
    .transpose()
}

/// `Conflict` if another reply of the site (not `except`) has the shortcut. Run in the same
/// write job as the change, so the check and the write cannot interleave with another writer.
fn shortcut_free(
    conn: &Connection,
    site: &SiteId,
    shortcut: &str,
    except: Option<&CannedId>,
) -> Result<(), StoreError> {
    let holder: Option<String> = conn
        .query_row(
            "SELECT id FROM canned_replies WHERE site_id = ?1 AND shortcut = ?2",
            [site.as_str(), shortcut],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("check shortcut"))?;
    match holder {
        Some(id) if Some(id.as_str()) != except.map(CannedId::as_str) => Err(StoreError::Conflict(
            format!("the shortcut /{shortcut} is already taken on this site"),
        )),
        _ => Ok(()),
    }
}

/// Stores a new canned reply; `Conflict` on a taken shortcut.
pub(super) fn insert_canned(conn: &Connection, reply: &CannedReply) -> Result<(), StoreError> {
    shortcut_free(conn, &reply.site_id, &reply.shortcut, None)?;
    conn.execute(
        "INSERT INTO canned_replies (id, site_id, shortcut, title, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            reply.id.as_str(),
            reply.site_id.as_str(),
            reply.shortcut,
            reply.title,
            reply.body,
            reply.created_at.0,
            reply.updated_at.0
        ],
    )
    .map_err(db("insert canned reply"))?;
    save_translations(
        conn,
        "canned_translations",
        "canned_id",
        reply.id.as_str(),
        &reply.translations,
    )
}

/// Replaces a canned reply; `NotFound` unless the site has it, `Conflict` on a taken shortcut.
pub(super) fn update_canned(
    conn: &Connection,
    site: &SiteId,
    id: &CannedId,
    new: &NewCanned,
    now: Timestamp,
) -> Result<CannedReply, StoreError> {
    if canned(conn, site, id)?.is_none() {
        return Err(StoreError::NotFound("canned reply"));
    }
    shortcut_free(conn, site, &new.shortcut, Some(id))?;
    conn.execute(
        "UPDATE canned_replies SET shortcut = ?3, title = ?4, body = ?5, updated_at = ?6
         WHERE id = ?1 AND site_id = ?2",
        params![
            id.as_str(),
            site.as_str(),
            new.shortcut,
            new.title,
            new.body,
            now.0
        ],
    )
    .map_err(db("update canned reply"))?;
    save_translations(
        conn,
        "canned_translations",
        "canned_id",
        id.as_str(),
        &new.translations,
    )?;
    canned(conn, site, id)?.ok_or(StoreError::NotFound("canned reply"))
}

/// Deletes a canned reply; `false` when the site had none with this id.
pub(super) fn delete_canned(
    conn: &Connection,
    site: &SiteId,
    id: &CannedId,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM canned_replies WHERE id = ?1 AND site_id = ?2",
            [id.as_str(), site.as_str()],
        )
        .map_err(db("delete canned reply"))?;
    Ok(n > 0)
}

#[async_trait]
impl Library for SqliteStore {
    async fn list_articles(&self, site: &SiteId) -> Result<Vec<Article>, StoreError> {
        let site = site.clone();
        self.readers.run(move |c| articles(c, &site)).await
    }

    async fn article(&self, site: &SiteId, id: &ArticleId) -> Result<Option<Article>, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.readers.run(move |c| article(c, &site, &id)).await
    }

    async fn create_article(&self, site: &SiteId, new: NewArticle) -> Result<Article, StoreError> {
        let article = new.into_article(site, Timestamp::now());
        let stored = article.clone();
        self.writer.run(move |c| insert_article(c, &stored)).await?;
        Ok(article)
    }

    async fn update_article(
        &self,
        site: &SiteId,
        id: &ArticleId,
        new: NewArticle,
    ) -> Result<Article, StoreError> {
        let (site, id, now) = (site.clone(), id.clone(), Timestamp::now());
        self.writer
            .run(move |c| update_article(c, &site, &id, &new, now))
            .await
    }

    async fn delete_article(&self, site: &SiteId, id: &ArticleId) -> Result<bool, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.writer
            .run(move |c| delete_article(c, &site, &id))
            .await
    }

    async fn list_canned(&self, site: &SiteId) -> Result<Vec<CannedReply>, StoreError> {
        let site = site.clone();
        self.readers.run(move |c| canned_list(c, &site)).await
    }

    async fn canned(
        &self,
        site: &SiteId,
        id: &CannedId,
    ) -> Result<Option<CannedReply>, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.readers.run(move |c| canned(c, &site, &id)).await
    }

    async fn create_canned(
        &self,
        site: &SiteId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError> {
        let reply = new.into_reply(site, Timestamp::now());
        let stored = reply.clone();
        self.writer.run(move |c| insert_canned(c, &stored)).await?;
        Ok(reply)
    }

    async fn update_canned(
        &self,
        site: &SiteId,
        id: &CannedId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError> {
        let (site, id, now) = (site.clone(), id.clone(), Timestamp::now());
        self.writer
            .run(move |c| update_canned(c, &site, &id, &new, now))
            .await
    }

    async fn delete_canned(&self, site: &SiteId, id: &CannedId) -> Result<bool, StoreError> {
        let (site, id) = (site.clone(), id.clone());
        self.writer.run(move |c| delete_canned(c, &site, &id)).await
    }
}
