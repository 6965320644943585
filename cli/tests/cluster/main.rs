//! Fault journeys on a three-node Restate cluster (`deskflow up --cluster`: replicated
//! metadata and log, two endpoints behind HAProxy, PostgreSQL, localstripe, maildev), started
//! once for this binary. Each journey runs booking load through the balancer, causes a fault
//! (a node or an endpoint killed, quorum lost, a rolling restart, a node returning after its
//! log was trimmed) and ends with the invariants: every booking confirmed with its money at
//! the provider, no seat oversold, nothing doubled, the mails sent, nothing paused or backing
//! off. Skipped, saying so, when `TEST_DATABASE_URL` does not name a PostgreSQL server.

mod faults;
#[allow(dead_code, unused_imports)] // shared with the journeys target, which uses more of it
#[path = "../journeys/harness/mod.rs"]
mod harness;
#[allow(dead_code)]
#[path = "../journeys/invariants.rs"]
mod invariants;
mod load;
mod supervision;
mod trimming;

use harness::TestStack;

/// Settings of the test cluster's nodes over restate.toml's (as `RESTATE_*` variables): a
/// partition snapshot every 1000 log records, and the log trimmed as soon as a snapshot
/// covers it (without the default delay of 10 minutes, and without waiting for every replica
/// to persist it too, which a stopped node never does), so the trimming journey sees both
/// within seconds instead of hours.
pub const NODE_SETTINGS: &[(&str, &str)] = &[
    (
        "RESTATE_WORKER__SNAPSHOTS__SNAPSHOT_INTERVAL_NUM_RECORDS",
        "1000",
    ),
    ("RESTATE_WORKER__TRIM_DELAY_INTERVAL", "0s"),
    ("RESTATE_WORKER__DURABILITY_MODE", "snapshot-only"),
];

/// The shared cluster stack, or `None` (and a message) when there is no PostgreSQL.
pub fn cluster() -> Option<&'static TestStack> {
    static SAID: std::sync::Once = std::sync::Once::new();
    let s = harness::cluster_stack(NODE_SETTINGS);
    if s.is_none() {
        SAID.call_once(|| eprintln!(
            "cluster journeys SKIPPED: they need PostgreSQL; set TEST_DATABASE_URL=postgres://user@host:5432/db (.ci/run does when a server answers on 127.0.0.1:5432)"
        ));
    }
    s
}
