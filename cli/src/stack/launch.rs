//! The command line of each process of the stack: restate-server (a single node or one of
//! three), maildev, localstripe, the S3 emulator, HAProxy and the deskflow endpoint with its
//! environment. Every process starts in the data folder; its output goes to its log file
//! ([`super::supervisor`] sets that up).

use super::cluster;
use super::supervisor::Stack;
use anyhow::{Context, bail};
use std::process::Command;

/// Worker threads of a stack's endpoint: half the machine's cores, at least one.
pub fn endpoint_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

impl Stack {
    /// The command line of one process.
    pub(super) fn command(&self, name: &str) -> anyhow::Result<Command> {
        let p = self.opts.ports;
        let mut cmd = match name {
            "restate" => self.restate_command(),
            "maildev" => self.maildev_command(),
            "localstripe" => self.localstripe_command(),
            "deskflow" => self.endpoint_command(p.endpoint, p.http)?,
            e if cluster::ENDPOINTS.contains(&e) => {
                let ports = self
                    .cluster_ports()?
                    .endpoint(e)
                    .context("endpoint ports")?;
                self.endpoint_command(ports.endpoint, ports.http)?
            }
            n if cluster::NODES.contains(&n) => self.node_command(n),
            cluster::SNAPSHOT_STORE => self.snapshot_store_command()?,
            cluster::BALANCER => self.balancer_command()?,
            other => bail!(
                "unknown process {other:?}; known: {}",
                self.processes().join(", ")
            ),
        };
        cmd.current_dir(&self.opts.data_dir);
        Ok(cmd)
    }

    /// The single restate-server: restate.toml, with this stack's ports and data folder.
    fn restate_command(&self) -> Command {
        let p = self.opts.ports;
        let dir = &self.opts.data_dir;
        let mut cmd = Command::new(&self.tools.restate_server);
        cmd.arg("--config-file")
            .arg(&self.tools.restate_toml)
            .arg("--no-logo");
        cmd.env("RESTATE_BASE_DIR", dir.join("restate"))
            .env("RESTATE_LISTEN_MODE", "tcp")
            .env("RESTATE_BIND_IP", "127.0.0.1")
            .env("RESTATE_BIND_PORT", p.node.to_string())
            .env("RESTATE_ADVERTISED_HOST", "127.0.0.1")
            .env(
                "RESTATE_INGRESS__BIND_ADDRESS",
                format!("127.0.0.1:{}", p.ingress),
            )
            .env(
                "RESTATE_ADMIN__BIND_ADDRESS",
                format!("127.0.0.1:{}", p.admin),
            )
            .env(
                "RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE",
                dir.join("keys/restate-identity.pem"),
            );
        cmd
    }

    /// maildev, keeping its mail in the data folder.
    fn maildev_command(&self) -> Command {
        let p = self.opts.ports;
        let mut cmd = Command::new("node");
        cmd.arg(&self.tools.maildev)
            .args([
                "--smtp",
                &p.smtp.to_string(),
                "--web",
                &p.mail_web.to_string(),
            ])
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
            .arg("--mail-directory")
            .arg(self.opts.data_dir.join("mail"));
        cmd
    }

    /// localstripe, keeping its store in the data folder.
    fn localstripe_command(&self) -> Command {
        let mut cmd = Command::new(&self.tools.python);
        cmd.arg(&self.tools.localstripe_launcher)
            .args(["--port", &self.opts.ports.stripe.to_string()]);
        cmd.env(
            "LOCALSTRIPE_PICKLE",
            self.opts.data_dir.join("localstripe.pickle"),
        );
        cmd
    }

    /// One restate-server node of a cluster, from the config generated for it.
    fn node_command(&self, name: &str) -> Command {
        let mut cmd = Command::new(&self.tools.restate_server);
        cmd.arg("--config-file")
            .arg(cluster::node_config_path(&self.opts.data_dir, name))
            .arg("--no-logo");
        cmd
    }

    /// The S3 emulator behind a cluster's snapshot repository.
    fn snapshot_store_command(&self) -> anyhow::Result<Command> {
        let c = self.cluster_ports()?;
        let mut cmd = Command::new("node");
        cmd.arg(&self.tools.s3rver)
            .args(["--address", "127.0.0.1", "--port", &c.s3.to_string()])
            .arg("--directory")
            .arg(cluster::snapshots_dir(&self.opts.data_dir))
            .args(["--configure-bucket", cluster::SNAPSHOT_BUCKET, "--silent"]);
        Ok(cmd)
    }

    /// HAProxy in front of a cluster's nodes and endpoints.
    fn balancer_command(&self) -> anyhow::Result<Command> {
        let h = self.haproxy.as_ref().context("HAProxy is not installed")?;
        let mut cmd = Command::new(&h.binary);
        // -db: stay in the foreground, so this supervisor owns the process
        cmd.arg("-db")
            .arg("-f")
            .arg(self.opts.data_dir.join("haproxy.cfg"));
        if let Some(lib) = &h.lib_dir {
            cmd.env("LD_LIBRARY_PATH", lib);
        }
        Ok(cmd)
    }

    /// The command line of one deskflow endpoint listening on `endpoint` (SDK) and `http`;
    /// single-node and cluster stacks start their endpoints through this one place.
    fn endpoint_command(&self, endpoint: u16, http: u16) -> anyhow::Result<Command> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("serve");
        let own = [
            ("DESKFLOW_ENDPOINT_ADDR", format!("127.0.0.1:{endpoint}")),
            ("DESKFLOW_HTTP_ADDR", format!("127.0.0.1:{http}")),
            (
                "DESKFLOW_RESTATE_IDENTITY_KEY",
                self.info.identity_key.clone(),
            ),
            ("DESKFLOW_RESTATE_ADMIN_URL", self.info.admin_url.clone()),
            (
                "DESKFLOW_RESTATE_INGRESS_URL",
                self.info.ingress_url.clone(),
            ),
            ("DESKFLOW_SMTP_HOST", "127.0.0.1".to_string()),
            ("DESKFLOW_SMTP_PORT", self.info.smtp_port.to_string()),
            ("DESKFLOW_STRIPE_API_BASE", self.info.stripe_url.clone()),
            ("DESKFLOW_STRIPE_WEBHOOK_SECRET", self.webhook_secret()),
            ("DATABASE_URL", self.info.database_url.clone()),
            // a stack started by deskflow itself is a development or test stack
            ("DESKFLOW_DEV_STACK", "1".to_string()),
        ];
        for (k, v) in own {
            cmd.env(k, v);
        }
        // The endpoint shares this machine with restate-server, which needs about twice
        // its CPU per booking: give the endpoint's async runtime half the cores (tokio
        // reads TOKIO_WORKER_THREADS; a value the user set wins). On two cores one worker
        // thread also saves the cross-core wake-ups: -16 % endpoint CPU per booking.
        if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
            cmd.env(
                "TOKIO_WORKER_THREADS",
                endpoint_worker_threads().to_string(),
            );
        }
        if let Some(c) = &self.info.cluster {
            let nodes: Vec<&str> = c.nodes.iter().map(|n| n.fabric_url.as_str()).collect();
            cmd.env("DESKFLOW_RESTATE_NODES", nodes.join(","));
        }
        for (k, v) in &self.opts.endpoint_env {
            cmd.env(k, v);
        }
        cmd.current_dir(&self.opts.data_dir);
        Ok(cmd)
    }
}
