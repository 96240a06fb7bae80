//! The SQL of the privacy area: its migration, and the removals that run inside one writer
//! transaction each (a crash leaves a person either as they were or erased, never half).

use super::errors::db;
use super::mail_sql::strings;
use crate::privacy::Counts;
use crate::store::StoreError;
use rusqlite::{Connection, params};

/// The tables of this area, one migration of its own (appended to `schema::MIGRATIONS`):
/// retention settings, the audit, and the index the browsing-retention sweep walks
/// (`updated_at` is when the visitor's state was last saved, i.e. last seen). `IF NOT
/// EXISTS`, so a test that winds `user_version` back can replay it.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS privacy_settings (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    body    TEXT NOT NULL                   -- JSON RetentionSettings
);
CREATE TABLE IF NOT EXISTS privacy_audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    entry   TEXT NOT NULL                   -- JSON AuditEntry (an email only as a digest)
);
CREATE INDEX IF NOT EXISTS privacy_audit_by_site ON privacy_audit (site_id, id);
CREATE INDEX IF NOT EXISTS visitors_by_site_seen ON visitors (site_id, updated_at);
"#;

/// A count of changed rows as the report's number.
fn n(rows: usize) -> u64 {
    u64::try_from(rows).unwrap_or(u64::MAX)
}

/// Runs a delete and counts its rows.
fn delete(c: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<u64, StoreError> {
    c.prepare_cached(sql)
        .and_then(|mut s| s.execute(params))
        .map(n)
        .map_err(db("privacy delete"))
}

/// A count query's answer.
fn count(c: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<u64, StoreError> {
    c.query_row(sql, params, |r| r.get::<_, i64>(0))
        .map(|v| u64::try_from(v).unwrap_or(0))
        .map_err(db("privacy count"))
}

/// Removes one conversation of the site with everything that hangs off it: messages, notes,
/// the mail thread and inbound emails (by `ON DELETE CASCADE`), and by hand the outbox rows
/// and delivery-log entries naming it and the order requests made in it.
pub(super) fn delete_conversation(
    c: &Connection,
    site: &str,
    conv: &str,
) -> Result<Counts, StoreError> {
    let messages = count(
        c,
        "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1",
        [conv],
    )?;
    let notes = count(
        c,
        "SELECT COUNT(*) FROM notes WHERE conversation_id = ?1",
        [conv],
    )?;
    let inbound = count(
        c,
        "SELECT COUNT(*) FROM email_inbound WHERE conversation_id = ?1",
        [conv],
    )?;
    let outbox = delete(
        c,
        "DELETE FROM email_outbox WHERE site_id = ?1 AND conversation_id = ?2",
        [site, conv],
    )?;
    let log = delete(
        c,
        "DELETE FROM email_log WHERE site_id = ?1
         AND json_extract(entry, '$.conversation_id') = ?2",
        [site, conv],
    )?;
    let requests = delete(
        c,
        "DELETE FROM commerce_requests WHERE site_id = ?1 AND conversation_id = ?2",
        [site, conv],
    )?;
    let conversations = delete(
        c,
        "DELETE FROM conversations WHERE site_id = ?1 AND id = ?2",
        [site, conv],
    )?;
    Ok(Counts {
        conversations,
        messages,
        notes,
        emails: inbound + outbox + log,
        requests,
        ..Counts::default()
    })
}

/// Removes a visitor's browsing state and every conversation of it.
pub(super) fn erase_visitor(
    c: &Connection,
    site: &str,
    visitor: &str,
) -> Result<Counts, StoreError> {
    let convs = strings(
        c,
        "SELECT id FROM conversations WHERE site_id = ?1 AND visitor_id = ?2",
        [site, visitor],
    )?;
    let mut counts = Counts::default();
    for conv in convs {
        counts = counts + delete_conversation(c, site, &conv)?;
    }
    counts.visitors = delete(
        c,
        "DELETE FROM visitors WHERE site_id = ?1 AND id = ?2",
        [site, visitor],
    )?;
    Ok(counts)
}

/// Removes orders (the site's, matched by `column = value`) with the requests on them.
fn delete_orders(
    c: &Connection,
    site: &str,
    column: &str,
    value: &str,
) -> Result<Counts, StoreError> {
    let ids = strings(
        c,
        &format!("SELECT id FROM commerce_orders WHERE site_id = ?1 AND {column} = ?2"),
        [site, value],
    )?;
    let mut counts = Counts::default();
    for id in ids {
        counts.requests += delete(
            c,
            "DELETE FROM commerce_requests WHERE site_id = ?1 AND order_id = ?2",
            [site, &id],
        )?;
        counts.orders += delete(
            c,
            "DELETE FROM commerce_orders WHERE site_id = ?1 AND id = ?2",
            [site, &id],
        )?;
    }
    Ok(counts)
}

/// Removes what the site holds under an address (lower-cased).
pub(super) fn erase_address(c: &Connection, site: &str, email: &str) -> Result<Counts, StoreError> {
    let outbox = delete(
        c,
        "DELETE FROM email_outbox WHERE site_id = ?1 AND recipient = ?2",
        [site, email],
    )?;
    let log = delete(
        c,
        "DELETE FROM email_log WHERE site_id = ?1 AND lower(json_extract(entry, '$.to')) = ?2",
        [site, email],
    )?;
    let suppressions = delete(
        c,
        "DELETE FROM email_suppressions WHERE site_id = ?1 AND email = ?2",
        [site, email],
    )?;
    delete(
        c,
        "DELETE FROM email_codes WHERE site_id = ?1 AND email = ?2",
        [site, email],
    )?;
    let customers = delete(
        c,
        "DELETE FROM commerce_customers WHERE site_id = ?1 AND email = ?2",
        [site, email],
    )?;
    let orders = delete_orders(c, site, "email", email)?;
    Ok(Counts {
        emails: outbox + log,
        suppressions,
        customers,
        ..orders
    })
}

/// Removes the cached customer with the shop's id and its orders.
pub(super) fn erase_customer(c: &Connection, site: &str, id: &str) -> Result<Counts, StoreError> {
    let customers = delete(
        c,
        "DELETE FROM commerce_customers WHERE site_id = ?1 AND id = ?2",
        [site, id],
    )?;
    let orders = delete_orders(c, site, "customer_id", id)?;
    Ok(Counts {
        customers,
        ..orders
    })
}

/// Removes up to `limit` closed conversations last active before `before`.
/// Removes up to `limit` visitors' browsing state not saved since `before`, with their links
/// across devices: a device's own link, and when the visitor was a customer's canonical one
/// (its state is saved whenever any of the customer's devices is active, so it is idle only
/// when all are) the customer's link and every device's. A device verified again links anew.
pub(super) fn expire_visitors(
    c: &Connection,
    site: &str,
    before: i64,
    limit: i64,
) -> Result<u64, StoreError> {
    let ids = strings(
        c,
        "SELECT id FROM visitors WHERE site_id = ?1 AND updated_at < ?2 LIMIT ?3",
        params![site, before, limit],
    )?;
    let link = |sql: &str, id: &str| {
        c.execute(sql, params![site, id])
            .map_err(db("expire a visitor's links"))
    };
    for id in &ids {
        c.execute(
            "DELETE FROM visitors WHERE site_id = ?1 AND id = ?2",
            params![site, id],
        )
        .map_err(db("expire visitors"))?;
        link(
            "DELETE FROM customer_visitors WHERE site_id = ?1 AND customer IN
               (SELECT customer FROM customer_links WHERE site_id = ?1 AND canonical = ?2)",
            id,
        )?;
        link(
            "DELETE FROM customer_links WHERE site_id = ?1 AND canonical = ?2",
            id,
        )?;
        link(
            "DELETE FROM customer_visitors WHERE site_id = ?1 AND visitor_id = ?2",
            id,
        )?;
    }
    Ok(ids.len() as u64)
}

pub(super) fn expire_conversations(
    c: &Connection,
    site: &str,
    before: i64,
    limit: i64,
) -> Result<u64, StoreError> {
    let ids = strings(
        c,
        "SELECT id FROM conversations WHERE site_id = ?1 AND updated_at < ?2 AND stage = 'closed'
         ORDER BY updated_at LIMIT ?3",
        params![site, before, limit],
    )?;
    let mut removed = 0;
    for id in ids {
        removed += delete_conversation(c, site, &id)?.conversations;
    }
    Ok(removed)
}
