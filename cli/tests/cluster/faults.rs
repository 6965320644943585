//! The fault journeys: a partition leader node killed, an endpoint killed, quorum lost and
//! restored, a rolling restart, and a journey through each node's ingress. Faults take the
//! stack exclusively, so they run one after another while the test binary runs them "in
//! parallel".

use crate::cluster;
use crate::harness::{ADMIN, TestStack, eventually, open_workspace};
use crate::invariants::booking_settled;
use crate::load::{Load, Made};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Concurrent members booking during a fault.
const CLIENTS: usize = 6;
/// How long the load may take for the bookings each phase waits for.
const PHASE: Duration = Duration::from_secs(150);
/// How long the load may take for its bookings while a partition leader node is down.
const FAILOVER: Duration = Duration::from_secs(240);

/// The nodes' node-to-node addresses, for the cluster status.
fn node_urls(s: &TestStack) -> Vec<String> {
    let c = s.info.cluster.as_ref().expect("a cluster stack");
    c.nodes.iter().map(|n| n.fabric_url.clone()).collect()
}

async fn status(s: &TestStack) -> deskflow_server::cluster::ClusterStatus {
    deskflow_server::cluster::status_of(&reqwest::Client::new(), &node_urls(s)).await
}

/// A fresh workspace with room for every booking a journey makes, and the load on it.
pub async fn start_load(s: &TestStack) -> (String, Load) {
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5000).await;
    let load = Load::start(&s.info.ingress_url, &ws, CLIENTS).await;
    load.wait_for(0, CLIENTS, PHASE).await;
    (ws, load)
}

/// The invariants after a fault: every booking the load made is confirmed and settled at the
/// provider, exactly as many rows as bookings (nothing doubled by a retried call), the seats
/// within capacity, each member's confirmation mails there, and no invocation left paused or
/// backing off.
pub async fn check(s: &TestStack, ws: &str, made: &[Made]) {
    assert!(!made.is_empty());
    for m in made {
        assert_eq!(
            m.status, "confirmed",
            "booking {} ended {}",
            m.booking_id, m.status
        );
        assert_eq!(m.amount_cents, 3600, "one seat-hour at 3600 cents");
        booking_settled(s, &m.booking_id, "confirmed", m.amount_cents, 0).await;
    }
    // counted in SQL: a loaded phase makes more bookings than a listing answers
    let db = s.store().await;
    let rows: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM bookings WHERE workspace_id = $1")
            .bind(ws)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(
        rows as usize,
        made.len(),
        "the workspace has {rows} booking rows for {} bookings made",
        made.len()
    );
    let mut per_member: BTreeMap<&str, usize> = BTreeMap::new();
    for m in made {
        *per_member.entry(m.email.as_str()).or_default() += 1;
    }
    let c = s.client();
    for (email, n) in per_member {
        let got = eventually(Duration::from_secs(60), || async {
            let mails = c.mails_to(email).await;
            let confirmed = mails
                .iter()
                .filter(|m| {
                    m["subject"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("Booking confirmed"))
                })
                .count();
            (confirmed >= n).then_some(confirmed)
        })
        .await;
        assert!(got.is_some(), "{email} did not get {n} confirmation mails");
    }
    let stuck = stuck_invocations(s).await;
    assert!(
        stuck.is_empty(),
        "invocations left paused or backing off: {stuck:?}"
    );
}

/// Invocations in `paused` or `backing-off`, from the cluster's SQL introspection.
async fn stuck_invocations(s: &TestStack) -> Vec<Value> {
    let r: Value = reqwest::Client::new()
        .post(format!("{}/query", s.info.admin_url))
        .header("accept", "application/json")
        .json(&serde_json::json!({"query": "SELECT id, target, status, last_failure FROM sys_invocation WHERE status IN ('paused', 'backing-off')"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["rows"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_journey_runs_through_each_nodes_ingress() {
    let Some(s) = cluster() else { return };
    let _g = s.shared().await;
    for n in &s.info.cluster.as_ref().unwrap().nodes {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
            .args([
                "journey",
                "--ingress",
                &n.ingress_url,
                "--admin-url",
                &n.admin_url,
            ])
            .env("DESKFLOW_ADMIN_EMAIL", ADMIN.0)
            .env("DESKFLOW_ADMIN_PASSWORD", ADMIN.1)
            .env("NO_COLOR", "1")
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "journey through {} ({}): {}\n{}",
            n.name,
            n.ingress_url,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn killing_a_partition_leader_node_loses_no_booking() {
    let Some(s) = cluster() else { return };
    let _g = s.exclusive().await;
    s.control("leaders");
    let (ws, load) = start_load(s).await;
    let st = status(s).await;
    let leader = st
        .nodes
        .iter()
        .position(|n| n.leaders > 0)
        .expect("a node leads a partition");
    let name = format!("n{}", leader + 1);
    let before = load.finished().await;
    s.control(&format!("kill {name}"));
    // a new leader takes over in seconds as a rule; calls cut off at the dead node's ingress
    // or partition wait out their client timeout (70 s) before their retry, so allow more
    let progressed = load.reached(before, 2 * CLIENTS, FAILOVER).await;
    let during = status(s).await;
    // the node comes back before any failure, so the tests after this one find a whole cluster
    s.control(&format!("start {name}"));
    if let Err(e) = progressed {
        panic!("{e} with {name}, a partition leader, down; the cluster then: {during:?}");
    }
    s.control("leaders");
    let before = load.finished().await;
    load.wait_for(before, CLIENTS, PHASE).await;
    let made = load.stop().await;
    check(s, &ws, &made).await;
}

#[tokio::test]
async fn killing_an_endpoint_loses_no_booking() {
    let Some(s) = cluster() else { return };
    let _g = s.exclusive().await;
    s.control("leaders");
    let (ws, load) = start_load(s).await;
    let before = load.finished().await;
    s.control("kill e1");
    load.wait_for(before, 2 * CLIENTS, PHASE).await;
    s.control("start e1");
    let before = load.finished().await;
    load.wait_for(before, CLIENTS, PHASE).await;
    let made = load.stop().await;
    check(s, &ws, &made).await;
}

#[tokio::test]
async fn losing_quorum_stops_the_cluster_until_it_returns_and_nothing_is_lost_or_doubled() {
    let Some(s) = cluster() else { return };
    let _g = s.exclusive().await;
    s.control("leaders");
    let (ws, load) = start_load(s).await;
    let ready = format!("{}/ready", s.info.http_url);
    s.control("kill n2");
    s.control("kill n3");
    // the surviving node's own health stays green; the cluster status and /ready do not
    let n1 = &s.info.cluster.as_ref().unwrap().nodes[0];
    let health = reqwest::get(format!("{}/health", n1.admin_url))
        .await
        .unwrap();
    assert!(
        health.status().is_success(),
        "n1's admin /health: {}",
        health.status()
    );
    let st = status(s).await;
    assert!(!st.quorum && !st.healthy(), "{st:?}");
    let unready = eventually(Duration::from_secs(20), || async {
        let r = reqwest::get(&ready).await.ok()?;
        let code = r.status().as_u16();
        let body: Value = r.json().await.ok()?;
        (code == 503
            && body["not_ready"]
                .to_string()
                .contains("restate cluster quorum"))
        .then_some(body)
    })
    .await;
    assert!(unready.is_some(), "/ready did not report the lost quorum");
    // an outage of a while, with the clients retrying into it
    tokio::time::sleep(Duration::from_secs(10)).await;
    s.control("start n2");
    s.control("start n3");
    s.control("leaders");
    let back = eventually(Duration::from_secs(30), || async {
        let r = reqwest::get(&ready).await.ok()?;
        r.status().is_success().then_some(())
    })
    .await;
    assert!(back.is_some(), "/ready did not recover with the quorum");
    let before = load.finished().await;
    load.wait_for(before, 2 * CLIENTS, PHASE).await;
    let made = load.stop().await;
    check(s, &ws, &made).await;
}

#[tokio::test]
async fn a_rolling_restart_of_every_node_under_load_loses_no_booking() {
    let Some(s) = cluster() else { return };
    let _g = s.exclusive().await;
    s.control("leaders");
    let (ws, load) = start_load(s).await;
    for name in ["n1", "n2", "n3"] {
        s.control(&format!("stop {name}"));
        let before = load.finished().await;
        load.wait_for(before, CLIENTS / 2, PHASE).await;
        s.control(&format!("start {name}"));
        // the next node goes only once this one is back in the cluster, as an upgrade would
        s.control("leaders");
    }
    let before = load.finished().await;
    load.wait_for(before, CLIENTS, PHASE).await;
    let made = load.stop().await;
    check(s, &ws, &made).await;
}
