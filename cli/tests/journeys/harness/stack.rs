//! Starting and controlling the test stacks: the shared SQLite stack, the PostgreSQL and cluster
//! stacks when `TEST_DATABASE_URL` is set, a test's own fresh stack; control commands to
//! `deskflow up --control`, and the shared/exclusive guard that keeps an outage (a stopped
//! process) out of every other test.

use super::database::fresh_postgres_database;
use super::{
    ADMIN, BOOKING_WAIT_SECS, HOLD_EXPIRY_SECS, JWT_SECRET, LOGIN_BACKOFF_MAX_SECS,
    LOGIN_FREE_FAILURES, PAYMENT_BUDGET_SECS, TestStack, WEBHOOK_SECRET,
};
use deskflow::stack::StackInfo;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static SQLITE: OnceLock<TestStack> = OnceLock::new();
static POSTGRES: OnceLock<Option<TestStack>> = OnceLock::new();
static CLUSTER: OnceLock<Option<TestStack>> = OnceLock::new();

/// The shared stack on SQLite.
#[allow(dead_code)] // the cluster test target shares this file and uses only the cluster stack
pub fn stack() -> &'static TestStack {
    SQLITE.get_or_init(|| TestStack::start(vec![], None))
}

/// A three-node Restate cluster with two endpoints behind HAProxy (`deskflow up --cluster`) on
/// a fresh PostgreSQL database, when `TEST_DATABASE_URL` is set. `node_env` goes to the
/// restate-server nodes (settings such as short snapshot intervals, as `RESTATE_*`).
#[allow(dead_code)] // used by the cluster test target only
pub fn cluster_stack(node_env: &[(&str, &str)]) -> Option<&'static TestStack> {
    CLUSTER
        .get_or_init(|| {
            let base = std::env::var("TEST_DATABASE_URL")
                .ok()
                .filter(|s| !s.is_empty())?;
            let url = fresh_postgres_database(&base);
            Some(TestStack::start(
                vec![("DATABASE_URL".into(), url)],
                Some(node_env),
            ))
        })
        .as_ref()
}

/// A second stack on PostgreSQL (a fresh database) when `TEST_DATABASE_URL` is set.
pub fn postgres_stack() -> Option<&'static TestStack> {
    POSTGRES
        .get_or_init(|| {
            let base = std::env::var("TEST_DATABASE_URL")
                .ok()
                .filter(|s| !s.is_empty())?;
            let url = fresh_postgres_database(&base);
            Some(TestStack::start(vec![("DATABASE_URL".into(), url)], None))
        })
        .as_ref()
}

impl TestStack {
    /// A stack of the test's own (its own database, so its own admins), stopped when dropped.
    pub fn fresh() -> TestStack {
        TestStack::start(vec![], None)
    }

    /// A fresh stack whose endpoint gets `extra` on top of the test settings (test-only knobs
    /// such as `DESKFLOW_TEST_SERVE_PAUSE_MS`, which no shared stack may carry).
    pub fn fresh_with(extra: &[(&str, &str)]) -> TestStack {
        let extra = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TestStack::start(extra, None)
    }

    /// Starts `deskflow up --control`; `cluster` is `Some(settings of the nodes)` for
    /// `deskflow up --cluster`.
    fn start(extra_env: Vec<(String, String)>, cluster: Option<&[(&str, &str)]>) -> TestStack {
        let dir = tempfile::Builder::new()
            .prefix("deskflow-journeys-")
            .tempdir()
            .unwrap();
        let mut env = vec![
            ("DESKFLOW_JWT_SECRET".to_string(), JWT_SECRET.to_string()),
            ("DESKFLOW_ADMIN_EMAIL".to_string(), ADMIN.0.to_string()),
            ("DESKFLOW_ADMIN_PASSWORD".to_string(), ADMIN.1.to_string()),
            // short retry budgets so failure paths finish in seconds, not hours
            (
                "DESKFLOW_NOTIFY_RETRY_INITIAL_MS".to_string(),
                "200".to_string(),
            ),
            (
                "DESKFLOW_NOTIFY_RETRY_MAX_MS".to_string(),
                "1000".to_string(),
            ),
            (
                "DESKFLOW_NOTIFY_RETRY_MAX_SECS".to_string(),
                "300".to_string(),
            ),
            // the provider counts as down after 8 s of failures; one request may take 3 s
            (
                "DESKFLOW_PAYMENT_RETRY_INITIAL_MS".to_string(),
                "200".to_string(),
            ),
            (
                "DESKFLOW_PAYMENT_RETRY_MAX_MS".to_string(),
                "1000".to_string(),
            ),
            (
                "DESKFLOW_PAYMENT_RETRY_MAX_SECS".to_string(),
                PAYMENT_BUDGET_SECS.to_string(),
            ),
            ("DESKFLOW_STRIPE_TIMEOUT_SECS".to_string(), "3".to_string()),
            // timers of seconds, not minutes: tests never wait on the wall clock of production
            (
                "DESKFLOW_HOLD_EXPIRY_SECS".to_string(),
                HOLD_EXPIRY_SECS.to_string(),
            ),
            ("DESKFLOW_REMINDER_LEAD_SECS".to_string(), "3".to_string()),
            // Booking/wait answers after this long at most (60 s in production)
            (
                "DESKFLOW_BOOKING_WAIT_SECS".to_string(),
                BOOKING_WAIT_SECS.to_string(),
            ),
            ("DESKFLOW_MIN_SLOT_SECS".to_string(), "1".to_string()),
            (
                "DESKFLOW_STRIPE_WEBHOOK_SECRET".to_string(),
                WEBHOOK_SECRET.to_string(),
            ),
            ("RUST_LOG".to_string(), "info".to_string()),
            // logins of an account are delayed after a few failures, for seconds, not minutes
            (
                "DESKFLOW_LOGIN_FREE_FAILURES".to_string(),
                LOGIN_FREE_FAILURES.to_string(),
            ),
            (
                "DESKFLOW_LOGIN_BACKOFF_INITIAL_SECS".to_string(),
                "2".to_string(),
            ),
            (
                "DESKFLOW_LOGIN_BACKOFF_MAX_SECS".to_string(),
                LOGIN_BACKOFF_MAX_SECS.to_string(),
            ),
            // the stack runs with the test secrets above: a dev stack (`up` says so too)
            ("DESKFLOW_DEV_STACK".to_string(), "1".to_string()),
        ];
        env.extend(extra_env);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deskflow"));
        cmd.args(["up", "--control", "--random-ports", "--data-dir"])
            .arg(dir.path());
        if let Some(node_env) = cluster {
            cmd.arg("--cluster");
            // restate-server reads RESTATE_* over its config file; the nodes inherit them
            for (k, v) in node_env {
                cmd.env(k, v);
            }
        }
        for (k, v) in &env {
            cmd.arg("--endpoint-env").arg(format!("{k}={v}"));
        }
        // a developer's own DATABASE_URL must not redirect the tests
        cmd.env_remove("DATABASE_URL");
        // never waited on: the stack lives as long as this test binary, and exits when its
        // stdin closes with the binary
        #[allow(clippy::zombie_processes)]
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                panic!(
                    "the test stack did not start; see the messages above (logs in {})",
                    dir.path().display()
                );
            }
            if let Some(json) = line.strip_prefix("READY ") {
                let info: StackInfo = serde_json::from_str(json).unwrap();
                eprintln!(
                    "test stack up: ingress {} admin {} mailbox {} data {}",
                    info.ingress_url, info.admin_url, info.mailbox_url, info.data_dir
                );
                return TestStack {
                    info,
                    control: Mutex::new((stdin, stdout)),
                    _child: Mutex::new(child),
                    _dir: dir,
                    outage: RwLock::new(()),
                };
            }
        }
    }

    /// Sends one control command (`stop maildev`, `start maildev`, `kill deskflow`, ...).
    pub fn control(&self, command: &str) {
        let mut c = self.control.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(c.0, "{command}").unwrap();
        c.0.flush().unwrap();
        let mut answer = String::new();
        c.1.read_line(&mut answer).unwrap();
        assert!(
            answer.starts_with("ok "),
            "control {command:?} failed: {answer}"
        );
    }

    /// For tests that leave every shared process running.
    pub async fn shared(&self) -> RwLockReadGuard<'_, ()> {
        self.outage.read().await
    }

    /// Stops a shared process until the returned guard is dropped (also when the test fails),
    /// so one failing outage test cannot take the process away from the others.
    pub fn outage(&self, process: &'static str) -> Outage<'_> {
        self.control(&format!("stop {process}"));
        Outage {
            stack: self,
            process,
            over: false,
        }
    }

    /// For tests that stop a shared process for a while.
    pub async fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.outage.write().await
    }
}

/// A process stopped by [`TestStack::outage`]; started again by [`Outage::end`] or on drop.
pub struct Outage<'a> {
    stack: &'a TestStack,
    process: &'static str,
    over: bool,
}

impl Outage<'_> {
    pub fn end(mut self) {
        self.over = true;
        self.stack.control(&format!("start {}", self.process));
    }
}

impl Drop for Outage<'_> {
    fn drop(&mut self) {
        if !self.over {
            self.stack.control(&format!("start {}", self.process));
        }
    }
}
