//! `deskflow bench`: booking journeys per second and their latency, against the engine's own
//! floor on the same restate-server, on an empty store and on one holding a million past
//! bookings, with the outside world replaced by lightweight responders (and one short run
//! through localstripe and maildev, labelled so). Prints a table and writes JSON.

pub mod cluster;
pub mod cpu;
pub mod flood;
pub mod floor;
pub mod responders;

use crate::stack::{Outside, Ports, Stack, StackOptions};
use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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
    /// Also run the highest concurrency while this many attackers flood `Auth/login` with wrong
    /// passwords for unknown emails (0 skips)
    #[arg(long, default_value_t = 16)]
    pub login_flood: usize,
}

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
    /// CPU milliseconds each process spent per journey during the run.
    pub cpu_ms_per_journey: cpu::PerJourney,
}

#[derive(Debug, Serialize)]
struct Report {
    machine_cores: usize,
    runs: Vec<RunResult>,
    ratios: Vec<Value>,
    login_flood: Option<Value>,
    growth: Option<Value>,
    endpoint_peak_rss_mb: f64,
    seeded_bookings: u64,
    seed_seconds: f64,
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
    let latency = Arc::new(std::sync::atomic::AtomicU64::new(args.provider_latency_ms));
    let provider = responders::start_provider_with(latency.clone()).await?;
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
    let result = measure(&mut stack, &args, duration, growth, admin, latency).await;
    stack.stop_all();
    let report = result?;

    if !args.no_emulator_run {
        eprintln!(
            "bench: one short run through localstripe and maildev (labelled; measures the emulators)"
        );
        emulator_run(if args.quick {
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

async fn measure(
    stack: &mut Stack,
    args: &BenchArgs,
    duration: Duration,
    growth: u64,
    admin: (&str, &str),
    latency: Arc<std::sync::atomic::AtomicU64>,
) -> anyhow::Result<Report> {
    let info = stack.info().clone();
    // the floor: its own endpoint, registered on the same restate-server, on a runtime of its
    // own with as many worker threads as deskflow's endpoint gets (not sharing the client's)
    let floor_url = floor::serve_on_own_runtime(crate::stack::endpoint_worker_threads())?;
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
    let seed = Seed::create(&http, &info.ingress_url, admin, members).await?;
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

    let mut runs = Vec::new();
    let mut ratios = Vec::new();
    for &c in &args.concurrency {
        let d = driver
            .drive(Target::Deskflow, c, duration, "empty store")
            .await?;
        let f = driver
            .drive(Target::Floor, c, duration, "engine floor")
            .await?;
        ratios.push(json!({
            "concurrency": c,
            "throughput_ratio": d.journeys_per_sec / f.journeys_per_sec.max(f64::MIN_POSITIVE),
            "p50_latency_ratio": d.p50_ms / f.p50_ms.max(f64::MIN_POSITIVE),
            "p99_latency_ratio": d.p99_ms / f.p99_ms.max(f64::MIN_POSITIVE),
        }));
        print_runs(&[d.clone(), f.clone()]);
        runs.push(d);
        runs.push(f);
    }
    let top = *args.concurrency.iter().max().unwrap_or(&32);
    if args.slow_provider_ms > 0 {
        latency.store(args.slow_provider_ms, Ordering::Relaxed);
        let label = format!("provider +{} ms", args.slow_provider_ms);
        let r = driver
            .drive(Target::Deskflow, top, duration, &label)
            .await?;
        print_runs(std::slice::from_ref(&r));
        runs.push(r);
        latency.store(args.provider_latency_ms, Ordering::Relaxed);
    }
    let mut flood_json = None;
    if args.login_flood > 0 {
        let calm = driver
            .drive(Target::Deskflow, top, duration, "before the login flood")
            .await?;
        let flood = flood::Flood::start(&http, &info.ingress_url, args.login_flood);
        let label = format!("login flood ({} attackers)", args.login_flood);
        let r = driver.drive(Target::Deskflow, top, duration, &label).await;
        let f = flood.stop().await;
        let r = r?;
        print_runs(&[calm.clone(), r.clone()]);
        println!(
            "{:<34} attackers' logins: {:.1}/s answered (401: {}, 429: {}, other: {})",
            "", f.logins_per_sec, f.unauthorized, f.too_many, f.other
        );
        flood_json = Some(json!({
            "attackers": f,
            "bookings_per_sec_before": calm.journeys_per_sec,
            "bookings_per_sec_during": r.journeys_per_sec,
            "throughput_change": r.journeys_per_sec / calm.journeys_per_sec.max(f64::MIN_POSITIVE) - 1.0,
        }));
        runs.push(calm);
        runs.push(r);
    }
    let (mut growth_json, mut seed_secs) = (None, 0.0);
    if growth > 0 {
        // Both runs of the comparison start on a freshly wiped restate-server, so the only
        // difference between them is the store. Without this the second run also paid for the
        // engine's state left by every run before it (thousands of confirmed bookings'
        // suspended `Booking/run`s with their timers, retained journals), which moved
        // restate-server's CPU per journey by 10-17 % and the floor by 4-11 %.
        fresh_engine(stack, &floor_url).await?;
        let empty = Driver::new(&http, &info, &seed, stack);
        warm_up(&empty).await?;
        let empty = empty
            .drive(Target::Deskflow, top, duration, "empty store, fresh engine")
            .await?;
        print_runs(std::slice::from_ref(&empty));
        eprintln!("bench: preloading {growth} past bookings into the store");
        let store = deskflow_infra::Store::connect(&info.database_url, 4).await?;
        let started = Instant::now();
        seed_past_bookings(&store, &seed.user_ids, &seed.workspaces, growth).await?;
        seed_secs = started.elapsed().as_secs_f64();
        eprintln!("bench: seeded in {seed_secs:.1} s");
        fresh_engine(stack, &floor_url).await?;
        let full = Driver::new(&http, &info, &seed, stack);
        warm_up(&full).await?;
        let full = full
            .drive(
                Target::Deskflow,
                top,
                duration,
                &format!("{growth} past bookings, fresh engine"),
            )
            .await?;
        print_runs(std::slice::from_ref(&full));
        growth_json = Some(json!({
            "preloaded_bookings": growth,
            "engine": "each of the two runs starts on a freshly wiped restate-server",
            "throughput_change": full.journeys_per_sec / empty.journeys_per_sec - 1.0,
            "p50_latency_change": full.p50_ms / empty.p50_ms - 1.0,
            "p99_latency_change": full.p99_ms / empty.p99_ms - 1.0,
        }));
        runs.push(empty);
        runs.push(full);
    }
    let rss = stack.pid("deskflow").map(peak_rss_mb).unwrap_or(0.0);
    println!("\nratios deskflow / floor:");
    for r in &ratios {
        println!(
            "  concurrency {:>3}: throughput {:.2}, p50 latency {:.2}, p99 latency {:.2}",
            r["concurrency"],
            r["throughput_ratio"].as_f64().unwrap_or(0.0),
            r["p50_latency_ratio"].as_f64().unwrap_or(0.0),
            r["p99_latency_ratio"].as_f64().unwrap_or(0.0)
        );
    }
    if let Some(f) = &flood_json {
        println!(
            "login flood ({} attackers): bookings {:.1}/s before, {:.1}/s during ({:+.1}%)",
            f["attackers"]["attackers"],
            f["bookings_per_sec_before"].as_f64().unwrap_or(0.0),
            f["bookings_per_sec_during"].as_f64().unwrap_or(0.0),
            f["throughput_change"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    if let Some(g) = &growth_json {
        println!(
            "growth ({} past bookings; both runs on a fresh restate-server): throughput {:+.1}%, p50 latency {:+.1}%, p99 latency {:+.1}%",
            g["preloaded_bookings"],
            g["throughput_change"].as_f64().unwrap_or(0.0) * 100.0,
            g["p50_latency_change"].as_f64().unwrap_or(0.0) * 100.0,
            g["p99_latency_change"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    println!("endpoint peak memory (VmHWM): {rss:.1} MiB");
    Ok(Report {
        machine_cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        runs,
        ratios,
        login_flood: flood_json,
        growth: growth_json,
        endpoint_peak_rss_mb: rss,
        seeded_bookings: growth,
        seed_seconds: seed_secs,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Deskflow,
    Floor,
}

/// Members, their tokens and workspaces to book in.
pub(crate) struct Seed {
    tokens: Vec<String>,
    user_ids: Vec<String>,
    workspaces: Vec<String>,
}

impl Seed {
    pub(crate) async fn create(
        http: &reqwest::Client,
        ingress: &str,
        admin: (&str, &str),
        members: usize,
    ) -> anyhow::Result<Seed> {
        let call = |path: &str, body: Value, token: Option<String>| {
            let mut r = http.post(format!("{ingress}/{path}")).json(&body);
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            async move {
                let r = r.send().await?;
                let status = r.status();
                let v: Value = r.json().await?;
                if !status.is_success() {
                    bail!("{status}: {v}");
                }
                Ok::<Value, anyhow::Error>(v)
            }
        };
        let a = call(
            "Auth/login",
            json!({"email": admin.0, "password": admin.1}),
            None,
        )
        .await
        .context("admin login")?;
        let admin_token = a["token"].as_str().unwrap_or_default().to_string();
        let mut workspaces = Vec::new();
        for i in 0..20 {
            let w = call(
                "Workspaces/create",
                json!({"name": format!("Bench {i}"), "location": "Bench", "timezone": "UTC", "capacity": 10000,
                       "hourly_rate_cents": 1200, "currency": "EUR", "opens_at": "00:00", "closes_at": "23:59"}),
                Some(admin_token.clone()),
            )
            .await?;
            workspaces.push(w["workspace_id"].as_str().unwrap_or_default().to_string());
        }
        let (mut tokens, mut user_ids) = (Vec::new(), Vec::new());
        for i in 0..members {
            let u = call(
                "Auth/register",
                json!({"email": format!("bench{i}-{}@deskflow.test", uuid::Uuid::new_v4().simple()), "password": "bench-password", "name": format!("Bench {i}")}),
                None,
            )
            .await?;
            tokens.push(u["token"].as_str().unwrap_or_default().to_string());
            user_ids.push(u["user_id"].as_str().unwrap_or_default().to_string());
        }
        Ok(Seed {
            tokens,
            user_ids,
            workspaces,
        })
    }
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

/// What every run needs: the client, the stack it drives, the seeded members and workspaces,
/// and the processes whose CPU time it accounts for.
pub(crate) struct Driver<'a> {
    http: &'a reqwest::Client,
    info: &'a crate::stack::StackInfo,
    seed: &'a Seed,
    cpu: cpu::Probe,
}

impl<'a> Driver<'a> {
    /// Accounts CPU to every process `stack` runs (a stack with responders runs no localstripe
    /// or maildev; those are left out) and to this process.
    pub(crate) fn new(
        http: &'a reqwest::Client,
        info: &'a crate::stack::StackInfo,
        seed: &'a Seed,
        stack: &Stack,
    ) -> Self {
        Driver {
            http,
            info,
            seed,
            cpu: cpu::Probe::new([
                ("restate-server", stack.pid("restate")),
                ("endpoint", stack.pid("deskflow")),
                ("localstripe", stack.pid("localstripe")),
                ("maildev", stack.pid("maildev")),
                ("bench", Some(std::process::id())),
                // a cluster stack's processes (absent, so skipped, on a single node)
                ("restate-server n1", stack.pid("n1")),
                ("restate-server n2", stack.pid("n2")),
                ("restate-server n3", stack.pid("n3")),
                ("endpoint e1", stack.pid("e1")),
                ("endpoint e2", stack.pid("e2")),
                ("haproxy", stack.pid("haproxy")),
                ("s3rver", stack.pid("s3")),
            ]),
        }
    }

    /// `concurrency` workers drive complete journeys (create -> confirmed) for `duration`.
    pub(crate) async fn drive(
        &self,
        target: Target,
        concurrency: usize,
        duration: Duration,
        label: &str,
    ) -> anyhow::Result<RunResult> {
        let (http, info, seed) = (self.http, self.info, self.seed);
        let (inv0, jrn0) = introspect(http, &info.admin_url).await;
        let cpu0 = self.cpu.sample();
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let mut workers = Vec::new();
        for w in 0..concurrency {
            let http = http.clone();
            let ingress = info.ingress_url.clone();
            let stop = stop.clone();
            let token = seed.tokens[w % seed.tokens.len()].clone();
            let workspaces = seed.workspaces.clone();
            workers.push(tokio::spawn(async move {
                let (mut lat, mut errors) = (Vec::new(), 0u64);
                let mut n = w as u64 * 7919;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let t = Instant::now();
                    match journey(&http, &ingress, &token, &workspaces, target, n).await {
                        Ok(()) => lat.push(t.elapsed()),
                        Err(e) => {
                            errors += 1;
                            if errors <= 3 {
                                eprintln!("bench: journey failed: {e:#}");
                            }
                        }
                    }
                }
                (lat, errors)
            }));
        }
        tokio::time::sleep(duration).await;
        stop.store(true, Ordering::Relaxed);
        let (mut lat, mut errors) = (Vec::new(), 0);
        for w in workers {
            let (l, e) = w.await?;
            lat.extend(l);
            errors += e;
        }
        let secs = started.elapsed().as_secs_f64();
        // let one-way sends of the last journeys finish before counting invocations
        tokio::time::sleep(Duration::from_millis(500)).await;
        let cpu1 = self.cpu.sample();
        let (inv1, jrn1) = introspect(http, &info.admin_url).await;
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let journeys = lat.len() as u64;
        Ok(RunResult {
            label: label.to_string(),
            target: if target == Target::Deskflow {
                "deskflow"
            } else {
                "floor"
            }
            .into(),
            concurrency,
            seconds: secs,
            journeys,
            errors,
            journeys_per_sec: journeys as f64 / secs,
            p50_ms: pct(0.50),
            p95_ms: pct(0.95),
            p99_ms: pct(0.99),
            max_ms: lat.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            invocations_per_booking: (inv1 - inv0) as f64 / journeys.max(1) as f64,
            journal_entries_per_booking: (jrn1 - jrn0) as f64 / journeys.max(1) as f64,
            cpu_ms_per_journey: cpu0.per_journey(&cpu1, journeys),
        })
    }
}

/// One journey: create, then wait until the booking is settled (must be confirmed).
async fn journey(
    http: &reqwest::Client,
    ingress: &str,
    token: &str,
    workspaces: &[String],
    target: Target,
    n: u64,
) -> anyhow::Result<()> {
    let (create, wait) = match target {
        Target::Deskflow => ("Bookings/create", "Booking"),
        Target::Floor => ("FloorBookings/create", "FloorBooking"),
    };
    // spread slots over workspaces, days and hours so no slot fills up
    let ws = &workspaces[(n % workspaces.len() as u64) as usize];
    let day = 1 + (n / workspaces.len() as u64) % 300;
    let hour = (n / 7) % 23;
    let start = (chrono::Utc::now().date_naive() + chrono::Days::new(day))
        .and_hms_opt(hour as u32, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let end = start + chrono::Duration::minutes(30);
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = json!({"workspace_id": ws, "starts_at": fmt(start), "ends_at": fmt(end), "seats": 1, "payment_method": "pm_card_visa"});
    let r = http
        .post(format!("{ingress}/{create}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("create: {} {}", r.status(), r.text().await?);
    }
    let v: Value = r.json().await?;
    let id = v["booking_id"].as_str().context("no booking id")?;
    let r = http
        .post(format!("{ingress}/{wait}/{id}/wait"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("wait: {} {}", r.status(), r.text().await?);
    }
    let v: Value = r.json().await?;
    if v["status"] != "confirmed" {
        bail!("booking {id} ended {}: {}", v["status"], v["reason"]);
    }
    Ok(())
}

/// Invocations and journal entries restate-server holds (SQL introspection).
async fn introspect(http: &reqwest::Client, admin: &str) -> (i64, i64) {
    let q = |sql: &'static str| {
        let req = http
            .post(format!("{admin}/query"))
            .header("accept", "application/json")
            .json(&json!({ "query": sql }));
        async move {
            let v: Value = req.send().await.ok()?.json().await.ok()?;
            v["rows"][0]["n"].as_i64()
        }
    };
    (
        q("SELECT COUNT(*) AS n FROM sys_invocation")
            .await
            .unwrap_or(0),
        q("SELECT COUNT(*) AS n FROM sys_journal")
            .await
            .unwrap_or(0),
    )
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

/// Bulk-inserts `n` completed bookings in the past (the growth run's preload).
pub async fn seed_past_bookings(
    store: &deskflow_infra::Store,
    users: &[String],
    workspaces: &[String],
    n: u64,
) -> anyhow::Result<()> {
    const ROWS: u64 = 500;
    let now = chrono::Utc::now().timestamp_millis();
    let mut done = 0;
    let mut tx = store.pool().begin().await?;
    while done < n {
        let batch = ROWS.min(n - done);
        let mut sql = String::from(
            "INSERT INTO bookings (id, user_id, workspace_id, starts_at, ends_at, seats, status, reason, amount_cents, currency, created_at, updated_at) VALUES ",
        );
        for i in 0..batch {
            let k = done + i;
            let start = now - 3_600_000 * (1 + (k % 20_000) as i64);
            let (u, w) = (
                &users[(k % users.len() as u64) as usize],
                &workspaces[(k % workspaces.len() as u64) as usize],
            );
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('past-{k}','{u}','{w}',{start},{},1,'completed',NULL,600,'EUR',{start},{start})",
                start + 1_800_000
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        done += batch;
        if done % 50_000 == 0 {
            tx.commit().await?;
            tx = store.pool().begin().await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A short run through localstripe and maildev, labelled: it measures the emulators.
async fn emulator_run(duration: Duration) -> anyhow::Result<RunResult> {
    let dir = tempfile::Builder::new()
        .prefix("deskflow-bench-emu-")
        .tempdir()?;
    let admin = BENCH_ADMIN;
    let mut stack = Stack::start(StackOptions {
        data_dir: dir.path().to_path_buf(),
        ports: Ports::random()?,
        endpoint_env: vec![
            ("DESKFLOW_ADMIN_EMAIL".into(), admin.0.into()),
            ("DESKFLOW_ADMIN_PASSWORD".into(), admin.1.into()),
            ("RUST_LOG".into(), "warn".into()),
        ],
        outside: None,
        cluster: None,
    })
    .await?;
    let info = stack.info().clone();
    let http = reqwest::Client::new();
    let r = async {
        let seed = Seed::create(&http, &info.ingress_url, admin, 8).await?;
        let driver = Driver::new(&http, &info, &seed, &stack);
        driver
            .drive(
                Target::Deskflow,
                8,
                duration,
                "through localstripe + maildev",
            )
            .await
    }
    .await;
    stack.stop_all();
    r
}

pub(crate) fn print_runs(runs: &[RunResult]) {
    for r in runs {
        println!(
            "{:<34} {:<8} c={:<3} {:>8.1} journeys/s  p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  errors {:<3} {:>5.1} invocations/booking  {:>5.1} journal entries/booking",
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
            r.journal_entries_per_booking
        );
        println!(
            "{:<34} CPU per journey: {}",
            "",
            r.cpu_ms_per_journey.line()
        );
    }
}
