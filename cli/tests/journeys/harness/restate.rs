//! Looking into restate-server: the `restate` CLI against a stack, its SQL introspection
//! (invocations, journals, state) through the admin API, and the search of its storage for
//! secrets.

use super::TestStack;
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

impl TestStack {
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

    /// Every handler restate-server has registered, from its admin API (`/services`).
    pub async fn registered_handlers(&self) -> Vec<Registered> {
        let services: Value = reqwest::get(format!("{}/services", self.info.admin_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut out = Vec::new();
        for svc in services["services"].as_array().expect("services") {
            for h in svc["handlers"].as_array().unwrap() {
                out.push(Registered {
                    service: svc["name"].as_str().unwrap().to_string(),
                    handler: h["name"].as_str().unwrap().to_string(),
                    keyed: svc["ty"].as_str().is_some_and(|t| t != "Service"),
                    // a handler's own setting, else its service's; public unless said otherwise
                    public: h["public"]
                        .as_bool()
                        .or(svc["public"].as_bool())
                        .unwrap_or(true),
                });
            }
        }
        out
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

/// A handler as restate-server registered it.
#[derive(Debug, Clone)]
pub struct Registered {
    pub service: String,
    pub handler: String,
    /// its service is a virtual object or a workflow (called with a key)
    pub keyed: bool,
    /// reachable from the ingress (not `ingress_private`)
    pub public: bool,
}
