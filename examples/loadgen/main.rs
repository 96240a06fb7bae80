//! Load generator for the shopper socket: opens many shopper sockets against a running
//! server and measures one thing per mode, printing the figures README quotes.
//!
//! ```sh
//! cargo run --release -- --data-dir /tmp/load site create --name load --origin https://load.example --json
//! # every socket comes from 127.0.0.1: lift the per-address budgets meant for strangers
//! cargo run --release -- --data-dir /tmp/load --bind 127.0.0.1:8090 \
//!     --new-visitors-per-addr-per-min 1000000 --new-conversations-per-addr-per-min 1000000 \
//!     --max-pending-sockets-per-addr 100000 &
//! cargo run --release --example loadgen -- --mode burst --addr 127.0.0.1:8090 --site pk_... \
//!     --origin https://load.example --sockets 2000 --messages 5 --server-pid $!
//! ```
//!
//! Modes (`--mode`, default `burst`); each mode reads its own `--flags` (see its module):
//! - `burst`: every socket says hello, optionally sends `--events N` page views, then sends
//!   `--messages N` messages at once; connect and ack latencies, msg/s, server RSS.
//! - `chats`: agents online, `--chats N` conversations opened and routed (server CPU per
//!   conversation), then a steady `--rate` msg/s; shopper → agent and ack latency.
//! - `timers`: `--sockets N` shoppers say hello at once and a rule fires `--delay S` later;
//!   how late the proactive messages arrive (`--bare 1` against `examples/timer_floor.rs`).
//! - `events`: every socket sends `--events N` page views without waiting; events/s and the
//!   server's CPU per event, or the same frames through `examples/echo.rs` (`--against echo`).
//! - `soak`: shoppers arriving and leaving at a steady `--rate` msg/s and `--events-rate`
//!   events/s for `--minutes M`; server RSS every `--report-secs`, and at 10 minutes vs the end.
//! - `idle`: `--sockets N` shopper sockets say hello and stay; server RSS per socket, beside
//!   a bare echo (`--against echo`).
//!
//! Only loopback targets make sense here; every loop is bounded in count and time.

// Benchmarks and examples fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs,
    dead_code
)]

mod burst;
mod chats;
mod common;
mod events;
mod idle;
mod soak;
mod timers;

use common::Args;

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = std::sync::Arc::new(Args::parse()?);
    match args.mode.as_str() {
        "burst" => burst::run(args).await,
        "chats" => chats::run(args).await,
        "timers" => timers::run(args).await,
        "events" => events::run(args).await,
        "soak" => soak::run(args).await,
        "idle" => idle::run(args).await,
        other => Err(format!("unknown --mode {other}")),
    }
}
