//! The operator's and member's surface: the `deskflow` CLI against the test stack, the scripted
//! journey, `/metrics`, and the docker-compose file.

use crate::harness::{ADMIN, TestStack, eventually, in_secs, open_workspace, slot_in, stack};
use serde_json::Value;
use std::process::Output;
use std::time::Duration;

/// Runs the deskflow binary against the test stack with its own CLI session file.
pub(crate) fn cli(s: &TestStack, session: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
        .args([
            "--ingress",
            &s.info.ingress_url,
            "--admin-url",
            &s.info.admin_url,
        ])
        .args(args)
        .env("DESKFLOW_CLI_CONFIG", session)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        text(&o)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn json_of(o: Output) -> Value {
    let out = ok(o);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

async fn run_cli(s: &'static TestStack, session: std::path::PathBuf, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(s, &session, &a)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_cli_registers_books_watches_cancels_and_reports() {
    let s = stack();
    let _g = s.shared().await;
    let dir = tempfile::tempdir().unwrap();
    let (member, admin) = (
        dir.path().join("member.json"),
        dir.path().join("admin.json"),
    );
    let email = format!("cli-{}@journeys.test", uuid::Uuid::new_v4().simple());

    let out = ok(cli(
        s,
        &member,
        &[
            "auth",
            "register",
            "--email",
            &email,
            "--password",
            "cli-password",
            "--name",
            "Cli",
        ],
    ));
    assert!(
        out.starts_with(&format!("✓ registered {email} (user ")),
        "{out}"
    );
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&member).unwrap()).unwrap();
    assert!(
        stored["token"].as_str().is_some_and(|t| t.len() > 20),
        "the token is stored: {stored}"
    );
    let out = ok(cli(
        s,
        &admin,
        &["auth", "login", "--email", ADMIN.0, "--password", ADMIN.1],
    ));
    assert!(
        out.starts_with(&format!("✓ logged in as {} until ", ADMIN.0)),
        "{out}"
    );

    let name = format!(
        "CLI Loft {}",
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    let ws = json_of(cli(
        s,
        &admin,
        &[
            "--json",
            "workspaces",
            "create",
            "--name",
            &name,
            "--location",
            "Dock 7",
            "--timezone",
            "UTC",
            "--capacity",
            "4",
            "--hourly-rate-cents",
            "1500",
            "--opens-at",
            "00:00",
            "--closes-at",
            "23:59",
        ],
    ));
    let ws = ws["workspace_id"].as_str().unwrap().to_string();
    // snapshot of the human list: the row of this workspace
    let list = ok(cli(s, &member, &["workspaces", "list"]));
    assert!(list.lines().next().unwrap().starts_with("ID"), "{list}");
    let row = list
        .lines()
        .find(|l| l.contains(&ws))
        .unwrap_or_else(|| panic!("{ws} not listed: {list}"));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        vec![
            ws.as_str(),
            name.as_str(),
            "Dock 7",
            "4",
            "15.00 EUR",
            "00:00-23:59 UTC"
        ]
    );
    let av = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "workspaces",
            "availability",
            &ws,
            "--from",
            &in_secs(3600),
            "--to",
            &in_secs(7200),
        ],
    ));
    assert!(
        av["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["free_seats"] == 4),
        "{av}"
    );

    let (start, end) = slot_in(3600, 1800);
    let b = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &start,
            "--ends-at",
            &end,
        ],
    ));
    let id = b["booking_id"].as_str().unwrap().to_string();
    let watch = run_cli(
        s,
        member.clone(),
        vec![
            "bookings".into(),
            "watch".into(),
            id.clone(),
            "--timeout".into(),
            "60".into(),
        ],
    )
    .await;
    let out = ok(watch);
    assert!(out.contains("confirmed"), "{out}");
    let status = ok(cli(s, &member, &["bookings", "status", &id]));
    let expected_head = format!("booking   {id}\nstatus    confirmed\nworkspace {ws}\n");
    assert!(status.starts_with(&expected_head), "{status}");
    assert!(
        status.contains("amount    7.50 EUR\npayment   captured (captured 7.50, refunded 0.00)"),
        "{status}"
    );
    let mine = json_of(cli(s, &member, &["--json", "bookings", "list"]));
    assert_eq!(mine[0]["booking_id"], id.as_str());
    let out = ok(cli(
        s,
        &member,
        &["bookings", "cancel", &id, "--reason", "cli test"],
    ));
    assert_eq!(
        out.trim(),
        format!("✓ booking {id} is cancelled; refunded 3.75")
    );

    let day = chrono::Utc::now().date_naive();
    let (from, to) = (
        format!("{day}T00:00:00Z"),
        format!("{}T00:00:00Z", day + chrono::Days::new(2)),
    );
    let report = ok(cli(
        s,
        &admin,
        &["report", "summary", "--from", &from, "--to", &to],
    ));
    assert!(report.starts_with("BOOKINGS"), "{report}");
    let cancelled: i64 = report
        .lines()
        .find(|l| l.starts_with("cancelled"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(cancelled >= 1, "{report}");
    assert!(
        report.contains("WORKSPACE") && report.contains(&ws),
        "{report}"
    );

    // a declined card: watch ends non-zero
    let b = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &in_secs(3600),
            "--ends-at",
            &in_secs(5400),
            "--payment-method",
            "pm_card_visa_chargeDeclined",
        ],
    ));
    let id = b["booking_id"].as_str().unwrap().to_string();
    let watch = run_cli(
        s,
        member.clone(),
        vec![
            "bookings".into(),
            "watch".into(),
            id,
            "--timeout".into(),
            "60".into(),
        ],
    )
    .await;
    assert_eq!(watch.status.code(), Some(1), "{}", text(&watch));
    assert!(text(&watch).contains("failed"), "{}", text(&watch));

    // --force: an operator's cancel through Restate's admin API, compensated
    let b = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &in_secs(3 * 86400),
            "--ends-at",
            &in_secs(3 * 86400 + 1800),
        ],
    ));
    let id = b["booking_id"].as_str().unwrap().to_string();
    ok(run_cli(
        s,
        member.clone(),
        vec!["bookings".into(), "watch".into(), id.clone()],
    )
    .await);
    let out = ok(cli(s, &admin, &["bookings", "cancel", &id, "--force"]));
    assert!(out.contains("asked Restate to cancel invocation"), "{out}");
    let watch = run_cli(
        s,
        member.clone(),
        vec![
            "--json".into(),
            "bookings".into(),
            "watch".into(),
            id.clone(),
            "--final".into(),
        ],
    )
    .await;
    assert_eq!(watch.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&watch.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["reason"].as_str()),
        (Some("cancelled"), Some("cancelled by an operator"))
    );
    assert_eq!(
        v["payment"]["refunded_cents"],
        v["payment"]["captured_cents"]
    );

    // admin create: a new admin who can then open workspaces
    let boss = format!("boss-{}@journeys.test", uuid::Uuid::new_v4().simple());
    let out = ok(cli(
        s,
        &admin,
        &[
            "admin",
            "create",
            "--email",
            &boss,
            "--password",
            "boss-password",
        ],
    ));
    assert_eq!(out.trim(), format!("✓ {boss} is an admin"));
    let bs = dir.path().join("boss.json");
    ok(cli(
        s,
        &bs,
        &[
            "auth",
            "login",
            "--email",
            &boss,
            "--password",
            "boss-password",
        ],
    ));
    ok(cli(
        s,
        &bs,
        &[
            "workspaces",
            "create",
            "--name",
            "Boss Loft",
            "--location",
            "x",
            "--capacity",
            "1",
            "--hourly-rate-cents",
            "100",
        ],
    ));
    // and a member cannot
    let refused = cli(
        s,
        &member,
        &[
            "workspaces",
            "create",
            "--name",
            "Nope",
            "--location",
            "x",
            "--capacity",
            "1",
            "--hourly-rate-cents",
            "100",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("needs the admin role (403)"),
        "{}",
        text(&refused)
    );
}

#[tokio::test]
async fn the_scripted_journey_passes_and_names_the_step_that_breaks() {
    let s = stack();
    let args = |wait: &str| -> Vec<String> {
        vec![
            "journey".into(),
            "--admin-email".into(),
            ADMIN.0.into(),
            "--admin-password".into(),
            ADMIN.1.into(),
            "--wait-secs".into(),
            wait.into(),
        ]
    };
    {
        let _g = s.shared().await;
        let out = run_cli(s, std::path::PathBuf::from("/nonexistent"), args("60")).await;
        let t = text(&out);
        assert!(out.status.success(), "{t}");
        for step in [
            "1. register a member",
            "5. book a seat",
            "6. pay",
            "7. cancel",
            "8. report",
            "the journey passed: 8 steps",
        ] {
            assert!(t.contains(step), "missing {step:?} in:\n{t}");
        }
    }
    let _g = s.exclusive().await;
    let outage = s.outage("localstripe");
    let out = run_cli(s, std::path::PathBuf::from("/nonexistent"), args("60")).await;
    outage.end();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("✗ step 6 failed: expected [\"confirmed\"], the booking ended failed"),
        "{t}"
    );
}

/// Reads one counter from `/metrics`.
async fn counter(s: &TestStack, line_prefix: &str) -> i64 {
    let text = reqwest::get(format!("{}/metrics", s.info.http_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(line_prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn metrics_count_confirmed_failed_and_cancelled_bookings() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let keys = [
        "deskflow_bookings_total{status=\"confirmed\"}",
        "deskflow_bookings_total{status=\"failed\"}",
        "deskflow_bookings_total{status=\"cancelled\"}",
        "deskflow_compensations_total{step=\"refund payment\"}",
        "deskflow_provider_requests_total{op=\"authorize\",outcome=\"declined\"}",
        "deskflow_notifications_total{outcome=\"sent\"}",
    ];
    let mut before = Vec::new();
    for k in keys {
        before.push(counter(s, k).await);
    }
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 3).await;
    let (_, token, _) = c.new_member("Counted").await;
    let ok_id = c
        .book(
            &token,
            &ws,
            &in_secs(3600),
            &in_secs(5400),
            1,
            "pm_card_visa",
        )
        .await;
    let bad_id = c
        .book(
            &token,
            &ws,
            &in_secs(3600),
            &in_secs(5400),
            1,
            "pm_card_visa_chargeDeclined",
        )
        .await;
    c.wait_status(&token, &ok_id, "confirmed").await;
    c.wait_status(&token, &bad_id, "failed").await;
    c.post(
        &format!("Booking/{ok_id}/cancel"),
        serde_json::json!({}),
        Some(&token),
    )
    .await
    .ok();
    for (k, b) in keys.iter().zip(before) {
        let moved = eventually(Duration::from_secs(30), || async {
            (counter(s, k).await > b).then_some(())
        })
        .await;
        assert!(moved.is_some(), "{k} did not move from {b}");
    }
    let text = reqwest::get(format!("{}/metrics", s.info.http_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("# TYPE deskflow_provider_request_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("deskflow_provider_request_seconds_count{op=\"capture\"}"),
        "{text}"
    );
}

/// The secrets docker-compose.yml requires (`${VAR:?message}`).
const COMPOSE_SECRETS: [&str; 5] = [
    "DESKFLOW_JWT_SECRET",
    "DESKFLOW_ADMIN_EMAIL",
    "DESKFLOW_ADMIN_PASSWORD",
    "DESKFLOW_STRIPE_WEBHOOK_SECRET",
    "POSTGRES_PASSWORD",
];

/// `docker-compose --env-file <env> -f docker-compose.yml <args>`, without any of the secrets
/// in the environment; `None` when docker-compose is not installed (and not required).
fn compose(env_file: &std::path::Path, args: &[&str]) -> Option<Output> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let mut cmd = std::process::Command::new("docker-compose");
    cmd.arg("--env-file")
        .arg(env_file)
        .args(["-f", "docker-compose.yml"])
        .args(args)
        .current_dir(root);
    for v in COMPOSE_SECRETS {
        cmd.env_remove(v);
    }
    match cmd.output() {
        Ok(o) => Some(o),
        Err(e) if std::env::var("DESKFLOW_REQUIRE_COMPOSE").is_ok() => {
            panic!("docker-compose is required here: {e}")
        }
        Err(_) => {
            eprintln!(
                "docker-compose (Debian package) is not installed: the compose validation is SKIPPED"
            );
            None
        }
    }
}

#[test]
fn docker_compose_file_is_valid_for_compose() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("test.env");
    std::fs::write(
        &env,
        "DESKFLOW_JWT_SECRET=compose-test-secret-0123456789abcdef\n\
         DESKFLOW_ADMIN_EMAIL=admin@compose.test\n\
         DESKFLOW_ADMIN_PASSWORD=compose-admin-password\n\
         DESKFLOW_STRIPE_WEBHOOK_SECRET=whsec_compose_test\n\
         POSTGRES_PASSWORD=compose-postgres-password\n",
    )
    .unwrap();
    let Some(out) = compose(&env, &["config", "-q"]) else {
        return;
    };
    assert!(
        out.status.success(),
        "docker-compose config: {}",
        text(&out)
    );
    let cfg = compose(&env, &["config", "--services"]).unwrap();
    let services = String::from_utf8_lossy(&cfg.stdout).to_string();
    for svc in [
        "restate",
        "postgres",
        "deskflow",
        "localstripe",
        "maildev",
        "register",
        "identity-key",
    ] {
        assert!(
            services.lines().any(|l| l == svc),
            "{svc} missing from {services}"
        );
    }
    // the cluster profile: three nodes, two replicas, the balancer, the snapshot repository
    let cfg = compose(&env, &["--profile", "cluster", "config"]).unwrap();
    assert!(
        cfg.status.success(),
        "docker-compose --profile cluster config: {}",
        text(&cfg)
    );
    let resolved = String::from_utf8_lossy(&cfg.stdout).to_string();
    for svc in [
        "restate-1",
        "restate-2",
        "restate-3",
        "deskflow-1",
        "deskflow-2",
        "balancer",
        "register-cluster",
        "s3",
    ] {
        assert!(
            resolved.contains(&format!("\n  {svc}:\n")),
            "{svc} missing from the cluster profile"
        );
    }
    for setting in [
        "RESTATE_DEFAULT_REPLICATION: '2'",
        "RESTATE_METADATA_CLIENT__TYPE: replicated",
        "RESTATE_WORKER__SNAPSHOTS__DESTINATION: s3://restate-snapshots/deskflow",
        "DESKFLOW_RESTATE_NODES:",
        "uri\": \"http://balancer:9080\"",
    ] {
        assert!(
            resolved.contains(setting),
            "the cluster profile lacks {setting:?}"
        );
    }
    // the cluster too publishes only the balancer's ingress beyond this machine, and signs
    for (svc, p) in published_ports(&resolved) {
        assert!(
            p.starts_with("127.0.0.1:")
                || (svc == "balancer" && p.contains("8080"))
                || svc == "restate",
            "cluster profile: {svc} publishes {p} beyond 127.0.0.1"
        );
    }
    for setting in [
        "REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE",
        "DESKFLOW_RESTATE_IDENTITY_KEY_FILE",
        "compose-test-secret-0123456789abcdef",
    ] {
        assert!(
            resolved.contains(setting),
            "the cluster profile lacks {setting:?}"
        );
    }

    // only the ingress is published beyond this machine; the endpoint gets the identity key
    let full = String::from_utf8_lossy(&compose(&env, &["config"]).unwrap().stdout).to_string();
    let ports = published_ports(&full);
    assert!(
        ports
            .iter()
            .any(|(svc, p)| svc == "restate" && p.contains("8080")),
        "{ports:?}"
    );
    // (this docker-compose lists the cluster profile's services too: its balancer is the
    // cluster's ingress)
    for (svc, p) in &ports {
        assert!(
            p.starts_with("127.0.0.1:")
                || (matches!(svc.as_str(), "restate" | "balancer") && p.contains("8080")),
            "{svc} publishes {p} beyond 127.0.0.1"
        );
    }
    // a service's lines: from `  name:` to the next line indented by two spaces
    let section = |svc: &str| -> String {
        full.lines()
            .skip_while(|l| *l != format!("  {svc}:"))
            .skip(1)
            .take_while(|l| l.starts_with("   "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let restate = section("restate");
    assert!(
        restate.contains("REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"),
        "{restate}"
    );
    assert!(restate.contains("REQUEST_SIZE_LIMIT"), "{restate}");
    let deskflow = section("deskflow");
    assert!(
        deskflow.contains("DESKFLOW_RESTATE_IDENTITY_KEY_FILE"),
        "{deskflow}"
    );
    assert!(
        deskflow.contains("compose-test-secret-0123456789abcdef"),
        "{deskflow}"
    );

    // without the secrets the file refuses to validate, naming what is missing
    let empty = dir.path().join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let out = compose(&empty, &["config", "-q"]).unwrap();
    assert!(!out.status.success(), "validated without secrets");
    let msg = text(&out);
    assert!(COMPOSE_SECRETS.iter().any(|v| msg.contains(v)), "{msg}");
    for missing in COMPOSE_SECRETS {
        let partial = dir.path().join(format!("without-{missing}.env"));
        let kept: String = std::fs::read_to_string(&env)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with(&format!("{missing}=")))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&partial, kept).unwrap();
        let out = compose(&partial, &["config", "-q"]).unwrap();
        assert!(!out.status.success(), "validated without {missing}");
        assert!(text(&out).contains(missing), "{missing}: {}", text(&out));
    }
}

/// `(service, port)` for every port `docker-compose config` publishes: the short form
/// (`127.0.0.1:9070:9070/tcp`) as it is, the long form as `host_ip:published` (empty host_ip:
/// every interface).
fn published_ports(config: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut service, mut in_ports, mut long) = (String::new(), false, None::<(String, String)>);
    // a short-form entry is kept as ("short", entry), a long-form one as (host_ip, published)
    let mut flush = |long: &mut Option<(String, String)>, service: &str| match long.take() {
        Some((ip, port)) if ip == "short" => out.push((service.to_string(), port)),
        Some((ip, port)) => out.push((service.to_string(), format!("{ip}:{port}"))),
        None => {}
    };
    for line in config.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if indent == 2 && t.ends_with(':') {
            flush(&mut long, &service);
            service = t.trim_end_matches(':').to_string();
            in_ports = false;
        } else if indent == 4 && !t.starts_with("- ") {
            flush(&mut long, &service);
            in_ports = t == "ports:";
        } else if in_ports {
            if let Some(item) = t.strip_prefix("- ") {
                flush(&mut long, &service);
                match item.split_once(": ") {
                    Some((k, v)) => {
                        let mut l = (String::new(), String::new());
                        if k == "published" {
                            l.1 = v.to_string();
                        } else if k == "host_ip" {
                            l.0 = v.to_string();
                        }
                        long = Some(l);
                    }
                    None => long = Some(("short".into(), item.to_string())),
                }
            } else if let (Some(l), Some((k, v))) = (long.as_mut(), t.split_once(": ")) {
                match k {
                    "published" => l.1 = v.to_string(),
                    "host_ip" => l.0 = v.to_string(),
                    _ => {}
                }
            }
        }
    }
    flush(&mut long, &service);
    out
}

#[tokio::test]
async fn the_benchmark_runs_a_few_journeys_and_writes_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("bench.json");
    let out = tokio::task::spawn_blocking({
        let out_file = out_file.clone();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
                .args([
                    "bench",
                    "--duration",
                    "2",
                    "--concurrency",
                    "2",
                    "--growth-bookings",
                    "500",
                    "--slow-provider-ms",
                    "0",
                    "--no-emulator-run",
                ])
                .arg("--json-out")
                .arg(&out_file)
                .env_remove("DATABASE_URL")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let runs = report["runs"].as_array().unwrap();
    let targets: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r["target"].as_str().unwrap(), r["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        targets,
        vec![
            ("deskflow", "empty store"),
            ("floor", "engine floor"),
            ("deskflow", "empty store, fresh engine"),
            ("deskflow", "500 past bookings, fresh engine")
        ]
    );
    assert_eq!(report["growth"]["preloaded_bookings"], 500, "{report}");
    assert!(
        report["growth"]["throughput_change"].as_f64().is_some(),
        "{report}"
    );
    for r in runs {
        assert!(
            r["journeys"].as_u64().unwrap() > 0 && r["errors"] == 0,
            "{r}"
        );
        assert!(r["invocations_per_booking"].as_f64().unwrap() >= 9.0, "{r}");
        let cpu = &r["cpu_ms_per_journey"];
        assert!(cpu["restate-server"].as_f64().unwrap() > 0.0, "{r}");
        if r["target"] == "deskflow" {
            assert!(cpu["endpoint"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
    // the floor has deskflow's shape: as many invocations and journal entries per booking
    let per_booking = |i: usize, what: &str| runs[i][what].as_f64().unwrap();
    for (what, slack) in [
        ("invocations_per_booking", 0.2),
        ("journal_entries_per_booking", 0.5),
    ] {
        assert!(
            (per_booking(0, what) - per_booking(1, what)).abs() <= slack,
            "{what}: deskflow {} vs floor {}",
            per_booking(0, what),
            per_booking(1, what)
        );
    }
    assert!(report["ratios"][0]["throughput_ratio"].as_f64().unwrap() > 0.0);
    assert!(
        text(&out).contains("ratios deskflow / floor:"),
        "{}",
        text(&out)
    );
}
