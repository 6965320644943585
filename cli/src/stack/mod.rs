//! The local durable stack, started and supervised by deskflow itself: restate-server, maildev,
//! localstripe and the deskflow endpoint as child processes with their logs in files, the
//! deployment registered, and everything stopped together. `deskflow up` uses it for
//! developers; the test harness runs `deskflow up --control` (random ports, a temp data dir) and
//! steers it over stdin, so tests and the dev stack share one start-up path and never collide.
//! A cluster stack ([`cluster`]) supervises three restate-server nodes, two endpoints, HAProxy
//! and the snapshot repository the same way, started through the same process helpers.

pub mod cluster;

pub mod tools;

use anyhow::{Context, bail};
use cluster::{ClusterInfo, ClusterPorts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tools::Tools;

/// The processes of the stack, in start order.
pub const PROCESSES: [&str; 4] = ["restate", "maildev", "localstripe", "deskflow"];

/// Every port the stack listens on.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Ports {
    pub ingress: u16,
    pub admin: u16,
    pub node: u16,
    pub endpoint: u16,
    pub http: u16,
    pub smtp: u16,
    pub mail_web: u16,
    pub stripe: u16,
}

impl Ports {
    /// The documented defaults (README, restate.toml, docker-compose.yml).
    pub fn defaults() -> Ports {
        Ports {
            ingress: 8080,
            admin: 9070,
            node: 5122,
            endpoint: 9080,
            http: 9081,
            smtp: 1025,
            mail_web: 1080,
            stripe: 8420,
        }
    }

    /// Free ports picked by the OS, for test stacks beside a running dev stack.
    pub fn random() -> anyhow::Result<Ports> {
        let p = free_ports(8)?;
        Ok(Ports {
            ingress: p[0],
            admin: p[1],
            node: p[2],
            endpoint: p[3],
            http: p[4],
            smtp: p[5],
            mail_web: p[6],
            stripe: p[7],
        })
    }
}

/// `n` distinct free ports picked by the OS (all held open together, then released).
pub fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let held: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()?;
    Ok(held
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()?)
}

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

struct Proc {
    child: Child,
    started: Instant,
}

/// A running stack. Dropping it does not stop it: call [`Stack::stop_all`].
pub struct Stack {
    tools: Tools,
    opts: StackOptions,
    procs: BTreeMap<&'static str, Proc>,
    info: StackInfo,
    http: reqwest::Client,
    /// HAProxy's binary and library folder (cluster stacks only)
    haproxy: Option<tools::Haproxy>,
}

impl Stack {
    /// Installs missing tools, starts every process, waits until each answers, registers the
    /// deployment and returns. On failure everything started so far is stopped again.
    pub async fn start(opts: StackOptions) -> anyhow::Result<Stack> {
        let tools = tools::ensure(&tools::repo_root())?;
        // the data dir holds the database, the identity key and stored mail: owner only, and so
        // is everything the stack's processes create in it (they inherit the umask)
        deskflow_infra::files::private_umask();
        deskflow_infra::files::private_dir(&opts.data_dir)?;
        deskflow_infra::files::private_dir(&opts.data_dir.join("logs"))?;
        deskflow_infra::files::private_dir(&opts.data_dir.join("mail"))?;
        deskflow_infra::files::make_files_private(&opts.data_dir.join("mail"))?;
        let data_dir = fs::canonicalize(&opts.data_dir)?;
        let opts = StackOptions {
            data_dir: data_dir.clone(),
            ..opts
        };
        let identity_key =
            deskflow_server::keys::ensure_identity(&data_dir.join("keys/restate-identity.pem"))?;
        let p = opts.ports;
        let database_url = opts
            .endpoint_env
            .iter()
            .find(|(k, _)| k == "DATABASE_URL")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .unwrap_or_else(|| format!("sqlite://{}/deskflow.db", data_dir.display()));
        if opts.cluster.is_some() && !database_url.starts_with("postgres") {
            bail!(
                "a cluster stack needs PostgreSQL (its endpoints share one database): set DATABASE_URL=postgres://user@host:5432/db; got {}",
                deskflow_server::serve::redact(&database_url)
            );
        }
        let cluster = opts
            .cluster
            .map(|c| ClusterInfo::new(&c, &tools.restatectl, &data_dir));
        let info = StackInfo {
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
            cluster,
        };
        let haproxy = match opts.cluster {
            Some(ports) => Some(prepare_cluster(&tools, &opts, &ports)?),
            None => None,
        };
        let mut stack = Stack {
            tools,
            opts,
            procs: BTreeMap::new(),
            info,
            http: reqwest::Client::new(),
            haproxy,
        };
        match stack.start_all().await {
            Ok(()) => Ok(stack),
            Err(e) => {
                stack.stop_all();
                Err(e)
            }
        }
    }

    async fn start_all(&mut self) -> anyhow::Result<()> {
        if self.opts.cluster.is_some() {
            self.start_process(cluster::SNAPSHOT_STORE).await?;
            // the nodes wait for each other (metadata quorum): start all three, then wait
            for name in cluster::NODES {
                self.spawn_process(name)?;
            }
            for name in cluster::NODES {
                self.await_ready(name).await?;
            }
            self.wait_for_leaders(Duration::from_secs(90)).await?;
        }
        for name in self.processes() {
            if self.opts.outside.is_some() && matches!(*name, "maildev" | "localstripe") {
                continue;
            }
            self.start_process(name).await?;
        }
        self.register_deployment().await
    }

    /// The processes of this stack, in start order.
    pub fn processes(&self) -> &'static [&'static str] {
        if self.opts.cluster.is_some() {
            &cluster::CLUSTER_PROCESSES
        } else {
            &PROCESSES
        }
    }

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

    pub fn info(&self) -> &StackInfo {
        &self.info
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.opts.data_dir.join("logs").join(format!("{name}.log"))
    }

    /// The command line of one process.
    fn command(&self, name: &str) -> anyhow::Result<Command> {
        let p = self.opts.ports;
        let dir = &self.opts.data_dir;
        let mut cmd;
        match name {
            "restate" => {
                cmd = Command::new(&self.tools.restate_server);
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
            }
            "maildev" => {
                cmd = Command::new("node");
                cmd.arg(&self.tools.maildev)
                    .args([
                        "--smtp",
                        &p.smtp.to_string(),
                        "--web",
                        &p.mail_web.to_string(),
                    ])
                    .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
                    .arg("--mail-directory")
                    .arg(dir.join("mail"));
            }
            "localstripe" => {
                cmd = Command::new(&self.tools.python);
                cmd.arg(&self.tools.localstripe_launcher)
                    .args(["--port", &p.stripe.to_string()]);
                cmd.env("LOCALSTRIPE_PICKLE", dir.join("localstripe.pickle"));
            }
            "deskflow" => cmd = self.endpoint_command(p.endpoint, p.http)?,
            e if cluster::ENDPOINTS.contains(&e) => {
                let ports = self
                    .cluster_ports()?
                    .endpoint(e)
                    .context("endpoint ports")?;
                cmd = self.endpoint_command(ports.endpoint, ports.http)?;
            }
            n if cluster::NODES.contains(&n) => {
                cmd = Command::new(&self.tools.restate_server);
                cmd.arg("--config-file")
                    .arg(node_config_path(dir, n))
                    .arg("--no-logo");
            }
            cluster::SNAPSHOT_STORE => {
                let c = self.cluster_ports()?;
                cmd = Command::new("node");
                cmd.arg(&self.tools.s3rver)
                    .args(["--address", "127.0.0.1", "--port", &c.s3.to_string()])
                    .arg("--directory")
                    .arg(cluster::snapshots_dir(dir))
                    .args(["--configure-bucket", cluster::SNAPSHOT_BUCKET, "--silent"]);
            }
            cluster::BALANCER => {
                let h = self.haproxy.as_ref().context("HAProxy is not installed")?;
                cmd = Command::new(&h.binary);
                // -db: stay in the foreground, so this supervisor owns the process
                cmd.arg("-db").arg("-f").arg(dir.join("haproxy.cfg"));
                if let Some(lib) = &h.lib_dir {
                    cmd.env("LD_LIBRARY_PATH", lib);
                }
            }
            other => bail!(
                "unknown process {other:?}; known: {}",
                self.processes().join(", ")
            ),
        }
        cmd.current_dir(dir);
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

    fn cluster_ports(&self) -> anyhow::Result<&ClusterPorts> {
        self.opts.cluster.as_ref().context("not a cluster stack")
    }

    /// Starts one process (appending to its log file) and waits until it answers.
    pub async fn start_process(&mut self, name: &str) -> anyhow::Result<()> {
        if self.spawn_process(name)? {
            self.await_ready(name).await?;
        }
        Ok(())
    }

    /// Starts one process without waiting for it; `false` when it was already running.
    fn spawn_process(&mut self, name: &str) -> anyhow::Result<bool> {
        let name = self
            .processes()
            .iter()
            .copied()
            .find(|n| *n == name)
            .with_context(|| format!("unknown process {name:?}"))?;
        if self.procs.contains_key(name) {
            return Ok(false);
        }
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(name))?;
        let mut cmd = self.command(name)?;
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {name}: {cmd:?}"))?;
        self.procs.insert(
            name,
            Proc {
                child,
                started: Instant::now(),
            },
        );
        Ok(true)
    }

    /// Waits until a started process answers (and configures what it needs after a start).
    async fn await_ready(&mut self, name: &str) -> anyhow::Result<()> {
        if let Err(e) = self.wait_ready(name).await {
            bail!(
                "{name} did not become ready: {e:#}\n--- last lines of {} ---\n{}",
                self.log_path(name).display(),
                self.log_tail(name, 30)
            );
        }
        if name == "localstripe" {
            self.configure_provider_webhook().await?;
        }
        tracing::debug!(name, "process ready");
        Ok(())
    }

    /// The webhook secret shared by localstripe and the endpoint.
    fn webhook_secret(&self) -> String {
        self.opts
            .endpoint_env
            .iter()
            .find(|(k, _)| k == "DESKFLOW_STRIPE_WEBHOOK_SECRET")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| deskflow_infra::Config::default().stripe_webhook_secret)
    }

    /// Points localstripe's webhooks at the endpoint (localstripe keeps this in memory only,
    /// so it is set again after every start).
    async fn configure_provider_webhook(&self) -> anyhow::Result<()> {
        let url = format!("{}/webhooks/stripe", self.info.http_url);
        let r = self
            .http
            .post(format!(
                "{}/_config/webhooks/deskflow",
                self.info.stripe_url
            ))
            .form(&[
                ("url", url.as_str()),
                ("secret", self.webhook_secret().as_str()),
            ])
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "configuring localstripe's webhook failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    async fn wait_ready(&mut self, name: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(90);
        let p = self.opts.ports;
        loop {
            if let Some(status) = self
                .procs
                .get_mut(name)
                .and_then(|pr| pr.child.try_wait().ok().flatten())
            {
                self.procs.remove(name);
                bail!("{name} exited with {status}");
            }
            let ok = match name {
                "restate" => {
                    self.get_ok(&format!("{}/health", self.info.admin_url))
                        .await
                        && self
                            .get_ok(&format!("{}/restate/health", self.info.ingress_url))
                            .await
                }
                "maildev" => {
                    self.get_ok(&format!("{}/api/healthz", self.info.mailbox_url))
                        .await
                        && port_open(p.smtp).await
                }
                "localstripe" => self
                    .http
                    .get(format!("{}/v1/customers", self.info.stripe_url))
                    .send()
                    .await
                    .is_ok(),
                "deskflow" => self.get_ok(&format!("{}/health", self.info.http_url)).await,
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
                    self.get_ok(&format!("{}/restate/health", self.info.ingress_url))
                        .await
                        && self
                            .get_ok(&format!("{}/health", self.info.admin_url))
                            .await
                        && self.get_ok(&format!("{}/health", self.info.http_url)).await
                }
                _ => true,
            };
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("no answer within 90 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn get_ok(&self, url: &str) -> bool {
        matches!(self.http.get(url).timeout(Duration::from_secs(2)).send().await, Ok(r) if r.status().is_success())
    }

    /// Registers (or re-registers, `force`) the endpoint with restate-server.
    pub async fn register_deployment(&self) -> anyhow::Result<()> {
        self.register(&self.info.endpoint_url).await
    }

    /// Registers (or re-registers) the SDK endpoint at `uri` with this stack's restate-server:
    /// deskflow's own, or another one beside it (the benchmark's floor).
    pub async fn register(&self, uri: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}/deployments", self.info.admin_url))
            .json(&serde_json::json!({ "uri": uri, "force": true }))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "registering {uri} failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// Stops one process: SIGTERM, then SIGKILL after 10 s.
    pub fn stop_process(&mut self, name: &str) {
        if let Some(mut p) = self.procs.remove(name) {
            terminate(&mut p.child, Duration::from_secs(10));
        }
    }

    /// SIGKILL, no grace: the crash the durable flows must survive.
    pub fn kill_process(&mut self, name: &str) {
        if let Some(mut p) = self.procs.remove(name) {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }

    /// Stops everything, the endpoint first and restate-server last.
    pub fn stop_all(&mut self) {
        for name in self.processes().iter().rev() {
            self.stop_process(name);
        }
    }

    /// Processes that exited on their own: `(name, exit status, seconds it ran)`.
    pub fn exited(&mut self) -> Vec<(&'static str, String, u64)> {
        let mut out = Vec::new();
        for (name, p) in self.procs.iter_mut() {
            if let Ok(Some(status)) = p.child.try_wait() {
                out.push((*name, status.to_string(), p.started.elapsed().as_secs()));
            }
        }
        for (name, _, _) in &out {
            self.procs.remove(name);
        }
        out
    }

    /// The last `n` lines of a process's log.
    pub fn log_tail(&self, name: &str, n: usize) -> String {
        let text = fs::read_to_string(self.log_path(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// The OS process id of a running process.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.procs.get(name).map(|p| p.child.id())
    }

    pub fn data_dir(&self) -> &Path {
        &self.opts.data_dir
    }
}

/// Worker threads of a stack's endpoint: half the machine's cores, at least one.
pub fn endpoint_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

fn terminate(child: &mut Child, grace: Duration) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if let Ok(None) = child.try_wait() {
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Where node `name`'s generated config file goes.
fn node_config_path(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join("restate").join(format!("{name}.toml"))
}

/// Before a cluster stack starts: HAProxy installed, the nodes' configs generated from
/// restate.toml, the balancer's config written, PostgreSQL checked.
fn prepare_cluster(
    tools: &Tools,
    opts: &StackOptions,
    ports: &ClusterPorts,
) -> anyhow::Result<tools::Haproxy> {
    let haproxy = tools::ensure_haproxy(&tools::repo_root())?;
    let text = fs::read_to_string(&tools.restate_toml)
        .with_context(|| format!("cannot read {}", tools.restate_toml.display()))?;
    let base: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", tools.restate_toml.display()))?;
    let dir = &opts.data_dir;
    fs::create_dir_all(cluster::snapshots_dir(dir))?;
    for (i, name) in cluster::NODES.iter().enumerate() {
        let t = cluster::node_config(&base, i, ports, dir);
        fs::write(
            node_config_path(dir, name),
            format!(
                "# generated by deskflow from {} (stack/cluster.rs); edits are overwritten\n{}",
                tools.restate_toml.display(),
                toml::to_string(&t)?
            ),
        )?;
    }
    fs::write(
        dir.join("haproxy.cfg"),
        cluster::haproxy_config(&opts.ports, ports),
    )?;
    Ok(haproxy)
}

async fn port_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
}
