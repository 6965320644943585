//! The payment provider as the tests see it: localstripe read through Stripe's own API (what it
//! really holds, refunds, 3-D Secure cards and their authentication) and webhooks signed for
//! the endpoint.

use super::TestStack;
use serde_json::Value;

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

    /// A PaymentIntent made at the provider by hand, authorized by the test card with
    /// `metadata`, and captured when `capture`: what an orphan looks like. Returns its id.
    pub async fn plant_payment_intent(
        &self,
        amount: i64,
        metadata: &[(&str, &str)],
        capture: bool,
    ) -> String {
        let amount = amount.to_string();
        let marks: Vec<(String, &str)> = metadata
            .iter()
            .map(|(k, v)| (format!("metadata[{k}]"), *v))
            .collect();
        let mut form: Vec<(&str, &str)> = vec![
            ("amount", amount.as_str()),
            ("currency", "eur"),
            ("payment_method", "pm_card_visa"),
            ("capture_method", "manual"),
            ("confirm", "true"),
        ];
        form.extend(marks.iter().map(|(k, v)| (k.as_str(), *v)));
        let pi = self.post("/v1/payment_intents", &form).await;
        let id = pi["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{pi}"))
            .to_string();
        if capture {
            let done = self
                .post(&format!("/v1/payment_intents/{id}/capture"), &[])
                .await;
            assert_eq!(done["status"], "succeeded", "{done}");
        }
        id
    }

    /// The member authenticates at the provider (localstripe's stand-in for the 3-D Secure page).
    pub async fn authenticate(&self, client_secret: &str, success: bool) -> Value {
        let pi = payment_intent_of(client_secret);
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

/// The PaymentIntent a client secret belongs to (Stripe's are `<PaymentIntent id>_secret_...`).
pub fn payment_intent_of(client_secret: &str) -> &str {
    client_secret
        .split("_secret_")
        .next()
        .unwrap_or(client_secret)
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
