//! Backend contracts: what every `Store` and every `Bus` must do, one test per behaviour per
//! backend (`store::directory::sqlite::…`, `store::directory::redis::…`, `bus::delivery::memory::…`),
//! so a failure names both. Redis tests start their own `redis-server` on a free port.

// Tests fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

#[macro_use]
mod helpers;
// The harness the API and browser tests share; the contracts use its throwaway redis-server.
#[allow(dead_code, unused_imports)]
#[path = "../common/mod.rs"]
mod common;
use common::redis as redis_server;

mod bus;
// Several server processes on one Redis: the bus and store contracts, end to end.
mod cluster;
mod cluster_email;
// One customer's devices on several nodes.
mod cluster_devices;
mod cluster_privacy;
// The model budget shared by the nodes.
mod cluster_ai_budget;
mod store;
// The file back ends of attachments: the data dir and an S3-compatible server.
mod files;
