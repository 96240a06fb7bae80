//! Browser tests: the widget in a real headless Chromium (driven by chromedriver), on a shop
//! page served from another origin than the chat server, as a real shop is. They need
//! `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium`, `chromium-driver`).
//!
//! The widget is queried through its contract: an open shadow root on `div#shopchat-root`
//! with `data-role` hooks (launcher, panel, messages, input, send, handoff, status, typing,
//! teaser, teaser-text, dismiss, offline, email) and messages as `div[data-kind=…]` with
//! `[data-role=author]` and `[data-role=text]`.

// Tests fail loudly by design: a panic on `unwrap` is the failure message, helpers are `pub`
// for the test modules only, and a long scenario reads best as one function.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    unreachable_pub,
    missing_docs
)]

// The harness shared with the API tests; this binary uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../common/mod.rs"]
mod common;
mod support;

mod a11y;
mod ai_bot;
mod ai_draft;
mod ai_translate;
mod attachments;
mod chat;
mod commerce;
mod commerce_pane;
mod consent;
mod console;
mod dashboard;
mod demo_shop;
mod email;
mod hostile_page;
mod isolation;
mod languages;
mod loading;
mod look;
mod modal;
mod orders;
mod page_urls;
mod prechat;
mod proactive;
mod rating;
mod small_things;
mod strict_csp;
mod tab_alerts;
mod two_devices;
mod webhooks;
