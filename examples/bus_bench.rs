//! Publish → deliver latency and throughput of the buses, across two nodes for Redis: node A
//! publishes, a fake agent socket on node B's hub receives. Starts its own `redis-server` on
//! a free port (no persistence, in a temp dir), or uses `--redis URL`.
//!
//! ```sh
//! cargo run --release --example bus_bench -- [--redis redis://127.0.0.1:6379/] [--events 20000]
//! ```
//!
//! Figures go to stdout; nothing here is asserted.

// Benchmarks and examples fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

use shopchat::bus::{Bus, BusEvent, MemoryBus, RedisBus};
use shopchat::domain::{AgentId, ConversationId, SiteId};
use shopchat::hub::Hub;
use shopchat::protocol::agent::AgentFrame;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Publishers working at once in the throughput run, as many sockets' tasks would.
const IN_FLIGHT: usize = 64;

/// The bench's own redis-server, killed (by pid) on drop; its temp dir goes with it.
struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_redis() -> Result<(Server, String), Box<dyn std::error::Error>> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dir = tempfile::TempDir::new()?;
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { child, _dir: dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("redis-server did not start within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((server, format!("redis://127.0.0.1:{port}/")))
}

fn event(site: &SiteId) -> BusEvent {
    BusEvent::to_agents(
        site,
        AgentFrame::Routed {
            site_id: site.clone(),
            conversation_id: ConversationId::generate(),
        },
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(
    name: &str,
    publisher: Arc<dyn Bus>,
    receiver: &Hub,
    events: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let site = SiteId::generate();
    let (tx, mut rx) = shopchat::hub::outbox(events + 16);
    let _agent = receiver.register_agent(
        &AgentId::generate(),
        vec![site.clone()],
        tx,
        CancellationToken::new(),
    );
    let wait = Duration::from_secs(10);

    // Latency: one event at a time, publish until the receiving socket has it.
    let rounds = (events / 10).max(100);
    let mut latencies = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        publisher.publish(event(&site)).await?;
        tokio::time::timeout(wait, rx.recv()).await?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "{name}: publish→deliver latency over {rounds} events: p50 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    // Throughput: IN_FLIGHT publishers, time until the socket has every event.
    let started = Instant::now();
    let per_task = events / IN_FLIGHT;
    let total = per_task * IN_FLIGHT;
    let mut tasks = Vec::with_capacity(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let (publisher, site) = (publisher.clone(), site.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                publisher.publish(event(&site)).await?;
            }
            Ok::<_, shopchat::bus::BusError>(())
        }));
    }
    for _ in 0..total {
        tokio::time::timeout(wait, rx.recv()).await?;
    }
    for t in tasks {
        t.await??;
    }
    let took = started.elapsed();
    println!(
        "{name}: {total} events with {IN_FLIGHT} publishers in {took:?}: {:.0} events/s",
        total as f64 / took.as_secs_f64()
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut url = None;
    let mut events = 20_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--redis" => url = args.next(),
            "--events" => events = args.next().ok_or("--events N")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let _server;
    let url = match url {
        Some(u) => u,
        None => {
            let (server, url) = start_redis()?;
            _server = server;
            url
        }
    };

    let local = Hub::new();
    run(
        "memory (one node)",
        Arc::new(MemoryBus::new(Arc::new(local.clone()))),
        &local,
        events,
    )
    .await?;

    let prefix = format!("bench-{}:", shopchat::domain::random_token(8));
    let (hub_a, hub_b) = (Hub::new(), Hub::new());
    let a: Arc<dyn Bus> = Arc::new(RedisBus::connect(&url, &prefix, Arc::new(hub_a)).await?);
    let _b = RedisBus::connect(&url, &prefix, Arc::new(hub_b.clone())).await?;
    run("redis (node A → node B)", a, &hub_b, events).await?;
    Ok(())
}
