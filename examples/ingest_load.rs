//! Ingest load generator: posts N signed Shopify `orders/create` webhooks, N push-API order
//! upserts, or a back-fill through `/commerce/import`, with C requests in flight, against a
//! running server, and reports records per second and the p50/p99 latency of a request.
//!
//! ```sh
//! cargo run --release -- --data-dir /tmp/ingest site create --name load --origin https://load.example --json
//! echo 'pale-orbit-Tundra-41-kettle' | cargo run --release -- --data-dir /tmp/ingest \
//!     agent create --email load@example.com --site SITE_ID --role owner --password-stdin
//! cargo run --release -- --data-dir /tmp/ingest --bind 127.0.0.1:8091 &
//! cargo run --release --example ingest_load -- --addr 127.0.0.1:8091 --site SITE_ID \
//!     --email load@example.com --password pale-orbit-Tundra-41-kettle --mode shopify \
//!     --records 5000 --concurrency 32
//! ```
//!
//! It logs in as the owner, sets a fresh Shopify secret (shopify mode) or creates push keys
//! (push and import modes: one per 5,000 requests, within a key's budget), then sends.
//! Only loopback targets make sense here; every loop is bounded in count.

// Examples fail loudly by design: a panic on `unwrap` is the failure message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

use futures_util::StreamExt;
use serde_json::{Value, json};
use shopchat::commerce::platform::signature_of;
use std::time::{Duration, Instant};

struct Args {
    addr: String,
    site: String,
    email: String,
    password: String,
    mode: String,
    records: usize,
    concurrency: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:8080".into(),
        site: String::new(),
        email: String::new(),
        password: String::new(),
        mode: "shopify".into(),
        records: 2_000,
        concurrency: 16,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => args.addr = value,
            "--site" => args.site = value,
            "--email" => args.email = value,
            "--password" => args.password = value,
            "--mode" => args.mode = value,
            "--records" => args.records = value.parse().map_err(|e| format!("--records: {e}"))?,
            "--concurrency" => {
                args.concurrency = value.parse().map_err(|e| format!("--concurrency: {e}"))?;
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.site.is_empty() || args.email.is_empty() {
        return Err("--site, --email and --password are required".into());
    }
    if !["shopify", "push", "import"].contains(&args.mode.as_str()) {
        return Err("--mode is shopify, push or import".into());
    }
    Ok(args)
}

/// A Shopify order in the shape of the published `orders/create` example, numbered `n`.
fn shopify_order(n: usize) -> String {
    json!({
        "id": 5_000_000_000_u64 + n as u64, "name": format!("#L{n}"), "order_number": n,
        "email": format!("shopper{}@example.com", n % 500),
        "customer": { "id": 9_000_000 + (n % 500) as u64, "email": format!("shopper{}@example.com", n % 500) },
        "financial_status": "paid", "fulfillment_status": null, "cancelled_at": null, "closed_at": null,
        "currency": "USD", "total_price": "403.00", "subtotal_price": "388.00", "total_tax": "0.00",
        "line_items": [
            { "sku": "IPOD2008PINK", "name": "IPod Nano - 8GB", "quantity": 1, "price": "199.00" },
            { "sku": "IPOD2008BLUE", "name": "IPod Nano - 8GB", "quantity": 1, "price": "199.00" }
        ],
        "fulfillments": [], "refunds": [],
        "order_status_url": "https://load.myshopify.com/orders/abc/authenticate?key=x",
        "created_at": "2026-11-02T12:08:13-05:00", "updated_at": "2026-11-02T12:08:13-05:00"
    })
    .to_string()
}

/// The same order in the push API's model JSON.
fn model_order(n: usize) -> Value {
    json!({
        "id": format!("P{n}"), "number": format!("#P{n}"), "customer_id": format!("c{}", n % 500),
        "email": format!("shopper{}@example.com", n % 500), "status": "processing",
        "financial_status": "paid", "currency": "USD",
        "items": [
            { "sku": "IPOD2008PINK", "name": "IPod Nano - 8GB", "quantity": 1, "price": "199.00" },
            { "sku": "IPOD2008BLUE", "name": "IPod Nano - 8GB", "quantity": 1, "price": "199.00" }
        ],
        "total": "403.00", "created_at": 1_793_639_293_000_i64, "updated_at": 1_793_639_293_000_i64
    })
}

async fn login(http: &reqwest::Client, base: &str, args: &Args) -> String {
    let body = json!({ "email": args.email, "password": args.password });
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login failed");
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let base = format!("http://{}", args.addr);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .unwrap();
    let token = login(&http, &base, &args).await;
    let site_api = format!("{base}/api/v1/sites/{}", args.site);
    let secret = format!("load-{}", std::process::id());
    let requests = if args.mode == "import" {
        args.records.div_ceil(1_000)
    } else {
        args.records
    };
    let mut keys = Vec::new();
    if args.mode == "shopify" {
        let r = http
            .put(format!("{site_api}/commerce/settings"))
            .bearer_auth(&token)
            .json(&json!({ "shopify_secret": secret }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "setting the secret failed");
    } else {
        for i in 0..requests.div_ceil(5_000).max(1) {
            let r = http
                .post(format!("{site_api}/api-keys"))
                .bearer_auth(&token)
                .json(&json!({ "name": format!("load {i}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "creating a key failed");
            keys.push(
                r.json::<Value>().await.unwrap()["secret"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }

    let started = Instant::now();
    let results: Vec<(bool, Duration)> = futures_util::stream::iter(0..requests)
        .map(|n| {
            let http = http.clone();
            let (base, site, secret) = (base.clone(), args.site.clone(), secret.clone());
            let key = keys.get(n / 5_000).cloned().unwrap_or_default();
            let mode = args.mode.clone();
            let records = args.records;
            async move {
                let request = match mode.as_str() {
                    "shopify" => {
                        let body = shopify_order(n);
                        http.post(format!("{base}/hooks/shopify/{site}"))
                            .header("x-shopify-topic", "orders/create")
                            .header("x-shopify-webhook-id", format!("load-{secret}-{n}"))
                            .header(
                                "x-shopify-hmac-sha256",
                                signature_of(&secret, body.as_bytes()),
                            )
                            .body(body)
                    }
                    "push" => http
                        .put(format!("{base}/api/v1/commerce/orders/P{n}"))
                        .bearer_auth(&key)
                        .json(&model_order(n)),
                    _ => {
                        let orders: Vec<Value> = (n * 1_000..((n + 1) * 1_000).min(records))
                            .map(model_order)
                            .collect();
                        http.post(format!("{base}/api/v1/commerce/import"))
                            .bearer_auth(&key)
                            .json(&json!({ "orders": orders }))
                    }
                };
                let t = Instant::now();
                let ok = request.send().await.is_ok_and(|r| r.status().is_success());
                (ok, t.elapsed())
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|(ok, _)| !ok).count();
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let stored = if args.mode == "import" {
        args.records
    } else {
        requests - failed
    };
    println!(
        "mode {}: {} records in {} requests, {} failed, {:.2} s: {:.0} records/s; request p50 {:.2} ms, p99 {:.2} ms (concurrency {})",
        args.mode,
        args.records,
        requests,
        failed,
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        args.concurrency,
    );
}
