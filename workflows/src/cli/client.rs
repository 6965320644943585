//! How the CLI reaches deskflow: the Restate ingress for the API (with the stored bearer
//! token) and Restate's admin API for operator actions. Never the database.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// What `auth login` remembers between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Session {
    pub ingress_url: Option<String>,
    pub email: Option<String>,
    pub token: Option<String>,
    pub expires_at: Option<String>,
}

/// `--config-file`, else `DESKFLOW_CLI_CONFIG`, else `~/.config/deskflow/cli.json`.
pub fn session_path(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| std::env::var_os("DESKFLOW_CLI_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            home.join(".config/deskflow/cli.json")
        })
}

impl Session {
    pub fn load(path: &PathBuf) -> Session {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &PathBuf) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// An API error as the ingress reports it.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ApiError {}

pub struct Api {
    http: reqwest::Client,
    pub ingress: String,
    pub admin: String,
    pub token: Option<String>,
}

impl Api {
    pub fn new(ingress: &str, admin: &str, token: Option<String>) -> Api {
        Api {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            ingress: ingress.trim_end_matches('/').into(),
            admin: admin.trim_end_matches('/').into(),
            token,
        }
    }

    /// `POST {ingress}/{path}` with a JSON body; a non-200 answer is an [`ApiError`].
    pub async fn call(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call_with(path, body, None).await
    }

    pub async fn call_with(
        &self,
        path: &str,
        body: Value,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .post(format!("{}/{path}", self.ingress))
            .json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        let r = req
            .send()
            .await
            .with_context(|| format!("cannot reach the Restate ingress at {}", self.ingress))?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        if status != 200 {
            let message = v["message"].as_str().map(str::to_string).unwrap_or(text);
            return Err(ApiError { status, message }.into());
        }
        Ok(v)
    }

    /// `Booking/{id}/status`. A booking whose workflow is a moment from its first step is not
    /// known yet: a 404 is retried for a few seconds before it counts.
    pub async fn booking_status(&self, id: &str) -> anyhow::Result<Value> {
        let started = std::time::Instant::now();
        loop {
            match self
                .call(&format!("Booking/{id}/status"), serde_json::json!({}))
                .await
            {
                Err(e)
                    if e.downcast_ref::<ApiError>()
                        .is_some_and(|a| a.status == 404)
                        && started.elapsed() < Duration::from_secs(10) =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other,
            }
        }
    }

    /// Restate's SQL introspection.
    pub async fn admin_query(&self, sql: &str) -> anyhow::Result<Vec<Value>> {
        let r = self
            .http
            .post(format!("{}/query", self.admin))
            .header("accept", "application/json")
            .json(&serde_json::json!({ "query": sql }))
            .send()
            .await
            .with_context(|| format!("cannot reach the Restate admin API at {}", self.admin))?;
        if !r.status().is_success() {
            bail!(
                "admin query failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        let v: Value = r.json().await?;
        Ok(v["rows"].as_array().cloned().unwrap_or_default())
    }

    /// Cancels an invocation through Restate's admin API (its compensation runs).
    pub async fn cancel_invocation(&self, invocation_id: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .patch(format!("{}/invocations/{invocation_id}/cancel", self.admin))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "cancelling {invocation_id} failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }
}
