//! Integration tests: the real server over real sockets.

// Tests fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

// The harness shared with the browser tests; this binary uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../common/mod.rs"]
mod common;
// The names the store, bus and cluster tests (moving to their own binary) still import by.
use common as helpers;

mod identity;
mod isolation;

mod agent_socket;
mod ai_auto_draft;
mod ai_bot;
mod ai_bot_scope;
mod ai_budget;
mod ai_draft;
mod ai_draft_counts;
mod ai_provider;
mod ai_translate;
mod assets;
mod attachments;
mod auth;
mod auth_hardening;
mod backup;
mod browsing;
mod cli;
mod commerce_pane;
mod commerce_push;
mod commerce_rules;
mod commerce_self_service;
mod commerce_shopify;
mod commerce_woocommerce;
mod config_cli;
mod consent;
mod conversations;
mod day_one;
mod demo;
mod devices;
mod email_in;
mod email_out;
mod email_requests;
mod email_settings;
mod external_bot;
mod grace_period;
mod http_serving;
mod intent_teams;
mod languages;
mod layering;
mod library;
mod messages;
mod metrics_help;
mod nodelay;
mod openapi;
mod outbound_events;
mod prechat;
mod privacy;
mod product_rules;
mod profile;
mod ratings;
mod reports;
mod restart;
mod routing;
mod search;
mod shopper_socket;
mod socket_limits;
mod team;
mod triggers;
