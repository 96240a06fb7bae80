//! Every metric the server exports, in one list: its name, kind and the `# HELP` text
//! Prometheus shows, and for histograms the buckets. The recorder is built from this list
//! (each histogram gets its buckets, so timings export as histograms that aggregate across
//! nodes, not as per-node summaries) and every entry is described once at start-up. A unit
//! test reads the source tree and fails on a metric recorded but missing here.

/// What a metric is, and for a histogram its bucket bounds (upper bounds, ascending).
pub(super) enum Kind {
    /// Only ever goes up; rate() it.
    Counter,
    /// A level read or set now and then.
    Gauge,
    /// Samples counted into these buckets.
    Histogram(&'static [f64]),
}

/// One exported metric.
pub(super) struct Metric {
    /// The exported name.
    pub(super) name: &'static str,
    /// Counter, gauge or histogram (with its buckets).
    pub(super) kind: Kind,
    /// The `# HELP` line: what it counts and its labels.
    pub(super) help: &'static str,
}

/// Calls out to a language model: from a tenth of a second to the client's timeout.
const MODEL_CALL: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];
/// Handing one email to the SMTP server.
const SMTP_SEND: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// One SQLite commit (a batch of writes): well under a millisecond to a slow disk's second.
const COMMIT: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
/// A WAL checkpoint: quick when the WAL is small, seconds when it grew.
const CHECKPOINT: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0];
/// Jobs per SQLite batch: 1 when idle, up to the write queue's bound (4096) under load.
const BATCH: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0, 4096.0,
];
/// For a histogram recorded but not in this list (the unit test forbids it): still buckets.
pub(super) const DEFAULT_BUCKETS: &[f64] = &[0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0];

const fn counter(name: &'static str, help: &'static str) -> Metric {
    Metric {
        name,
        kind: Kind::Counter,
        help,
    }
}
const fn gauge(name: &'static str, help: &'static str) -> Metric {
    Metric {
        name,
        kind: Kind::Gauge,
        help,
    }
}
const fn histogram(name: &'static str, buckets: &'static [f64], help: &'static str) -> Metric {
    Metric {
        name,
        kind: Kind::Histogram(buckets),
        help,
    }
}

/// The catalogue (the README's metrics table follows it).
pub(super) const METRICS: &[Metric] = &[
    // Sockets and frames.
    gauge(
        "shopchat_shopper_sockets",
        "Shopper sockets open on this node now.",
    ),
    counter(
        "shopchat_sockets_refused_total",
        "Socket upgrades refused before the handshake, by reason.",
    ),
    counter(
        "shopchat_shopper_frames_total",
        "Frames received from shoppers, by type (invalid: did not parse).",
    ),
    counter(
        "shopchat_shopper_frames_refused_total",
        "Shopper frames refused for coming too fast.",
    ),
    counter(
        "shopchat_shopper_refused_total",
        "Shopper requests refused because a per-address budget is spent, by reason (order_lookups, email_codes, ...).",
    ),
    counter(
        "shopchat_shopper_closes_total",
        "Shopper sockets closed, by reason (normal, gone, idle, too_slow, too_large, policy, protocol, restart, ...).",
    ),
    counter(
        "shopchat_agent_frames_refused_total",
        "Agent frames refused for coming too fast.",
    ),
    // Conversations and messages.
    counter(
        "shopchat_messages_stored_total",
        "Messages stored, by author (shopper, agent, bot).",
    ),
    counter(
        "shopchat_ratings_total",
        "Shoppers' ratings of closed chats stored, by score (1 to 5).",
    ),
    counter(
        "shopchat_trigger_firings_total",
        "Proactive trigger rules fired, by group (shown, held_out: the hold-out group that is not shown the message).",
    ),
    counter(
        "shopchat_conversations_idle_closed_total",
        "Conversations closed for being idle.",
    ),
    counter(
        "shopchat_bot_webhook_failures_total",
        "Calls to a site's external bot webhook that failed.",
    ),
    // Model.
    histogram(
        "shopchat_ai_call_seconds",
        MODEL_CALL,
        "Duration of calls to the language model, in seconds.",
    ),
    counter(
        "shopchat_ai_calls_total",
        "Calls to the language model, by result (ok or the failure).",
    ),
    counter(
        "shopchat_ai_tokens_total",
        "Model tokens used, by kind (prompt, completion).",
    ),
    counter(
        "shopchat_ai_fallbacks_total",
        "Model answers not used (the keyword answer or nothing instead), by reason.",
    ),
    counter("shopchat_ai_drafts_total", "Reply drafts made for agents."),
    counter(
        "shopchat_ai_auto_drafts_total",
        "Drafts made unasked when a shopper writes, by result.",
    ),
    counter(
        "shopchat_ai_draft_sends_total",
        "Drafts sent by agents, by mark (unchanged, edited).",
    ),
    // Commerce.
    counter(
        "shopchat_order_lookups_total",
        "Shoppers' order look-ups, by result (found, no_match, refused).",
    ),
    counter(
        "shopchat_order_lookup_budget_resets_total",
        "Times the order look-up budget table was full and cleared.",
    ),
    counter(
        "shopchat_order_answers_total",
        "Order-status answers the bot gave.",
    ),
    counter(
        "shopchat_order_requests_total",
        "Order requests filed by shoppers, by kind (cancel, return).",
    ),
    counter(
        "shopchat_commerce_ingested_total",
        "Customers, orders and shipments received, by source, kind and outcome.",
    ),
    counter(
        "shopchat_commerce_signature_failures_total",
        "Shop webhooks refused for their signature, by source and reason.",
    ),
    counter(
        "shopchat_commerce_webhooks_ignored_total",
        "Shop webhooks of a topic shopchat does not use, by source.",
    ),
    // Email.
    counter(
        "shopchat_email_sent_total",
        "Emails handed to SMTP, by kind and result.",
    ),
    histogram(
        "shopchat_email_send_seconds",
        SMTP_SEND,
        "Duration of one SMTP send, in seconds.",
    ),
    gauge(
        "shopchat_email_outbox_pending",
        "Emails waiting in the outbox.",
    ),
    gauge(
        "shopchat_uploads_in_flight",
        "Uploads this node is reading now (at most 8; one more is refused with 503).",
    ),
    counter(
        "shopchat_uploads_scanned_total",
        "Uploads the virus scanner checked, by result (clean, infected, error).",
    ),
    counter(
        "shopchat_email_pruned_total",
        "Ended outbox rows removed after their keeping time.",
    ),
    counter(
        "shopchat_email_codes_total",
        "Shopper email verification codes checked, by result (verified, wrong, refused).",
    ),
    counter("shopchat_email_bounces_total", "Bounces received, by kind."),
    counter(
        "shopchat_inbound_mail_total",
        "Inbound emails handled, by result.",
    ),
    counter(
        "shopchat_imap_errors_total",
        "IMAP polling sessions that ended in an error.",
    ),
    // Outbound webhooks and events.
    counter(
        "shopchat_webhook_deliveries_total",
        "Outbound webhook delivery attempts, by result (delivered, retrying, failed).",
    ),
    counter(
        "shopchat_webhook_dropped_total",
        "Outbound webhook deliveries dropped, by reason (queue_full).",
    ),
    counter(
        "shopchat_outbound_events_dropped_total",
        "Outbound events dropped because their queue was full.",
    ),
    // Store.
    histogram(
        "shopchat_store_commit_seconds",
        COMMIT,
        "Duration of one SQLite write batch commit, in seconds.",
    ),
    histogram(
        "shopchat_store_batch_jobs",
        BATCH,
        "Write jobs per SQLite commit.",
    ),
    histogram(
        "shopchat_store_checkpoint_seconds",
        CHECKPOINT,
        "Duration of WAL checkpoints, in seconds, by role.",
    ),
    gauge(
        "shopchat_store_wal_pages",
        "Pages in the SQLite write-ahead log after the last checkpoint.",
    ),
    counter(
        "shopchat_store_write_behind_failed_total",
        "Write-behind jobs (not awaited by anyone) that failed.",
    ),
    counter(
        "shopchat_store_index_failed_total",
        "Search-indexing steps of the SQLite writer that failed (retried at the next round).",
    ),
    // Redis bus.
    gauge(
        "shopchat_bus_up",
        "1 while the Redis bus subscription is connected, 0 while it reconnects.",
    ),
    counter(
        "shopchat_bus_subscriptions_total",
        "Times the Redis bus subscribed (1 plus reconnects).",
    ),
    counter(
        "shopchat_bus_received_total",
        "Messages received from the Redis bus.",
    ),
    counter(
        "shopchat_bus_bad_envelopes_total",
        "Bus messages that did not decode and were skipped.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    #[test]
    fn every_metric_recorded_in_the_source_is_in_the_catalogue_with_its_kind() {
        let mut texts = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut texts,
        );
        let call = regex::Regex::new(r#"(counter|gauge|histogram)!\(\s*"(shopchat_\w+)""#).unwrap();
        let mut recorded = BTreeMap::new();
        for text in &texts {
            for found in call.captures_iter(text) {
                recorded.insert(found[2].to_owned(), found[1].to_owned());
            }
        }
        assert!(recorded.len() > 30, "the scan finds the metrics");
        let listed: BTreeMap<_, _> = METRICS
            .iter()
            .map(|m| {
                let kind = match m.kind {
                    Kind::Counter => "counter",
                    Kind::Gauge => "gauge",
                    Kind::Histogram(_) => "histogram",
                };
                (m.name.to_owned(), kind.to_owned())
            })
            .collect();
        for (name, kind) in &recorded {
            assert_eq!(
                listed.get(name),
                Some(kind),
                "{name} is recorded as a {kind}"
            );
        }
        let unused: BTreeSet<_> = listed
            .keys()
            .filter(|n| !recorded.contains_key(*n))
            .collect();
        assert!(unused.is_empty(), "listed but never recorded: {unused:?}");
    }

    #[test]
    fn names_are_unique_and_buckets_ascend() {
        let names: BTreeSet<_> = METRICS.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), METRICS.len());
        for metric in METRICS {
            assert!(!metric.help.is_empty());
            if let Kind::Histogram(buckets) = metric.kind {
                assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{}", metric.name);
            }
        }
        assert!(DEFAULT_BUCKETS.windows(2).all(|w| w[0] < w[1]));
    }
}
