//! Integration tests: the real server over real sockets.

mod helpers;
mod identity;
mod isolation;

mod agent_socket;
mod assets;
mod auth;
mod auth_hardening;
mod browsing;
mod cli;
mod cluster;
mod conversations;
mod demo;
mod library;
mod messages;
mod product_rules;
// Shared with tests/contracts (which includes it by path); each binary uses part of it.
#[allow(dead_code)]
mod redis_server;
mod reports;
mod restart;
mod shopper_socket;
mod socket_limits;
mod team;
mod triggers;
