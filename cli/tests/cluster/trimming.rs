//! Log trimming through the snapshot repository: n3 is stopped, load goes on, the partitions
//! snapshot into the repository and the logs are trimmed past what n3 has. n3 comes back; then
//! n1 stops, so that with replication 2 every partition must run on n2 and n3: n3 cannot replay
//! the trimmed log, restores each partition it lacks from a snapshot and catches up.
//!
//! (A returning node does not always get a replica back at once: Restate's scheduler may leave
//! the replicas where it moved them while the node was away. Stopping n1 makes n3 needed.)

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
    // every node, so the query works whichever node is down
    let nodes: Vec<&str> = c.nodes.iter().map(|n| n.fabric_url.as_str()).collect();
    let out = tokio::process::Command::new(&c.restatectl)
        .args(["-s", &nodes.join(","), "sql", "--json", query])
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
    let log_path = std::path::Path::new(&s.info.data_dir).join("logs/n3.log");
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
    // the trim runs on its own schedule after the snapshot: give it time (on a busy machine a
    // few seconds were not always enough, and n3 then caught up from the untrimmed log)
    tokio::time::sleep(Duration::from_secs(30)).await;

    let log_before = std::fs::read_to_string(&log_path).unwrap().len();
    s.control("start n3");
    s.control("leaders");
    // with n1 away, every partition needs a replica on n3
    s.control("stop n1");
    let since_restart = || {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        text[log_before.min(text.len())..].to_string()
    };
    let restored = eventually(Duration::from_secs(180), || async {
        since_restart()
            .contains("Importing partition store snapshot")
            .then_some(())
    })
    .await;
    if restored.is_none() {
        let lines = since_restart()
            .lines()
            .filter(|l| l.contains("snapshot") || l.contains("gap") || l.contains("trim"))
            .collect::<Vec<_>>()
            .join("\n");
        // leave the shared cluster whole for the tests after this one
        s.control("start n1");
        s.control("leaders");
        load.stop().await;
        panic!(
            "n3 did not restore from a snapshot; its snapshot lines since the restart:\n{lines}"
        );
    }
    eprintln!(
        "trimming: n3 restored from a snapshot{}",
        if since_restart().contains("log gap") {
            " after meeting the trimmed log (a gap)"
        } else {
            ""
        }
    );
    s.control("start n1");
    s.control("leaders");
    let before = load.finished().await;
    load.wait_for(before, 6, Duration::from_secs(120)).await;
    let made = load.stop().await;
    // caught up: once the load stopped, n3 applies every partition it hosts as far as the
    // partition's most advanced replica
    let n3 = sql(s, "SELECT plain_node_id FROM nodes WHERE name = 'n3'").await;
    let n3 = n3[0]["plain_node_id"].as_str().unwrap().to_string();
    let query = "SELECT partition_id, plain_node_id, applied_log_lsn FROM partition_state";
    let caught_up = eventually(Duration::from_secs(60), || async {
        let rows = sql(s, query).await;
        let mut top: BTreeMap<i64, i64> = BTreeMap::new();
        for r in &rows {
            let e = top.entry(r["partition_id"].as_i64().unwrap()).or_default();
            *e = (*e).max(r["applied_log_lsn"].as_i64().unwrap_or(0));
        }
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| r["plain_node_id"] == n3.as_str())
            .collect();
        (!mine.is_empty()
            && mine.iter().all(|r| {
                r["applied_log_lsn"].as_i64()
                    == top.get(&r["partition_id"].as_i64().unwrap()).copied()
            }))
        .then_some(rows)
    })
    .await;
    assert!(
        caught_up.is_some(),
        "n3 ({n3}) did not catch up: {:?}",
        sql(s, query).await
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
