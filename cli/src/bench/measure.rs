//! The main benchmark on one single-node stack with responders: deskflow against the engine's
//! floor at each concurrency, then (as asked) the same with a slow provider, during a login
//! flood, and on a store full of past bookings; each step prints its lines as it ends, and the
//! whole makes the report.

use super::driver::Driver;
use super::journey::Target;
use super::report::{Report, RunResult, print_runs, print_summary};
use super::seed::Seed;
use super::{BENCH_ADMIN, BenchArgs, flood, floor, growth};
use crate::stack::{Stack, endpoint_worker_threads};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Runs every measurement of `args` on `stack`; `latency` is the provider responder's added
/// latency (ms), which the slow-provider run raises for its duration. `growth` past bookings
/// are preloaded for the growth run (0 skips it).
pub(super) async fn measure(
    stack: &mut Stack,
    args: &BenchArgs,
    duration: Duration,
    growth: u64,
    latency: Arc<AtomicU64>,
) -> anyhow::Result<Report> {
    let info = stack.info().clone();
    // the floor: its own endpoint, registered on the same restate-server, on a runtime of its
    // own with as many worker threads as deskflow's endpoint gets (not sharing the client's)
    let floor_url = floor::serve_on_own_runtime(endpoint_worker_threads())?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(120))
        .build()?;
    stack.register(&floor_url).await?;

    let members = args
        .concurrency
        .iter()
        .max()
        .copied()
        .unwrap_or(1)
        .clamp(4, 64);
    let seed = Seed::create(&http, &info.ingress_url, BENCH_ADMIN, members).await?;
    eprintln!(
        "bench: seeded {} members and {} workspaces",
        seed.tokens.len(),
        seed.workspaces.len()
    );
    let driver = Driver::new(&http, &info, &seed, stack);
    // warm-up: connections, pools, the first invocations of each service
    driver
        .drive(Target::Deskflow, 4, Duration::from_secs(2), "warm-up")
        .await?;
    driver
        .drive(Target::Floor, 4, Duration::from_secs(2), "warm-up")
        .await?;
    driver
        .drive(Target::ReferenceFloor, 4, Duration::from_secs(1), "warm-up")
        .await?;

    let mut runs = Vec::new();
    let ratios = against_the_floor(&driver, &args.concurrency, duration, &mut runs).await?;
    let top = *args.concurrency.iter().max().unwrap_or(&32);
    let mut mix = None;
    if !args.no_mix {
        let (json, mix_runs) = long_lived_mix(&driver, top, duration).await?;
        mix = Some(json);
        runs.extend(mix_runs);
    }
    if args.slow_provider_ms > 0 {
        runs.push(slow_provider(&driver, args, top, duration, &latency).await?);
    }
    let mut login_flood = None;
    if args.login_flood > 0 {
        let (json, flood_runs) = flood::compare(
            &driver,
            &http,
            &info.ingress_url,
            args.login_flood,
            top,
            duration,
        )
        .await?;
        login_flood = Some(json);
        runs.extend(flood_runs);
    }
    let (mut growth_json, mut seed_seconds) = (None, 0.0);
    if growth > 0 {
        let g = growth::compare(stack, &http, &seed, &floor_url, growth, top, duration).await?;
        growth_json = Some(g.json);
        seed_seconds = g.seed_seconds;
        runs.extend(g.runs);
    }
    let rss = stack.pid("deskflow").map(peak_rss_mb).unwrap_or(0.0);
    print_summary(&ratios, login_flood.as_ref(), growth_json.as_ref(), rss);
    if let Some(m) = &mix {
        println!(
            "long-lived mix: {:.1} journeys/s against {:.1} plain ({:+.1} %); two in ten also reschedule, two wait on the waitlist",
            m["journeys_per_sec"].as_f64().unwrap_or(0.0),
            m["plain_journeys_per_sec"].as_f64().unwrap_or(0.0),
            m["throughput_change"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    Ok(Report {
        machine_cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        runs,
        ratios,
        login_flood,
        mix,
        growth: growth_json,
        endpoint_peak_rss_mb: rss,
        seeded_bookings: growth,
        seed_seconds,
    })
}

/// deskflow, then the floor, then the floor in the earlier shape (for reference), at each
/// concurrency; their runs go to `runs`, and the ratios deskflow / floor are returned.
async fn against_the_floor(
    driver: &Driver<'_>,
    concurrency: &[usize],
    duration: Duration,
    runs: &mut Vec<RunResult>,
) -> anyhow::Result<Vec<Value>> {
    let mut ratios = Vec::new();
    for &c in concurrency {
        let d = driver
            .drive(Target::Deskflow, c, duration, "empty store")
            .await?;
        let f = driver
            .drive(Target::Floor, c, duration, "engine floor")
            .await?;
        let reference = driver
            .drive(
                Target::ReferenceFloor,
                c,
                duration,
                "engine floor, earlier shape",
            )
            .await?;
        ratios.push(json!({
            "concurrency": c,
            "throughput_ratio": d.journeys_per_sec / f.journeys_per_sec.max(f64::MIN_POSITIVE),
            "p50_latency_ratio": d.p50_ms / f.p50_ms.max(f64::MIN_POSITIVE),
            "p99_latency_ratio": d.p99_ms / f.p99_ms.max(f64::MIN_POSITIVE),
        }));
        print_runs(&[d.clone(), f.clone(), reference.clone()]);
        runs.push(d);
        runs.push(f);
        runs.push(reference);
    }
    Ok(ratios)
}

/// The plain journeys, then the mix of the long-lived flows, at `concurrency`: the figures
/// `--json-out` writes and the two runs (plain first).
async fn long_lived_mix(
    driver: &Driver<'_>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<(Value, [RunResult; 2])> {
    let plain = driver
        .drive(
            Target::Deskflow,
            concurrency,
            duration,
            "plain (before the mix)",
        )
        .await?;
    let mix = driver
        .drive(
            Target::Mix,
            concurrency,
            duration,
            "reschedule 20 %, waitlist 20 %",
        )
        .await?;
    print_runs(&[plain.clone(), mix.clone()]);
    let json = json!({
        "concurrency": concurrency,
        "reschedule_share": 0.2,
        "waitlist_share": 0.2,
        "plain_journeys_per_sec": plain.journeys_per_sec,
        "journeys_per_sec": mix.journeys_per_sec,
        "throughput_change": mix.journeys_per_sec / plain.journeys_per_sec.max(f64::MIN_POSITIVE) - 1.0,
        "p99_ms": mix.p99_ms,
        "errors": mix.errors,
    });
    Ok((json, [plain, mix]))
}

/// deskflow at `concurrency` while the provider responder answers `--slow-provider-ms` late;
/// the usual latency is restored afterwards.
async fn slow_provider(
    driver: &Driver<'_>,
    args: &BenchArgs,
    concurrency: usize,
    duration: Duration,
    latency: &AtomicU64,
) -> anyhow::Result<RunResult> {
    latency.store(args.slow_provider_ms, Ordering::Relaxed);
    let label = format!("provider +{} ms", args.slow_provider_ms);
    let r = driver
        .drive(Target::Deskflow, concurrency, duration, &label)
        .await?;
    print_runs(std::slice::from_ref(&r));
    latency.store(args.provider_latency_ms, Ordering::Relaxed);
    Ok(r)
}

/// Peak resident memory of a process, from /proc (Linux).
fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
