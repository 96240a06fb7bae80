//! shopchat: the backend of a proactive chat widget for online shops.
//!
//! The crate is cut into a pure domain core and thin edges (see `../shared/DESIGN.md`):
//! - [`domain`], [`conversation`] and [`protocol`] hold the rules and the wire format; no I/O;
//! - [`store`], [`bus`] and [`hub`] hold durable state, delivery between nodes and live sockets;
//! - [`http`] and [`ws`] are the actix-web edges that parse, authorise, call the core and send;
//! - [`config`], [`telemetry`], [`auth`], [`cli`] and [`startup`] wire it all together.

// Unit tests fail loudly by design: there a panic on `unwrap` is the failure message. The
// code under test is checked without this (the normal build), where each is refused.
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)
)]

pub mod auth;
pub mod bus;
pub mod chat;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod conversation;
pub mod domain;
pub mod guards;
pub mod http;
pub mod hub;
pub mod library;
pub mod protocol;
pub mod report;
pub mod seed;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod template;
pub mod triggers;
pub mod webhooks;
pub mod ws;
