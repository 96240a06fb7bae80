//! The email area's tables and the SQL that reads and writes whole rows of them (the outbox
//! row, the claim, the log trim, threads), beside `mail.rs` which implements the trait.

use super::{corrupt, db, exec_cached, seq_param};
use crate::domain::{ConversationId, EmailId, SiteId, Timestamp};
use crate::email::{EmailKind, EmailStatus, MailThread, OutboxEmail};
use crate::store::StoreError;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// The tables of this area, one migration of its own (appended to `schema::MIGRATIONS`).
/// Outbox rows name their site (deleted with it) but not their conversation: a row whose
/// conversation is gone composes to "skipped" and stays, so its key is never reused.
/// Threads go with their conversation (`ON DELETE CASCADE`), so a reply token stops
/// working when the conversation's retention ends. Only the hash of a code is kept.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS email_settings (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    body    TEXT NOT NULL                   -- JSON EmailSettings
);
CREATE TABLE IF NOT EXISTS email_outbox (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,          -- lowercased, for the per-recipient limit
    to_address      TEXT NOT NULL,          -- as queued
    conversation_id TEXT,
    up_to_seq       INTEGER NOT NULL,
    data            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    due_at          INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    status          TEXT NOT NULL,
    UNIQUE (site_id, key)
);
CREATE INDEX IF NOT EXISTS email_outbox_due ON email_outbox (due_at) WHERE status = 'pending';
-- Rows that ended, by when (a final row's due_at is when its last attempt ended), to prune.
CREATE INDEX IF NOT EXISTS email_outbox_ended ON email_outbox (due_at) WHERE status <> 'pending';
CREATE INDEX IF NOT EXISTS email_outbox_sent_to
    ON email_outbox (site_id, recipient, created_at);
CREATE INDEX IF NOT EXISTS email_outbox_by_site ON email_outbox (site_id, created_at);
CREATE TABLE IF NOT EXISTS email_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    entry   TEXT NOT NULL                   -- JSON EmailLogEntry
);
CREATE INDEX IF NOT EXISTS email_log_by_site ON email_log (site_id, id);
CREATE TABLE IF NOT EXISTS email_threads (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    site_id         TEXT NOT NULL,
    token           TEXT NOT NULL UNIQUE,
    emailed_seq     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS email_suppressions (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    email   TEXT NOT NULL,
    entry   TEXT NOT NULL,                  -- JSON Suppression
    at      INTEGER NOT NULL,
    PRIMARY KEY (site_id, email)
);
CREATE TABLE IF NOT EXISTS email_inbound (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    entry           TEXT NOT NULL           -- JSON InboundRecord
);
CREATE INDEX IF NOT EXISTS email_inbound_by_conversation ON email_inbound (conversation_id, id);
CREATE TABLE IF NOT EXISTS email_codes (
    site_id   TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    email     TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires   INTEGER NOT NULL,
    PRIMARY KEY (site_id, email)
);
"#;

/// The outbox columns [`outbox_row`] reads, in its order.
pub(super) const OUTBOX_COLUMNS: &str = "id, site_id, key, kind, to_address, conversation_id, \
     up_to_seq, data, attempts, due_at, created_at, status";

/// An outbox row as its raw columns (turned into a record off the driver's closure, where a
/// bad value can be a `Corrupt` error).
pub(super) type RawOutbox = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
);

/// Reads [`OUTBOX_COLUMNS`].
pub(super) fn outbox_row(r: &Row<'_>) -> rusqlite::Result<RawOutbox> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ))
}

fn kind_from(text: &str) -> Result<EmailKind, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(corrupt)
}

fn status_name(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Pending => "pending",
        EmailStatus::Sent => "sent",
        EmailStatus::Failed => "failed",
        EmailStatus::Skipped => "skipped",
    }
}

fn status_from(text: &str) -> Result<EmailStatus, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(corrupt)
}

/// The record of a row read with [`outbox_row`].
pub(super) fn outbox_email(raw: RawOutbox) -> Result<OutboxEmail, StoreError> {
    let (id, site, key, kind, to, conv, up_to, data, attempts, due, created, status) = raw;
    Ok(OutboxEmail {
        id: EmailId::parse(&id).map_err(corrupt)?,
        site_id: SiteId::parse(&site).map_err(corrupt)?,
        key,
        kind: kind_from(&kind)?,
        to,
        conversation_id: conv
            .map(|c| ConversationId::parse(&c).map_err(corrupt))
            .transpose()?,
        up_to_seq: u64::try_from(up_to).unwrap_or(0),
        data,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        due_at: Timestamp(due),
        created_at: Timestamp(created),
        status: status_from(&status)?,
    })
}

/// Inserts a row unless its site has the key already: `true` when inserted.
pub(super) fn insert_outbox(c: &Connection, e: &OutboxEmail) -> Result<bool, StoreError> {
    let n = exec_cached(
        c,
        "INSERT INTO email_outbox (id, site_id, key, kind, recipient, to_address,
         conversation_id, up_to_seq, data, attempts, due_at, created_at, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (site_id, key) DO NOTHING",
        params![
            e.id.as_str(),
            e.site_id.as_str(),
            e.key,
            e.kind.as_str(),
            e.to.to_lowercase(),
            e.to,
            e.conversation_id.as_ref().map(ConversationId::as_str),
            seq_param(e.up_to_seq),
            e.data,
            e.attempts,
            e.due_at.0,
            e.created_at.0,
            status_name(e.status),
        ],
    )
    .map_err(db("enqueue email"))?;
    Ok(n > 0)
}

/// Leases up to `limit` due pending rows that no lease holds, counting the attempt; on the
/// writer, so two claims never see the same row free.
pub(super) fn claim(
    c: &Connection,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<OutboxEmail>, StoreError> {
    let sql = format!(
        "UPDATE email_outbox SET lease_until = ?2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM email_outbox WHERE status = 'pending' AND due_at <= ?1
                      AND lease_until <= ?1 ORDER BY due_at, id LIMIT ?3)
         RETURNING {OUTBOX_COLUMNS}"
    );
    let mut stmt = c.prepare_cached(&sql).map_err(db("claim emails"))?;
    let raw = stmt
        .query_map(params![now.0, lease_until.0, limit], outbox_row)
        .map_err(db("claim emails"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db("claim emails"))?;
    let mut rows = raw
        .into_iter()
        .map(outbox_email)
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by(|a, b| (a.due_at, a.id.as_str()).cmp(&(b.due_at, b.id.as_str())));
    Ok(rows)
}

/// Appends a log entry and trims the site's log to its newest `keep`.
pub(super) fn append_log(
    c: &Connection,
    site: &str,
    json: &str,
    keep: i64,
) -> Result<(), StoreError> {
    exec_cached(
        c,
        "INSERT INTO email_log (site_id, entry) VALUES (?1, ?2)",
        params![site, json],
    )
    .map_err(db("email log"))?;
    let oldest: Option<i64> = c
        .query_row(
            "SELECT id FROM email_log WHERE site_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2",
            params![site, keep - 1],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("trim email log"))?;
    if let Some(oldest) = oldest {
        exec_cached(
            c,
            "DELETE FROM email_log WHERE site_id = ?1 AND id < ?2",
            params![site, oldest],
        )
        .map_err(db("trim email log"))?;
    }
    Ok(())
}

/// The first column of every row a query returns, as text.
pub(super) fn strings(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(db("email read"))?;
    let rows = stmt
        .query_map(params, |r| r.get(0))
        .map_err(db("email read"))?;
    rows.collect::<Result<_, _>>().map_err(db("email read"))
}

/// Gets or creates the conversation's thread; `NotFound` when the conversation is not the
/// site's.
pub(super) fn thread(
    c: &Connection,
    site: &str,
    conv: &str,
    token: &str,
) -> Result<MailThread, StoreError> {
    let exists: Option<i64> = c
        .query_row(
            "SELECT 1 FROM conversations WHERE id = ?1 AND site_id = ?2",
            params![conv, site],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("thread"))?;
    if exists.is_none() {
        return Err(StoreError::NotFound("conversation"));
    }
    exec_cached(
        c,
        "INSERT INTO email_threads (conversation_id, site_id, token) VALUES (?1, ?2, ?3)
         ON CONFLICT (conversation_id) DO NOTHING",
        params![conv, site, token],
    )
    .map_err(db("thread"))?;
    thread_where(c, "t.conversation_id = ?1", conv)?.ok_or(StoreError::NotFound("conversation"))
}

/// One thread whose conversation exists, by a condition on `t` (the thread) with one
/// parameter.
pub(super) fn thread_where(
    c: &Connection,
    condition: &str,
    param: &str,
) -> Result<Option<MailThread>, StoreError> {
    let sql = format!(
        "SELECT t.conversation_id, t.site_id, t.token, t.emailed_seq FROM email_threads t
         JOIN conversations c ON c.id = t.conversation_id WHERE {condition}"
    );
    let raw: Option<(String, String, String, i64)> = c
        .query_row(&sql, [param], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()
        .map_err(db("thread"))?;
    raw.map(|(conv, site, token, seq)| {
        Ok(MailThread {
            conversation_id: ConversationId::parse(&conv).map_err(corrupt)?,
            site_id: SiteId::parse(&site).map_err(corrupt)?,
            token,
            emailed_seq: u64::try_from(seq).unwrap_or(0),
        })
    })
    .transpose()
}

/// Stores a code's hash for a site and address, replacing an earlier one.
pub(super) fn put_code(
    c: &Connection,
    site: &str,
    email: &str,
    hash: &str,
    expires: Timestamp,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO email_codes (site_id, email, code_hash, expires) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (site_id, email) DO UPDATE
         SET code_hash = excluded.code_hash, expires = excluded.expires",
        params![site, email, hash, expires.0],
    )
    .map_err(db("put email code"))?;
    Ok(())
}

/// Takes a matching, unexpired code (it is gone after); an expired one is dropped too, so it
/// never lingers.
pub(super) fn take_code(
    c: &Connection,
    site: &str,
    email: &str,
    hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let taken = c
        .execute(
            "DELETE FROM email_codes WHERE site_id = ?1 AND email = ?2
             AND code_hash = ?3 AND expires > ?4",
            params![site, email, hash, now.0],
        )
        .map_err(db("take email code"))?;
    c.execute(
        "DELETE FROM email_codes WHERE site_id = ?1 AND email = ?2 AND expires <= ?3",
        params![site, email, now.0],
    )
    .map_err(db("drop expired code"))?;
    Ok(taken > 0)
}
