//! The Redis store: the same [`super::Store`] contract as SQLite, kept in one Redis (or a Redis
//! Cluster's slots) so several shopchat nodes share conversations, accounts and settings.
//!
//! # Layout
//! See [`keys`] for the three key groups and their hash tags. Records are JSON (serde) where
//! they are read and written whole (sites, accounts, settings, articles, canned replies,
//! visitor state); a conversation is a hash, because the scripts that append messages and
//! compare-and-set its version change single fields (`version`, `last_seq`, `updated`,
//! read marks, `stage`, `agent`) while the rest of the header stays a JSON `doc` field that
//! only Rust reads and writes. On read, the hash fields override the same fields of `doc`.
//!
//! Messages of a conversation are a Stream, `{site}:msgs:{conversation}`, with the entry id
//! `seq-0`. A stream is an append-only log: Redis itself refuses an id at or below the last
//! one, so a bug could never write seqs out of order or twice, and `XRANGE (seq+1)-0 + COUNT n`
//! is exactly `messages_after` with its limit. A sorted set would need unique members
//! (seq inside the JSON) and does not enforce the order.
//!
//! # Atomicity
//! Every write that checks state before changing it runs as one Lua script ([`scripts`]):
//! appending a message (next seq, `client_msg_id` idempotency, opening the visitor's
//! conversation per the `Opening` rule), the compare-and-set `save_conversation` with its
//! notice, read marks, unique email / public key / shortcut, the last-owner guard, rule
//! creation and funnel counts. Records changed read-modify-write (a site's name, an account's
//! password, an article) use a compare-and-set script on the exact JSON read, retried a few
//! times. A visitor's state, frequency counters included, is one JSON value written with one
//! `SET`, so it is never half saved.
//!
//! # Finding the site of a conversation
//! Conversation ids are random and carry no site, but a conversation's keys must sit under
//! its site's hash tag. So opening a conversation first writes the tiny immutable pointer
//! `conv-site:{id} → site` and only then the conversation: a crash between the two leaves
//! a pointer to nothing (reads as not found), never a conversation that cannot be reached.
//! The methods that take only a conversation id pay one `GET` for it.
//!
//! # Durability
//! `Ok` means Redis applied the write and answered. Whether that survives a crash is Redis's
//! persistence setting: with `appendonly yes` and `appendfsync always`, Redis fsyncs the
//! append-only file before it answers, so an `Ok` (and the ack a client gets after it)
//! survives a crash or power loss, like SQLite's `synchronous=FULL`. With the default
//! `appendfsync everysec`, up to about one second of acknowledged writes can be lost if the
//! machine dies (a crash of the Redis process alone loses nothing: the kernel still has the
//! data). Without AOF (RDB snapshots only) everything since the last snapshot can be lost.
//! Replicas do not change this: Redis replication is asynchronous. (Redis 7.2's `WAITAOF`
//! could make `everysec` wait for the fsync of each write; this store does not issue it.)
//!
//! # Differences from SQLite
//! `client_msg_id` idempotency is per site (`author + key` in the site's `cmids` hash);
//! SQLite's unique index is global. Ids are random, so this only differs for an agent who
//! reuses one key on two sites, where Redis stores both messages (arguably right).
//! `find_conversations` without a site visits every site; with one it walks the narrowest
//! index (visitor, agent, stage, or all by activity) and checks each header; a text search
//! reads the candidates' messages, as SQLite's unindexed `LIKE` does.
//!
//! # Redis Cluster
//! Scripts build their keys from `KEYS[1]` (a base under one hash tag) rather than listing
//! every key (the conversation a visitor's message goes to is only found inside the script),
//! so they always touch a single slot. Redis asks scripts to declare their keys; undeclared
//! keys in the declared key's slot work on Cluster, and a later version could pass them all
//! by reading the ids first. The connection here is a single-node `ConnectionManager`; a
//! cluster client (`redis::cluster_async`, feature `cluster-async`) would be a later change.
//!
//! # Failures
//! The connection manager reconnects by itself. Each command has a response timeout and
//! reconnecting has a short connect timeout and few retries, so a call while Redis is down
//! fails within a few seconds with [`StoreError::Unavailable`] instead of hanging. A timed-out
//! write may or may not have been applied; the caller reports a retryable error without an
//! ack, and the retry is deduplicated by `client_msg_id`.

mod account_change;
mod accounts;
mod commerce;
mod commerce_orders;
mod commerce_records;
mod commerce_scripts;
mod conversation_data;
mod conversations;
mod customers;
mod directory;
mod keys;
mod library;
mod mail;
mod mail_records;
mod mail_scripts;
mod models;
mod outbound;
mod privacy;
mod privacy_backfill;
mod privacy_data;
mod privacy_scripts;
mod ratings;
mod rules;
mod scripts;
mod search;
mod stats;
mod values;
mod visitors;

use super::StoreError;
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use keys::Keys;
use scripts::Scripts;
use std::time::Duration;
use values::redis_err;

/// How long one command may wait for its answer before it fails.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnect attempts a waiting command sits through before it fails; few, so that a call
/// while Redis is down fails in seconds (the manager keeps reconnecting on later calls).
const RECONNECT_RETRIES: usize = 1;

/// The Redis-backed [`super::Store`]: each area of the contract is implemented in the
/// file of that name (`directory.rs`, `conversations.rs`, …). Cheap to share: the connection manager multiplexes one
/// connection for every task of the node.
pub struct RedisStore {
    conn: ConnectionManager,
    keys: Keys,
    scripts: Scripts,
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`) and keeps every key under `prefix`, so
    /// several deployments (or test runs) can share one Redis. The prefix may not contain
    /// braces: they would change the Cluster hash tags.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore, StoreError> {
        if prefix.contains(['{', '}']) {
            return Err(StoreError::Open {
                path: format!("redis prefix {prefix:?}"),
                reason: "the prefix may not contain braces (they are Redis Cluster hash tags)"
                    .into(),
            });
        }
        let client = ::redis::Client::open(url).map_err(redis_err("read the redis url"))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(250));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(redis_err("connect to redis"))?;
        let store = RedisStore {
            conn,
            keys: Keys::new(prefix),
            scripts: Scripts::new(),
        };
        store.warn_about_persistence().await;
        store.migrate_profiles().await?;
        store.backfill_visitors_seen().await?;
        Ok(store)
    }

    /// Says in the log when Redis's persistence cannot keep the promise an `Ok` makes (see
    /// "Durability" above), so an operator learns it before a crash does. Managed Redis
    /// often disables `CONFIG`; then nothing is said.
    async fn warn_about_persistence(&self) {
        let setting = |name: &'static str| {
            let mut conn = self.conn();
            async move {
                ::redis::cmd("CONFIG")
                    .arg("GET")
                    .arg(name)
                    .query_async::<Vec<String>>(&mut conn)
                    .await
                    .ok()
                    .and_then(|pair| pair.get(1).cloned())
            }
        };
        match (setting("appendonly").await, setting("appendfsync").await) {
            (Some(aof), _) if aof != "yes" => tracing::warn!(
                "redis runs without appendonly: acknowledged messages can be lost if redis \
                 or its machine crashes; set appendonly yes and appendfsync always"
            ),
            (_, Some(fsync)) if fsync != "always" => tracing::warn!(
                appendfsync = %fsync,
                "redis fsyncs its append-only file only periodically: about the last second \
                 of acknowledged messages can be lost if the machine crashes"
            ),
            _ => {}
        }
    }

    /// A handle on the shared connection (a clone is a cheap reference).
    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

/// What the store does when a read-modify-write keeps losing to other writers.
const CAS_ATTEMPTS: usize = 16;
