//! A small client of Stripe's REST API (form-encoded requests, bearer secret key): the
//! PaymentIntent calls deskflow needs for manual-capture card payments, plus refunds. Every
//! mutating request carries an `Idempotency-Key` chosen by the caller (derived from the payment
//! id and the step), so a step retried after a crash cannot charge twice at Stripe.
//! In dev and tests the base URL points at localstripe.

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StripeError {
    /// The card was declined (HTTP 402): final for this payment method.
    #[error("card declined: {message}")]
    Declined { code: String, message: String },
    /// The provider refused the request itself (4xx): retrying the same request will not help.
    #[error("payment provider refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// The provider could not be reached or failed (timeouts, 5xx, 429): try again later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
}

impl StripeError {
    pub fn is_transient(&self) -> bool {
        matches!(self, StripeError::Unavailable(_))
    }
}

/// The fields of a PaymentIntent that deskflow reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    /// requires_payment_method, requires_confirmation, requires_action, processing,
    /// requires_capture, canceled, succeeded
    pub status: String,
    pub amount: i64,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub last_payment_error: Option<serde_json::Value>,
    /// deskflow's marks: `booking_id`, and `payment_id` on PaymentIntents made since it was
    /// added (a booking's first payment has the booking's id)
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
    /// when the provider made it, seconds since the epoch
    #[serde(default)]
    pub created: i64,
}

/// How far back [`Stripe::list_payment_intents`] asks Stripe for PaymentIntents, in seconds:
/// 31 days. An orphan comes from an authorization step retried after the provider answered,
/// and the reconciliation that finds it runs at least daily; an authorization Stripe holds
/// lapses after 7 days, and a charge is refundable far longer than a month, so a month finds
/// every orphan a daily run could miss for a while, without walking the account's whole
/// history on every run.
pub const LIST_WINDOW_SECS: i64 = 31 * 24 * 3600;

impl PaymentIntent {
    /// The provider's words for why the last attempt failed, if it did.
    pub fn failure_message(&self) -> Option<String> {
        self.last_payment_error
            .as_ref()
            .and_then(|e| e["message"].as_str().map(str::to_string))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub status: String,
}

#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Stripe {
    pub fn new(base: &str, secret_key: &str, timeout: Duration) -> Stripe {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        Stripe {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: secret_key.to_string(),
        }
    }

    /// Creates and confirms a manual-capture PaymentIntent: on success the card is authorized
    /// (`requires_capture`), or the member must authenticate first (`requires_action`).
    pub async fn authorize(
        &self,
        amount: i64,
        currency: &str,
        payment_method: &str,
        booking_id: &str,
        payment_id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let amount = amount.to_string();
        let currency = currency.to_lowercase();
        let form = [
            ("amount", amount.as_str()),
            ("currency", currency.as_str()),
            ("payment_method", payment_method),
            ("capture_method", "manual"),
            ("confirm", "true"),
            ("metadata[booking_id]", booking_id),
            ("metadata[payment_id]", payment_id),
        ];
        self.post("authorize", "/v1/payment_intents", &form, idempotency_key)
            .await
    }

    /// Every PaymentIntent of the account, newest first, page by page (100 a page). Against
    /// Stripe only those made in the last [`LIST_WINDOW_SECS`] before `now_secs`; localstripe's
    /// list knows no `created` filter (it answers 400), so there it is all of them.
    pub async fn list_payment_intents(
        &self,
        now_secs: i64,
    ) -> Result<Vec<PaymentIntent>, StripeError> {
        #[derive(serde::Deserialize)]
        struct Page {
            data: Vec<PaymentIntent>,
            #[serde(default)]
            has_more: bool,
        }
        let window = self
            .is_stripe()
            .then(|| format!("&created[gte]={}", now_secs - LIST_WINDOW_SECS));
        let mut all: Vec<PaymentIntent> = Vec::new();
        loop {
            let after = all
                .last()
                .map(|p| format!("&starting_after={}", p.id))
                .unwrap_or_default();
            let url = format!(
                "{}/v1/payment_intents?limit=100{}{after}",
                self.base,
                window.as_deref().unwrap_or_default()
            );
            let started = Instant::now();
            let r = self.http.get(url).bearer_auth(&self.key).send().await;
            let page: Page = measured("list payment intents", started, decode(r).await)?;
            let more = page.has_more && !page.data.is_empty();
            all.extend(page.data.into_iter().map(|mut p| {
                p.client_secret = None;
                p
            }));
            if !more {
                return Ok(all);
            }
        }
    }

    /// The PaymentIntent an earlier attempt of the payment `payment_id`'s authorization made,
    /// when it holds an authorization or awaits the member's authentication (the newest such;
    /// a declined or cancelled one is no use again). Read through the list API, which Stripe
    /// keeps read-after-write (its search is not).
    pub async fn earlier_authorization(
        &self,
        payment_id: &str,
        now_secs: i64,
    ) -> Result<Option<PaymentIntent>, StripeError> {
        let all = self.list_payment_intents(now_secs).await?;
        Ok(all.into_iter().find(|p| {
            p.metadata.get("payment_id").map(String::as_str) == Some(payment_id)
                && matches!(
                    p.status.as_str(),
                    "requires_capture" | "requires_action" | "requires_confirmation" | "processing"
                )
        }))
    }

    /// Whether the base URL is Stripe's own API (not an emulator).
    fn is_stripe(&self) -> bool {
        self.base.starts_with("https://api.stripe.com")
    }

    pub async fn retrieve(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        let started = Instant::now();
        let url = format!("{}/v1/payment_intents/{id}", self.base);
        let r = self.http.get(url).bearer_auth(&self.key).send().await;
        measured("retrieve", started, decode(r).await)
    }

    /// The sum of the refunds of a PaymentIntent, as the provider has them (only a captured
    /// PaymentIntent can have refunds; ask only for those).
    pub async fn refunded_total(&self, payment_intent: &str) -> Result<i64, StripeError> {
        #[derive(serde::Deserialize)]
        struct Refunds {
            data: Vec<Refund>,
            #[serde(default)]
            has_more: bool,
        }
        let started = Instant::now();
        let url = format!(
            "{}/v1/refunds?payment_intent={payment_intent}&limit=100",
            self.base
        );
        let r = self.http.get(url).bearer_auth(&self.key).send().await;
        let list: Refunds = measured("list refunds", started, decode(r).await)?;
        if list.has_more {
            // deskflow refunds a payment a handful of times at most; more means someone else
            // refunds it too, and a partial sum would settle the wrong amount
            return Err(StripeError::Rejected {
                status: 409,
                message: "more than 100 refunds on one payment".into(),
            });
        }
        Ok(list
            .data
            .iter()
            .filter(|r| r.status != "failed" && r.status != "canceled")
            .map(|r| r.amount)
            .sum())
    }

    /// Where a PaymentIntent stands for settling it: its status, and for a captured one the
    /// amount and the sum of its refunds.
    pub async fn settle_state(
        &self,
        payment_intent: &str,
    ) -> Result<deskflow_domain::saga::ProviderState, StripeError> {
        let pi = self.retrieve(payment_intent).await?;
        let refunded = if pi.status == "succeeded" {
            self.refunded_total(payment_intent).await?
        } else {
            0
        };
        Ok(deskflow_domain::saga::ProviderState::from_stripe(
            &pi.status, pi.amount, refunded,
        ))
    }

    /// Captures the whole authorized amount.
    pub async fn capture(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{id}/capture");
        self.post("capture", &path, &[], idempotency_key).await
    }

    /// Cancels (voids) an authorization that was not captured.
    pub async fn cancel(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{id}/cancel");
        self.post("cancel", &path, &[], idempotency_key).await
    }

    /// Refunds `amount` of a captured PaymentIntent.
    pub async fn refund(
        &self,
        payment_intent: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<Refund, StripeError> {
        let amount = amount.to_string();
        let form = [
            ("payment_intent", payment_intent),
            ("amount", amount.as_str()),
        ];
        self.post("refund", "/v1/refunds", &form, idempotency_key)
            .await
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        path: &str,
        form: &[(&str, &str)],
        idempotency_key: &str,
    ) -> Result<T, StripeError> {
        let started = Instant::now();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await;
        measured(op, started, decode(r).await)
    }
}

/// Records the request's latency and outcome in the metrics.
fn measured<T>(
    op: &'static str,
    started: Instant,
    r: Result<T, StripeError>,
) -> Result<T, StripeError> {
    let outcome = match &r {
        Ok(_) => "ok",
        Err(StripeError::Declined { .. }) => "declined",
        Err(StripeError::Rejected { .. }) => "rejected",
        Err(StripeError::Unavailable(_)) => "unavailable",
    };
    crate::metrics::observe(
        "deskflow_provider_request_seconds",
        &[("op", op)],
        started.elapsed(),
    );
    crate::metrics::inc(
        "deskflow_provider_requests_total",
        &[("op", op), ("outcome", outcome)],
    );
    r
}

async fn decode<T: serde::de::DeserializeOwned>(
    r: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, StripeError> {
    let r = r.map_err(|e| StripeError::Unavailable(e.to_string()))?;
    let status = r.status().as_u16();
    let text = r
        .text()
        .await
        .map_err(|e| StripeError::Unavailable(e.to_string()))?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text)
            .map_err(|e| StripeError::Unavailable(format!("unreadable answer: {e}")));
    }
    let err: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let message = err["error"]["message"]
        .as_str()
        .unwrap_or(text.as_str())
        .to_string();
    match status {
        402 => Err(StripeError::Declined {
            code: err["error"]["code"]
                .as_str()
                .unwrap_or("card_declined")
                .to_string(),
            message,
        }),
        429 | 500.. => Err(StripeError::Unavailable(format!(
            "HTTP {status}: {message}"
        ))),
        _ => Err(StripeError::Rejected { status, message }),
    }
}

/// Checks a `Stripe-Signature` header (`t=<unix>,v1=<hex hmac-sha256 of "t.payload">`) with the
/// webhook secret; `tolerance_secs` bounds the age of the timestamp against replays.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now_secs: i64,
    tolerance_secs: i64,
) -> bool {
    use hmac::{Hmac, Mac};
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now_secs - t).abs() > tolerance_secs {
        return false;
    }
    sigs.iter().any(|sig| {
        let Ok(expected) = hex::decode(sig) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac.verify_slice(&expected).is_ok()
    })
}

/// Signs a payload the way Stripe does (for tests and tools that send webhooks).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_payload_and_fresh_timestamp() {
        let h = sign(b"{\"id\":1}", "whsec", 1000);
        assert!(verify_signature(b"{\"id\":1}", &h, "whsec", 1010, 300));
        assert!(!verify_signature(b"{\"id\":2}", &h, "whsec", 1010, 300));
        assert!(!verify_signature(b"{\"id\":1}", &h, "other", 1010, 300));
        assert!(!verify_signature(b"{\"id\":1}", &h, "whsec", 2000, 300));
        assert!(!verify_signature(b"{\"id\":1}", "", "whsec", 1000, 300));
        assert!(!verify_signature(
            b"{\"id\":1}",
            "t=1000,v1=zz",
            "whsec",
            1000,
            300
        ));
    }
}
