//! When a process of the stack counts as up: each answers its own health check (restate-server
//! on its admin API and ingress, maildev on its API and SMTP port, the endpoint on `/health`,
//! the balancer once it has a healthy server behind each frontend), and a cluster once its
//! metadata has a quorum and every partition a leader.

use super::cluster;
use super::supervisor::Stack;
use anyhow::{Context, bail};
use std::time::{Duration, Instant};

/// How long a started process has to answer.
const READY_WITHIN: Duration = Duration::from_secs(90);

impl Stack {
    /// Waits until the cluster's metadata has a quorum and every partition has a leader.
    pub async fn wait_for_leaders(&self, limit: Duration) -> anyhow::Result<()> {
        let Some(c) = &self.info.cluster else {
            return Ok(());
        };
        let deadline = Instant::now() + limit;
        loop {
            let s = deskflow_server::cluster::status_of(&self.http, &c.node_urls()).await;
            if s.healthy() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the cluster did not elect a leader for every partition within {} s: {}",
                    limit.as_secs(),
                    s.problems().join("; ")
                );
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Waits until process `name` answers; fails when it exits first or stays silent.
    pub(super) async fn wait_ready(&mut self, name: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self.reap(name) {
                bail!("{name} exited with {status}");
            }
            if self.answers(name).await? {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("no answer within 90 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether process `name` answers its health check now.
    async fn answers(&self, name: &str) -> anyhow::Result<bool> {
        let i = &self.info;
        Ok(match name {
            "restate" => {
                self.get_ok(&format!("{}/health", i.admin_url)).await
                    && self
                        .get_ok(&format!("{}/restate/health", i.ingress_url))
                        .await
            }
            "maildev" => {
                self.get_ok(&format!("{}/api/healthz", i.mailbox_url)).await
                    && port_open(self.opts.ports.smtp).await
            }
            "localstripe" => self
                .http
                .get(format!("{}/v1/customers", i.stripe_url))
                .send()
                .await
                .is_ok(),
            "deskflow" => self.get_ok(&format!("{}/health", i.http_url)).await,
            cluster::SNAPSHOT_STORE => {
                let c = self.cluster_ports()?;
                self.get_ok(&format!("http://127.0.0.1:{}/", c.s3)).await
            }
            n if cluster::NODES.contains(&n) => {
                let np = self.cluster_ports()?.node(n).context("node ports")?;
                self.get_ok(&format!("http://127.0.0.1:{}/health", np.admin))
                    .await
                    && self
                        .get_ok(&format!("http://127.0.0.1:{}/restate/health", np.ingress))
                        .await
            }
            e if cluster::ENDPOINTS.contains(&e) => {
                let ep = self
                    .cluster_ports()?
                    .endpoint(e)
                    .context("endpoint ports")?;
                self.get_ok(&format!("http://127.0.0.1:{}/health", ep.http))
                    .await
            }
            // the balancer answers once it has found a healthy server behind each frontend
            cluster::BALANCER => {
                self.get_ok(&format!("{}/restate/health", i.ingress_url))
                    .await
                    && self.get_ok(&format!("{}/health", i.admin_url)).await
                    && self.get_ok(&format!("{}/health", i.http_url)).await
            }
            _ => true,
        })
    }

    /// A GET that answers 2xx within 2 s.
    async fn get_ok(&self, url: &str) -> bool {
        matches!(self.http.get(url).timeout(Duration::from_secs(2)).send().await, Ok(r) if r.status().is_success())
    }
}

async fn port_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
}
