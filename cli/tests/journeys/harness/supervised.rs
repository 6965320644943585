//! A `deskflow up` as a person runs it (no `--control`: it supervises its processes itself),
//! on random ports in a temp dir: what it prints, `deskflow status` of it, a process killed
//! with SIGKILL from outside, and `deskflow journey` through its printed ingress.

use super::eventually;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_deskflow");

/// A running `deskflow up`, stopped (SIGTERM, as Ctrl-C would) when dropped.
pub struct SupervisedUp {
    child: Child,
    pub dir: tempfile::TempDir,
    /// the ingress `up` printed
    pub ingress: String,
    /// everything `up` printed up to "Press Ctrl-C to stop."
    pub printed: String,
    /// what it wrote to stderr so far (also passed on to the test's stderr)
    errors: Arc<Mutex<String>>,
}

impl SupervisedUp {
    /// Starts `deskflow up --random-ports` with `args` and the environment `env`, and waits
    /// until it says it is up. A start that fails is tried once more, its reason printed (the
    /// random ports are picked free and then released, so another process can take one
    /// meanwhile); a second failure panics with what `up` said.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> SupervisedUp {
        match Self::try_start(args, env) {
            Ok(up) => up,
            Err(first) => {
                eprintln!("deskflow up did not come up, trying once more: {first}");
                Self::try_start(args, env).unwrap_or_else(|second| panic!("{second}"))
            }
        }
    }

    fn try_start(args: &[&str], env: &[(&str, &str)]) -> Result<SupervisedUp, String> {
        let dir = tempfile::Builder::new()
            .prefix("deskflow-up-")
            .tempdir()
            .unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(["up", "--random-ports", "--data-dir"])
            .arg(dir.path())
            .args(args)
            // the development stack's own admin and settings, whatever the developer's shell says
            .env_remove("DATABASE_URL")
            .env_remove("DESKFLOW_ADMIN_EMAIL")
            .env_remove("DESKFLOW_ADMIN_PASSWORD")
            .env_remove("DESKFLOW_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let errors = Arc::new(Mutex::new(String::new()));
        let err = BufReader::new(child.stderr.take().unwrap());
        let kept = errors.clone();
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                eprintln!("{line}");
                let mut k = kept.lock().unwrap_or_else(|e| e.into_inner());
                k.push_str(&line);
                k.push('\n');
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut printed = String::new();
        let mut ingress = None;
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200));
                let said = errors.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let logs = dir.keep();
                return Err(format!(
                    "deskflow up ended before it was up; it printed:\n{printed}and said:\n{said}(logs kept in {})",
                    logs.display()
                ));
            }
            printed.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("ingress (API)") {
                ingress = Some(url.trim().to_string());
            }
            if line.starts_with("Press Ctrl-C to stop.") {
                break;
            }
        }
        // keep draining what it prints later, so it never blocks on a full pipe
        std::thread::spawn(move || for _ in out.lines() {});
        Ok(SupervisedUp {
            child,
            dir,
            ingress: ingress.expect("up printed its ingress"),
            printed,
            errors,
        })
    }

    /// What `up` wrote to stderr so far.
    pub fn errors(&self) -> String {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits (at most `limit`) until `up` exits on its own; its exit status.
    pub async fn exited(&mut self, limit: Duration) -> Option<ExitStatus> {
        let child = &mut self.child;
        let mut waited = Duration::ZERO;
        while waited < limit {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            waited += Duration::from_millis(200);
        }
        None
    }

    /// `deskflow <args> --data-dir <this stack's>`.
    pub fn deskflow(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(self.dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    /// `deskflow --json status`: every process as it reports it.
    pub fn status(&self) -> Vec<Value> {
        let out = self.deskflow(&["--json", "status"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "status: {e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        v["processes"].as_array().unwrap().clone()
    }

    /// The status of process `name`.
    pub fn process(&self, name: &str) -> Value {
        self.status()
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("status lists no {name}"))
    }

    /// SIGKILL to process `name` from outside, as a crash; its pid.
    pub fn kill_9(&self, name: &str) -> u64 {
        let pid = self.process(name)["pid"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name} has no pid"));
        let ok = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success(), "kill -9 {pid}");
        pid
    }

    /// Waits until process `name` is up again under another pid than `old_pid`; its status
    /// (which passed through `restarting` or counted the restart).
    pub async fn back(&self, name: &str, old_pid: u64) -> Value {
        eventually(Duration::from_secs(90), || async {
            let p = self.process(name);
            (p["state"] == "up" && p["pid"].as_u64().is_some_and(|pid| pid != old_pid)).then_some(p)
        })
        .await
        .unwrap_or_else(|| panic!("{name} did not come back: {:?}", self.status()))
    }

    /// `deskflow journey` through the printed ingress (the development admin).
    pub fn journey(&self) -> Output {
        Command::new(BIN)
            .args(["--ingress", &self.ingress, "journey", "--wait-secs", "90"])
            .args(["--admin-email", "admin@deskflow.local"])
            .args(["--admin-password", "deskflow-admin"])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
}

impl Drop for SupervisedUp {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
