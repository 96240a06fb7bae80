//! The commerce store on SQLite with 10,000 orders stored (2,000 customers, 5 orders each):
//! what one webhook costs (an order upsert, new or a replay; one at a time and 64 in flight,
//! where the writer folds them into shared commits), a back-fill chunk of 2,000 orders, and
//! the look-ups a chat makes (a customer's orders by id or by email, an order by number).
//!
//! With `SHOPCHAT_BENCH_REDIS=redis://…` the same cases run against that Redis too (under a
//! fresh prefix; nothing else there is touched).

// Benchmarks fail loudly by design: a panic on `unwrap` is the failure message, and a long
// scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use shopchat::commerce::{CustomerKey, ExternalId, Order, OrderNumber};
use shopchat::domain::{Email, Origin, SiteId};
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewSite, prelude::*};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::runtime::Runtime;

const STORED: u64 = 10_000;
const CUSTOMERS: u64 = 2_000;
const IN_FLIGHT: u64 = 64;
const CHUNK: u64 = 2_000;

/// Order `n` as a shop pushes it: two items, one parcel, customer `n % CUSTOMERS`.
fn order(n: u64, updated: i64) -> Order {
    let customer = n % CUSTOMERS;
    serde_json::from_value(json!({
        "id": format!("o-{n}"),
        "number": format!("#{}", 100_000 + n),
        "customer_id": format!("c-{customer}"),
        "email": format!("shopper{customer}@example.com"),
        "status": "processing",
        "financial_status": "paid",
        "currency": "EUR",
        "items": [
            { "sku": "TS-44", "name": "Trail Shoe", "quantity": 2, "price": "59.95" },
            { "sku": "RJ-M", "name": "Rain Jacket", "quantity": 1, "price": "129.00" }
        ],
        "subtotal": "248.90", "shipping": "4.90", "total": "253.80",
        "shipments": [{
            "id": format!("f-{n}"), "carrier": "DHL", "tracking_number": format!("JD{n:010}"),
            "tracking_url": format!("https://track.example/JD{n:010}"), "status": "in_transit",
            "events": [{ "at": 1_700_000_100_000_i64, "status": "in_transit",
                         "description": "Arrived at sort facility", "location": "Leipzig" }],
            "created_at": 1_700_000_050_000_i64, "updated_at": updated
        }],
        "created_at": 1_700_000_000_000_i64 + n as i64,
        "updated_at": updated
    }))
    .unwrap()
}

async fn new_site(store: &dyn Store) -> SiteId {
    store
        .create_site(NewSite {
            name: "bench".into(),
            origins: vec![Origin::parse("https://s.example").unwrap()],
        })
        .await
        .unwrap()
        .id
}

/// Fills a site with [`STORED`] orders through the back-fill path.
async fn fill(store: &dyn Store, site: &SiteId) {
    for start in (0..STORED).step_by(CHUNK as usize) {
        let orders = (start..start + CHUNK).map(|n| order(n, 1_000)).collect();
        store.import(site, Vec::new(), orders).await.unwrap();
    }
}

fn cases(c: &mut Criterion, rt: &Runtime, name: &str, store: Arc<dyn Store>) {
    let site = rt.block_on(new_site(store.as_ref()));
    rt.block_on(fill(store.as_ref(), &site));
    let next = Arc::new(AtomicU64::new(STORED));
    let mut group = c.benchmark_group(format!("commerce_{name}"));
    group.sample_size(20);

    group.throughput(Throughput::Elements(1));
    group.bench_function("upsert_order_new", |b| {
        b.to_async(rt).iter(|| {
            let (store, site, n) = (store.clone(), site.clone(), next.clone());
            async move {
                let o = order(n.fetch_add(1, Ordering::Relaxed), 1_000);
                store.upsert_order(&site, o).await.unwrap()
            }
        })
    });
    let replay = order(42, 1_000);
    group.bench_function("upsert_order_replay", |b| {
        b.to_async(rt).iter(|| {
            let (store, site, o) = (store.clone(), site.clone(), replay.clone());
            async move { store.upsert_order(&site, o).await.unwrap() }
        })
    });
    group.throughput(Throughput::Elements(IN_FLIGHT));
    group.bench_function("upsert_order_new_64_in_flight", |b| {
        b.to_async(rt).iter(|| {
            let (store, site, n) = (store.clone(), site.clone(), next.clone());
            async move {
                let tasks: Vec<_> = (0..IN_FLIGHT)
                    .map(|_| {
                        let (store, site) = (store.clone(), site.clone());
                        let o = order(n.fetch_add(1, Ordering::Relaxed), 1_000);
                        tokio::spawn(async move { store.upsert_order(&site, o).await.unwrap() })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            }
        })
    });
    group.throughput(Throughput::Elements(CHUNK));
    group.sample_size(10);
    group.bench_function("import_2000_new_orders", |b| {
        b.to_async(rt).iter(|| {
            let (store, site) = (store.clone(), site.clone());
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            let orders: Vec<Order> = (start..start + CHUNK).map(|n| order(n, 1_000)).collect();
            async move { store.import(&site, Vec::new(), orders).await.unwrap() }
        })
    });
    group.sample_size(20);

    group.throughput(Throughput::Elements(1));
    let by_id = CustomerKey {
        customer_id: Some(ExternalId::parse("c-77").unwrap()),
        email: None,
    };
    let by_email = CustomerKey {
        customer_id: None,
        email: Some(Email::parse("shopper77@example.com").unwrap()),
    };
    let both = CustomerKey {
        customer_id: by_id.customer_id.clone(),
        email: by_email.email.clone(),
    };
    for (label, key) in [("id", by_id), ("email", by_email), ("id_or_email", both)] {
        group.bench_function(format!("orders_for_{label}_limit_10"), |b| {
            b.to_async(rt).iter(|| {
                let (store, site, key) = (store.clone(), site.clone(), key.clone());
                async move {
                    let list = store.orders_for(&site, black_box(&key), 10).await.unwrap();
                    assert!(!list.is_empty());
                }
            })
        });
    }
    let number = OrderNumber::key_of("#105077");
    group.bench_function("order_by_number", |b| {
        b.to_async(rt).iter(|| {
            let (store, site, number) = (store.clone(), site.clone(), number.clone());
            async move {
                let found = store.order_by_number(&site, black_box(&number)).await;
                assert!(found.unwrap().is_some());
            }
        })
    });
    group.finish();
}

fn commerce(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let sqlite = Arc::new(SqliteStore::open(dir.path()).unwrap());
    cases(c, &rt, "sqlite", sqlite.clone());
    rt.block_on(sqlite.close());
    if let Ok(url) = std::env::var("SHOPCHAT_BENCH_REDIS") {
        let prefix = format!("bench-{}:", shopchat::domain::random_token(8));
        let redis = rt
            .block_on(shopchat::store::redis::RedisStore::connect(&url, &prefix))
            .unwrap();
        cases(c, &rt, "redis", Arc::new(redis));
    }
}

criterion_group!(benches, commerce);
criterion_main!(benches);
