//! The journey tests' stack: one real `deskflow up --control` per test binary (restate-server,
//! maildev, localstripe, the endpoint) on random ports in a temp dir, started on first use and
//! stopped when the test binary exits (its stdin closes). Typed helpers call the ingress, read
//! the mailbox and query the database.

use deskflow::stack::StackInfo;
use deskflow_infra::Store;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

pub const JWT_SECRET: &str = "journey-tests-secret-0123456789";
pub const ADMIN: (&str, &str) = ("admin@journeys.test", "admin-password-1");

pub struct TestStack {
    pub info: StackInfo,
    control: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
    _child: Mutex<Child>,
    _dir: tempfile::TempDir,
    /// Tests that stop a shared process (SMTP outage, provider outage) take this exclusively;
    /// every other test holds it shared, so an outage never leaks into an unrelated test.
    outage: RwLock<()>,
}

static SQLITE: OnceLock<TestStack> = OnceLock::new();
static POSTGRES: OnceLock<Option<TestStack>> = OnceLock::new();

/// The shared stack on SQLite.
pub fn stack() -> &'static TestStack {
    SQLITE.get_or_init(|| TestStack::start(vec![]))
}

/// A second stack on PostgreSQL (a fresh database) when `TEST_DATABASE_URL` is set.
pub fn postgres_stack() -> Option<&'static TestStack> {
    POSTGRES
        .get_or_init(|| {
            let base = std::env::var("TEST_DATABASE_URL")
                .ok()
                .filter(|s| !s.is_empty())?;
            let url = fresh_postgres_database(&base);
            Some(TestStack::start(vec![("DATABASE_URL".into(), url)]))
        })
        .as_ref()
}

fn fresh_postgres_database(base: &str) -> String {
    let name = format!("deskflow_journeys_{}", uuid::Uuid::new_v4().simple());
    // called from inside a test's runtime: create the database on a thread with its own
    let (b, n) = (base.to_string(), name.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&b)
                .await
                .expect("TEST_DATABASE_URL answers");
            sqlx::Executor::execute(&mut c, format!("CREATE DATABASE {n}").as_str())
                .await
                .unwrap();
        })
    })
    .join()
    .unwrap();
    let (head, query) = base
        .split_once('?')
        .map_or((base, None), |(h, q)| (h, Some(q)));
    let prefix = head.rsplit_once('/').map_or(head, |(b, _)| b);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestStack {
    fn start(extra_env: Vec<(String, String)>) -> TestStack {
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
            ("RUST_LOG".to_string(), "info".to_string()),
        ];
        env.extend(extra_env);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deskflow"));
        cmd.args(["up", "--control", "--random-ports", "--data-dir"])
            .arg(dir.path());
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

    /// For tests that stop a shared process for a while.
    pub async fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.outage.write().await
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.info.database_url, 2).await.unwrap()
    }

    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            ingress: self.info.ingress_url.clone(),
            mailbox: self.info.mailbox_url.clone(),
        }
    }
}

/// An ingress call's outcome: HTTP status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The body of a 200, or a panic that shows what came back.
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status, 200,
            "expected 200, got {} {}",
            self.status, self.body
        );
        self.body
    }

    pub fn message(&self) -> String {
        self.body["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub ingress: String,
    pub mailbox: String,
}

impl Client {
    /// `POST {ingress}/{path}` with a raw body and an optional bearer token.
    pub async fn post_raw(&self, path: &str, body: &str, token: Option<&str>) -> Reply {
        let mut req = self
            .http
            .post(format!("{}/{path}", self.ingress))
            .header("content-type", "application/json")
            .body(body.to_string())
            .timeout(Duration::from_secs(60));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.post_raw(path, &body.to_string(), token).await
    }

    /// Registers a fresh member with a unique email; returns `(user_id, token, email)`.
    pub async fn new_member(&self, name: &str) -> (String, String, String) {
        let email = format!(
            "{}-{}@journeys.test",
            name.to_lowercase(),
            uuid::Uuid::new_v4().simple()
        );
        let r = self
            .post(
                "Auth/register",
                json!({"email": email, "password": "password-123", "name": name}),
                None,
            )
            .await
            .ok();
        (
            r["user_id"].as_str().unwrap().into(),
            r["token"].as_str().unwrap().into(),
            email,
        )
    }

    pub async fn admin_token(&self) -> String {
        let r = self
            .post(
                "Auth/login",
                json!({"email": ADMIN.0, "password": ADMIN.1}),
                None,
            )
            .await
            .ok();
        r["token"].as_str().unwrap().into()
    }

    /// Creates a workspace as admin with the given capacity; returns its id.
    pub async fn new_workspace(&self, admin: &str, name: &str, capacity: i64) -> String {
        let r = self
            .post(
                "Workspaces/create",
                json!({"name": name, "location": "Harbour 1, Hamburg", "timezone": "Europe/Berlin", "capacity": capacity,
                       "hourly_rate_cents": 1500, "currency": "EUR", "opens_at": "08:00", "closes_at": "20:00"}),
                Some(admin),
            )
            .await
            .ok();
        r["workspace_id"].as_str().unwrap().into()
    }

    /// Emails maildev received for `to`.
    pub async fn mails_to(&self, to: &str) -> Vec<Value> {
        let all: Vec<Value> = self
            .http
            .get(format!("{}/api/email", self.mailbox))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.into_iter()
            .filter(|m| {
                m["to"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|a| a["address"] == to))
            })
            .collect()
    }

    /// Waits until `to` has at least `n` emails (notifications are one-way, so they arrive
    /// a moment after the call that caused them returned).
    pub async fn wait_for_mails(&self, to: &str, n: usize) -> Vec<Value> {
        eventually(Duration::from_secs(60), || async {
            let m = self.mails_to(to).await;
            (m.len() >= n).then_some(m)
        })
        .await
        .unwrap_or_else(|| panic!("{to} did not receive {n} email(s) within 60 s"))
    }
}

/// Polls `f` every 200 ms until it gives `Some` or `limit` passes. Tests wait on outcomes,
/// never on fixed sleeps.
pub async fn eventually<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
