//! What feeds the shop's data and what it feeds, in SQLite: push-API keys (their hash only),
//! platform deliveries already handled, the site's commerce settings, and shoppers'
//! return/cancel requests. Every query is scoped by site, except the key look-up by hash,
//! which is how a request's site is learned in the first place.

use super::commerce_sql::{parse, to_json};
use super::{corrupt, db};
use crate::commerce::{
    ApiKey, CommerceSettings, ExternalId, OrderRequest, RequestKind, RequestStatus,
};
use crate::domain::{ApiKeyId, RequestId, SiteId, Timestamp};
use crate::store::{StoreError, WEBHOOK_MEMORY_MS};
use rusqlite::{Connection, OptionalExtension, Row, params};

// ---- API keys -------------------------------------------------------------------------------

const KEY_COLUMNS: &str = "id, site_id, name, prefix, secret_hash, created_at";

fn key_from(r: &Row<'_>) -> rusqlite::Result<(String, String, String, String, String, i64)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn api_key(row: (String, String, String, String, String, i64)) -> Result<ApiKey, StoreError> {
    let (id, site, name, prefix, secret_hash, created) = row;
    Ok(ApiKey {
        id: ApiKeyId::parse(&id).map_err(corrupt)?,
        site_id: SiteId::parse(&site).map_err(corrupt)?,
        name,
        prefix,
        secret_hash,
        created_at: Timestamp(created),
    })
}

/// Stores a new key; `Conflict` if its hash is already a key's (a secret reused).
pub(super) fn insert_api_key(conn: &Connection, key: &ApiKey) -> Result<(), StoreError> {
    let taken: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM commerce_api_keys WHERE secret_hash = ?1 OR id = ?2)",
            [key.secret_hash.as_str(), key.id.as_str()],
            |r| r.get(0),
        )
        .map_err(db("check api key"))?;
    if taken {
        return Err(StoreError::Conflict("the API key already exists".into()));
    }
    conn.execute(
        &format!("INSERT INTO commerce_api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![
            key.id.as_str(),
            key.site_id.as_str(),
            key.name,
            key.prefix,
            key.secret_hash,
            key.created_at.0
        ],
    )
    .map_err(db("insert api key"))?;
    Ok(())
}

/// A site's keys, oldest first.
pub(super) fn api_keys(conn: &Connection, site: &SiteId) -> Result<Vec<ApiKey>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM commerce_api_keys WHERE site_id = ?1
             ORDER BY created_at, id"
        ))
        .map_err(db("list api keys"))?;
    let rows = stmt
        .query_map([site.as_str()], key_from)
        .map_err(db("list api keys"))?;
    rows.map(|row| api_key(row.map_err(db("list api keys"))?))
        .collect()
}

/// Revokes (deletes) a key; `false` if the site has no such key.
pub(super) fn revoke_api_key(
    conn: &Connection,
    site: &SiteId,
    id: &ApiKeyId,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM commerce_api_keys WHERE id = ?1 AND site_id = ?2",
            [id.as_str(), site.as_str()],
        )
        .map_err(db("revoke api key"))?;
    Ok(n > 0)
}

/// The live key with this hash.
pub(super) fn api_key_by_hash(
    conn: &Connection,
    secret_hash: &str,
) -> Result<Option<ApiKey>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM commerce_api_keys WHERE secret_hash = ?1"
        ))
        .map_err(db("read api key"))?;
    stmt.query_row([secret_hash], key_from)
        .optional()
        .map_err(db("read api key"))?
        .map(api_key)
        .transpose()
}

// ---- platform deliveries --------------------------------------------------------------------

/// Rows of forgotten deliveries deleted per remembered one: enough to keep up with any
/// delivery rate (each insert removes up to this many), small enough to keep the write short.
const PRUNE_BATCH: u32 = 64;

/// Whether a delivery remembered at `at` is still remembered at `now`.
fn remembered_since(now: Timestamp) -> i64 {
    now.0.saturating_sub(WEBHOOK_MEMORY_MS)
}

/// Whether the site handled this delivery within the last [`WEBHOOK_MEMORY_MS`].
pub(super) fn webhook_seen(
    conn: &Connection,
    site: &SiteId,
    source: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM commerce_webhooks
             WHERE site_id = ?1 AND source = ?2 AND id = ?3 AND at > ?4)",
        )
        .map_err(db("check webhook"))?;
    stmt.query_row(
        params![site.as_str(), source, id, remembered_since(now)],
        |r| r.get(0),
    )
    .map_err(db("check webhook"))
}

/// Records a handled delivery (keeping the later time if it was already there) and deletes
/// a few forgotten ones, so the table holds about a week of deliveries.
pub(super) fn remember_webhook(
    conn: &Connection,
    site: &SiteId,
    source: &str,
    id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO commerce_webhooks (site_id, source, id, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (site_id, source, id) DO UPDATE SET at = max(at, excluded.at)",
    )
    .and_then(|mut s| s.execute(params![site.as_str(), source, id, now.0]))
    .map_err(db("remember webhook"))?;
    conn.prepare_cached(
        "DELETE FROM commerce_webhooks WHERE rowid IN
            (SELECT rowid FROM commerce_webhooks WHERE at <= ?1 LIMIT ?2)",
    )
    .and_then(|mut s| s.execute(params![remembered_since(now), PRUNE_BATCH]))
    .map_err(db("forget old webhooks"))?;
    Ok(())
}

// ---- settings -------------------------------------------------------------------------------

/// The site's commerce settings, defaults until set.
pub(super) fn settings(conn: &Connection, site: &SiteId) -> Result<CommerceSettings, StoreError> {
    conn.query_row(
        "SELECT body FROM commerce_settings WHERE site_id = ?1",
        [site.as_str()],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .map_err(db("read commerce settings"))?
    .map_or_else(
        || Ok(CommerceSettings::default()),
        |json| parse("commerce settings", &json),
    )
}

/// Replaces the site's commerce settings.
pub(super) fn set_settings(
    conn: &Connection,
    site: &SiteId,
    settings: &CommerceSettings,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO commerce_settings (site_id, body) VALUES (?1, ?2)
         ON CONFLICT (site_id) DO UPDATE SET body = excluded.body",
        params![site.as_str(), to_json(settings)?],
    )
    .map_err(db("write commerce settings"))?;
    Ok(())
}

// ---- requests -------------------------------------------------------------------------------

/// A kind as its column holds it (the same words as its JSON).
fn kind_text(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Return => "return",
        RequestKind::Cancel => "cancel",
    }
}

fn status_text(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open => "open",
        RequestStatus::Done => "done",
    }
}

/// A stored request: its body, with the status column (the one that changes) laid over it.
fn request_from(body: &str, status: &str) -> Result<OrderRequest, StoreError> {
    let mut request: OrderRequest = parse("order request", body)?;
    request.status = match status {
        "open" => RequestStatus::Open,
        "done" => RequestStatus::Done,
        other => return Err(corrupt(format!("request status {other:?}"))),
    };
    Ok(request)
}

/// Stores a request unless the conversation already has an open one of the same kind for the
/// same order; returns the one that is stored. Checked and written in one job.
pub(super) fn create_request(
    conn: &Connection,
    request: &OrderRequest,
) -> Result<OrderRequest, StoreError> {
    let open: Option<(String, String)> = conn
        .query_row(
            "SELECT body, status FROM commerce_requests
             WHERE conversation_id = ?1 AND order_id = ?2 AND kind = ?3 AND status = 'open'
               AND site_id = ?4
             ORDER BY created_at, id LIMIT 1",
            params![
                request.conversation_id.as_str(),
                request.order_id.as_str(),
                kind_text(request.kind),
                request.site_id.as_str()
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db("find open request"))?;
    if let Some((body, status)) = open {
        return request_from(&body, &status);
    }
    conn.execute(
        "INSERT INTO commerce_requests
            (id, site_id, order_id, conversation_id, kind, status, created_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            request.id.as_str(),
            request.site_id.as_str(),
            request.order_id.as_str(),
            request.conversation_id.as_str(),
            kind_text(request.kind),
            status_text(request.status),
            request.created_at.0,
            to_json(request)?
        ],
    )
    .map_err(db("insert request"))?;
    Ok(request.clone())
}

/// The requests made on an order, oldest first.
pub(super) fn order_requests(
    conn: &Connection,
    site: &SiteId,
    order: &ExternalId,
) -> Result<Vec<OrderRequest>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT body, status FROM commerce_requests WHERE site_id = ?1 AND order_id = ?2
             ORDER BY created_at, id",
        )
        .map_err(db("list requests"))?;
    let rows = stmt
        .query_map([site.as_str(), order.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db("list requests"))?;
    rows.map(|row| {
        let (body, status) = row.map_err(db("list requests"))?;
        request_from(&body, &status)
    })
    .collect()
}

/// Marks a request open or done; `false` if the site has no such request.
pub(super) fn set_request_status(
    conn: &Connection,
    site: &SiteId,
    id: &RequestId,
    status: RequestStatus,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE commerce_requests SET status = ?3 WHERE id = ?1 AND site_id = ?2",
            params![id.as_str(), site.as_str(), status_text(status)],
        )
        .map_err(db("set request status"))?;
    Ok(n > 0)
}
