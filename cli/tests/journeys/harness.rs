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
pub const WEBHOOK_SECRET: &str = "whsec_journeys";
pub const HOLD_EXPIRY_SECS: u64 = 15;
pub const PAYMENT_BUDGET_SECS: u64 = 8;
/// Login backoff of the test stack: 3 free failures, then 2 s doubling up to 4 s.
pub const LOGIN_FREE_FAILURES: u32 = 3;
pub const LOGIN_BACKOFF_MAX_SECS: u64 = 4;
pub const BOOKING_WAIT_SECS: u64 = 4;

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

fn fresh_postgres_database(base: &str) -> String {
    // called from inside a test's runtime: create the database on a thread with its own
    let base = base.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(deskflow_infra::store::scratch::create_scratch_database(
                &base,
                "deskflow_journeys",
            ))
            .expect("TEST_DATABASE_URL answers")
    })
    .join()
    .unwrap()
}

impl TestStack {
    /// A stack of the test's own (its own database, so its own admins), stopped when dropped.
    pub fn fresh() -> TestStack {
        TestStack::start(vec![], None)
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

    pub async fn store(&self) -> Store {
        Store::connect(&self.info.database_url, 2).await.unwrap()
    }

    /// Runs the `restate` CLI against this stack (`--yes` first) and asserts it succeeded.
    pub fn restate_cli(&self, args: &[&str]) {
        let out = Command::new(&self.info.restate_cli)
            .arg("--yes")
            .args(args)
            .env("RESTATE_ADMIN_URL", &self.info.admin_url)
            .env("RESTATE_INGRESS_URL", &self.info.ingress_url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "restate CLI {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Id and status of the unfinished invocations of `target` (`Svc/key/handler`), from
    /// restate-server's SQL introspection.
    pub async fn open_invocations(&self, target: &str) -> Vec<(String, String)> {
        let sql = format!(
            "SELECT id, status FROM sys_invocation WHERE target = '{target}' AND status != 'completed'"
        );
        let reply = reqwest::Client::new()
            .post(format!("{}/query", self.info.admin_url))
            .header("accept", "application/json")
            .json(&serde_json::json!({ "query": sql }))
            .send()
            .await;
        let Ok(reply) = reply else { return Vec::new() };
        let v: Value = reply.json().await.unwrap_or_default();
        v["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        let f = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                        (f("id"), f("status"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Rows of a SQL query on restate-server's introspection tables (`sys_journal`, `state`,
    /// `sys_invocation`, ...) through its admin API.
    pub async fn restate_sql(&self, sql: &str) -> Vec<Value> {
        let reply: Value = reqwest::Client::new()
            .post(format!("{}/query", self.info.admin_url))
            .header("accept", "application/json")
            .json(&serde_json::json!({ "query": sql }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("query {sql:?} answered {reply}"))
            .clone()
    }

    /// Everything Restate stores about invocations and state, as text (hex payloads decoded),
    /// for searching it for secrets.
    pub async fn restate_storage_text(&self) -> String {
        let mut all = String::new();
        for sql in [
            "SELECT * FROM sys_journal",
            "SELECT * FROM state",
            "SELECT * FROM sys_promise",
            "SELECT * FROM sys_invocation",
        ] {
            for row in self.restate_sql(sql).await {
                let text = row.to_string();
                all.push_str(&text);
                all.push('\n');
                if let Some(obj) = row.as_object() {
                    for v in obj.values().filter_map(Value::as_str) {
                        if let Some(bytes) = hex_bytes(v) {
                            all.push_str(&String::from_utf8_lossy(&bytes));
                            all.push('\n');
                        }
                    }
                }
            }
        }
        all
    }

    /// Asserts that none of `secrets` can be read from Restate's storage through its admin
    /// API ([`TestStack::restate_storage_text`]: journals, state, promises, invocations, raw
    /// payloads hex-decoded). Calls must have completed; a journal still being purged is waited
    /// for (a few seconds at most).
    pub async fn assert_no_secret_in_restate(&self, secrets: &[&str]) {
        let mut found = Vec::new();
        for _ in 0..50 {
            found = self.secrets_in_restate(secrets).await;
            if found.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("secrets readable through Restate's admin API (first characters shown): {found:?}");
    }

    /// Which of `secrets` (their first 16 characters) Restate's storage holds.
    pub async fn secrets_in_restate(&self, secrets: &[&str]) -> Vec<String> {
        let text = self.restate_storage_text().await;
        secrets
            .iter()
            .filter(|s| !s.is_empty() && text.contains(*s))
            .map(|s| format!("{s:.16}..."))
            .collect()
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

    /// `Auth/login`; the answer of a 200 (`token`, `expires_at`, `refresh_token`).
    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.post(
            "Auth/login",
            json!({"email": email, "password": password}),
            None,
        )
        .await
        .ok()
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

/// A workspace open around the clock in UTC, so slots of a few seconds from now are bookable.
pub async fn open_workspace(c: &Client, admin: &str, capacity: i64) -> String {
    let r = c
        .post(
            "Workspaces/create",
            json!({"name": format!("Test {}", uuid::Uuid::new_v4().simple()), "location": "Lab", "timezone": "UTC",
                   "capacity": capacity, "hourly_rate_cents": 3600, "currency": "EUR", "opens_at": "00:00", "closes_at": "23:59"}),
            Some(admin),
        )
        .await
        .ok();
    r["workspace_id"].as_str().unwrap().into()
}

/// A slot starting `from_secs` from now and lasting exactly `len_secs`, RFC 3339.
pub fn slot_in(from_secs: i64, len_secs: i64) -> (String, String) {
    let start = chrono::Utc::now() + chrono::Duration::seconds(from_secs);
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    (fmt(start), fmt(start + chrono::Duration::seconds(len_secs)))
}

/// RFC 3339 of now + `secs`.
/// A slot `days` ahead starting `secs_of_day` after that day's midnight (UTC), `len` long.
pub fn day_slot(days: i64, secs_of_day: i64, len: i64) -> (String, String) {
    let day = (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let at = |s: i64| {
        (day + chrono::Duration::seconds(s)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    (at(secs_of_day), at(secs_of_day + len))
}

pub fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Client {
    /// `Bookings/create`; returns the booking id.
    pub async fn book(
        &self,
        token: &str,
        ws: &str,
        starts: &str,
        ends: &str,
        seats: i64,
        pm: &str,
    ) -> String {
        let r = self
            .post("Bookings/create", json!({"workspace_id": ws, "starts_at": starts, "ends_at": ends, "seats": seats, "payment_method": pm}), Some(token))
            .await
            .ok();
        assert_eq!(r["status"], "pending");
        r["booking_id"].as_str().unwrap().into()
    }

    pub async fn status(&self, token: &str, booking: &str) -> Value {
        self.post(&format!("Booking/{booking}/status"), json!({}), Some(token))
            .await
            .ok()
    }

    /// Polls the booking's status until `want` (or any final status when `want` is "final").
    pub async fn wait_status(&self, token: &str, booking: &str, want: &str) -> Value {
        if want == "final" {
            return self
                .wait_status_any(
                    token,
                    booking,
                    &["completed", "cancelled", "rejected", "expired", "failed"],
                )
                .await;
        }
        self.wait_status_any(token, booking, &[want]).await
    }

    /// Polls the booking's status until it is one of `wanted`.
    pub async fn wait_status_any(&self, token: &str, booking: &str, wanted: &[&str]) -> Value {
        let got = eventually(Duration::from_secs(90), || async move {
            let r = self
                .post(&format!("Booking/{booking}/status"), json!({}), Some(token))
                .await;
            let s = r.body["status"].as_str().unwrap_or_default().to_string();
            (r.status == 200 && wanted.contains(&s.as_str())).then_some(r.body)
        })
        .await;
        match got {
            Some(v) => v,
            None => {
                let last = self
                    .post(&format!("Booking/{booking}/status"), json!({}), Some(token))
                    .await
                    .body;
                panic!("booking {booking} did not reach {wanted:?} within 90 s; last status {last}")
            }
        }
    }
}

/// localstripe, read through Stripe's own API: what the provider really holds.
pub struct Provider {
    http: reqwest::Client,
    base: String,
}

impl TestStack {
    pub fn provider(&self) -> Provider {
        Provider {
            http: reqwest::Client::new(),
            base: self.info.stripe_url.clone(),
        }
    }

    /// Posts a webhook body to the endpoint, signed with `secret` (or with a bad signature).
    pub async fn send_webhook(&self, body: &Value, secret: Option<&str>) -> (u16, String) {
        let payload = body.to_string();
        let sig = match secret {
            Some(s) => {
                deskflow_infra::stripe::sign(payload.as_bytes(), s, chrono::Utc::now().timestamp())
            }
            None => "t=1,v1=00".to_string(),
        };
        let r = reqwest::Client::new()
            .post(format!("{}/webhooks/stripe", self.info.http_url))
            .header("stripe-signature", sig)
            .body(payload)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

impl Provider {
    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .basic_auth("sk_test_journeys", Some(""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        self.http
            .post(format!("{}{path}", self.base))
            .basic_auth("sk_test_journeys", Some(""))
            .form(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn payment_intent(&self, id: &str) -> Value {
        self.get(&format!("/v1/payment_intents/{id}")).await
    }

    /// Refunded amounts of a PaymentIntent at the provider.
    pub async fn refunds(&self, payment_intent: &str) -> Vec<i64> {
        let r = self
            .get(&format!("/v1/refunds?payment_intent={payment_intent}"))
            .await;
        r["data"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["amount"].as_i64()).collect())
            .unwrap_or_default()
    }

    /// A card PaymentMethod that needs 3-D Secure authentication.
    pub async fn three_d_secure_card(&self) -> String {
        let pm = self
            .post(
                "/v1/payment_methods",
                &[
                    ("type", "card"),
                    ("card[number]", "4000002500003155"),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2030"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        pm["id"].as_str().unwrap().to_string()
    }

    /// The member authenticates at the provider (localstripe's stand-in for the 3-D Secure page).
    pub async fn authenticate(&self, client_secret: &str, success: bool) -> Value {
        let pi = client_secret.split("_secret_").next().unwrap();
        self.post(
            &format!("/v1/payment_intents/{pi}/_authenticate"),
            &[
                ("client_secret", client_secret),
                ("success", if success { "true" } else { "false" }),
            ],
        )
        .await
    }
}

/// What the provider says about a payment: its status and the money that moved.
pub struct ProviderMoney {
    pub status: String,
    pub captured: i64,
    pub refunded: i64,
}

impl Provider {
    pub async fn money(&self, payment_intent: &str) -> ProviderMoney {
        let pi = self.payment_intent(payment_intent).await;
        let status = pi["status"].as_str().unwrap_or_default().to_string();
        let captured = if status == "succeeded" {
            pi["amount"].as_i64().unwrap_or(0)
        } else {
            0
        };
        // only a captured payment can have refunds (localstripe answers 500 for the others)
        let refunded = if status == "succeeded" {
            self.refunds(payment_intent).await.iter().sum()
        } else {
            0
        };
        ProviderMoney {
            status,
            captured,
            refunded,
        }
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

/// The bytes of a hex string (Restate's SQL shows binary columns as hex), if it is one.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if s.len() < 2 || !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}
