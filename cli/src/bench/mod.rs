//! `deskflow bench`: booking journeys per second and their latency, against the engine's own
//! floor on the same restate-server, on an empty store and on one holding a million past
//! bookings, with the outside world replaced by lightweight responders (and one short run
//! through localstripe and maildev, labelled so). Prints a table and writes JSON.
//!
//! - `measure`: the main runs on one stack; `growth` and `flood` two of its comparisons;
//!   `mix`: the long-lived flows' journeys (reschedule, waitlist) of the mixed run.
//! - `driver`: the workers that drive journeys and the figures of a run; `journey`: one
//!   journey's calls (create, wait until confirmed); `seed`: the members,
//!   workspaces and past bookings it needs; `report`: the figures and how they are printed.
//! - `floor`: the engine's floor; `responders`: the stand-in provider and SMTP relay;
//!   `cpu`: CPU per journey per process; `emulator`: the run through the emulators;
//!   `cluster`: `bench --cluster`, a cluster against a single node.

mod cluster;
mod cpu;
mod driver;
mod emulator;
mod flood;
mod floor;
mod growth;
mod journey;
mod measure;
mod mix;
mod report;
mod responders;
mod seed;

use crate::stack::{Outside, Ports, Stack, StackOptions};
use report::print_runs;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// The admin every bench stack is started with (email, password).
pub(crate) const BENCH_ADMIN: (&str, &str) = ("bench-admin@deskflow.test", "bench-admin-password");

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Seconds each measured run drives journeys
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Concurrency levels, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "1,32")]
    pub concurrency: Vec<usize>,
    /// A run of under a minute: 4 s runs, 100k seeded bookings, a 5 s emulator run
    #[arg(long)]
    pub quick: bool,
    /// Write the results as JSON to this file
    #[arg(long)]
    pub json_out: Option<std::path::PathBuf>,
    /// Added latency of the provider responder in the main runs (ms)
    #[arg(long, default_value_t = 0)]
    pub provider_latency_ms: u64,
    /// Also run the highest concurrency with this provider latency (ms; 0 skips)
    #[arg(long, default_value_t = 150)]
    pub slow_provider_ms: u64,
    /// Past bookings to preload for the growth run (0 skips it)
    #[arg(long, default_value_t = 1_000_000)]
    pub growth_bookings: u64,
    /// Skip the labelled run through localstripe and maildev
    #[arg(long)]
    pub no_emulator_run: bool,
    /// Instead: the same journeys on a three-node cluster and on a single node (both on
    /// PostgreSQL: DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres), in one run,
    /// and their ratios of throughput and CPU per booking
    #[arg(long)]
    pub cluster: bool,
    /// Skip the run at the highest concurrency where two journeys in ten also reschedule and
    /// two wait on the waitlist
    #[arg(long)]
    pub no_mix: bool,
    /// Also run the highest concurrency while this many attackers flood `Auth/login` with wrong
    /// passwords for unknown emails (0 skips)
    #[arg(long, default_value_t = 16)]
    pub login_flood: usize,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.cluster {
        return cluster::run(&args).await;
    }
    let duration = Duration::from_secs(if args.quick { 4 } else { args.duration });
    let growth = if args.quick {
        args.growth_bookings.min(100_000)
    } else {
        args.growth_bookings
    };
    let latency = Arc::new(AtomicU64::new(args.provider_latency_ms));
    let provider = responders::start_provider(latency.clone()).await?;
    let (smtp_port, _mails) = responders::start_smtp(Duration::ZERO).await?;
    let dir = tempfile::Builder::new()
        .prefix("deskflow-bench-")
        .tempdir()?;
    eprintln!(
        "bench: starting restate-server and deskflow (responders for the provider and SMTP) in {}",
        dir.path().display()
    );
    let admin = BENCH_ADMIN;
    let mut stack = Stack::start(StackOptions {
        data_dir: dir.path().to_path_buf(),
        ports: Ports::random()?,
        endpoint_env: vec![
            ("DESKFLOW_ADMIN_EMAIL".into(), admin.0.into()),
            ("DESKFLOW_ADMIN_PASSWORD".into(), admin.1.into()),
            (
                "DESKFLOW_JWT_SECRET".into(),
                "bench-secret-0123456789abcdef".into(),
            ),
            ("RUST_LOG".into(), "warn".into()),
            (
                "DESKFLOW_DATABASE_MAX_CONNECTIONS".into(),
                std::env::var("DESKFLOW_DATABASE_MAX_CONNECTIONS").unwrap_or_else(|_| "8".into()),
            ),
        ],
        outside: Some(Outside {
            stripe_url: provider,
            smtp_port,
        }),
        cluster: None,
    })
    .await?;
    let result = measure::measure(&mut stack, &args, duration, growth, latency).await;
    stack.stop_all();
    let report = result?;

    if !args.no_emulator_run {
        eprintln!(
            "bench: one short run through localstripe and maildev (labelled; measures the emulators)"
        );
        emulator::emulator_run(if args.quick {
            Duration::from_secs(5)
        } else {
            Duration::from_secs(10)
        })
        .await
        .map(|r| print_runs(&[r]))?;
    }
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        eprintln!("bench: results written to {}", path.display());
    }
    Ok(())
}
