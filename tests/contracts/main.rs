//! Backend contracts: what every `Store` and every `Bus` must do, one test per behaviour per
//! backend (`store::directory::sqlite::…`, `store::directory::redis::…`, `bus::delivery::memory::…`),
//! so a failure names both. Redis tests start their own `redis-server` on a free port.

#[macro_use]
mod helpers;
// The throwaway redis-server is shared with the API tests' cluster and Redis checks.
#[allow(dead_code)]
#[path = "../api/redis_server.rs"]
mod redis_server;

mod bus;
mod store;
