//! One customer across devices in SQLite: `customer_links` holds each customer's canonical
//! visitor (its primary key makes "the first link wins" one `INSERT OR IGNORE`), and
//! `customer_visitors` which customer each visitor belongs to — every device, and the
//! canonical visitor itself, so "is this visitor a customer?" is one look-up by visitor.
//! Linking runs as one job on the writer thread: one transaction, so two devices linking at
//! once are serialised and read the same canonical visitor.

use super::{SqliteStore, corrupt, db, exec_cached};
use crate::domain::{SiteId, Timestamp, VisitorId};
use crate::store::{CustomerLink, Customers, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

/// The tables of this area, one migration of its own (appended to `schema::MIGRATIONS`);
/// `IF NOT EXISTS` like the others.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE IF NOT EXISTS customer_links (
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    customer   TEXT NOT NULL,               -- user:ID or email:ADDRESS, as verified
    canonical  TEXT NOT NULL,               -- the visitor every device speaks as (v_…)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, customer)
);
CREATE TABLE IF NOT EXISTS customer_visitors (
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id TEXT NOT NULL,               -- a device, or the canonical visitor itself
    customer   TEXT NOT NULL,
    linked_at  INTEGER NOT NULL,
    PRIMARY KEY (site_id, visitor_id)
);
CREATE INDEX IF NOT EXISTS customer_visitors_by_customer
    ON customer_visitors (site_id, customer, linked_at);
"#;

/// Points a visitor at a customer; an existing row for the visitor moves (keeping no trace
/// of the customer it had), and its first link time stays when the customer is the same.
const POINT: &str = "INSERT INTO customer_visitors (site_id, visitor_id, customer, linked_at)
     VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (site_id, visitor_id) DO UPDATE SET customer = excluded.customer,
         linked_at = CASE WHEN customer_visitors.customer = excluded.customer
                          THEN customer_visitors.linked_at ELSE excluded.linked_at END";

/// The link step, inside the writer's transaction.
fn link(
    c: &Connection,
    site: &str,
    customer: &str,
    visitor: &str,
    fresh: &str,
    now: i64,
) -> Result<String, StoreError> {
    exec_cached(
        c,
        "INSERT OR IGNORE INTO customer_links (site_id, customer, canonical, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![site, customer, fresh, now],
    )
    .map_err(db("link customer"))?;
    let canonical: String = c
        .prepare_cached("SELECT canonical FROM customer_links WHERE site_id = ?1 AND customer = ?2")
        .and_then(|mut s| s.query_row(params![site, customer], |r| r.get(0)))
        .map_err(db("link customer"))?;
    exec_cached(c, POINT, params![site, canonical, customer, now]).map_err(db("link customer"))?;
    exec_cached(c, POINT, params![site, visitor, customer, now]).map_err(db("link customer"))?;
    Ok(canonical)
}

fn visitor_id(text: &str) -> Result<VisitorId, StoreError> {
    VisitorId::parse(text).map_err(corrupt)
}

#[async_trait]
impl Customers for SqliteStore {
    async fn link_customer(
        &self,
        site: &SiteId,
        customer: &str,
        visitor: &VisitorId,
        fresh: &VisitorId,
        now: Timestamp,
    ) -> Result<VisitorId, StoreError> {
        let (site, customer) = (site.to_string(), customer.to_owned());
        let (visitor, fresh) = (visitor.to_string(), fresh.to_string());
        let canonical = self
            .writer
            .run(move |c| link(c, &site, &customer, &visitor, &fresh, now.0))
            .await?;
        visitor_id(&canonical)
    }

    async fn visitor_customer(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<CustomerLink>, StoreError> {
        let (site, visitor) = (site.to_string(), visitor.to_string());
        let row: Option<(String, String)> = self
            .readers
            .run(move |c| {
                c.prepare_cached(
                    "SELECT v.customer, l.canonical FROM customer_visitors v
                     JOIN customer_links l ON l.site_id = v.site_id AND l.customer = v.customer
                     WHERE v.site_id = ?1 AND v.visitor_id = ?2",
                )
                .and_then(|mut s| {
                    s.query_row([&site, &visitor], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                })
                .map_err(db("visitor's customer"))
            })
            .await?;
        row.map(|(customer, canonical)| {
            Ok(CustomerLink {
                customer,
                canonical: visitor_id(&canonical)?,
            })
        })
        .transpose()
    }

    async fn customer_visitors(
        &self,
        site: &SiteId,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<VisitorId>, StoreError> {
        let (site, customer) = (site.to_string(), customer.to_owned());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<String> = self
            .readers
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT v.visitor_id FROM customer_visitors v
                         JOIN customer_links l ON l.site_id = v.site_id AND l.customer = v.customer
                         WHERE v.site_id = ?1 AND v.customer = ?2 AND v.visitor_id <> l.canonical
                         ORDER BY v.linked_at, v.visitor_id LIMIT ?3",
                    )
                    .map_err(db("customer's visitors"))?;
                let rows = stmt
                    .query_map(params![site, customer, limit], |r| r.get(0))
                    .map_err(db("customer's visitors"))?;
                rows.collect::<Result<_, _>>()
                    .map_err(db("customer's visitors"))
            })
            .await?;
        rows.iter().map(|v| visitor_id(v)).collect()
    }

    async fn customer_canonical(
        &self,
        site: &SiteId,
        customer: &str,
    ) -> Result<Option<VisitorId>, StoreError> {
        let (site, customer) = (site.to_string(), customer.to_owned());
        let canonical: Option<String> = self
            .readers
            .run(move |c| {
                c.prepare_cached(
                    "SELECT canonical FROM customer_links WHERE site_id = ?1 AND customer = ?2",
                )
                .and_then(|mut s| s.query_row([&site, &customer], |r| r.get(0)).optional())
                .map_err(db("customer's canonical visitor"))
            })
            .await?;
        canonical.as_deref().map(visitor_id).transpose()
    }

    async fn unlink_visitor(&self, site: &SiteId, visitor: &VisitorId) -> Result<bool, StoreError> {
        let (site, visitor) = (site.to_string(), visitor.to_string());
        self.writer
            .run(move |c| {
                let n = exec_cached(
                    c,
                    "DELETE FROM customer_visitors WHERE site_id = ?1 AND visitor_id = ?2
                     AND NOT EXISTS (SELECT 1 FROM customer_links l WHERE l.site_id = ?1
                         AND l.customer = customer_visitors.customer AND l.canonical = ?2)",
                    [&site, &visitor],
                )
                .map_err(db("unlink visitor"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn forget_customer(
        &self,
        site: &SiteId,
        customer: &str,
    ) -> Result<Option<(VisitorId, Vec<VisitorId>)>, StoreError> {
        let (site, customer) = (site.to_string(), customer.to_owned());
        let forgotten: Option<(String, Vec<String>)> = self
            .writer
            .run(move |c| forget(c, &site, &customer))
            .await?;
        let Some((canonical, devices)) = forgotten else {
            return Ok(None);
        };
        let devices = devices
            .iter()
            .map(|v| visitor_id(v))
            .collect::<Result<_, _>>()?;
        Ok(Some((visitor_id(&canonical)?, devices)))
    }
}

/// The forget step, inside the writer's transaction: what was linked, then gone.
fn forget(
    c: &Connection,
    site: &str,
    customer: &str,
) -> Result<Option<(String, Vec<String>)>, StoreError> {
    let canonical: Option<String> = c
        .prepare_cached("SELECT canonical FROM customer_links WHERE site_id = ?1 AND customer = ?2")
        .and_then(|mut s| s.query_row([site, customer], |r| r.get(0)).optional())
        .map_err(db("forget customer"))?;
    let Some(canonical) = canonical else {
        return Ok(None);
    };
    let devices: Vec<String> = {
        let mut stmt = c
            .prepare_cached(
                "SELECT visitor_id FROM customer_visitors
                 WHERE site_id = ?1 AND customer = ?2 AND visitor_id <> ?3
                 ORDER BY linked_at, visitor_id",
            )
            .map_err(db("forget customer"))?;
        let rows = stmt
            .query_map([site, customer, canonical.as_str()], |r| r.get(0))
            .map_err(db("forget customer"))?;
        rows.collect::<Result<_, _>>()
            .map_err(db("forget customer"))?
    };
    exec_cached(
        c,
        "DELETE FROM customer_visitors WHERE site_id = ?1 AND customer = ?2",
        [site, customer],
    )
    .map_err(db("forget customer"))?;
    exec_cached(
        c,
        "DELETE FROM customer_links WHERE site_id = ?1 AND customer = ?2",
        [site, customer],
    )
    .map_err(db("forget customer"))?;
    Ok(Some((canonical, devices)))
}
