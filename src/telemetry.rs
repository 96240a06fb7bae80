//! Logging set-up: `tracing` with `RUST_LOG` filtering, human or JSON lines on stderr; the
//! Prometheus recorder; and the process's malloc settings, which decide whether its memory
//! settles under a long steady load.

mod catalogue;

use crate::config::LogFormat;
use catalogue::{DEFAULT_BUCKETS, Kind, METRICS};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests start many servers) do nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only on a terminal (and never with NO_COLOR set): logs written to a file or a
    // pipe stay plain text, so `grep password=` finds the first start's password.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The process-wide Prometheus recorder, installed on first use. One per process because
/// `metrics` has one global recorder; tests that start several servers share it.
pub fn metrics_handle() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    use std::sync::OnceLock;
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        describe();
        // Histograms gather samples until upkeep folds them in; without a scrape they would
        // grow without bound, so upkeep runs on its own clock.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("shopchat-metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start metrics upkeep");
        }
        handle
    })
}

/// The recorder's settings: every histogram exported with buckets (its own from the
/// catalogue, or the default), never as a summary, because quantiles computed on each node
/// cannot be added up across nodes and buckets can.
fn builder() -> PrometheusBuilder {
    // Only an empty bucket list is refused, and none in the catalogue is empty (its test);
    // should one be, the server still exports, with summaries, and says so.
    with_buckets().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "histogram buckets refused; timings export as summaries");
        PrometheusBuilder::new()
    })
}

fn with_buckets() -> Result<PrometheusBuilder, metrics_exporter_prometheus::BuildError> {
    let mut builder = PrometheusBuilder::new().set_buckets(DEFAULT_BUCKETS)?;
    for metric in METRICS {
        if let Kind::Histogram(buckets) = metric.kind {
            builder =
                builder.set_buckets_for_metric(Matcher::Full(metric.name.to_owned()), buckets)?;
        }
    }
    Ok(builder)
}

/// Gives every metric in the catalogue its `# HELP` text, so a scrape explains each series.
fn describe() {
    for metric in METRICS {
        match metric.kind {
            Kind::Counter => metrics::describe_counter!(metric.name, metric.help),
            Kind::Gauge => metrics::describe_gauge!(metric.name, metric.help),
            Kind::Histogram(_) => metrics::describe_histogram!(metric.name, metric.help),
        }
    }
}

/// Arenas glibc's malloc may keep. Its default (eight per core) gives each busy thread (async
/// workers, the blocking pool that comes and goes, the SQLite writer) an arena of its own, and
/// memory freed in one arena is not reused by another: a soak at a steady moderate load grew
/// by a third in its first ten minutes and kept growing, while with two arenas it settled at
/// half the size (README, Performance: flat memory). Two is about the cores this runs on.
const MALLOC_ARENAS: i32 = 2;

/// Caps glibc's malloc arenas at [`MALLOC_ARENAS`] unless the operator set `MALLOC_ARENA_MAX`
/// (glibc reads that itself). Call it first thing in `main`, before any thread is started:
/// arenas made before it stay. Returns whether the cap is in force (always `false` off glibc,
/// whose allocators do not keep arenas per thread this way).
pub fn limit_malloc_arenas() -> bool {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return false;
    }
    cap_arenas(MALLOC_ARENAS)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap_arenas(arenas: i32) -> bool {
    use std::ffi::c_int;
    /// glibc's `M_ARENA_MAX` parameter (malloc.h).
    const M_ARENA_MAX: c_int = -8;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // SAFETY: `mallopt` only changes a malloc tunable under malloc's own lock; it takes two
    // integers and keeps no pointer. glibc returns 1 on success.
    unsafe { mallopt(M_ARENA_MAX, arenas) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap_arenas(_arenas: i32) -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_arena_cap() {
        // The test binary may run with MALLOC_ARENA_MAX set; the cap itself must be accepted.
        assert!(super::cap_arenas(super::MALLOC_ARENAS));
    }
}
