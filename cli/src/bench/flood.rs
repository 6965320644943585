//! The login-flood run: attackers hammer `Auth/login` with wrong passwords for unknown emails
//! (the costly case: each one still runs a full argon2 hash, so an unknown email answers like a
//! wrong password) while members keep booking. It shows what the bounded hashing pool buys:
//! bookings keep flowing because hashing never runs on the endpoint's async workers.

use super::driver::Driver;
use super::journey::Target;
use super::report::{RunResult, print_runs};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How the attackers fared during the run.
#[derive(Debug, Clone, Serialize)]
pub struct FloodResult {
    pub attackers: usize,
    pub logins_per_sec: f64,
    /// answers by status: refused as wrong (401), slowed down (429), anything else
    pub unauthorized: u64,
    pub too_many: u64,
    pub other: u64,
}

/// A running flood; `stop` ends it and counts the answers.
pub struct Flood {
    stop: Arc<AtomicBool>,
    counts: Arc<[AtomicU64; 3]>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    started: Instant,
    attackers: usize,
}

impl Flood {
    /// Starts `attackers` loops, each sending one login at a time with a fresh unknown email.
    pub fn start(http: &reqwest::Client, ingress: &str, attackers: usize) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let counts: Arc<[AtomicU64; 3]> = Arc::new(Default::default());
        let workers = (0..attackers)
            .map(|a| {
                let (http, stop, counts) = (http.clone(), stop.clone(), counts.clone());
                let url = format!("{ingress}/Auth/login");
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let body = json!({"email": format!("flood-{a}-{n}@deskflow.test"), "password": "not-the-password"});
                        let slot = match http.post(&url).json(&body).send().await {
                            Ok(r) if r.status() == 401 => 0,
                            Ok(r) if r.status() == 429 => 1,
                            _ => 2,
                        };
                        counts[slot].fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        Flood {
            stop,
            counts,
            workers,
            started: Instant::now(),
            attackers,
        }
    }

    pub async fn stop(self) -> FloodResult {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.workers {
            let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
        }
        let secs = self.started.elapsed().as_secs_f64();
        let [u, t, o] = [0, 1, 2].map(|i| self.counts[i].load(Ordering::Relaxed));
        FloodResult {
            attackers: self.attackers,
            logins_per_sec: (u + t + o) as f64 / secs,
            unauthorized: u,
            too_many: t,
            other: o,
        }
    }
}

/// The login-flood comparison: `concurrency` members book for `duration` in calm, then as long
/// again while `attackers` flood `Auth/login`. Returns the figures `--json-out` writes and the
/// two runs (calm first).
pub(super) async fn compare(
    driver: &Driver<'_>,
    http: &reqwest::Client,
    ingress: &str,
    attackers: usize,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<(Value, [RunResult; 2])> {
    let calm = driver
        .drive(
            Target::Deskflow,
            concurrency,
            duration,
            "before the login flood",
        )
        .await?;
    let flood = Flood::start(http, ingress, attackers);
    let label = format!("login flood ({attackers} attackers)");
    let r = driver
        .drive(Target::Deskflow, concurrency, duration, &label)
        .await;
    let f = flood.stop().await;
    let r = r?;
    print_runs(&[calm.clone(), r.clone()]);
    println!(
        "{:<34} attackers' logins: {:.1}/s answered (401: {}, 429: {}, other: {})",
        "", f.logins_per_sec, f.unauthorized, f.too_many, f.other
    );
    let json = json!({
        "attackers": f,
        "bookings_per_sec_before": calm.journeys_per_sec,
        "bookings_per_sec_during": r.journeys_per_sec,
        "throughput_change": r.journeys_per_sec / calm.journeys_per_sec.max(f64::MIN_POSITIVE) - 1.0,
    });
    Ok((json, [calm, r]))
}
