//! What a benchmark run yields and how it is shown: the figures of one measured run
//! ([`RunResult`]), the whole report written with `--json-out`, the table lines printed after
//! each run and the closing summary (ratios to the floor, the login flood, growth, memory).

use super::cpu;
use serde::Serialize;
use serde_json::Value;

/// The figures of one measured run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub label: String,
    pub target: String,
    pub concurrency: usize,
    pub seconds: f64,
    pub journeys: u64,
    pub errors: u64,
    pub journeys_per_sec: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub invocations_per_booking: f64,
    pub journal_entries_per_booking: f64,
    /// What restate-server holds per booking once the run is over, while the bookings wait
    /// for their slots: invocations in flight (a suspended one is pinned to its deployment)
    /// and scheduled delayed calls (state until due).
    pub in_flight_per_booking: f64,
    pub scheduled_per_booking: f64,
    /// CPU milliseconds each process spent per journey during the run.
    pub cpu_ms_per_journey: cpu::PerJourney,
}

/// Everything `--json-out` writes.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) machine_cores: usize,
    pub(super) runs: Vec<RunResult>,
    pub(super) ratios: Vec<Value>,
    pub(super) login_flood: Option<Value>,
    /// the long-lived mix against the plain journeys
    pub(super) mix: Option<Value>,
    pub(super) growth: Option<Value>,
    pub(super) endpoint_peak_rss_mb: f64,
    pub(super) seeded_bookings: u64,
    pub(super) seed_seconds: f64,
}

/// One table line per run, with the CPU each process spent per journey under it.
pub(super) fn print_runs(runs: &[RunResult]) {
    for r in runs {
        println!(
            "{:<34} {:<8} c={:<3} {:>8.1} journeys/s  p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  errors {:<3} {:>5.1} invocations/booking  {:>5.1} journal entries/booking  held while waiting: {:.1} in flight, {:.1} scheduled",
            r.label,
            r.target,
            r.concurrency,
            r.journeys_per_sec,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            r.invocations_per_booking,
            r.journal_entries_per_booking,
            r.in_flight_per_booking,
            r.scheduled_per_booking
        );
        println!(
            "{:<34} CPU per journey: {}",
            "",
            r.cpu_ms_per_journey.line()
        );
    }
}

/// The closing lines: deskflow / floor per concurrency, what the login flood cost, what a full
/// store cost, and the endpoint's peak memory.
pub(super) fn print_summary(
    ratios: &[Value],
    flood: Option<&Value>,
    growth: Option<&Value>,
    endpoint_peak_rss_mb: f64,
) {
    println!("\nratios deskflow / floor:");
    for r in ratios {
        println!(
            "  concurrency {:>3}: throughput {:.2}, p50 latency {:.2}, p99 latency {:.2}",
            r["concurrency"],
            r["throughput_ratio"].as_f64().unwrap_or(0.0),
            r["p50_latency_ratio"].as_f64().unwrap_or(0.0),
            r["p99_latency_ratio"].as_f64().unwrap_or(0.0)
        );
    }
    if let Some(f) = flood {
        println!(
            "login flood ({} attackers): bookings {:.1}/s before, {:.1}/s during ({:+.1}%)",
            f["attackers"]["attackers"],
            f["bookings_per_sec_before"].as_f64().unwrap_or(0.0),
            f["bookings_per_sec_during"].as_f64().unwrap_or(0.0),
            f["throughput_change"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    if let Some(g) = growth {
        println!(
            "growth ({} past bookings; both runs on a fresh restate-server): throughput {:+.1}%, p50 latency {:+.1}%, p99 latency {:+.1}%",
            g["preloaded_bookings"],
            g["throughput_change"].as_f64().unwrap_or(0.0) * 100.0,
            g["p50_latency_change"].as_f64().unwrap_or(0.0) * 100.0,
            g["p99_latency_change"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    println!("endpoint peak memory (VmHWM): {endpoint_peak_rss_mb:.1} MiB");
}
