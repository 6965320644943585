//! `deskflow bench --cluster`: what replication costs. The same booking journeys on a single
//! restate-server and on a three-node cluster (replication 2, two endpoints behind HAProxy),
//! both on PostgreSQL and the same responders, in one run; prints the cluster / single-node
//! ratios of throughput and of CPU per booking (restate-server, endpoints, everything).

use super::driver::Driver;
use super::journey::Target;
use super::report::{RunResult, print_runs};
use super::seed::Seed;
use super::{BENCH_ADMIN, responders};
use crate::stack::{ClusterPorts, Outside, Ports, Stack, StackOptions};
use serde_json::json;
use std::time::Duration;

/// The server the scratch databases are created on when `DATABASE_URL` is not set.
const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub async fn run(args: &super::BenchArgs) -> anyhow::Result<()> {
    let duration = Duration::from_secs(if args.quick { 6 } else { args.duration });
    let concurrency = args.concurrency.iter().max().copied().unwrap_or(16);
    let base = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| DEFAULT_SERVER.to_string());
    let provider = responders::start_provider(std::sync::Arc::new(
        std::sync::atomic::AtomicU64::new(args.provider_latency_ms),
    ))
    .await?;
    let (smtp_port, _mails) = responders::start_smtp(Duration::ZERO).await?;
    let outside = Outside {
        stripe_url: provider,
        smtp_port,
    };
    let mut results = Vec::new();
    for cluster in [false, true] {
        let what = if cluster { "cluster" } else { "single node" };
        let db = deskflow_infra::store::scratch::create_scratch_database(&base, "deskflow_bench")
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "bench --cluster needs PostgreSQL (DATABASE_URL, default {DEFAULT_SERVER}): {e}"
                )
            })?;
        let dir = tempfile::Builder::new()
            .prefix("deskflow-bench-cluster-")
            .tempdir()?;
        eprintln!(
            "bench: starting the {what} stack in {}",
            dir.path().display()
        );
        let mut stack = Stack::start(StackOptions {
            data_dir: dir.path().to_path_buf(),
            ports: Ports::random()?,
            endpoint_env: vec![
                ("DESKFLOW_ADMIN_EMAIL".into(), BENCH_ADMIN.0.into()),
                ("DESKFLOW_ADMIN_PASSWORD".into(), BENCH_ADMIN.1.into()),
                (
                    "DESKFLOW_JWT_SECRET".into(),
                    "bench-secret-0123456789abcdef".into(),
                ),
                ("RUST_LOG".into(), "warn".into()),
                ("DATABASE_URL".into(), db),
            ],
            outside: Some(outside.clone()),
            cluster: if cluster {
                Some(ClusterPorts::random()?)
            } else {
                None
            },
        })
        .await?;
        let r = drive(&stack, concurrency, duration, what).await;
        stack.stop_all();
        let r = r?;
        print_runs(std::slice::from_ref(&r));
        results.push(r);
    }
    let (single, cluster) = (&results[0], &results[1]);
    let ratios = Ratios::of(single, cluster);
    println!("\ncluster / single node (same journeys, same run, c={concurrency}):");
    println!("  throughput                    {:.2}", ratios.throughput);
    println!(
        "  restate-server CPU per booking {:.2}  ({:.1} ms vs {:.1} ms)",
        ratios.restate_cpu, ratios.restate_ms.1, ratios.restate_ms.0
    );
    println!(
        "  endpoint CPU per booking       {:.2}  ({:.1} ms vs {:.1} ms)",
        ratios.endpoint_cpu, ratios.endpoint_ms.1, ratios.endpoint_ms.0
    );
    println!(
        "  all processes CPU per booking  {:.2}  ({:.1} ms vs {:.1} ms)",
        ratios.total_cpu, ratios.total_ms.1, ratios.total_ms.0
    );
    if let Some(path) = &args.json_out {
        std::fs::write(
            path,
            serde_json::to_string_pretty(&json!({
                "runs": results,
                "cluster_over_single": {
                    "throughput": ratios.throughput,
                    "restate_cpu_per_booking": ratios.restate_cpu,
                    "endpoint_cpu_per_booking": ratios.endpoint_cpu,
                    "total_cpu_per_booking": ratios.total_cpu,
                },
            }))?,
        )?;
        eprintln!("bench: results written to {}", path.display());
    }
    Ok(())
}

async fn drive(
    stack: &Stack,
    concurrency: usize,
    duration: Duration,
    label: &str,
) -> anyhow::Result<RunResult> {
    let info = stack.info().clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(120))
        .build()?;
    let seed = Seed::create(
        &http,
        &info.ingress_url,
        BENCH_ADMIN,
        concurrency.clamp(4, 64),
    )
    .await?;
    let driver = Driver::new(&http, &info, &seed, stack);
    driver
        .drive(Target::Deskflow, 4, Duration::from_secs(3), "warm-up")
        .await?;
    driver
        .drive(Target::Deskflow, concurrency, duration, label)
        .await
}

/// Cluster / single-node figures; the `_ms` pairs are (single, cluster) per booking.
#[derive(Debug)]
struct Ratios {
    throughput: f64,
    restate_cpu: f64,
    endpoint_cpu: f64,
    total_cpu: f64,
    restate_ms: (f64, f64),
    endpoint_ms: (f64, f64),
    total_ms: (f64, f64),
}

impl Ratios {
    fn of(single: &RunResult, cluster: &RunResult) -> Ratios {
        // a cluster's three nodes and two endpoints are separate entries: sum them
        let sum = |r: &RunResult, prefix: &str| -> f64 {
            r.cpu_ms_per_journey
                .0
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(_, v)| v)
                .sum()
        };
        let div = |a: f64, b: f64| a / b.max(f64::MIN_POSITIVE);
        let restate_ms = (
            sum(single, "restate-server"),
            sum(cluster, "restate-server"),
        );
        let endpoint_ms = (sum(single, "endpoint"), sum(cluster, "endpoint"));
        let total_ms = (
            single.cpu_ms_per_journey.total(),
            cluster.cpu_ms_per_journey.total(),
        );
        Ratios {
            throughput: div(cluster.journeys_per_sec, single.journeys_per_sec),
            restate_cpu: div(restate_ms.1, restate_ms.0),
            endpoint_cpu: div(endpoint_ms.1, endpoint_ms.0),
            total_cpu: div(total_ms.1, total_ms.0),
            restate_ms,
            endpoint_ms,
            total_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::cpu::PerJourney;

    fn run(per_sec: f64, cpu: &[(&'static str, f64)]) -> RunResult {
        RunResult {
            label: String::new(),
            target: "deskflow".into(),
            concurrency: 1,
            seconds: 1.0,
            journeys: 1,
            errors: 0,
            journeys_per_sec: per_sec,
            p50_ms: 0.0,
            p95_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            invocations_per_booking: 0.0,
            journal_entries_per_booking: 0.0,
            in_flight_per_booking: 0.0,
            scheduled_per_booking: 0.0,
            cpu_ms_per_journey: PerJourney(cpu.iter().copied().collect()),
        }
    }

    #[test]
    fn the_cluster_sums_its_nodes_and_endpoints() {
        let single = run(
            40.0,
            &[("restate-server", 10.0), ("endpoint", 4.0), ("bench", 1.0)],
        );
        let cluster = run(
            20.0,
            &[
                ("restate-server n1", 9.0),
                ("restate-server n2", 8.0),
                ("restate-server n3", 8.0),
                ("endpoint e1", 2.5),
                ("endpoint e2", 2.5),
                ("haproxy", 2.0),
                ("bench", 1.0),
            ],
        );
        let r = Ratios::of(&single, &cluster);
        assert_eq!(r.throughput, 0.5);
        assert_eq!(r.restate_cpu, 2.5);
        assert_eq!(r.endpoint_cpu, 1.25);
        assert_eq!(r.total_ms, (15.0, 33.0));
    }
}
