//! The supervisor: a running [`Stack`] owns its child processes, starts them in order (each
//! with its log file), stops, kills and restarts them one by one for the fault tests, and notices
//! the ones that exit on their own. How each process is started is [`super::launch`], when it
//! counts as up [`super::readiness`], and what is configured once it is [`super::deployment`].

use super::cluster::{self, ClusterPorts};
use super::info::{StackInfo, StackOptions};
use super::restarts::Watch;
use super::tools::{self, Tools};
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The processes of the stack, in start order.
pub const PROCESSES: [&str; 4] = ["restate", "maildev", "localstripe", "deskflow"];

/// One supervised child process.
struct Proc {
    child: Child,
    started: Instant,
}

/// A running stack. Dropping it does not stop it: call [`Stack::stop_all`].
pub struct Stack {
    pub(super) tools: Tools,
    pub(super) opts: StackOptions,
    procs: BTreeMap<&'static str, Proc>,
    pub(super) info: StackInfo,
    pub(super) http: reqwest::Client,
    /// HAProxy's binary and library folder (cluster stacks only)
    pub(super) haproxy: Option<tools::Haproxy>,
    /// What becomes of processes that exit on their own (`supervision.rs`).
    pub(super) watch: Watch,
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
        let opts = StackOptions { data_dir, ..opts };
        let identity_key = deskflow_server::keys::ensure_identity(
            &opts.data_dir.join("keys/restate-identity.pem"),
        )?;
        let database_url = opts.database_url();
        if opts.cluster.is_some() && !database_url.starts_with("postgres") {
            bail!(
                "a cluster stack needs PostgreSQL (its endpoints share one database): set DATABASE_URL=postgres://user@host:5432/db; got {}",
                deskflow_server::serve::redact(&database_url)
            );
        }
        let info = StackInfo::new(&opts, &tools, identity_key, database_url);
        let haproxy = match opts.cluster {
            Some(ports) => Some(cluster::prepare(
                &tools,
                &opts.data_dir,
                &opts.ports,
                &ports,
            )?),
            None => None,
        };
        let mut stack = Stack {
            tools,
            opts,
            procs: BTreeMap::new(),
            info,
            http: reqwest::Client::new(),
            haproxy,
            watch: Watch::default(),
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

    pub fn info(&self) -> &StackInfo {
        &self.info
    }

    pub fn data_dir(&self) -> &Path {
        &self.opts.data_dir
    }

    pub(super) fn log_path(&self, name: &str) -> PathBuf {
        self.opts.data_dir.join("logs").join(format!("{name}.log"))
    }

    pub(super) fn cluster_ports(&self) -> anyhow::Result<&ClusterPorts> {
        self.opts.cluster.as_ref().context("not a cluster stack")
    }

    /// Sets `key=value` in the endpoint's environment from its next start on (over the value
    /// given to `up`): how a test restarts the endpoint as a release with other settings.
    pub fn set_endpoint_env(&mut self, key: &str, value: &str) {
        self.opts.endpoint_env.retain(|(k, _)| k != key);
        self.opts
            .endpoint_env
            .push((key.to_string(), value.to_string()));
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

    /// The exit status of process `name` when it has exited, which then no longer counts as
    /// running.
    pub(super) fn reap(&mut self, name: &str) -> Option<std::process::ExitStatus> {
        let status = self
            .procs
            .get_mut(name)
            .and_then(|pr| pr.child.try_wait().ok().flatten())?;
        self.procs.remove(name);
        Some(status)
    }

    /// Stops one process: SIGTERM, then SIGKILL after 10 s.
    pub fn stop_process(&mut self, name: &str) {
        if let Some(mut p) = self.procs.remove(name) {
            terminate(&mut p.child, Duration::from_secs(10));
        }
    }

    /// A release as an operator makes it, on a single-node stack: a new endpoint started
    /// beside the running one on ports of its own and registered as a new deployment (new
    /// invocations go to it), then the old endpoint stopped for good. The old deployment stays
    /// registered at restate-server, answered by nobody: whatever is still pinned to it waits.
    pub async fn release(&mut self) -> anyhow::Result<()> {
        if self.opts.cluster.is_some() {
            bail!("release: a cluster replaces its endpoints one at a time (docs/cluster.md)");
        }
        let mut old = self
            .procs
            .remove("deskflow")
            .context("release: the endpoint is not running")?;
        let ports = super::ports::free_ports(2)?;
        let was = (self.opts.ports, self.info.clone());
        self.opts.ports.endpoint = ports[0];
        self.opts.ports.http = ports[1];
        self.info.endpoint_url = format!("http://127.0.0.1:{}", ports[0]);
        self.info.http_url = format!("http://127.0.0.1:{}", ports[1]);
        let started = match self.start_process("deskflow").await {
            Ok(()) => self.register_deployment().await,
            Err(e) => Err(e),
        };
        if let Err(e) = started {
            // the old endpoint carries on as before
            self.stop_process("deskflow");
            (self.opts.ports, self.info) = was;
            self.procs.insert("deskflow", old);
            return Err(e);
        }
        if self.procs.contains_key("localstripe") {
            // the provider's webhooks follow the endpoint's HTTP port
            self.configure_provider_webhook().await?;
        }
        terminate(&mut old.child, Duration::from_secs(10));
        Ok(())
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

    /// Whether the process runs (as far as this supervisor has noticed).
    pub(super) fn running(&self, name: &str) -> bool {
        self.procs.contains_key(name)
    }
}

/// SIGTERM, then SIGKILL when the process has not exited within `grace`.
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
