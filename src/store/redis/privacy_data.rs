//! What the Redis privacy area reads and removes beyond its own keys: a site's outbox rows
//! (in the shared `{mail}` slot, found through the idempotency index `keys`, whose fields
//! start with the site), the site's email log, the cached customers and orders with their
//! indexes and requests, and a conversation with its pointers in other slots.

use super::RedisStore;
use super::commerce_records::open_slot;
use super::keys::sub;
use super::mail::outbox_row;
use super::privacy_scripts::DELETE_CONVERSATION;
use super::values::{from_json, redis_err};
use crate::commerce::{Customer, Order, OrderRequest};
use crate::domain::{ConversationId, SiteId};
use crate::email::{EmailLogEntry, OutboxEmail};
use crate::privacy::Counts;
use crate::store::StoreError;
use std::collections::HashMap;

/// Ids per `SCAN`/`HSCAN` step and records per pipelined read.
pub(super) const CHUNK: usize = 500;

impl RedisStore {
    /// Every outbox row of the site (ended rows are pruned after a month, so this is
    /// bounded by a month of the site's email).
    pub(super) async fn site_outbox(&self, site: &SiteId) -> Result<Vec<OutboxEmail>, StoreError> {
        let keys = sub(&self.keys.mail(), "keys", "");
        let mut cursor: u64 = 0;
        let mut ids = Vec::new();
        loop {
            let (next, page): (u64, Vec<String>) = ::redis::cmd("HSCAN")
                .arg(&keys)
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{site}\n*"))
                .arg("COUNT")
                .arg(CHUNK)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("scan outbox"))?;
            // HSCAN answers field, value, field, value…: the values are the row ids.
            ids.extend(page.into_iter().skip(1).step_by(2));
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        let mut rows = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let mut pipe = ::redis::pipe();
            for id in chunk {
                pipe.cmd("HGETALL").arg(sub(&self.keys.mail(), "row:", id));
            }
            let found: Vec<HashMap<String, String>> = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read outbox"))?;
            for fields in found.iter().filter(|f| !f.is_empty()) {
                rows.push(outbox_row(fields)?);
            }
        }
        Ok(rows)
    }

    /// Removes outbox rows with their idempotency keys and every index entry, and the
    /// site's log entries `drop_log` picks. Returns how many rows and entries went.
    pub(super) async fn delete_emails(
        &self,
        site: &SiteId,
        rows: &[OutboxEmail],
        drop_log: impl Fn(&EmailLogEntry) -> bool,
    ) -> Result<u64, StoreError> {
        let mail = self.keys.mail();
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        for row in rows {
            let id = row.id.as_str();
            let rcpt = row.to.to_lowercase();
            pipe.cmd("DEL").arg(sub(&mail, "row:", id)).ignore();
            pipe.cmd("HDEL")
                .arg(sub(&mail, "keys", ""))
                .arg(format!("{site}\n{}", row.key))
                .ignore();
            for set in [
                "due".to_owned(),
                "ended".to_owned(),
                format!("count:{site}"),
                format!("count:{site}:{rcpt}"),
            ] {
                pipe.cmd("ZREM").arg(sub(&mail, &set, "")).arg(id).ignore();
            }
        }
        let log = sub(&mail, "log:", site);
        let entries: Vec<String> = ::redis::cmd("LRANGE")
            .arg(&log)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read email log"))?;
        let mut removed = rows.len() as u64;
        for json in entries {
            let entry: EmailLogEntry = from_json("email log", &json)?;
            if drop_log(&entry) {
                pipe.cmd("LREM").arg(&log).arg(1).arg(json).ignore();
                removed += 1;
            }
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("delete emails"))?;
        Ok(removed)
    }

    /// Removes one conversation of the site (see [`DELETE_CONVERSATION`]) and then its
    /// pointers in other slots (`conv-site`, the mail token). `cutoff` limits it to a closed
    /// conversation last active before then. Counts what went.
    pub(super) async fn delete_conversation(
        &self,
        site: &SiteId,
        conv: &str,
        cutoff: Option<i64>,
    ) -> Result<Counts, StoreError> {
        let (removed, messages, notes, inbound, token): (u64, u64, u64, u64, String) =
            DELETE_CONVERSATION
                .key(self.keys.site(site))
                .arg(conv)
                .arg(cutoff.map(|c| c.to_string()).unwrap_or_default())
                .invoke_async(&mut self.conn())
                .await
                .map_err(redis_err("delete conversation"))?;
        if removed == 0 {
            return Ok(Counts::default());
        }
        let mut pipe = ::redis::pipe();
        if let Ok(id) = ConversationId::parse(conv) {
            pipe.cmd("DEL").arg(self.keys.conv_site(&id)).ignore();
        }
        if !token.is_empty() {
            pipe.cmd("DEL").arg(self.keys.mail_token(&token)).ignore();
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("delete conversation pointers"))?;
        Ok(Counts {
            conversations: 1,
            messages,
            notes,
            emails: inbound,
            ..Counts::default()
        })
    }

    /// Removes requests with their order's index entry and their open slot. Counts them.
    pub(super) async fn delete_requests(
        &self,
        site: &SiteId,
        requests: &[OrderRequest],
    ) -> Result<u64, StoreError> {
        if requests.is_empty() {
            return Ok(0);
        }
        let base = self.keys.site(site);
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        for r in requests {
            let slot = open_slot(r)?;
            let holder: Option<String> = ::redis::cmd("HGET")
                .arg(sub(&base, "open-reqs", ""))
                .arg(&slot)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read open request"))?;
            if holder.as_deref() == Some(r.id.as_str()) {
                pipe.cmd("HDEL")
                    .arg(sub(&base, "open-reqs", ""))
                    .arg(&slot)
                    .ignore();
            }
            pipe.cmd("HDEL")
                .arg(sub(&base, "requests", ""))
                .arg(r.id.as_str())
                .ignore();
            pipe.cmd("ZREM")
                .arg(sub(&base, "order-reqs:", &r.order_id))
                .arg(r.id.as_str())
                .ignore();
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("delete requests"))?;
        Ok(requests.len() as u64)
    }

    /// Every request of the site that `keep` picks (the `requests` hash read whole: an
    /// erasure is rare, and requests are few per site).
    pub(super) async fn site_requests(
        &self,
        site: &SiteId,
        keep: impl Fn(&OrderRequest) -> bool,
    ) -> Result<Vec<OrderRequest>, StoreError> {
        let all: HashMap<String, String> = ::redis::cmd("HGETALL")
            .arg(sub(&self.keys.site(site), "requests", ""))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read requests"))?;
        let mut out = Vec::new();
        for json in all.values() {
            let request: OrderRequest = from_json("order request", json)?;
            if keep(&request) {
                out.push(request);
            }
        }
        Ok(out)
    }

    /// The ids in one of the site's sorted sets.
    pub(super) async fn zset_ids(
        &self,
        site: &SiteId,
        name: &str,
        id: &str,
    ) -> Result<Vec<String>, StoreError> {
        ::redis::cmd("ZRANGE")
            .arg(sub(&self.keys.site(site), name, id))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read index"))
    }

    /// Removes cached customers and orders by id, with their indexes and the orders'
    /// requests. Counts what went.
    pub(super) async fn delete_commerce(
        &self,
        site: &SiteId,
        customers: &[String],
        orders: &[String],
    ) -> Result<Counts, StoreError> {
        let base = self.keys.site(site);
        let read = |hash: &'static str, ids: &[String]| {
            let mut cmd = ::redis::cmd("HMGET");
            cmd.arg(sub(&base, hash, "")).arg(ids);
            cmd
        };
        let mut counts = Counts::default();
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        if !customers.is_empty() {
            let found: Vec<Option<String>> = read("customers", customers)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read customers"))?;
            for json in found.iter().flatten() {
                let c: Customer = from_json("customer", json)?;
                pipe.cmd("HDEL")
                    .arg(sub(&base, "customers", ""))
                    .arg(c.id.as_str())
                    .ignore();
                if let Some(email) = &c.email {
                    pipe.cmd("ZREM")
                        .arg(sub(&base, "cust-email:", email.as_str()))
                        .arg(c.id.as_str())
                        .ignore();
                }
                counts.customers += 1;
            }
        }
        let mut gone = Vec::new();
        if !orders.is_empty() {
            let found: Vec<Option<String>> = read("orders", orders)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read orders"))?;
            for json in found.iter().flatten() {
                let o: Order = from_json("order", json)?;
                let id = o.id.as_str();
                let number: Option<String> = ::redis::cmd("HGET")
                    .arg(sub(&base, "order-num", ""))
                    .arg(o.number.key())
                    .query_async(&mut self.conn())
                    .await
                    .map_err(redis_err("read order number"))?;
                if number.as_deref() == Some(id) {
                    pipe.cmd("HDEL")
                        .arg(sub(&base, "order-num", ""))
                        .arg(o.number.key())
                        .ignore();
                }
                pipe.cmd("HDEL")
                    .arg(sub(&base, "orders", ""))
                    .arg(id)
                    .ignore();
                if let Some(c) = &o.customer_id {
                    pipe.cmd("ZREM")
                        .arg(sub(&base, "orders-cust:", c.as_str()))
                        .arg(id)
                        .ignore();
                }
                if let Some(e) = &o.email {
                    pipe.cmd("ZREM")
                        .arg(sub(&base, "orders-email:", e.as_str()))
                        .arg(id)
                        .ignore();
                }
                pipe.cmd("DEL").arg(sub(&base, "order-reqs:", id)).ignore();
                gone.push(o.id.clone());
                counts.orders += 1;
            }
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(redis_err("delete commerce records"))?;
        if !gone.is_empty() {
            let requests = self
                .site_requests(site, |r| gone.contains(&r.order_id))
                .await?;
            counts.requests = self.delete_requests(site, &requests).await?;
        }
        Ok(counts)
    }
}
