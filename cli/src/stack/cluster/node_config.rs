//! The config file of each restate-server node of a local cluster: `restate.toml` as the single
//! node reads it, with only what makes a node one of three set on top (name, addresses, the
//! replicated metadata and log, the snapshot repository).

use super::{ClusterPorts, NODES, REPLICATION, SNAPSHOT_BUCKET};
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> toml::Table {
        let text = std::fs::read_to_string(crate::stack::tools::repo_root().join("restate.toml"))
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
}
