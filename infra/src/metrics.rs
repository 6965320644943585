//! Process-wide metrics in Prometheus' text format, served by the endpoint at `GET /metrics`.
//! Counters and histograms are recorded where an effect really runs (inside journaled steps),
//! so a replay after a suspension or crash does not count the same thing twice.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histograms.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    /// (name, labels) -> value
    counters: BTreeMap<(&'static str, String), u64>,
    histograms: BTreeMap<(&'static str, String), Histogram>,
    gauges: BTreeMap<(&'static str, String), i64>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Registry::default()))
}

/// What each metric means, for the `# HELP` lines.
const HELP: &[(&str, &str, &str)] = &[
    (
        "deskflow_bookings_total",
        "counter",
        "Bookings that entered a status, by status",
    ),
    (
        "deskflow_compensations_total",
        "counter",
        "Compensation steps run, by step",
    ),
    (
        "deskflow_provider_requests_total",
        "counter",
        "Requests to the payment provider, by operation and outcome",
    ),
    (
        "deskflow_provider_request_seconds",
        "histogram",
        "Latency of payment provider requests, by operation",
    ),
    (
        "deskflow_step_retries_total",
        "counter",
        "Failed attempts of journaled steps that Restate retries, by step",
    ),
    (
        "deskflow_notifications_total",
        "counter",
        "Email deliveries, by outcome (sent, failed attempt, given up)",
    ),
    (
        "deskflow_step_seconds",
        "histogram",
        "Duration of journaled steps, by step",
    ),
    (
        "deskflow_reconcile_differences",
        "gauge",
        "Differences the last reconciliation found between bookings, payments, the provider and capacity, by kind",
    ),
];

fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Adds one to a counter.
pub fn inc(name: &'static str, pairs: &[(&str, &str)]) {
    let mut r = registry().lock().unwrap_or_else(|e| e.into_inner());
    *r.counters.entry((name, labels(pairs))).or_default() += 1;
}

/// Records one observation of a histogram.
pub fn observe(name: &'static str, pairs: &[(&str, &str)], d: Duration) {
    let secs = d.as_secs_f64();
    let mut r = registry().lock().unwrap_or_else(|e| e.into_inner());
    let h = r.histograms.entry((name, labels(pairs))).or_default();
    for (i, b) in BUCKETS.iter().enumerate() {
        if secs <= *b {
            h.counts[i] += 1;
        }
    }
    h.sum += secs;
    h.count += 1;
}

/// Sets a gauge to `value`.
pub fn set(name: &'static str, pairs: &[(&str, &str)], value: i64) {
    let mut r = registry().lock().unwrap_or_else(|e| e.into_inner());
    r.gauges.insert((name, labels(pairs)), value);
}

/// The text exposition format (version 0.0.4).
pub fn render() -> String {
    let r = registry().lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    for (name, kind, help) in HELP {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for ((n, l), v) in r.counters.iter().filter(|((n, _), _)| n == name) {
            let _ = writeln!(out, "{n}{{{l}}} {v}");
        }
        for ((n, l), v) in r.gauges.iter().filter(|((n, _), _)| n == name) {
            let _ = writeln!(out, "{n}{{{l}}} {v}");
        }
        for ((n, l), h) in r.histograms.iter().filter(|((n, _), _)| n == name) {
            let sep = if l.is_empty() { "" } else { "," };
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "{n}_bucket{{{l}{sep}le=\"{b}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(out, "{n}_bucket{{{l}{sep}le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "{n}_sum{{{l}}} {}", h.sum);
            let _ = writeln!(out, "{n}_count{{{l}}} {}", h.count);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_in_prometheus_text_format() {
        inc("deskflow_bookings_total", &[("status", "confirmed")]);
        inc("deskflow_bookings_total", &[("status", "confirmed")]);
        observe(
            "deskflow_provider_request_seconds",
            &[("op", "authorize")],
            Duration::from_millis(20),
        );
        set(
            "deskflow_reconcile_differences",
            &[("kind", "provider_net")],
            3,
        );
        let text = render();
        assert!(
            text.contains("deskflow_reconcile_differences{kind=\"provider_net\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE deskflow_bookings_total counter"),
            "{text}"
        );
        assert!(
            text.contains("deskflow_bookings_total{status=\"confirmed\"} 2"),
            "{text}"
        );
        assert!(
            text.contains(
                "deskflow_provider_request_seconds_bucket{op=\"authorize\",le=\"0.025\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "deskflow_provider_request_seconds_bucket{op=\"authorize\",le=\"0.01\"} 0"
            ),
            "{text}"
        );
        assert!(
            text.contains("deskflow_provider_request_seconds_count{op=\"authorize\"} 1"),
            "{text}"
        );
    }
}
