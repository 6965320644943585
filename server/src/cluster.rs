//! The truth about a Restate cluster's health, read from each node's Prometheus metrics on its
//! node-to-node port: how many nodes answer (a metadata quorum needs a majority), how many
//! partitions the cluster has and how many of them have a leader. A node's own
//! `/restate/health` and admin `/health` stay 200 after the cluster lost its quorum; these
//! figures do not. Used by the endpoint's `/ready`, by `deskflow cluster status` and by the
//! local stack while it waits for a new cluster to elect its leaders.

use serde::Serialize;
use std::time::Duration;

/// One node as its metrics describe it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    /// the URL asked (a node's node-to-node address)
    pub url: String,
    pub up: bool,
    /// partitions this node leads
    pub leaders: u64,
    /// partitions this node runs a processor for (leader or follower)
    pub active: u64,
    /// partitions in the cluster, as this node knows them
    pub partitions: u64,
}

/// The cluster as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterStatus {
    pub nodes: Vec<NodeStatus>,
    pub nodes_up: usize,
    /// a majority of the configured nodes answers: metadata and logs can make progress
    pub quorum: bool,
    pub partitions: u64,
    pub partitions_without_leader: u64,
}

impl ClusterStatus {
    /// Quorum, every partition led, and at least one partition known.
    pub fn healthy(&self) -> bool {
        self.quorum && self.partitions > 0 && self.partitions_without_leader == 0
    }

    /// What is wrong, in words (empty when healthy).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.quorum {
            out.push(format!(
                "no quorum: {} of {} nodes answer",
                self.nodes_up,
                self.nodes.len()
            ));
        }
        if self.partitions == 0 {
            out.push("no partitions known (not provisioned yet?)".into());
        }
        if self.partitions_without_leader > 0 {
            out.push(format!(
                "{} of {} partitions without a leader",
                self.partitions_without_leader, self.partitions
            ));
        }
        out
    }

    /// Sums per-node figures into the cluster's.
    pub fn from_nodes(nodes: Vec<NodeStatus>) -> ClusterStatus {
        let nodes_up = nodes.iter().filter(|n| n.up).count();
        let partitions = nodes.iter().map(|n| n.partitions).max().unwrap_or(0);
        let leaders: u64 = nodes.iter().map(|n| n.leaders).sum();
        ClusterStatus {
            quorum: nodes_up * 2 > nodes.len(),
            partitions,
            partitions_without_leader: partitions.saturating_sub(leaders),
            nodes_up,
            nodes,
        }
    }
}

/// Asks every node in `node_urls` (node-to-node addresses, e.g. `http://127.0.0.1:5122/`).
pub async fn status_of(http: &reqwest::Client, node_urls: &[String]) -> ClusterStatus {
    let asks = node_urls.iter().map(|u| node_status(http, u));
    ClusterStatus::from_nodes(futures_util::future::join_all(asks).await)
}

async fn node_status(http: &reqwest::Client, url: &str) -> NodeStatus {
    let metrics_url = format!("{}/metrics", url.trim_end_matches('/'));
    let text = match http
        .get(&metrics_url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r.text().await.ok(),
        _ => None,
    };
    match text {
        Some(t) => NodeStatus {
            url: url.to_string(),
            up: true,
            leaders: gauge(&t, "restate_num_active_partition_leaders"),
            active: gauge(&t, "restate_num_active_partitions"),
            partitions: gauge(&t, "restate_num_partitions"),
        },
        None => NodeStatus {
            url: url.to_string(),
            up: false,
            leaders: 0,
            active: 0,
            partitions: 0,
        },
    }
}

/// The value of an unlabelled-by-partition gauge in Prometheus text (`name{...} value`).
fn gauge(text: &str, name: &str) -> u64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            // the name must end here: `name{` or `name ` (not `name_total`)
            if !(rest.starts_with('{') || rest.starts_with(' ')) {
                return None;
            }
            let value = rest.rsplit(' ').next()?;
            value.parse::<f64>().ok()
        })
        .map(|v| v.max(0.0) as u64)
        .sum()
}

/// `deskflow cluster status`: prints each node and the verdict; fails when unhealthy.
pub async fn print_status(node_urls: &[String], json: bool) -> anyhow::Result<bool> {
    let s = status_of(&reqwest::Client::new(), node_urls).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(s.healthy());
    }
    println!(
        "{:<28} {:<5} {:>8} {:>8}",
        "node", "up", "leads", "replicas"
    );
    for n in &s.nodes {
        println!(
            "{:<28} {:<5} {:>8} {:>8}",
            n.url,
            if n.up { "yes" } else { "NO" },
            n.leaders,
            n.active
        );
    }
    println!(
        "nodes up {}/{}, quorum {}, partitions {}, without a leader {}",
        s.nodes_up,
        s.nodes.len(),
        if s.quorum { "yes" } else { "NO" },
        s.partitions,
        s.partitions_without_leader
    );
    if s.healthy() {
        println!("cluster healthy");
    } else {
        println!("cluster NOT healthy: {}", s.problems().join("; "));
    }
    Ok(s.healthy())
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: &str = "# TYPE restate_num_active_partition_leaders gauge\n\
        restate_num_active_partition_leaders{cluster_name=\"deskflow\",node_name=\"n1\"} 1\n\
        restate_num_active_partition_leaders_total{node_name=\"n1\"} 7\n\
        restate_num_active_partitions{cluster_name=\"deskflow\",node_name=\"n1\"} 2\n\
        restate_num_partitions{cluster_name=\"deskflow\",node_name=\"n1\"} 2\n";

    fn node(up: bool, leaders: u64) -> NodeStatus {
        NodeStatus {
            url: "n".into(),
            up,
            leaders,
            active: 2,
            partitions: if up { 2 } else { 0 },
        }
    }

    #[test]
    fn gauges_are_read_by_exact_name() {
        assert_eq!(gauge(METRICS, "restate_num_active_partition_leaders"), 1);
        assert_eq!(gauge(METRICS, "restate_num_active_partitions"), 2);
        assert_eq!(gauge(METRICS, "restate_num_partitions"), 2);
        assert_eq!(gauge(METRICS, "restate_missing"), 0);
    }

    #[test]
    fn two_of_three_nodes_is_a_quorum_and_one_is_not() {
        let s = ClusterStatus::from_nodes(vec![node(true, 1), node(true, 1), node(false, 0)]);
        assert!(s.quorum && s.healthy(), "{:?}", s.problems());
        let s = ClusterStatus::from_nodes(vec![node(true, 1), node(false, 0), node(false, 0)]);
        assert!(!s.quorum && !s.healthy());
        assert_eq!(s.partitions_without_leader, 1);
        assert!(s.problems().iter().any(|p| p.contains("no quorum")));
    }

    #[test]
    fn a_partition_without_a_leader_is_unhealthy_even_with_quorum() {
        let s = ClusterStatus::from_nodes(vec![node(true, 1), node(true, 0), node(true, 0)]);
        assert!(s.quorum && !s.healthy());
        assert_eq!(s.partitions_without_leader, 1);
    }
}
