//! The endpoint's plain HTTP server, beside the Restate SDK endpoint: what is not a Restate
//! handler. `GET /health` (the process is up), `GET /ready` (its dependencies answer; the body
//! names those that do not), `GET /metrics` (Prometheus text) and `POST /webhooks/stripe` (the
//! provider's events).

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use deskflow_handlers::Deps;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// What the readiness probe needs besides the handlers' dependencies.
pub struct HttpState {
    pub deps: Arc<Deps>,
    pub http: reqwest::Client,
    pub restate_admin_url: String,
    pub restate_ingress_url: String,
    /// A cluster's node-to-node addresses (empty for a single node)
    pub restate_nodes: Vec<String>,
    pub stripe_api_base: String,
    pub stripe_webhook_secret: String,
}

/// The router, callable without a socket in tests.
pub fn app(state: Arc<HttpState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/webhooks/stripe", post(stripe_webhook))
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

/// Prometheus text format: bookings by status, provider latencies and outcomes, retries,
/// compensations, notification failures.
async fn metrics() -> ([(axum::http::header::HeaderName, &'static str); 1], String) {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        deskflow_infra::metrics::render(),
    )
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    database: bool,
    restate_admin: bool,
    smtp: bool,
    payment_provider: bool,
    /// a cluster's quorum and partition leaders (absent for a single node)
    #[serde(skip_serializing_if = "Option::is_none")]
    restate_cluster: Option<crate::cluster::ClusterStatus>,
    /// the dependencies that did not answer, in words
    not_ready: Vec<&'static str>,
}

async fn ready(State(s): State<Arc<HttpState>>) -> (StatusCode, Json<Readiness>) {
    let admin_url = format!("{}/health", s.restate_admin_url);
    let provider_url = format!("{}/v1/payment_intents?limit=1", s.stripe_api_base);
    let (database, restate_admin, smtp, payment_provider, restate_cluster) = tokio::join!(
        async { s.deps.store.ping().await.is_ok() },
        answers(&s.http, &admin_url),
        s.deps.mailer.reachable(),
        answers(&s.http, &provider_url),
        async {
            if s.restate_nodes.is_empty() {
                None
            } else {
                Some(crate::cluster::status_of(&s.http, &s.restate_nodes).await)
            }
        },
    );
    let mut not_ready = Vec::new();
    // a node's own health stays green without quorum; the cluster's figures do not
    if let Some(c) = &restate_cluster {
        if !c.quorum {
            not_ready.push("restate cluster quorum");
        }
        if c.partitions == 0 || c.partitions_without_leader > 0 {
            not_ready.push("restate partition leaders");
        }
    }
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
            restate_cluster,
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

/// How old a webhook's signed timestamp may be (Stripe's own libraries use 5 minutes).
const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// A provider event: verify the `Stripe-Signature`, skip events seen before, and wake the
/// booking that waits on this PaymentIntent. The event only wakes the workflow; what the
/// payment really is, the workflow reads from the provider itself, so a forged or stale event
/// cannot confirm anything.
async fn stripe_webhook(
    State(s): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now = chrono::Utc::now().timestamp();
    if !deskflow_infra::stripe::verify_signature(
        &body,
        signature,
        &s.stripe_webhook_secret,
        now,
        WEBHOOK_TOLERANCE_SECS,
    ) {
        tracing::warn!("webhook refused: missing or invalid Stripe-Signature");
        return (StatusCode::BAD_REQUEST, "invalid signature".into());
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not JSON".into());
    };
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return (StatusCode::BAD_REQUEST, "event without id or type".into());
    };
    let store = &s.deps.store;
    match store.webhook_seen(id).await {
        Ok(true) => return (StatusCode::OK, "duplicate event ignored".into()),
        Ok(false) => {}
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unavailable: {e}"),
            );
        }
    }
    let object = &event["data"]["object"];
    if object["object"] == "payment_intent"
        && let Some(pi) = object["id"].as_str()
        && let Err(unavailable) = wake_booking(&s, pi, id, kind).await
    {
        return (StatusCode::SERVICE_UNAVAILABLE, unavailable);
    }
    if let Err(e) = store
        .first_webhook_event(id, kind, chrono::Utc::now().timestamp_millis())
        .await
    {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}"),
        );
    }
    (StatusCode::OK, "ok".into())
}

/// Resolves the awakeable of the booking waiting on PaymentIntent `pi`, if one waits. Fails
/// only when a dependency is unavailable (the provider then delivers the event again).
async fn wake_booking(s: &HttpState, pi: &str, event: &str, kind: &str) -> Result<(), String> {
    let awakeable = s
        .deps
        .store
        .awakeable_for_provider_ref(pi)
        .await
        .map_err(|e| format!("database unavailable: {e}"))?;
    let Some(awakeable) = awakeable else {
        tracing::info!(
            event,
            kind,
            payment_intent = pi,
            "webhook: no booking waits on this payment"
        );
        return Ok(());
    };
    let url = format!(
        "{}/restate/awakeables/{awakeable}/resolve",
        s.restate_ingress_url
    );
    let r = s
        .http
        .post(url)
        .json(&serde_json::json!({ "event": kind }))
        .send()
        .await;
    match r {
        Ok(r) if r.status().is_success() => {
            tracing::info!(event, kind, payment_intent = pi, "webhook woke the booking")
        }
        // woken by an earlier event already: nothing to do
        Ok(r) => {
            tracing::info!(event, kind, status = %r.status(), "webhook: the booking was not waiting")
        }
        Err(e) => return Err(format!("restate ingress unavailable: {e}")),
    }
    Ok(())
}
