//! Log trimming through the snapshot repository: a node is stopped, load goes on, the
//! partitions snapshot into the repository and the logs are trimmed; a replica that starts
//! behind the trim point (the returning node, or the node the scheduler moved the stopped
//! node's replica to) finds the gap, restores from a snapshot and catches up.
//!
//! Which node meets the gap depends on Restate's replica placement: in the runs here it was
//! sometimes the returning node and sometimes the node that took over its replica while it was
//! away (the returning node then resumed its other partition from its own state). Both are the
//! path the snapshot repository exists for, so the test accepts either and says which.

use crate::cluster;
use crate::faults::{check, start_load};
use crate::harness::{TestStack, eventually};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Log records beyond the stopped node's position that the snapshots must cover before it
/// returns: more than one snapshot interval (crate::NODE_SETTINGS), so the log is trimmed past it.
const BEYOND: i64 = 1500;

/// `restatectl sql --json` against the cluster.
async fn sql(s: &TestStack, query: &str) -> Vec<Value> {
    let c = s.info.cluster.as_ref().unwrap();
    let out = tokio::process::Command::new(&c.restatectl)
        .args(["-s", &c.nodes[0].fabric_url, "sql", "--json", query])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "restatectl sql {query}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // the JSON array, without the "N rows. Query took ..." footer
    let (Some(a), Some(b)) = (text.find('['), text.rfind(']')) else {
        panic!("restatectl sql printed no JSON: {text}")
    };
    serde_json::from_str(&text[a..=b]).unwrap()
}

/// Per partition: the highest applied LSN and the highest archived (snapshot) LSN.
async fn partitions(s: &TestStack) -> BTreeMap<i64, (i64, i64)> {
    let mut out: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for r in sql(
        s,
        "SELECT partition_id, applied_log_lsn, archived_log_lsn FROM partition_state",
    )
    .await
    {
        let p = r["partition_id"].as_i64().unwrap();
        let e = out.entry(p).or_default();
        e.0 = e.0.max(r["applied_log_lsn"].as_i64().unwrap_or(0));
        e.1 = e.1.max(r["archived_log_lsn"].as_i64().unwrap_or(0));
    }
    out
}

#[tokio::test]
async fn a_node_back_after_the_log_was_trimmed_restores_from_a_snapshot_and_catches_up() {
    let Some(s) = cluster() else { return };
    let _g = s.exclusive().await;
    s.control("leaders");
    let logs = std::path::Path::new(&s.info.data_dir).join("logs");
    let read =
        |name: &str| std::fs::read_to_string(logs.join(format!("{name}.log"))).unwrap_or_default();
    let before: Vec<usize> = ["n1", "n2", "n3"].iter().map(|n| read(n).len()).collect();

    let at_stop = partitions(s).await;
    s.control("stop n3");
    let (ws, load) = start_load(s).await;
    // every partition snapshots well past where n3 stopped; the trim follows the snapshot
    let covered = eventually(Duration::from_secs(240), || async {
        let now = partitions(s).await;
        at_stop
            .iter()
            .all(|(p, (applied, _))| {
                now.get(p)
                    .is_some_and(|(_, archived)| *archived > applied + BEYOND)
            })
            .then_some(now)
    })
    .await;
    assert!(
        covered.is_some(),
        "the partitions did not snapshot {BEYOND} records past {at_stop:?}: {:?}",
        partitions(s).await
    );
    let snapshots = walk(std::path::Path::new(
        &s.info.cluster.as_ref().unwrap().snapshots_dir,
    ));
    assert!(
        snapshots.iter().any(|p| p.contains("/lsn_")),
        "no snapshot in the repository: {snapshots:?}"
    );

    // the trim runs on its own schedule after the snapshot: give it a moment
    tokio::time::sleep(Duration::from_secs(5)).await;
    s.control("start n3");
    s.control("leaders");
    // a replica behind the trim point finds the gap and imports a snapshot instead of
    // replaying a log that is no longer there
    let restored = eventually(Duration::from_secs(90), || async {
        ["n1", "n2", "n3"].iter().enumerate().find_map(|(i, n)| {
            let text = read(n);
            let new = &text[before[i].min(text.len())..];
            (new.contains("log gap") && new.contains("Importing partition store snapshot"))
                .then(|| n.to_string())
        })
    })
    .await;
    let Some(node) = restored else {
        panic!(
            "no node restored from a snapshot after the trim; their snapshot and gap lines:\n{}",
            ["n1", "n2", "n3"]
                .iter()
                .map(|n| read(n)
                    .lines()
                    .filter(|l| l.contains("snapshot") || l.contains("gap"))
                    .map(|l| format!("{n}: {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    eprintln!("trimming: {node} met the trimmed log and restored from a snapshot");
    let before = load.finished().await;
    load.wait_for(before, 6, Duration::from_secs(120)).await;
    let made = load.stop().await;
    // caught up: once the load stopped, every replica of every partition applies the same LSN
    let caught_up = eventually(Duration::from_secs(60), || async {
        let rows = sql(
            s,
            "SELECT partition_id, plain_node_id, applied_log_lsn FROM partition_state",
        )
        .await;
        let mut per: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for r in &rows {
            per.entry(r["partition_id"].as_i64().unwrap())
                .or_default()
                .push(r["applied_log_lsn"].as_i64().unwrap_or(0));
        }
        per.values()
            .all(|v| v.len() >= 2 && v.iter().min() == v.iter().max())
            .then_some(rows)
    })
    .await;
    assert!(
        caught_up.is_some(),
        "replicas did not catch up: {:?}",
        sql(
            s,
            "SELECT partition_id, plain_node_id, applied_log_lsn FROM partition_state"
        )
        .await
    );
    check(s, &ws, &made).await;
}

/// Every file under `dir`, as strings.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            out.push(p.display().to_string());
            if p.is_dir() {
                out.extend(walk(&p));
            }
        }
    }
    out
}
