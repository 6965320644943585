//! The cluster topology of the local stack (`deskflow up --cluster`): three restate-server nodes,
//! two deskflow endpoints, HAProxy and the snapshot repository, by name, with their ports and
//! where each answers. Before a cluster starts, [`prepare`] writes the nodes' configs (generated
//! from `restate.toml` by [`node_config`], so single-node and cluster modes cannot drift) and
//! the balancer's (by [`haproxy`]).

mod haproxy;
mod node_config;

use super::ports::Ports;
use super::tools::{self, Tools};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// The restate-server nodes, in start order; `n1` provisions the cluster.
pub const NODES: [&str; 3] = ["n1", "n2", "n3"];
/// The deskflow endpoints behind the balancer.
pub const ENDPOINTS: [&str; 2] = ["e1", "e2"];
/// The balancer process.
pub const BALANCER: &str = "haproxy";
/// The snapshot repository: an S3 emulator (s3rver, npm) keeping its objects in a local
/// folder. restate-server 1.7.12 refuses a `file://` destination ("Unsupported protocol").
pub const SNAPSHOT_STORE: &str = "s3";
/// The bucket the nodes write partition snapshots to.
pub const SNAPSHOT_BUCKET: &str = "restate-snapshots";
/// Every process of a cluster stack, in start order.
pub const CLUSTER_PROCESSES: [&str; 9] = [
    "s3",
    "n1",
    "n2",
    "n3",
    "maildev",
    "localstripe",
    "e1",
    "e2",
    "haproxy",
];

/// Copies of each partition and of each log record: survives one node's loss, not two.
pub const REPLICATION: i64 = 2;

/// Ports of one restate-server node.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct NodePorts {
    /// node-to-node (fabric): metadata, log replication, restatectl
    pub node: u16,
    pub ingress: u16,
    pub admin: u16,
}

/// Ports of one deskflow endpoint.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct EndpointPorts {
    /// the SDK endpoint (HTTP/2) restate-server calls
    pub endpoint: u16,
    /// /health, /ready, /metrics, webhooks
    pub http: u16,
}

/// The ports of a cluster stack besides the balancer's frontends (which take the single-node
/// ports of [`super::Ports`], so the URLs users and scripts know stay the same).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ClusterPorts {
    pub nodes: [NodePorts; 3],
    pub endpoints: [EndpointPorts; 2],
    /// HAProxy's statistics page
    pub stats: u16,
    /// the snapshot repository's S3 API
    pub s3: u16,
}

impl ClusterPorts {
    /// The documented defaults (docs/cluster.md).
    pub fn defaults() -> ClusterPorts {
        ClusterPorts {
            nodes: [
                NodePorts {
                    node: 5122,
                    ingress: 8081,
                    admin: 9071,
                },
                NodePorts {
                    node: 5123,
                    ingress: 8082,
                    admin: 9072,
                },
                NodePorts {
                    node: 5124,
                    ingress: 8083,
                    admin: 9073,
                },
            ],
            endpoints: [
                EndpointPorts {
                    endpoint: 9180,
                    http: 9181,
                },
                EndpointPorts {
                    endpoint: 9280,
                    http: 9281,
                },
            ],
            stats: 8404,
            s3: 9400,
        }
    }

    /// Free ports picked by the OS.
    pub fn random() -> anyhow::Result<ClusterPorts> {
        let p = super::ports::free_ports(15)?;
        let node = |i: usize| NodePorts {
            node: p[3 * i],
            ingress: p[3 * i + 1],
            admin: p[3 * i + 2],
        };
        Ok(ClusterPorts {
            nodes: [node(0), node(1), node(2)],
            endpoints: [
                EndpointPorts {
                    endpoint: p[9],
                    http: p[10],
                },
                EndpointPorts {
                    endpoint: p[11],
                    http: p[12],
                },
            ],
            stats: p[13],
            s3: p[14],
        })
    }

    /// The ports of node `name` (`n1`..`n3`).
    pub fn node(&self, name: &str) -> Option<NodePorts> {
        NODES.iter().position(|n| *n == name).map(|i| self.nodes[i])
    }

    /// The ports of endpoint `name` (`e1`, `e2`).
    pub fn endpoint(&self, name: &str) -> Option<EndpointPorts> {
        ENDPOINTS
            .iter()
            .position(|n| *n == name)
            .map(|i| self.endpoints[i])
    }

    pub(super) fn fabric_urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("http://127.0.0.1:{}/", n.node))
            .collect()
    }
}

/// Where each piece of a running cluster answers; part of [`super::StackInfo`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub nodes: Vec<NodeInfo>,
    pub endpoints: Vec<EndpointInfo>,
    pub balancer_stats_url: String,
    /// restatectl, pinned in tools/package.json
    pub restatectl: String,
    /// the folder behind the snapshot repository shared by the nodes
    pub snapshots_dir: String,
    /// the snapshot repository's S3 API (s3rver)
    pub s3_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    /// node-to-node address; `restatectl -s <this>`
    pub fabric_url: String,
    pub ingress_url: String,
    pub admin_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointInfo {
    pub name: String,
    pub endpoint_url: String,
    pub http_url: String,
}

impl ClusterInfo {
    /// The nodes' node-to-node addresses, where each answers its metrics.
    pub fn node_urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.fabric_url.clone()).collect()
    }

    pub fn new(ports: &ClusterPorts, restatectl: &Path, data_dir: &Path) -> ClusterInfo {
        ClusterInfo {
            nodes: NODES
                .iter()
                .zip(ports.nodes)
                .map(|(name, p)| NodeInfo {
                    name: name.to_string(),
                    fabric_url: format!("http://127.0.0.1:{}/", p.node),
                    ingress_url: format!("http://127.0.0.1:{}", p.ingress),
                    admin_url: format!("http://127.0.0.1:{}", p.admin),
                })
                .collect(),
            endpoints: ENDPOINTS
                .iter()
                .zip(ports.endpoints)
                .map(|(name, p)| EndpointInfo {
                    name: name.to_string(),
                    endpoint_url: format!("http://127.0.0.1:{}", p.endpoint),
                    http_url: format!("http://127.0.0.1:{}", p.http),
                })
                .collect(),
            balancer_stats_url: format!("http://127.0.0.1:{}/", ports.stats),
            restatectl: restatectl.display().to_string(),
            snapshots_dir: snapshots_dir(data_dir).display().to_string(),
            s3_url: format!("http://127.0.0.1:{}", ports.s3),
        }
    }
}

/// The folder behind a local cluster's snapshot repository, which every node writes partition
/// snapshots to and restores from through the S3 emulator (in production: an object store).
pub fn snapshots_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("restate/snapshots")
}

/// Where node `name`'s generated config file goes.
pub(crate) fn node_config_path(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join("restate").join(format!("{name}.toml"))
}

/// Before a cluster stack starts: HAProxy installed, the nodes' configs generated from
/// restate.toml, the balancer's config written.
pub(crate) fn prepare(
    tools: &Tools,
    dir: &Path,
    front: &Ports,
    ports: &ClusterPorts,
) -> anyhow::Result<tools::Haproxy> {
    let haproxy = tools::ensure_haproxy(&tools::repo_root())?;
    let text = fs::read_to_string(&tools.restate_toml)
        .with_context(|| format!("cannot read {}", tools.restate_toml.display()))?;
    let base: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", tools.restate_toml.display()))?;
    fs::create_dir_all(snapshots_dir(dir))?;
    for (i, name) in NODES.iter().enumerate() {
        let t = node_config::node_config(&base, i, ports, dir);
        fs::write(
            node_config_path(dir, name),
            format!(
                "# generated by deskflow from {} (stack/cluster/node_config.rs); edits are overwritten\n{}",
                tools.restate_toml.display(),
                toml::to_string(&t)?
            ),
        )?;
    }
    fs::write(
        dir.join("haproxy.cfg"),
        haproxy::haproxy_config(front, ports),
    )?;
    Ok(haproxy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_port_of_a_random_cluster_is_distinct() {
        let p = ClusterPorts::random().unwrap();
        let mut all: Vec<u16> = p
            .nodes
            .iter()
            .flat_map(|n| [n.node, n.ingress, n.admin])
            .chain(p.endpoints.iter().flat_map(|e| [e.endpoint, e.http]))
            .chain([p.stats, p.s3])
            .collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 15);
    }
}
