//! shopchat: the backend of a proactive chat widget for online shops.
//!
//! Imports point one way (see README, "How it is built"; `tests/api/layering.rs` checks it):
//! - the edges — [`http`], [`ws`], [`cli`] — decode, authorise, call one method and encode;
//! - [`startup`], [`state`] and [`seed`] build the node;
//! - [`chat`] is the application: `ChatService`, one method per use case;
//! - [`store`], [`bus`], [`hub`], [`cluster`], [`auth`], [`guards`], [`webhooks`] and
//!   [`telemetry`] are the infrastructure it uses;
//! - [`domain`], [`commerce`], [`conversation`], [`triggers`], [`library`], [`protocol`], [`template`],
//!   [`report`] and [`config`] are the pure core: no I/O, no outer module.

// Unit tests fail loudly by design: there a panic on `unwrap` is the failure message. The
// code under test is checked without this (the normal build), where each is refused.
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)
)]

pub mod ai;
pub mod auth;
pub mod bus;
pub mod chat;
pub mod cli;
pub mod cluster;
pub mod commerce;
pub mod config;
pub mod conversation;
pub mod domain;
pub mod email;
pub mod files;
pub mod guards;
pub mod http;
pub mod hub;
pub mod library;
pub mod llm;
pub mod mailer;
pub mod privacy;
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
