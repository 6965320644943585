//! How the CLI reaches deskflow: the Restate ingress for the API (with the stored bearer
//! token) and Restate's admin API for operator actions. Never the database. Access tokens are
//! short-lived: when one is refused, the stored refresh token gets a new pair (`Auth/refresh`),
//! which is stored (owner-only file) before the call is sent again.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// What `auth login` remembers between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Session {
    pub ingress_url: Option<String>,
    pub email: Option<String>,
    pub token: Option<String>,
    pub expires_at: Option<String>,
    /// spent by the next refresh, which stores its successor
    #[serde(default)]
    pub refresh_token: Option<String>,
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

    /// Writes the session owner-only (0600 in a 0700 folder): it holds tokens.
    pub fn save(&self, path: &std::path::Path) -> anyhow::Result<()> {
        Ok(deskflow_infra::files::write_private(
            path,
            serde_json::to_string_pretty(self)?.as_bytes(),
        )?)
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
    token: Mutex<Option<String>>,
    /// the stored session, refreshed and saved when its access token is refused
    session: Option<(PathBuf, Mutex<Session>)>,
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
            token: Mutex::new(token),
            session: None,
        }
    }

    /// An API client that uses the session stored at `path` and keeps it fresh.
    pub fn with_session(ingress: &str, admin: &str, session: Session, path: PathBuf) -> Api {
        Api {
            session: Some((path, Mutex::new(session.clone()))),
            ..Api::new(ingress, admin, session.token)
        }
    }

    fn token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Spends the stored refresh token for a new pair and stores it; false when there is none
    /// or it was refused (then the user must log in again).
    async fn refresh(&self) -> anyhow::Result<bool> {
        let Some((path, session)) = &self.session else {
            return Ok(false);
        };
        let current = session.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Ok(false);
        };
        let r = self
            .send(
                "Auth/refresh",
                &serde_json::json!({ "refresh_token": refresh_token }),
                None,
                None,
            )
            .await?;
        let Ok(v) = r else { return Ok(false) };
        let next = Session {
            token: v["token"].as_str().map(str::to_string),
            expires_at: v["expires_at"].as_str().map(str::to_string),
            refresh_token: v["refresh_token"].as_str().map(str::to_string),
            ..current
        };
        next.save(path)?;
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = next.token.clone();
        *session.lock().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(true)
    }

    /// `POST {ingress}/{path}` with a JSON body; a non-200 answer is an [`ApiError`].
    pub async fn call(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call_with(path, body, None).await
    }

    /// One try with the stored access token, without [`Api::call`]'s refresh on a 401: for a
    /// call whose 401 means something else (a wrong password), so it is neither sent twice
    /// nor mistaken for an expired session.
    pub async fn call_once(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let token = self.token();
        Ok(self.send(path, &body, token.as_deref(), None).await??)
    }

    /// As [`Api::call`], with an idempotency key. A 401 for a stored session's token is
    /// answered by one refresh and one more try.
    pub async fn call_with(
        &self,
        path: &str,
        body: Value,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Value> {
        let token = self.token();
        match self
            .send(path, &body, token.as_deref(), idempotency_key)
            .await?
        {
            Ok(v) => Ok(v),
            Err(e) if e.status == 401 && token.is_some() && !path.starts_with("Auth/") => {
                if !self.refresh().await? {
                    return Err(ApiError {
                        message: format!(
                            "{}; the stored session has expired: log in again",
                            e.message
                        ),
                        ..e
                    }
                    .into());
                }
                let token = self.token();
                Ok(self
                    .send(path, &body, token.as_deref(), idempotency_key)
                    .await??)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One POST to the ingress: the body of a 200, or the API's error.
    async fn send(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Result<Value, ApiError>> {
        let mut req = self
            .http
            .post(format!("{}/{path}", self.ingress))
            .json(body);
        if let Some(t) = token {
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
            return Ok(Err(ApiError { status, message }));
        }
        Ok(Ok(v))
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
