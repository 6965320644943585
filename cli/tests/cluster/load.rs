//! Booking load for the fault journeys: members booking in parallel through the balancer's
//! ingress, each booking created with an idempotency key and followed until it is confirmed or
//! final. A transport error (a node or an endpoint killed under the request) is retried with
//! the same key, as a real client would, so a cut connection never makes a second booking.

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// One booking the load made, as its member last saw it.
#[derive(Debug, Clone)]
pub struct Made {
    pub booking_id: String,
    pub email: String,
    pub status: String,
    pub amount_cents: i64,
}

/// A running load; [`Load::stop`] lets every client finish its booking and returns them all.
pub struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Made>>>,
    made: Arc<Mutex<usize>>,
}

/// The slot every load booking takes: far enough ahead that no timer fires during the test,
/// one hour, so each costs 3600 cents per seat at [`crate::harness::open_workspace`]'s rate.
pub fn slot() -> (String, String) {
    crate::harness::slot_in(3 * 24 * 3600, 3600)
}

impl Load {
    /// Starts `clients` members booking one seat after another in workspace `ws`.
    pub async fn start(ingress: &str, ws: &str, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let made = Arc::new(Mutex::new(0));
        let mut tasks = Vec::new();
        for i in 0..clients {
            let (stop, made) = (stop.clone(), made.clone());
            let (ingress, ws) = (ingress.to_string(), ws.to_string());
            tasks.push(tokio::spawn(async move {
                let c = Caller::new(&ingress);
                let (token, email) = c.register(&format!("load{i}")).await;
                let mut out = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let booking = c.book_and_wait(&token, &email, &ws).await;
                    *made.lock().await += 1;
                    out.push(booking);
                }
                out
            }));
        }
        Load { stop, tasks, made }
    }

    /// Bookings finished so far (confirmed or final).
    pub async fn finished(&self) -> usize {
        *self.made.lock().await
    }

    /// Waits until `more` bookings beyond `from` finished, or panics after `limit`.
    pub async fn wait_for(&self, from: usize, more: usize, limit: Duration) {
        if let Err(e) = self.reached(from, more, limit).await {
            panic!("{e}");
        }
    }

    /// Waits until `more` bookings beyond `from` finished, or says how far the load got
    /// within `limit`: for a test that must undo its fault before it fails.
    pub async fn reached(&self, from: usize, more: usize, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        while self.finished().await < from + more {
            if Instant::now() >= deadline {
                return Err(format!(
                    "the load finished only {} of {more} bookings within {} s",
                    self.finished().await - from,
                    limit.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(())
    }

    pub async fn stop(self) -> Vec<Made> {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in self.tasks {
            all.extend(t.await.expect("a load client panicked"));
        }
        all
    }
}

/// An ingress client that retries what a fault cut off.
pub struct Caller {
    http: reqwest::Client,
    ingress: String,
}

/// How long a client keeps retrying one call: longer than any outage the journeys cause.
const RETRY_FOR: Duration = Duration::from_secs(180);

impl Caller {
    pub fn new(ingress: &str) -> Caller {
        Caller {
            http: reqwest::Client::new(),
            ingress: ingress.to_string(),
        }
    }

    /// POSTs until an answer that is not a transport error or a 5xx from the balancer or a
    /// node (502/503/504: nobody behind it right now); returns status and body.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let deadline = Instant::now() + RETRY_FOR;
        loop {
            let mut req = self
                .http
                .post(format!("{}/{path}", self.ingress))
                .json(body)
                .timeout(Duration::from_secs(70));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(k) = key {
                req = req.header("idempotency-key", k);
            }
            let last = match req.send().await {
                Ok(r) if !matches!(r.status().as_u16(), 502..=504) => {
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    return (
                        status,
                        serde_json::from_str(&text).unwrap_or(Value::String(text)),
                    );
                }
                Ok(r) => format!("{}", r.status()),
                Err(e) => e.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "{path}: no answer for {} s, last: {last}",
                RETRY_FOR.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Registers a member; returns `(token, email)`.
    pub async fn register(&self, name: &str) -> (String, String) {
        let email = format!("{name}-{}@cluster.test", uuid::Uuid::new_v4().simple());
        // registration is not idempotent: a cut call that did register answers 409 next time,
        // then log in instead
        let body = json!({"email": email, "password": "password-123", "name": name});
        let (status, r) = self.post("Auth/register", &body, None, None).await;
        if status == 200 {
            return (r["token"].as_str().unwrap().to_string(), email);
        }
        assert_eq!(status, 409, "register: {status} {r}");
        let (status, r) = self
            .post(
                "Auth/login",
                &json!({"email": email, "password": "password-123"}),
                None,
                None,
            )
            .await;
        assert_eq!(status, 200, "login: {r}");
        (r["token"].as_str().unwrap().to_string(), email)
    }

    /// Books one seat of the load's slot and follows it until confirmed or final.
    pub async fn book_and_wait(&self, token: &str, email: &str, ws: &str) -> Made {
        let (start, end) = slot();
        let key = uuid::Uuid::new_v4().to_string();
        let body = json!({"workspace_id": ws, "starts_at": start, "ends_at": end, "seats": 1, "payment_method": "pm_card_visa"});
        let (status, r) = self
            .post("Bookings/create", &body, Some(token), Some(&key))
            .await;
        assert_eq!(status, 200, "create: {r}");
        let id = r["booking_id"].as_str().unwrap().to_string();
        let deadline = Instant::now() + RETRY_FOR;
        loop {
            let (status, r) = self
                .post(&format!("Booking/{id}/wait"), &json!({}), Some(token), None)
                .await;
            assert_eq!(status, 200, "wait {id}: {r}");
            let s = r["status"].as_str().unwrap_or_default().to_string();
            if !matches!(
                s.as_str(),
                "pending" | "held" | "awaiting_payment" | "waitlisted"
            ) {
                return Made {
                    booking_id: id,
                    email: email.to_string(),
                    status: s,
                    amount_cents: r["amount_cents"].as_i64().unwrap_or(0),
                };
            }
            assert!(
                Instant::now() < deadline,
                "booking {id} still {s} after {} s",
                RETRY_FOR.as_secs()
            );
        }
    }
}
