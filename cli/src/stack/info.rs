//! What a stack is asked for ([`StackOptions`]) and what it tells about itself once running
//! ([`StackInfo`]: every URL, the database, the data folder; printed by `up` and sent to the
//! test harness as the `READY` line).

use super::cluster::{ClusterInfo, ClusterPorts};
use super::ports::Ports;
use super::tools::Tools;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How to start a stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub data_dir: PathBuf,
    pub ports: Ports,
    /// Extra environment for the deskflow endpoint (wins over the stack's own settings).
    pub endpoint_env: Vec<(String, String)>,
    /// Payment provider and SMTP relay that run elsewhere (the benchmark's responders): when
    /// set, localstripe and maildev are not started and the endpoint talks to these instead.
    pub outside: Option<Outside>,
    /// A three-node Restate cluster with two endpoints behind HAProxy instead of one
    /// restate-server and one endpoint; `ports` are then the balancer's frontends.
    pub cluster: Option<ClusterPorts>,
}

/// A payment provider and an SMTP relay not supervised by the stack.
#[derive(Debug, Clone)]
pub struct Outside {
    pub stripe_url: String,
    pub smtp_port: u16,
}

/// Where to reach the running stack; printed by `up` and sent to the test harness.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StackInfo {
    pub ingress_url: String,
    pub admin_url: String,
    pub restate_ui_url: String,
    pub mailbox_url: String,
    pub smtp_port: u16,
    pub stripe_url: String,
    pub endpoint_url: String,
    pub http_url: String,
    pub database_url: String,
    pub data_dir: String,
    pub identity_key: String,
    pub restate_cli: String,
    /// The nodes, endpoints and balancer of a cluster stack (`None` for a single node).
    #[serde(default)]
    pub cluster: Option<ClusterInfo>,
}

impl StackOptions {
    /// The endpoint's database: the endpoint's own `DATABASE_URL`, else this process's, else a
    /// SQLite file in the data folder.
    pub(super) fn database_url(&self) -> String {
        self.endpoint_env
            .iter()
            .find(|(k, _)| k == "DATABASE_URL")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .unwrap_or_else(|| format!("sqlite://{}/deskflow.db", self.data_dir.display()))
    }
}

impl StackInfo {
    /// Where everything of a stack started with `opts` (its data folder made absolute) answers.
    pub(super) fn new(
        opts: &StackOptions,
        tools: &Tools,
        identity_key: String,
        database_url: String,
    ) -> StackInfo {
        let p = opts.ports;
        let data_dir: &Path = &opts.data_dir;
        StackInfo {
            ingress_url: format!("http://127.0.0.1:{}", p.ingress),
            admin_url: format!("http://127.0.0.1:{}", p.admin),
            restate_ui_url: format!("http://127.0.0.1:{}/ui/", p.admin),
            mailbox_url: format!("http://127.0.0.1:{}", p.mail_web),
            smtp_port: opts.outside.as_ref().map_or(p.smtp, |o| o.smtp_port),
            stripe_url: opts
                .outside
                .as_ref()
                .map_or(format!("http://127.0.0.1:{}", p.stripe), |o| {
                    o.stripe_url.clone()
                }),
            endpoint_url: format!("http://127.0.0.1:{}", p.endpoint),
            http_url: format!("http://127.0.0.1:{}", p.http),
            database_url,
            data_dir: data_dir.display().to_string(),
            identity_key,
            restate_cli: tools.restate_cli.display().to_string(),
            cluster: opts
                .cluster
                .map(|c| ClusterInfo::new(&c, &tools.restatectl, data_dir)),
        }
    }
}
