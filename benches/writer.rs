//! The durable-message write path beside the limit its library sets. (a) `sqlite_raw`: plain
//! rusqlite on a database our migrations made, with the writer's pragmas, writing what an
//! append writes (one message row, its conversation's seq and activity time) at 1 to 4,096
//! rows per commit: SQLite's own rate on this disk and schema. (b) `store_append`: our
//! `Store::append_to_visitor` (duplicate check, open-conversation look-up, insert, header
//! read back, commit) with 1 to 4,096 messages in flight, which the writer folds into
//! shared commits. Both spread messages over [`CONVERSATIONS`] chats, as a busy node does.
//! Run: `cargo bench --bench writer` (`-- sqlite_raw` or `-- store_append` for one half).

// Benchmarks fail loudly by design: a panic on `unwrap` is the failure message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shopchat::conversation::Lifecycle;
use shopchat::domain::{
    Author, AuthorKind, ClientMsgId, MessageText, Origin, SiteId, Timestamp, VisitorId,
    random_token,
};
use shopchat::store::sqlite::{DB_FILE, SqliteStore};
use shopchat::store::{NewMessage, NewSite, prelude::*};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::runtime::Runtime;

/// Chats the messages are spread over.
const CONVERSATIONS: usize = 1_000;
/// The text of every message: a typical short shopper question.
const TEXT: &str = "Does this jacket run small?";

/// The pragmas `SqliteStore` sets on its write connection (see `store/sqlite/mod.rs`), with
/// SQLite's own checkpoint inside the commit every 32 MiB of WAL where the store checkpoints
/// on a thread beside its writer (`store/sqlite/checkpoint.rs`) at the same size.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;
    PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY;";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn new_site(store: &dyn Store) -> SiteId {
    let origins = vec![Origin::parse("https://s.example").unwrap()];
    let site = NewSite {
        name: "bench".into(),
        origins,
    };
    store.create_site(site).await.unwrap().id
}

fn shopper_message(visitor: &VisitorId, n: u64) -> NewMessage {
    NewMessage {
        author: Author {
            kind: AuthorKind::Shopper,
            name: "Shopper".into(),
        },
        author_id: visitor.to_string(),
        text: MessageText::parse(TEXT, 4000).unwrap(),
        client_msg_id: Some(ClientMsgId::parse(&format!("m{n}")).unwrap()),
        ts: Timestamp::now(),
        attachments: Vec::new(),
    }
}

/// A database made by our migrations with one site and [`CONVERSATIONS`] open chats, each
/// with one message; returns the chats' (id, visitor) pairs.
fn prepared(dir: &Path, rt: &Runtime) -> Vec<(String, String)> {
    let store = SqliteStore::open(dir).unwrap();
    rt.block_on(async {
        let site = new_site(&store).await;
        let mut chats = Vec::with_capacity(CONVERSATIONS);
        for n in 0..CONVERSATIONS {
            let visitor = VisitorId::generate();
            let opening = Lifecycle::new(true).into();
            let message = shopper_message(&visitor, n as u64);
            let appended = store
                .append_to_visitor(&site, &visitor, message, &opening)
                .await
                .unwrap();
            chats.push((appended.conversation.id.to_string(), visitor.to_string()));
        }
        store.close().await;
        chats
    })
}

/// (a) SQLite's own rate: `batch` appends per commit with plain cached statements.
fn sqlite_raw(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::TempDir::new().unwrap();
    let chats = prepared(dir.path(), &rt);
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch(PRAGMAS).unwrap();
    let mut seqs = vec![1_i64; chats.len()];
    let mut n: u64 = 0;
    let mut group = c.benchmark_group("sqlite_raw");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for batch in [1_u64, 64, 256, 1024, 4096] {
        group.throughput(Throughput::Elements(batch));
        group.bench_function(format!("rows_per_commit_{batch}"), |b| {
            b.iter(|| {
                conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                for _ in 0..batch {
                    let i = (n as usize * 7919) % chats.len();
                    let (conversation, visitor) = &chats[i];
                    seqs[i] += 1;
                    let now = Timestamp::now().0;
                    conn.prepare_cached(
                        "INSERT INTO messages (id, conversation_id, seq, author_kind, author_name,
                            author_id, text, client_msg_id, ts)
                         VALUES (?1, ?2, ?3, 'shopper', 'Shopper', ?4, ?5, ?6, ?7)",
                    )
                    .unwrap()
                    .execute(rusqlite::params![
                        format!("m_{}", random_token(20)),
                        conversation,
                        seqs[i],
                        visitor,
                        TEXT,
                        format!("r{n}"),
                        now
                    ])
                    .unwrap();
                    conn.prepare_cached(
                        "UPDATE conversations SET last_seq = ?2, updated_at = ?3 WHERE id = ?1",
                    )
                    .unwrap()
                    .execute(rusqlite::params![conversation, seqs[i], now])
                    .unwrap();
                    n += 1;
                }
                conn.execute_batch("COMMIT").unwrap();
            })
        });
    }
    group.finish();
}

/// (b) Our append path with `in_flight` messages waiting on the writer at once.
fn store_append(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::TempDir::new().unwrap();
    let chats = prepared(dir.path(), &rt);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let site = rt.block_on(store.list_sites()).unwrap()[0].id.clone();
    let visitors: Arc<Vec<VisitorId>> = Arc::new(
        chats
            .iter()
            .map(|(_, v)| VisitorId::parse(v).unwrap())
            .collect(),
    );
    let next = Arc::new(AtomicU64::new(1_000_000));
    let mut group = c.benchmark_group("store_append");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for in_flight in [1_u64, 64, 256, 1024, 4096] {
        group.throughput(Throughput::Elements(in_flight));
        group.bench_function(format!("in_flight_{in_flight}"), |b| {
            b.to_async(&rt).iter(|| {
                let (store, site, visitors, next) =
                    (store.clone(), site.clone(), visitors.clone(), next.clone());
                async move {
                    let tasks: Vec<_> = (0..in_flight)
                        .map(|_| {
                            let n = next.fetch_add(1, Ordering::Relaxed);
                            let visitor = visitors[(n as usize * 7919) % visitors.len()].clone();
                            let (store, site) = (store.clone(), site.clone());
                            tokio::spawn(async move {
                                let message = shopper_message(&visitor, n);
                                let opening = Lifecycle::new(true).into();
                                store
                                    .append_to_visitor(&site, &visitor, message, &opening)
                                    .await
                                    .unwrap()
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sqlite_raw, store_append);
criterion_main!(benches);
