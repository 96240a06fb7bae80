//! `/metrics` explains itself and aggregates: after real traffic (a shopper's message stored
//! through the SQLite writer, a call to the language model), every `# TYPE` line has its
//! `# HELP`, timings are histograms with buckets (never per-node summaries), and the call and
//! commit latencies carry their own bucket bounds.

use crate::ai_draft_counts::{shopper_writes, with_model};
use crate::common::TestApp;
use crate::common::llm::Provider;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

async fn scrape(app: &TestApp) -> String {
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Scrapes until `test` holds (the model call is recorded once its answer is in).
async fn scrape_until(app: &TestApp, what: &str, test: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(app).await;
        if test(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "no {what} in /metrics:\n{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_exported_metric_has_help_and_timings_are_histograms() {
    let provider = Provider::start().await;
    let app = with_model(&provider, |_| {}).await;
    // A stored shopper message (the SQLite writer commits) and the model's triage call.
    let (_shopper, _conversation) = shopper_writes(&app, "Where is my parcel?").await;
    provider.received(1).await;
    let text = scrape_until(&app, "model call", |t| {
        t.contains("shopchat_ai_call_seconds_bucket")
    })
    .await;

    let mut types = BTreeMap::new();
    let mut helps = BTreeSet::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some("#"), Some("TYPE"), Some(name), Some(kind)) => {
                types.insert(name.to_owned(), kind.to_owned());
            }
            (Some("#"), Some("HELP"), Some(name), Some(_)) => {
                helps.insert(name.to_owned());
            }
            _ => {}
        }
    }
    assert!(types.len() > 5, "traffic made metrics: {types:?}");
    let undescribed: Vec<_> = types.keys().filter(|n| !helps.contains(*n)).collect();
    assert!(
        undescribed.is_empty(),
        "# TYPE without # HELP: {undescribed:?}"
    );
    let summaries: Vec<_> = types.iter().filter(|(_, k)| *k == "summary").collect();
    assert!(
        summaries.is_empty(),
        "summaries do not aggregate across nodes: {summaries:?}"
    );

    for timing in [
        "shopchat_ai_call_seconds",
        "shopchat_store_commit_seconds",
        "shopchat_store_batch_jobs",
    ] {
        assert_eq!(
            types.get(timing).map(String::as_str),
            Some("histogram"),
            "{timing}"
        );
        assert!(text.contains(&format!("{timing}_count")), "{timing}");
    }
    // Their own bounds, not one set for all: a 60 s bucket for model calls (the client's
    // timeout), sub-millisecond ones for commits.
    assert!(
        text.contains("shopchat_ai_call_seconds_bucket{le=\"60\"}"),
        "{text}"
    );
    assert!(
        text.contains("shopchat_store_commit_seconds_bucket{le=\"0.00025\"}"),
        "{text}"
    );
    app.stop().await;
}
