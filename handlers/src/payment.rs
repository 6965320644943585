//! `Payment`: one virtual object per payment (keyed by the payment id, which is the booking
//! id). Its exclusive handlers are the payment flow against the provider: authorize (manual
//! capture), refresh after the member authenticated, capture, void and refund; being one object
//! per payment serializes them, so two refunds can never race. Each is a named journaled step
//! with the payment retry policy and an `Idempotency-Key` of `<payment id>:<step>`. Every change
//! of the payment updates its row, and captures and refunds send the payment email and record
//! the activity (the seed's payment processing flow).

use crate::api::{Empty, RecordActivity, SendNotification};
use crate::deps::{Deps, now_ms};
use crate::error::{infra, terminal};
use crate::guard;
use crate::notifications::NotificationsClient;
use crate::reporting::ReportingClient;
use deskflow_domain::money::format_minor as money;
use deskflow_infra::store::payments::PaymentRow;
use deskflow_infra::stripe::{PaymentIntent, StripeError};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct Payment {
    pub deps: Arc<Deps>,
}

/// What the Booking workflow asks to be authorized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub booking_id: String,
    pub user_id: String,
    pub user_email: String,
    pub amount_cents: i64,
    pub currency: String,
    pub payment_method: String,
}

/// Where the authorization stands after a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuthOutcome {
    /// the amount is reserved on the card and can be captured
    Authorized,
    /// the member must authenticate (3-D Secure) with this client secret
    RequiresAction { client_secret: String },
    /// declined, or authentication failed: why, in the provider's words
    Declined { message: String },
}

/// The payment's state, kept in the object and mirrored in the `payments` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    pub payment_id: String,
    pub booking_id: String,
    pub user_id: String,
    pub user_email: String,
    /// pending, requires_action, authorized, declined, captured, voided, refunded, partially_refunded
    pub status: String,
    pub amount_cents: i64,
    pub currency: String,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    pub provider_ref: Option<String>,
    pub client_secret: Option<String>,
    pub refunds: i64,
}

/// `Payment/{id}/status` as API.md defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub payment_id: String,
    pub booking_id: String,
    pub status: String,
    pub amount_cents: i64,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    pub provider_ref: Option<String>,
}

const STATE: &str = "payment";

/// As the Calendar: a call that keeps failing is retried for about 12 minutes and then killed,
/// so the Booking workflow that awaits it gets a terminal error and compensates instead of
/// waiting on a paused invocation.
#[restate_sdk::object(
    name = "Payment",
    invocation_retry_policy(
        initial_interval = "200ms",
        factor = 2.0,
        max_interval = "30s",
        max_attempts = 30,
        on_max_attempts = "kill"
    )
)]
impl Payment {
    /// (internal) Creates and confirms a manual-capture PaymentIntent for the booking.
    #[handler(name = "authorize", ingress_private)]
    async fn authorize(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<AuthorizeRequest>,
    ) -> HandlerResult<Json<AuthOutcome>> {
        let pid = ctx.key().to_string();
        let mut st = PaymentState {
            payment_id: pid.clone(),
            booking_id: req.booking_id.clone(),
            user_id: req.user_id.clone(),
            user_email: req.user_email.clone(),
            status: "pending".into(),
            amount_cents: req.amount_cents,
            currency: req.currency.clone(),
            ..PaymentState::default()
        };
        self.save(&ctx, &st, "record payment", true).await?;

        let deps = self.deps.clone();
        let r = req.clone();
        let key = format!("{pid}:authorize");
        let pi: Json<Result<PaymentIntent, String>> = ctx
            .run(|| async move {
                match deps
                    .stripe
                    .authorize(
                        r.amount_cents,
                        &r.currency,
                        &r.payment_method,
                        &r.booking_id,
                        &key,
                    )
                    .await
                {
                    Ok(pi) => Ok(Json(Ok(pi))),
                    // declined, or a payment method the provider does not accept: final
                    Err(StripeError::Declined { message, .. })
                    | Err(StripeError::Rejected { message, .. }) => Ok(Json(Err(message))),
                    Err(e) => Err(transient(e)),
                }
            })
            .name("authorize payment")
            .retry_policy(self.deps.payment_retry.policy())
            .await?;
        let outcome = apply(&mut st, pi.0);
        self.save(&ctx, &st, "update payment", false).await?;
        Ok(Json(outcome))
    }

    /// (internal) Reads the PaymentIntent again (after the provider's webhook) and reports
    /// where the authorization stands.
    #[handler(name = "refresh", ingress_private)]
    async fn refresh(&self, ctx: ObjectContext<'_>) -> HandlerResult<Json<AuthOutcome>> {
        let mut st = self.load(&ctx).await?;
        let Some(pi_id) = st.provider_ref.clone() else {
            return Ok(Json(AuthOutcome::Declined {
                message: "no payment was started".into(),
            }));
        };
        let deps = self.deps.clone();
        let Json(pi) = ctx
            .run(|| async move {
                deps.stripe
                    .retrieve(&pi_id)
                    .await
                    .map(Json)
                    .map_err(transient)
            })
            .name("check payment")
            .retry_policy(self.deps.payment_retry.policy())
            .await?;
        let outcome = apply(&mut st, Ok(pi));
        self.save(&ctx, &st, "update payment", false).await?;
        Ok(Json(outcome))
    }

    /// (internal) Captures the authorized amount; returns the captured amount.
    #[handler(name = "capture", ingress_private)]
    async fn capture(&self, ctx: ObjectContext<'_>) -> HandlerResult<i64> {
        let mut st = self.load(&ctx).await?;
        if st.status == "captured" || st.captured_cents > 0 {
            return Ok(st.captured_cents);
        }
        let pi_id = st
            .provider_ref
            .clone()
            .ok_or_else(|| terminal(409, "nothing was authorized"))?;
        let deps = self.deps.clone();
        let key = format!("{}:capture", st.payment_id);
        ctx.run(|| async move {
            match deps.stripe.capture(&pi_id, &key).await {
                Ok(_) => Ok(()),
                // the capture went through before a crash and is refused now: look
                Err(StripeError::Rejected { message, .. }) => {
                    match deps.stripe.retrieve(&pi_id).await {
                        Ok(pi) if pi.status == "succeeded" => Ok(()),
                        Ok(pi) => Err(terminal(
                            409,
                            format!("cannot capture a payment in state {}: {message}", pi.status),
                        )),
                        Err(e) => Err(transient(e)),
                    }
                }
                Err(e) => Err(transient(e)),
            }
        })
        .name("capture payment")
        .retry_policy(self.deps.payment_retry.policy())
        .await?;
        st.status = "captured".into();
        st.captured_cents = st.amount_cents;
        st.client_secret = None;
        self.save(&ctx, &st, "update payment", false).await?;
        self.announce(
            &ctx,
            &st,
            "payment_captured",
            &format!("payment_captured:{}", st.payment_id),
            st.captured_cents,
            format!(
                "We charged {} {} for booking {}. Thank you!",
                money(st.captured_cents),
                st.currency,
                st.booking_id
            ),
        );
        Ok(st.captured_cents)
    }

    /// (internal) Voids an authorization that was not captured. A payment that never got as far
    /// as an authorization, or was voided already, is left as it is.
    #[handler(name = "void", ingress_private)]
    async fn void(&self, ctx: ObjectContext<'_>) -> HandlerResult<()> {
        let Some(mut st) = ctx.get::<Json<PaymentState>>(STATE).await?.map(|j| j.0) else {
            return Ok(());
        };
        let Some(pi_id) = st.provider_ref.clone() else {
            return Ok(());
        };
        if matches!(
            st.status.as_str(),
            "voided" | "declined" | "captured" | "refunded" | "partially_refunded"
        ) {
            return Ok(());
        }
        let deps = self.deps.clone();
        let key = format!("{}:void", st.payment_id);
        ctx.run(|| async move {
            deskflow_infra::metrics::inc(
                "deskflow_compensations_total",
                &[("step", "void authorization")],
            );
            match deps.stripe.cancel(&pi_id, &key).await {
                Ok(_) => Ok(()),
                Err(StripeError::Rejected { message, .. }) => match deps
                    .stripe
                    .retrieve(&pi_id)
                    .await
                {
                    Ok(pi)
                        if matches!(pi.status.as_str(), "canceled" | "requires_payment_method") =>
                    {
                        Ok(())
                    }
                    Ok(pi) => Err(terminal(
                        409,
                        format!("cannot void a payment in state {}: {message}", pi.status),
                    )),
                    Err(e) => Err(transient(e)),
                },
                Err(e) => Err(transient(e)),
            }
        })
        .name("void authorization")
        .retry_policy(self.deps.compensation_retry.policy())
        .await?;
        st.status = "voided".into();
        st.client_secret = None;
        self.save(&ctx, &st, "update payment", false).await?;
        record(
            &ctx,
            &st,
            "payment_voided",
            &format!("payment_voided:{}", st.payment_id),
            None,
        );
        Ok(())
    }

    /// (internal) Refunds `amount` (at most what is captured and not yet refunded); returns the
    /// amount refunded by this call.
    #[handler(name = "refund", ingress_private)]
    async fn refund(&self, ctx: ObjectContext<'_>, amount: i64) -> HandlerResult<i64> {
        let mut st = self.load(&ctx).await?;
        let amount = amount.min(st.captured_cents - st.refunded_cents);
        if amount <= 0 {
            return Ok(0);
        }
        let pi_id = st
            .provider_ref
            .clone()
            .ok_or_else(|| terminal(409, "nothing was captured"))?;
        let deps = self.deps.clone();
        let n = st.refunds + 1;
        let key = format!("{}:refund:{n}", st.payment_id);
        ctx.run(|| async move {
            deskflow_infra::metrics::inc(
                "deskflow_compensations_total",
                &[("step", "refund payment")],
            );
            deps.stripe
                .refund(&pi_id, amount, &key)
                .await
                .map(|_| ())
                .map_err(provider_error)
        })
        .name("refund payment")
        .retry_policy(self.deps.compensation_retry.policy())
        .await?;
        st.refunds = n;
        st.refunded_cents += amount;
        st.status = if st.refunded_cents == st.captured_cents {
            "refunded"
        } else {
            "partially_refunded"
        }
        .into();
        self.save(&ctx, &st, "update payment", false).await?;
        self.announce(
            &ctx,
            &st,
            "payment_refunded",
            &format!("payment_refunded:{}:{n}", st.payment_id),
            amount,
            format!(
                "We refunded {} {} for booking {}. It reaches your card within a few days.",
                money(amount),
                st.currency,
                st.booking_id
            ),
        );
        Ok(amount)
    }

    /// The payment as the member (or an admin) sees it.
    #[handler(name = "status")]
    async fn status(
        &self,
        ctx: SharedObjectContext<'_>,
        _body: Option<Json<Empty>>,
    ) -> HandlerResult<Json<PaymentView>> {
        let who = guard::caller(ctx.headers(), &self.deps.tokens)?;
        let st = ctx.get::<Json<PaymentState>>(STATE).await?.map(|j| j.0);
        let Some(st) = st.filter(|s| s.user_id == who.sub || who.is_admin()) else {
            return Err(terminal(404, format!("payment {:?} not found", ctx.key())));
        };
        Ok(Json(view(&st)))
    }
}

impl Payment {
    async fn load(&self, ctx: &ObjectContext<'_>) -> HandlerResult<PaymentState> {
        ctx.get::<Json<PaymentState>>(STATE)
            .await?
            .map(|j| j.0)
            .ok_or_else(|| terminal(404, format!("payment {:?} not found", ctx.key())))
    }

    /// Keeps the object state and the `payments` row in step.
    async fn save(
        &self,
        ctx: &ObjectContext<'_>,
        st: &PaymentState,
        step: &'static str,
        insert: bool,
    ) -> HandlerResult<()> {
        ctx.set(STATE, Json(st.clone()));
        let deps = self.deps.clone();
        let st = st.clone();
        ctx.run(|| async move {
            let now = now_ms();
            let row = PaymentRow {
                id: st.payment_id.clone(),
                booking_id: st.booking_id.clone(),
                provider_ref: st.provider_ref.clone(),
                status: st.status.clone(),
                amount_cents: st.amount_cents,
                captured_cents: st.captured_cents,
                refunded_cents: st.refunded_cents,
                currency: st.currency.clone(),
                created_at: now,
                updated_at: now,
            };
            if insert {
                deps.store.insert_payment(&row).await.map_err(infra)
            } else {
                deps.store.update_payment(&row).await.map_err(infra)
            }
        })
        .name(step)
        .retry_policy(self.deps.db_retry.policy())
        .await?;
        Ok(())
    }

    /// Payment email and activity record: one-way, so neither can hold up the payment.
    fn announce(
        &self,
        ctx: &ObjectContext<'_>,
        st: &PaymentState,
        kind: &str,
        origin: &str,
        amount: i64,
        body: String,
    ) {
        ctx.service_client::<NotificationsClient>()
            .send(Json(SendNotification {
                id: origin.to_string(),
                user_id: Some(st.user_id.clone()),
                kind: kind.to_string(),
                to: st.user_email.clone(),
                subject: match kind {
                    "payment_captured" => "Payment received".to_string(),
                    _ => "Refund issued".to_string(),
                },
                body,
            }))
            .send();
        record(ctx, st, kind, origin, Some(amount));
    }
}

fn record(
    ctx: &ObjectContext<'_>,
    st: &PaymentState,
    kind: &str,
    origin: &str,
    amount: Option<i64>,
) {
    ctx.service_client::<ReportingClient>()
        .record(Json(RecordActivity {
            origin_key: origin.to_string(),
            kind: kind.to_string(),
            user_id: Some(st.user_id.clone()),
            workspace_id: None,
            booking_id: Some(st.booking_id.clone()),
            amount_cents: amount,
        }))
        .send();
}

/// Folds a provider answer into the state and says what it means for the booking.
fn apply(st: &mut PaymentState, pi: Result<PaymentIntent, String>) -> AuthOutcome {
    match pi {
        Err(message) => {
            st.status = "declined".into();
            AuthOutcome::Declined { message }
        }
        Ok(pi) => {
            st.provider_ref = Some(pi.id.clone());
            match pi.status.as_str() {
                "requires_capture" | "succeeded" => {
                    st.status = "authorized".into();
                    st.client_secret = None;
                    AuthOutcome::Authorized
                }
                "requires_action" | "processing" | "requires_confirmation" => {
                    st.status = "requires_action".into();
                    st.client_secret = pi.client_secret.clone();
                    AuthOutcome::RequiresAction {
                        client_secret: pi.client_secret.unwrap_or_default(),
                    }
                }
                other => {
                    st.status = "declined".into();
                    st.client_secret = None;
                    AuthOutcome::Declined {
                        message: pi
                            .failure_message()
                            .unwrap_or_else(|| format!("the payment ended as {other}")),
                    }
                }
            }
        }
    }
}

pub fn view(st: &PaymentState) -> PaymentView {
    PaymentView {
        payment_id: st.payment_id.clone(),
        booking_id: st.booking_id.clone(),
        status: st.status.clone(),
        amount_cents: st.amount_cents,
        captured_cents: st.captured_cents,
        refunded_cents: st.refunded_cents,
        provider_ref: st.provider_ref.clone(),
    }
}

/// A provider failure that retrying may fix: retryable for Restate.
fn transient(e: StripeError) -> HandlerError {
    tracing::warn!(error = %e, "payment provider call failed; will retry");
    deskflow_infra::metrics::inc(
        "deskflow_step_retries_total",
        &[("step", "payment provider")],
    );
    HandlerError::from(e)
}

/// Any provider failure: retryable when transient, terminal 502 otherwise.
fn provider_error(e: StripeError) -> HandlerError {
    if e.is_transient() {
        transient(e)
    } else {
        terminal(502, e.to_string())
    }
}
