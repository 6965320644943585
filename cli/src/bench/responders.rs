//! Lightweight stand-ins for the outside world, used only by the benchmark: a payment provider
//! that speaks Stripe's PaymentIntent JSON and an SMTP sink, both with a configurable added
//! latency. localstripe rewrites its whole store after every write and maildev takes ~0.1 s per
//! message, so a throughput run through them would measure them, not deskflow.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

#[derive(Default)]
struct Provider {
    /// added latency in ms, adjustable while running
    latency_ms: Arc<AtomicU64>,
    /// PaymentIntent id -> (status, amount)
    intents: Mutex<HashMap<String, (String, i64)>>,
    /// PaymentIntent id -> its refunds' amounts (a cancel or a reschedule settles against them)
    refunds: Mutex<HashMap<String, Vec<i64>>>,
    seq: AtomicU64,
}

/// Serves the provider on a free port with an added latency (ms) the caller can change while
/// it runs; returns its base URL.
pub async fn start_provider(latency_ms: Arc<AtomicU64>) -> anyhow::Result<String> {
    let state = Arc::new(Provider {
        latency_ms,
        ..Provider::default()
    });
    let app = Router::new()
        .route("/v1/payment_intents", post(create).get(list))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/capture", post(capture))
        .route("/v1/payment_intents/{id}/cancel", post(cancel))
        .route("/v1/refunds", post(refund).get(refunds))
        .route("/v1/customers", get(list))
        .with_state(state);
    let l = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", l.local_addr()?);
    tokio::spawn(async move { axum::serve(l, app).await });
    Ok(url)
}

impl Provider {
    async fn pause(&self) {
        let ms = self.latency_ms.load(Ordering::Relaxed);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

fn intent(id: &str, status: &str, amount: i64) -> Json<Value> {
    Json(
        json!({"id": id, "object": "payment_intent", "status": status, "amount": amount, "client_secret": format!("{id}_secret_bench")}),
    )
}

async fn create(
    State(p): State<Arc<Provider>>,
    Form(f): Form<HashMap<String, String>>,
) -> Json<Value> {
    p.pause().await;
    let id = format!("pi_bench{}", p.seq.fetch_add(1, Ordering::Relaxed));
    let amount = f.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    p.intents
        .lock()
        .await
        .insert(id.clone(), ("requires_capture".into(), amount));
    intent(&id, "requires_capture", amount)
}

async fn set(p: &Provider, id: &str, status: &str) -> Json<Value> {
    p.pause().await;
    let mut m = p.intents.lock().await;
    let e = m
        .entry(id.to_string())
        .or_insert(("requires_capture".into(), 0));
    e.0 = status.into();
    intent(id, status, e.1)
}

async fn retrieve(State(p): State<Arc<Provider>>, Path(id): Path<String>) -> Json<Value> {
    p.pause().await;
    let (status, amount) = p
        .intents
        .lock()
        .await
        .get(&id)
        .cloned()
        .unwrap_or(("requires_capture".into(), 0));
    intent(&id, &status, amount)
}

async fn capture(State(p): State<Arc<Provider>>, Path(id): Path<String>) -> Json<Value> {
    set(&p, &id, "succeeded").await
}

async fn cancel(State(p): State<Arc<Provider>>, Path(id): Path<String>) -> Json<Value> {
    set(&p, &id, "canceled").await
}

async fn refund(
    State(p): State<Arc<Provider>>,
    Form(f): Form<HashMap<String, String>>,
) -> Json<Value> {
    p.pause().await;
    let amount: i64 = f.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    if let Some(pi) = f.get("payment_intent") {
        p.refunds
            .lock()
            .await
            .entry(pi.clone())
            .or_default()
            .push(amount);
    }
    Json(
        json!({"id": format!("re_bench{}", p.seq.fetch_add(1, Ordering::Relaxed)), "amount": amount, "status": "succeeded"}),
    )
}

/// `GET /v1/refunds?payment_intent=..`: the refunds of one PaymentIntent.
async fn refunds(
    State(p): State<Arc<Provider>>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Json<Value> {
    p.pause().await;
    let list = match q.get("payment_intent") {
        Some(pi) => p.refunds.lock().await.get(pi).cloned().unwrap_or_default(),
        None => Vec::new(),
    };
    let data: Vec<Value> = list
        .iter()
        .enumerate()
        .map(|(i, a)| json!({"id": format!("re_bench_listed{i}"), "object": "refund", "amount": a, "status": "succeeded"}))
        .collect();
    Json(json!({"object": "list", "data": data, "has_more": false}))
}

async fn list(State(p): State<Arc<Provider>>) -> Json<Value> {
    p.pause().await;
    Json(json!({"object": "list", "data": []}))
}

/// Serves a minimal SMTP sink (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on a free port;
/// returns the port and a counter of accepted messages.
pub async fn start_smtp(latency: Duration) -> anyhow::Result<(u16, Arc<AtomicU64>)> {
    let l = TcpListener::bind("127.0.0.1:0").await?;
    let port = l.local_addr()?.port();
    let accepted = Arc::new(AtomicU64::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let _ = session(sock, latency, count).await;
            });
        }
    });
    Ok((port, accepted))
}

async fn session(
    sock: tokio::net::TcpStream,
    latency: Duration,
    accepted: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 bench ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            w.write_all(b"250-bench\r\n250 8BITMIME\r\n").await?;
        } else if cmd.starts_with("DATA") {
            w.write_all(b"354 go ahead\r\n").await?;
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
            }
            tokio::time::sleep(latency).await;
            accepted.fetch_add(1, Ordering::Relaxed);
            w.write_all(b"250 queued\r\n").await?;
        } else if cmd.starts_with("QUIT") {
            w.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"250 OK\r\n").await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_provider_answers_like_stripe_and_the_sink_accepts_mail() {
        let url = start_provider(Arc::default()).await.unwrap();
        let s = deskflow_infra::stripe::Stripe::new(&url, "sk", Duration::from_secs(5));
        let pi = s
            .authorize(1200, "EUR", "pm_card_visa", "b1", "b1", "k")
            .await
            .unwrap();
        assert_eq!((pi.status.as_str(), pi.amount), ("requires_capture", 1200));
        assert_eq!(s.capture(&pi.id, "k2").await.unwrap().status, "succeeded");
        assert_eq!(s.retrieve(&pi.id).await.unwrap().status, "succeeded");
        assert_eq!(s.refund(&pi.id, 600, "k3").await.unwrap().amount, 600);
        // what settling reads: the captured amount and its refunds
        assert_eq!(s.refunded_total(&pi.id).await.unwrap(), 600);

        let (port, count) = start_smtp(Duration::ZERO).await.unwrap();
        let m = deskflow_infra::mailer::Mailer::new(
            "127.0.0.1",
            port,
            "a <a@b.io>",
            Duration::from_secs(5),
        )
        .unwrap();
        let e = deskflow_infra::mailer::Email {
            id: "x".into(),
            to: "c@d.io".into(),
            subject: "s".into(),
            body: "b".into(),
        };
        m.send(&e).await.unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 1);
    }
}
