//! Customers and orders in Redis: read the stored JSON, merge in Rust with the rules of
//! [`crate::commerce`], write with a compare-and-set script that also moves the indexes
//! ([`super::commerce_scripts`]); on a lost race read again, a few times. Key layout: see
//! `commerce.rs`.

use super::commerce_scripts::CommerceScripts;
use super::keys::sub;
use super::values::{from_json, redis_err, score_ms, to_json};
use super::{CAS_ATTEMPTS, RedisStore};
use crate::commerce::{
    Customer, CustomerKey, ExternalId, ImportCounts, Order, OrderChange, Upsert, apply_change,
    merge_customer, merge_order,
};
use crate::domain::{Email, SiteId};
use crate::store::StoreError;
use ::redis::{Script, ScriptInvocation};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Records per pipeline of an import: bounds the size of one request and one reply.
const IMPORT_CHUNK: usize = 500;
/// The most orders one `orders_for` returns, as in SQLite.
pub(super) const MAX_ORDERS_FOR: u32 = 50;

/// What customers and orders share in Redis: a hash of JSON by the shop's id, a merge rule
/// and a compare-and-set script that keeps the record's indexes with it.
pub(super) trait Record: Serialize + DeserializeOwned + Clone + Send + Sync {
    /// The site hash the records live in.
    const HASH: &'static str;
    /// The record's name in errors.
    const WHAT: &'static str;
    /// The shop's id.
    fn id(&self) -> &ExternalId;
    /// The merge rule of [`crate::commerce`].
    fn merge(stored: Option<&Self>, incoming: Self) -> (Upsert, Option<Self>);
    /// Its compare-and-set script.
    fn script(scripts: &CommerceScripts) -> &Script;
    /// The script's index arguments after the JSON: old and new index values.
    fn index_args(old: Option<&Self>, new: &Self) -> Vec<String>;
}

fn email_text(email: Option<&Email>) -> String {
    email.map(|e| e.as_str().to_owned()).unwrap_or_default()
}

impl Record for Customer {
    const HASH: &'static str = "customers";
    const WHAT: &'static str = "customer";
    fn id(&self) -> &ExternalId {
        &self.id
    }
    fn merge(stored: Option<&Self>, incoming: Self) -> (Upsert, Option<Self>) {
        merge_customer(stored, incoming)
    }
    fn script(scripts: &CommerceScripts) -> &Script {
        &scripts.save_customer
    }
    fn index_args(old: Option<&Self>, new: &Self) -> Vec<String> {
        vec![
            email_text(old.and_then(|o| o.email.as_ref())),
            email_text(new.email.as_ref()),
            new.updated_at.0.to_string(),
        ]
    }
}

impl Record for Order {
    const HASH: &'static str = "orders";
    const WHAT: &'static str = "order";
    fn id(&self) -> &ExternalId {
        &self.id
    }
    fn merge(stored: Option<&Self>, incoming: Self) -> (Upsert, Option<Self>) {
        merge_order(stored, incoming)
    }
    fn script(scripts: &CommerceScripts) -> &Script {
        &scripts.save_order
    }
    fn index_args(old: Option<&Self>, new: &Self) -> Vec<String> {
        let cust = |o: Option<&Order>| {
            o.and_then(|o| o.customer_id.as_ref())
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default()
        };
        vec![
            old.map(|o| o.number.key()).unwrap_or_default(),
            new.number.key(),
            cust(old),
            cust(Some(new)),
            email_text(old.and_then(|o| o.email.as_ref())),
            email_text(new.email.as_ref()),
            new.created_at.0.to_string(),
        ]
    }
}

/// A stored record's JSON, parsed beside it.
type Stored<R> = Option<(String, R)>;

impl RedisStore {
    /// The compare-and-set of `new` over what was read (`stored`).
    fn save_invocation<'s, R: Record>(
        &'s self,
        base: &str,
        stored: &Stored<R>,
        new: &R,
    ) -> Result<ScriptInvocation<'s>, StoreError> {
        let mut call = R::script(&self.scripts.commerce).key(base);
        call.arg(new.id().as_str())
            .arg(stored.as_ref().map_or("", |(json, _)| json.as_str()))
            .arg(to_json(new)?);
        for value in R::index_args(stored.as_ref().map(|(_, r)| r), new) {
            call.arg(value);
        }
        Ok(call)
    }

    /// One record as stored, with its JSON (the compare-and-set compares that).
    async fn stored<R: Record>(&self, base: &str, id: &str) -> Result<Stored<R>, StoreError> {
        let json: Option<String> = ::redis::cmd("HGET")
            .arg(sub(base, R::HASH, ""))
            .arg(id)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read commerce record"))?;
        json.map(|j| from_json(R::WHAT, &j).map(|r| (j, r)))
            .transpose()
    }

    /// Writes `new` if the record is still `stored`; `false` on a lost race.
    async fn save<R: Record>(
        &self,
        base: &str,
        stored: &Stored<R>,
        new: &R,
    ) -> Result<bool, StoreError> {
        let written: i64 = self
            .save_invocation(base, stored, new)?
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("write commerce record"))?;
        Ok(written == 1)
    }

    /// Creates or updates a record by its merge rule, retried while other writers race it.
    pub(super) async fn upsert_record<R: Record>(
        &self,
        site: &SiteId,
        incoming: R,
    ) -> Result<Upsert, StoreError> {
        let base = self.keys.site(site);
        for _ in 0..CAS_ATTEMPTS {
            let stored = self.stored::<R>(&base, incoming.id().as_str()).await?;
            let (outcome, save) = R::merge(stored.as_ref().map(|(_, r)| r), incoming.clone());
            let Some(new) = save else {
                return Ok(outcome);
            };
            if self.save(&base, &stored, &new).await? {
                return Ok(outcome);
            }
        }
        Err(kept_changing(R::WHAT))
    }

    /// Applies a part-change to a stored order; `NotFound("order")` if there is none.
    pub(super) async fn change_stored_order(
        &self,
        site: &SiteId,
        id: &ExternalId,
        change: OrderChange,
    ) -> Result<Upsert, StoreError> {
        let base = self.keys.site(site);
        for _ in 0..CAS_ATTEMPTS {
            let stored = self.stored::<Order>(&base, id.as_str()).await?;
            let Some((_, order)) = &stored else {
                return Err(StoreError::NotFound("order"));
            };
            let Some(new) = apply_change(order, change.clone()) else {
                return Ok(Upsert::Unchanged);
            };
            if self.save(&base, &stored, &new).await? {
                return Ok(Upsert::Updated);
            }
        }
        Err(kept_changing("order"))
    }

    /// Upserts many records in few round trips: per chunk, one `HMGET` of what is stored,
    /// the merges in Rust, then one pipeline of compare-and-set scripts. A record whose
    /// script lost a race (another writer, or the same id twice in the batch) goes through
    /// the single-record path, so each record follows the single upsert's rule.
    pub(super) async fn import_records<R: Record>(
        &self,
        site: &SiteId,
        records: Vec<R>,
    ) -> Result<ImportCounts, StoreError> {
        let base = self.keys.site(site);
        let mut counts = ImportCounts::default();
        let mut records = records.into_iter().peekable();
        while records.peek().is_some() {
            let chunk: Vec<R> = records.by_ref().take(IMPORT_CHUNK).collect();
            let ids: Vec<&str> = chunk.iter().map(|r| r.id().as_str()).collect();
            let jsons: Vec<Option<String>> = ::redis::cmd("HMGET")
                .arg(sub(&base, R::HASH, ""))
                .arg(&ids)
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("read records to import"))?;
            let mut pipe = ::redis::pipe();
            pipe.load_script(R::script(&self.scripts.commerce)).ignore();
            let mut pending = Vec::new();
            for (record, json) in chunk.into_iter().zip(jsons) {
                let stored: Stored<R> = json
                    .map(|j| from_json(R::WHAT, &j).map(|r| (j, r)))
                    .transpose()?;
                let (outcome, save) = R::merge(stored.as_ref().map(|(_, r)| r), record.clone());
                match save {
                    None => counts.add(outcome),
                    Some(new) => {
                        pipe.invoke_script(&self.save_invocation(&base, &stored, &new)?);
                        pending.push((record, outcome));
                    }
                }
            }
            if pending.is_empty() {
                continue;
            }
            let written: Vec<i64> = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(redis_err("import records"))?;
            for ((record, outcome), done) in pending.into_iter().zip(written) {
                let outcome = if done == 1 {
                    outcome
                } else {
                    self.upsert_record(site, record).await?
                };
                counts.add(outcome);
            }
        }
        Ok(counts)
    }

    /// A record by the shop's id.
    pub(super) async fn record<R: Record>(
        &self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<R>, StoreError> {
        let base = self.keys.site(site);
        Ok(self.stored::<R>(&base, id).await?.map(|(_, r)| r))
    }

    /// The record an index points to first (highest score, then greatest id), if any.
    pub(super) async fn first_in<R: Record>(
        &self,
        site: &SiteId,
        index: &str,
    ) -> Result<Option<R>, StoreError> {
        let base = self.keys.site(site);
        let ids: Vec<String> = ::redis::cmd("ZREVRANGE")
            .arg(sub(&base, index, ""))
            .arg(0)
            .arg(0)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read commerce index"))?;
        match ids.first() {
            Some(id) => Ok(self.stored::<R>(&base, id).await?.map(|(_, r)| r)),
            None => Ok(None),
        }
    }

    /// An order by its number key.
    pub(super) async fn order_by_number_key(
        &self,
        site: &SiteId,
        number_key: &str,
    ) -> Result<Option<Order>, StoreError> {
        let base = self.keys.site(site);
        let id: Option<String> = ::redis::cmd("HGET")
            .arg(sub(&base, "order-num", ""))
            .arg(number_key)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read order number"))?;
        match id {
            Some(id) => Ok(self.stored::<Order>(&base, &id).await?.map(|(_, o)| o)),
            None => Ok(None),
        }
    }

    /// A customer's orders by id or email: the newest `limit` of each index, merged, newest
    /// placed first (ties: greatest id first, as SQLite), each once.
    pub(super) async fn orders_by_key(
        &self,
        site: &SiteId,
        key: &CustomerKey,
        limit: u32,
    ) -> Result<Vec<Order>, StoreError> {
        let limit = limit.min(MAX_ORDERS_FOR);
        if key.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let base = self.keys.site(site);
        let mut pipe = ::redis::pipe();
        let indexes = [
            key.customer_id
                .as_ref()
                .map(|c| ("orders-cust:", c.as_str())),
            key.email.as_ref().map(|e| ("orders-email:", e.as_str())),
        ];
        for (name, value) in indexes.iter().flatten() {
            pipe.cmd("ZREVRANGE")
                .arg(sub(&base, name, value))
                .arg(0)
                .arg(limit - 1)
                .arg("WITHSCORES");
        }
        let lists: Vec<Vec<(String, String)>> = pipe
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list orders"))?;
        let mut ids: Vec<(i64, String)> = Vec::new();
        for (id, score) in lists.into_iter().flatten() {
            ids.push((score_ms(&score)?, id));
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup_by(|a, b| a.1 == b.1);
        ids.truncate(limit as usize);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
        let jsons: Vec<Option<String>> = ::redis::cmd("HMGET")
            .arg(sub(&base, "orders", ""))
            .arg(&names)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("list orders"))?;
        // An index entry and its order are written by one script; a missing order is skipped
        // rather than failing the whole list.
        jsons
            .into_iter()
            .flatten()
            .map(|j| from_json("order", &j))
            .collect()
    }
}

fn kept_changing(what: &str) -> StoreError {
    StoreError::Conflict(format!("the {what} kept changing meanwhile; try again"))
}
