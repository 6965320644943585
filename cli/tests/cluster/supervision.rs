//! `deskflow up --cluster` as a person runs it (no `--control`): a restate-server node and an
//! endpoint killed with SIGKILL are restarted while the other nodes, the other endpoint and the
//! balancer carry on, `deskflow status` counts each restart, and a booking journey passes
//! through the ingress `up` printed.

use crate::cluster;
use crate::harness::{SupervisedUp, fresh_postgres_database};

#[tokio::test]
async fn up_cluster_restarts_a_killed_node_and_endpoint_and_the_rest_carries_on() {
    let Some(shared) = cluster() else { return };
    // one cluster at work at a time on this machine: the shared one waits, idle, meanwhile
    let _g = shared.exclusive().await;
    let base = std::env::var("TEST_DATABASE_URL").unwrap();
    let up = tokio::task::spawn_blocking(move || {
        let url = fresh_postgres_database(&base);
        SupervisedUp::start(
            &[
                "--cluster",
                "--endpoint-env",
                &format!("DATABASE_URL={url}"),
            ],
            &[],
        )
    })
    .await
    .unwrap();
    let before = up.status();
    assert!(before.iter().all(|p| p["state"] == "up"), "{before:?}");
    for name in ["n2", "e1"] {
        let old = up.kill_9(name);
        let back = up.back(name, old).await;
        assert_eq!(back["restarts"], 1, "{back}");
    }
    // nothing else was restarted: the other nodes, the other endpoint, the balancer
    for was in &before {
        if was["name"] == "n2" || was["name"] == "e1" {
            continue;
        }
        let p = up.process(was["name"].as_str().unwrap());
        assert_eq!(
            (&p["pid"], &p["restarts"], &p["state"]),
            (&was["pid"], &was["restarts"], &was["state"]),
            "{p}"
        );
    }
    let journey = up.journey();
    let t = format!(
        "{}{}",
        String::from_utf8_lossy(&journey.stdout),
        String::from_utf8_lossy(&journey.stderr)
    );
    assert!(journey.status.success(), "{t}");
    assert!(t.contains("the journey passed"), "{t}");
}
