//! The growth run: the same journeys on an empty store and on one holding many past bookings,
//! each on a freshly wiped restate-server, so the only difference between the two runs is the
//! store. Its figure is how much a full store costs in throughput and latency.

use super::driver::Driver;
use super::journey::Target;
use super::report::{RunResult, print_runs};
use super::seed::{Seed, seed_past_bookings};
use crate::stack::Stack;
use anyhow::Context;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What the growth run found.
pub(super) struct Growth {
    /// the changes from the empty store to the full one, as `--json-out` writes them
    pub(super) json: Value,
    /// how long preloading the past bookings took
    pub(super) seed_seconds: f64,
    /// the run on the empty store, then the one on the full store
    pub(super) runs: [RunResult; 2],
}

/// Runs `concurrency` workers for `duration` on the empty store, preloads `past_bookings`,
/// and runs them again; deskflow's and the floor's endpoints (`floor_url`) are registered
/// again on each fresh engine.
pub(super) async fn compare(
    stack: &mut Stack,
    http: &reqwest::Client,
    seed: &Seed,
    floor_url: &str,
    past_bookings: u64,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Growth> {
    let info = stack.info().clone();
    // Both runs of the comparison start on a freshly wiped restate-server, so the only
    // difference between them is the store. Without this the second run also paid for the
    // engine's state left by every run before it (thousands of confirmed bookings'
    // suspended `Booking/run`s with their timers, retained journals), which moved
    // restate-server's CPU per journey by 10-17 % and the floor by 4-11 %.
    fresh_engine(stack, floor_url).await?;
    let empty = Driver::new(http, &info, seed, stack);
    warm_up(&empty).await?;
    let empty = empty
        .drive(
            Target::Deskflow,
            concurrency,
            duration,
            "empty store, fresh engine",
        )
        .await?;
    print_runs(std::slice::from_ref(&empty));
    eprintln!("bench: preloading {past_bookings} past bookings into the store");
    let store = deskflow_infra::Store::connect(&info.database_url, 4).await?;
    let started = Instant::now();
    seed_past_bookings(&store, &seed.user_ids, &seed.workspaces, past_bookings).await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    eprintln!("bench: seeded in {seed_seconds:.1} s");
    fresh_engine(stack, floor_url).await?;
    let full = Driver::new(http, &info, seed, stack);
    warm_up(&full).await?;
    let full = full
        .drive(
            Target::Deskflow,
            concurrency,
            duration,
            &format!("{past_bookings} past bookings, fresh engine"),
        )
        .await?;
    print_runs(std::slice::from_ref(&full));
    let json = json!({
        "preloaded_bookings": past_bookings,
        "engine": "each of the two runs starts on a freshly wiped restate-server",
        "throughput_change": full.journeys_per_sec / empty.journeys_per_sec - 1.0,
        "p50_latency_change": full.p50_ms / empty.p50_ms - 1.0,
        "p99_latency_change": full.p99_ms / empty.p99_ms - 1.0,
    });
    Ok(Growth {
        json,
        seed_seconds,
        runs: [empty, full],
    })
}

/// Restarts restate-server on an empty data folder and registers deskflow's endpoint and the
/// floor's again: an engine with no state from earlier runs. The store is left as it is.
async fn fresh_engine(stack: &mut Stack, floor_url: &str) -> anyhow::Result<()> {
    // its data is thrown away, so there is nothing to shut down gracefully for
    stack.kill_process("restate");
    let dir = stack.data_dir().join("restate");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot wipe {}", dir.display()))?;
    }
    stack.start_process("restate").await?;
    stack.register_deployment().await?;
    stack.register(floor_url).await
}

/// A second of journeys on a restarted engine before measuring: its first requests open
/// connections and load RocksDB's files, which is start-up, not growth.
async fn warm_up(driver: &Driver<'_>) -> anyhow::Result<()> {
    driver
        .drive(Target::Deskflow, 4, Duration::from_secs(1), "warm-up")
        .await
        .map(|_| ())
}
