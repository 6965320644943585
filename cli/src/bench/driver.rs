//! Driving booking journeys: `concurrency` workers each create a booking and wait until it is
//! confirmed, again and again for a run's duration, against deskflow or the engine's floor;
//! the run's figures are the journeys' latencies, the invocations and journal entries
//! restate-server added, and the CPU each process spent.

use super::cpu;
use super::journey::{Target, journey};
use super::report::RunResult;
use super::seed::Seed;
use crate::stack::{Stack, StackInfo};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What every run needs: the client, the stack it drives, the seeded members and workspaces,
/// and the processes whose CPU time it accounts for.
pub(crate) struct Driver<'a> {
    http: &'a reqwest::Client,
    info: &'a StackInfo,
    seed: &'a Seed,
    cpu: cpu::Probe,
}

impl<'a> Driver<'a> {
    /// Accounts CPU to every process `stack` runs (a stack with responders runs no localstripe
    /// or maildev; those are left out) and to this process.
    pub(crate) fn new(
        http: &'a reqwest::Client,
        info: &'a StackInfo,
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
        let held0 = quiet_introspect(http, &info.admin_url).await;
        let cpu0 = self.cpu.sample();
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let mut workers = Vec::new();
        for w in 0..concurrency {
            let worker = Worker {
                http: http.clone(),
                ingress: info.ingress_url.clone(),
                token: seed.tokens[w % seed.tokens.len()].clone(),
                other_token: seed.tokens[(w + 1) % seed.tokens.len()].clone(),
                workspaces: seed.workspaces.clone(),
                small_workspaces: seed.small_workspaces.clone(),
                target,
                first: w as u64 * 7919,
            };
            workers.push(tokio::spawn(worker.run(stop.clone())));
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
        let cpu1 = self.cpu.sample();
        let held1 = quiet_introspect(http, &info.admin_url).await;
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let journeys = lat.len() as u64;
        Ok(RunResult {
            label: label.to_string(),
            target: match target {
                Target::Deskflow => "deskflow",
                Target::Floor => "floor",
                Target::ReferenceFloor => "floor reference",
                Target::Mix => "deskflow mix",
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
            invocations_per_booking: held1.per_booking(&held0, journeys, |h| h.invocations),
            journal_entries_per_booking: held1.per_booking(&held0, journeys, |h| h.journal_entries),
            in_flight_per_booking: held1.per_booking(&held0, journeys, |h| h.in_flight),
            scheduled_per_booking: held1.per_booking(&held0, journeys, |h| h.scheduled),
            cpu_ms_per_journey: cpu0.per_journey(&cpu1, journeys),
        })
    }
}

/// One worker of a run: books as one member until told to stop.
struct Worker {
    http: reqwest::Client,
    ingress: String,
    token: String,
    /// another member's (the mix's waitlist journeys book as two members)
    other_token: String,
    workspaces: Vec<String>,
    small_workspaces: Vec<String>,
    target: Target,
    /// where this worker's journey numbers start (spreads the workers' slots apart)
    first: u64,
}

impl Worker {
    /// Journeys until `stop`: the latency of each that succeeded and how many failed (the
    /// first three failures are printed).
    async fn run(self, stop: Arc<AtomicBool>) -> (Vec<Duration>, u64) {
        let (mut lat, mut errors) = (Vec::new(), 0u64);
        let mut n = self.first;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let t = Instant::now();
            let done = match (self.target, n % 10) {
                (Target::Mix, 0 | 1) => {
                    super::mix::reschedule_journey(
                        &self.http,
                        &self.ingress,
                        &self.token,
                        &self.workspaces,
                        n,
                    )
                    .await
                }
                (Target::Mix, 2 | 3) => {
                    let members = (self.token.as_str(), self.other_token.as_str());
                    super::mix::waitlist_journey(
                        &self.http,
                        &self.ingress,
                        members,
                        &self.small_workspaces,
                        n,
                    )
                    .await
                }
                _ => journey(
                    &self.http,
                    &self.ingress,
                    &self.token,
                    &self.workspaces,
                    self.target,
                    n,
                )
                .await
                .map(|_| ()),
            };
            match done {
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
    }
}

/// What restate-server holds: invocations (of any status) and journal entries, and of the
/// invocations those in flight (neither completed nor scheduled: a suspended one waits on its
/// deployment) and those scheduled (a delayed call: state until it is due).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Held {
    invocations: i64,
    journal_entries: i64,
    in_flight: i64,
    scheduled: i64,
}

impl Held {
    /// What `of` grew by since `before`, per booking of `journeys`.
    fn per_booking(&self, before: &Held, journeys: u64, of: impl Fn(&Held) -> i64) -> f64 {
        (of(self) - of(before)) as f64 / journeys.max(1) as f64
    }
}

/// [`introspect`] once the counts stand still: the one-way sends a journey makes after it is
/// confirmed (emails, activity) land after the journey has been timed, later still on a busy
/// machine, and must be counted in the run that made them, not in the next one.
async fn quiet_introspect(http: &reqwest::Client, admin: &str) -> Held {
    let mut last = introspect(http, admin).await;
    // at most 3 s: under a login flood the count never stands still
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = introspect(http, admin).await;
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// What restate-server holds (SQL introspection).
async fn introspect(http: &reqwest::Client, admin: &str) -> Held {
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
    Held {
        invocations: q("SELECT COUNT(*) AS n FROM sys_invocation")
            .await
            .unwrap_or(0),
        journal_entries: q("SELECT COUNT(*) AS n FROM sys_journal")
            .await
            .unwrap_or(0),
        in_flight: q(
            "SELECT COUNT(*) AS n FROM sys_invocation WHERE status NOT IN ('completed', 'scheduled')",
        )
        .await
        .unwrap_or(0),
        scheduled: q("SELECT COUNT(*) AS n FROM sys_invocation WHERE status = 'scheduled'")
            .await
            .unwrap_or(0),
    }
}
