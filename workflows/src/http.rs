//! The endpoint's plain HTTP server, beside the Restate SDK endpoint: what is not a Restate
//! handler. `GET /health` (the process is up) and `GET /ready` (its dependencies answer; the
//! body names those that do not).

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use deskflow_handlers::Deps;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// What the readiness probe needs besides the handlers' dependencies.
pub struct HttpState {
    pub deps: Arc<Deps>,
    pub http: reqwest::Client,
    pub restate_admin_url: String,
    pub stripe_api_base: String,
}

/// The router, callable without a socket in tests.
pub fn app(state: Arc<HttpState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    database: bool,
    restate_admin: bool,
    smtp: bool,
    payment_provider: bool,
    /// the dependencies that did not answer, in words
    not_ready: Vec<&'static str>,
}

async fn ready(State(s): State<Arc<HttpState>>) -> (StatusCode, Json<Readiness>) {
    let admin_url = format!("{}/health", s.restate_admin_url);
    let provider_url = format!("{}/v1/payment_intents?limit=1", s.stripe_api_base);
    let (database, restate_admin, smtp, payment_provider) = tokio::join!(
        async { s.deps.store.ping().await.is_ok() },
        answers(&s.http, &admin_url),
        s.deps.mailer.reachable(),
        answers(&s.http, &provider_url),
    );
    let mut not_ready = Vec::new();
    for (ok, name) in [
        (database, "database"),
        (restate_admin, "restate admin API"),
        (smtp, "SMTP relay"),
        (payment_provider, "payment provider"),
    ] {
        if !ok {
            not_ready.push(name);
        }
    }
    let ready = not_ready.is_empty();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Readiness {
            ready,
            database,
            restate_admin,
            smtp,
            payment_provider,
            not_ready,
        }),
    )
}

/// Any HTTP answer within two seconds counts: the probe asks "is it there", not "is it happy".
async fn answers(http: &reqwest::Client, url: &str) -> bool {
    http.get(url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .is_ok()
}
