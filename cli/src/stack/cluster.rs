//! The cluster topology of the local stack (`deskflow up --cluster`): three restate-server nodes
//! whose configs are generated from `restate.toml` (so single-node and cluster modes cannot
//! drift), two deskflow endpoints and the HAProxy config that puts the endpoints, the ingresses
//! and the admin APIs behind one balancer each.

use serde::{Deserialize, Serialize};
use std::path::Path;

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
    /// The documented defaults (README, "Running a cluster").
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
        let p = super::free_ports(15)?;
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

    fn fabric_urls(&self) -> Vec<String> {
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
pub fn snapshots_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("restate/snapshots")
}

/// The config file of node `index` (0-based): `restate.toml` as the single node reads it, with
/// only what makes it one node of three set on top. Everything else (retention, timeouts,
/// retry policy, RocksDB) is inherited, so the two modes cannot drift apart. Settings given as
/// `RESTATE_*` environment variables still win over the file, as in single-node mode.
pub fn node_config(
    base: &toml::Table,
    index: usize,
    ports: &ClusterPorts,
    data_dir: &Path,
) -> toml::Table {
    use toml::Value;
    let p = ports.nodes[index];
    let mut t = base.clone();
    let s = |v: String| Value::String(v);
    t.insert("node-name".into(), s(NODES[index].to_string()));
    // n1 provisions the cluster (metadata, logs, partitions) at its first start; n2 and n3 join
    t.insert("auto-provision".into(), Value::Boolean(index == 0));
    t.insert("default-replication".into(), Value::Integer(REPLICATION));
    t.insert(
        "base-dir".into(),
        s(data_dir
            .join("restate")
            .join(NODES[index])
            .display()
            .to_string()),
    );
    t.insert("listen-mode".into(), s("tcp".into()));
    t.insert("bind-address".into(), s(format!("127.0.0.1:{}", p.node)));
    t.insert(
        "advertised-address".into(),
        s(format!("http://127.0.0.1:{}/", p.node)),
    );
    let mut metadata = toml::Table::new();
    metadata.insert("type".into(), s("replicated".into()));
    metadata.insert(
        "addresses".into(),
        Value::Array(ports.fabric_urls().into_iter().map(s).collect()),
    );
    t.insert("metadata-client".into(), Value::Table(metadata));
    set(
        &mut t,
        &["bifrost", "default-provider"],
        s("replicated".into()),
    );
    set(
        &mut t,
        &["ingress", "bind-address"],
        s(format!("127.0.0.1:{}", p.ingress)),
    );
    set(
        &mut t,
        &["admin", "bind-address"],
        s(format!("127.0.0.1:{}", p.admin)),
    );
    set(
        &mut t,
        &["worker", "invoker", "request-identity-private-key-pem-file"],
        s(data_dir
            .join("keys/restate-identity.pem")
            .display()
            .to_string()),
    );
    // Without a snapshot repository a cluster never trims its logs (every node warns about
    // it), and a node that gets a new replica replays the whole log from the start.
    // restate-server 1.7.12 takes only object stores here, so the local cluster runs an S3
    // emulator over a local folder; production points this at S3 (or GCS, Azure) instead.
    let snap = |k: &str| ["worker", "snapshots", k].map(String::from);
    for (key, value) in [
        (
            "destination",
            s(format!("s3://{SNAPSHOT_BUCKET}/{}", cluster_name(base))),
        ),
        (
            "aws-endpoint-url",
            s(format!("http://127.0.0.1:{}", ports.s3)),
        ),
        ("aws-allow-http", Value::Boolean(true)),
        ("aws-region", s("us-east-1".into())),
        // s3rver's fixed development credentials
        ("aws-access-key-id", s("S3RVER".into())),
        ("aws-secret-access-key", s("S3RVER".into())),
    ] {
        let path = snap(key);
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        set(&mut t, &path, value);
    }
    if get(
        &t,
        &["worker", "snapshots", "snapshot-interval-num-records"],
    )
    .is_none()
    {
        set(
            &mut t,
            &["worker", "snapshots", "snapshot-interval-num-records"],
            Value::Integer(10_000),
        );
    }
    t
}

fn cluster_name(base: &toml::Table) -> String {
    base.get("cluster-name")
        .and_then(|v| v.as_str())
        .unwrap_or("deskflow")
        .to_string()
}

fn get<'a>(t: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut cur = t;
    for key in parents {
        cur = cur.get(*key)?.as_table()?;
    }
    cur.get(*last)
}

/// Sets `path` (creating parent tables) to `v`.
fn set(t: &mut toml::Table, path: &[&str], v: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = t;
    for key in parents {
        let entry = cur
            .entry(key.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        cur = entry.as_table_mut().expect("a table was just put there");
    }
    cur.insert(last.to_string(), v);
}

/// HAProxy's config: four frontends on the single-node ports (`ports`) and a stats page.
/// - endpoints (HTTP/2 cleartext both sides, the URL registered as the one deployment),
///   balanced per request (per h2 stream) over e1 and e2;
/// - the endpoints' plain HTTP port (provider webhooks, /ready, /metrics of any endpoint);
/// - the Restate ingress and the admin API of the three nodes.
///
/// The endpoints are checked on `/health` (the process answers), not `/ready`: a payment
/// provider outage makes every endpoint unready at once, and taking them all out of rotation
/// would turn a slow provider into a full outage. Timeouts are longer than restate-server's
/// invoker abort timeout (10 m), because HAProxy cuts a stream idle past `timeout server`.
pub fn haproxy_config(front: &super::Ports, ports: &ClusterPorts) -> String {
    let mut c = String::from(
        "# generated by deskflow (stack/cluster.rs); edits are overwritten at the next start\n\
         global\n  maxconn 4096\n\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 11m\n  timeout server 11m\n  \
         timeout check 2s\n  retries 2\n  option redispatch 1\n\n",
    );
    c += &format!(
        "frontend endpoints\n  bind 127.0.0.1:{} proto h2\n  default_backend endpoints\n\n\
         backend endpoints\n  balance roundrobin\n  option httpchk GET /health\n  http-check expect status 200\n",
        front.endpoint
    );
    for (name, e) in ENDPOINTS.iter().zip(ports.endpoints) {
        c += &format!(
            "  server {name} 127.0.0.1:{} proto h2 check port {} check-proto h1 inter 1s fall 2 rise 2\n",
            e.endpoint, e.http
        );
    }
    c += &format!(
        "\nfrontend endpoint_http\n  bind 127.0.0.1:{}\n  default_backend endpoint_http\n\n\
         backend endpoint_http\n  balance roundrobin\n  option httpchk GET /health\n  http-check expect status 200\n",
        front.http
    );
    for (name, e) in ENDPOINTS.iter().zip(ports.endpoints) {
        c += &format!(
            "  server {name} 127.0.0.1:{} check inter 1s fall 2 rise 2\n",
            e.http
        );
    }
    for (section, port, check, pick) in [
        (
            "ingress",
            front.ingress,
            "/restate/health",
            (|n: NodePorts| n.ingress) as fn(NodePorts) -> u16,
        ),
        ("admin", front.admin, "/health", |n: NodePorts| n.admin),
    ] {
        c += &format!(
            "\nfrontend {section}\n  bind 127.0.0.1:{port}\n  default_backend {section}\n\n\
             backend {section}\n  balance roundrobin\n  option httpchk GET {check}\n  http-check expect status 200\n"
        );
        for (name, n) in NODES.iter().zip(ports.nodes) {
            c += &format!(
                "  server {name} 127.0.0.1:{} check inter 1s fall 2 rise 2\n",
                pick(n)
            );
        }
    }
    c += &format!(
        "\nfrontend stats\n  bind 127.0.0.1:{}\n  stats enable\n  stats uri /\n  stats refresh 5s\n",
        ports.stats
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> toml::Table {
        let text = std::fs::read_to_string(super::super::tools::repo_root().join("restate.toml"))
            .expect("restate.toml");
        text.parse().expect("restate.toml parses")
    }

    /// Every setting of restate.toml reaches every node unchanged, except the few that make
    /// a node one of three; a new setting in restate.toml therefore reaches the cluster too.
    #[test]
    fn node_configs_inherit_restate_toml() {
        let base = base();
        let ports = ClusterPorts::defaults();
        let own = [
            "node-name",
            "auto-provision",
            "default-replication",
            "base-dir",
            "listen-mode",
            "bind-address",
            "advertised-address",
            "metadata-client",
            "bifrost",
            "ingress",
            "admin",
            "worker",
        ];
        for (i, name) in NODES.iter().enumerate() {
            let t = node_config(&base, i, &ports, Path::new("/data"));
            for (k, v) in &base {
                if !own.contains(&k.as_str()) {
                    assert_eq!(t.get(k), Some(v), "{k} differs on node {i}");
                }
            }
            // nested tables keep their other keys
            assert_eq!(
                get(&t, &["worker", "invoker", "inactivity-timeout"]),
                get(&base, &["worker", "invoker", "inactivity-timeout"])
            );
            assert_eq!(
                get(&t, &["worker", "storage"]),
                get(&base, &["worker", "storage"])
            );
            assert_eq!(t["node-name"].as_str(), Some(*name));
            assert_eq!(t["auto-provision"].as_bool(), Some(i == 0));
            assert_eq!(t["default-replication"].as_integer(), Some(2));
            assert_eq!(
                get(&t, &["metadata-client", "addresses"])
                    .and_then(|a| a.as_array())
                    .map(Vec::len),
                Some(3)
            );
            assert_eq!(
                get(&t, &["worker", "snapshots", "destination"]).and_then(|v| v.as_str()),
                Some("s3://restate-snapshots/deskflow")
            );
        }
    }

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

    #[test]
    fn the_balancer_checks_endpoints_on_health_not_ready() {
        let c = haproxy_config(&super::super::Ports::defaults(), &ClusterPorts::defaults());
        assert!(c.contains("bind 127.0.0.1:9080 proto h2"));
        assert!(c.contains("server e1 127.0.0.1:9180 proto h2 check port 9181 check-proto h1"));
        assert!(c.contains("server n3 127.0.0.1:8083 check"));
        assert!(!c.contains("/ready"));
    }
}
