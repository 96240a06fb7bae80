//! The harness both test binaries share (`api` and `browser`, included with
//! `#[path = "../common/mod.rs"] mod common;`): the real server on a free port with seeded data,
//! a real HTTP client, real WebSocket clients, and a real `redis-server`. Waiting is always for
//! a condition with a deadline, never a sleep.
//!
//! It reaches the server through its public entry points only: `Application` and `Settings`
//! to start it, HTTP and sockets to drive it. Seeding writes the data dir before the server
//! starts, the one place that names the store (`seed.rs`).

pub mod app;
pub mod certs;
pub mod clamd;
pub mod http_peer;
pub mod imap;
pub mod llm;
pub mod png;
pub mod redis;
pub mod s3;
pub mod seed;
pub mod smtp;
pub mod socket;

use std::time::Duration;

pub use app::{
    TestApp, json_of, spawn_app, spawn_app_as_owner, spawn_app_with, spawn_seeded, start,
    test_settings,
};
pub use seed::{Account, Seed, SeedPlan, first_owner_password, seed};
pub use socket::Socket;

/// The API tests' name for a socket client; an agent's socket is the same client.
pub type Shopper = Socket;

/// How long any single wait in a test may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// The JWT secret test servers run with, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The allowed origin of the seeded shop.
pub const SHOP_ORIGIN: &str = "https://shop.example";
/// The secret of upload tokens and file links test servers run with, so tests can sign an
/// expired link.
pub const FILES_SECRET: &str = "test-files-secret-test-files-secret-0123";
/// Password of every seeded account.
pub const PASSWORD: &str = "correct horse battery staple";
/// Login of the seeded site's owner.
pub const OWNER_EMAIL: &str = "owner@shop.example";

/// A port nobody listens on right now (the kernel's pick for port 0).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("pick a free port")
        .port()
}
