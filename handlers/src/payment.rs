//! `Payment`: one virtual object per payment (keyed by the payment id, which is the booking
//! id). Its exclusive handlers are the payment flow against the provider: authorize (manual
//! capture), refresh after the member authenticated, capture, and settle. Being one object per
//! payment serializes them: a `settle` sent while an `authorize` or `capture` is still running
//! runs after it, and then looks at the provider's state, so an unwind never misses an effect
//! that landed after its caller stopped listening.
//!
//! Each provider call is a named journaled step with an `Idempotency-Key` of
//! `<payment id>:<step>`. Business outcomes (declined, refused, the provider unreachable after
//! the retry budget) are answers, never errors: the caller tells them apart by type.
//! Every change of the payment updates its row; captures and refunds send the payment email
//! and record the activity (the seed's payment processing flow).

use crate::announce::announce;
use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step, terminal};
use crate::guard;
use deskflow_api::{Empty, RecordActivity, SendNotification};
use deskflow_domain::money::format_minor as money;
use deskflow_domain::saga::{ProviderState, SettleAction, settle_action};
use deskflow_infra::store::payments::PaymentRow;
use deskflow_infra::stripe::{PaymentIntent, StripeError};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct Payment {
    pub deps: Arc<Deps>,
}

/// What the Booking workflow asks to be authorized (its amount comes from the workflow's own
/// quote of the database's workspace, never from a client).
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
    /// the member must authenticate (3-D Secure); the client secret is not passed around: the
    /// booking's `status` reads it from the provider while it is needed
    RequiresAction { payment_intent: String },
    /// declined, or authentication failed: why, in the provider's words
    Declined { message: String },
    /// the provider did not answer within the retry budget
    Unavailable { message: String },
}

/// The outcome of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CaptureOutcome {
    Captured {
        captured_cents: i64,
    },
    /// the provider refused (e.g. the authorization expired or was cancelled)
    Refused {
        message: String,
    },
    /// the provider did not answer within the retry budget
    Unavailable {
        message: String,
    },
}

/// `Payment/{id}/settle`: end the payment so that the business keeps exactly `retain_cents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettleRequest {
    pub retain_cents: i64,
}

/// The payment after settling, as the provider has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub status: String,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    /// refunded by this settle (0 when it was settled before)
    pub refunded_now_cents: i64,
}

/// The payment's state, kept in the object and mirrored in the `payments` table. No secret
/// is kept here: the card's client secret stays with the provider.
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
    pub refunds: i64,
    /// once settled, the payment takes no new authorization or capture (a late message of a
    /// unwound booking cannot charge the card again)
    #[serde(default)]
    pub settled: bool,
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
/// What a member is told when the provider's own message is not for them (it may name
/// internal addresses); the detail goes to the log.
const PROVIDER_DOWN: &str = "the payment provider did not answer";

/// The object's own retry policy covers only the few effects outside journaled steps (state
/// reads); every provider and database step has its own bounded policy and reports running out
/// as an outcome. A handler that still keeps failing is paused for an operator, never killed:
/// a killed payment step would leave its caller without an answer.
#[restate_sdk::object(
    name = "Payment",
    invocation_retry_policy(
        initial_interval = "200ms",
        factor = 2.0,
        max_interval = "30s",
        max_attempts = 60,
        on_max_attempts = "pause"
    )
)]
impl Payment {
    /// (internal) Creates and confirms a manual-capture PaymentIntent for the booking.
    #[handler(name = "authorize", ingress_private)]
    async fn authorize(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<AuthorizeRequest>,
    ) -> Result<Json<AuthOutcome>, Failure> {
        if let Some(st) = ctx.get::<Json<PaymentState>>(STATE).await?.map(|j| j.0) {
            // a payment is authorized once; a settled one never again
            return Ok(Json(if st.settled {
                AuthOutcome::Declined {
                    message: "the payment was settled already".into(),
                }
            } else {
                outcome_of(&st)
            }));
        }
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
        let answer: Result<Json<Result<PaymentIntent, String>>, TerminalError> = ctx
            .run(|| {
                step(async move {
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
                        Ok(pi) => Ok(Json(Ok(without_secret(pi)))),
                        // declined, or a payment method the provider does not accept: final
                        Err(StripeError::Declined { message, .. })
                        | Err(StripeError::Rejected { message, .. }) => Ok(Json(Err(message))),
                        Err(e) => Err(transient(e)),
                    }
                })
            })
            .name("authorize payment")
            .retry_policy(self.deps.payment_retry.policy())
            .await;
        let outcome = match answer {
            Ok(Json(pi)) => apply(&mut st, pi),
            Err(e) => {
                tracing::warn!(payment_id = %pid, error = %e, "authorization gave up");
                st.status = "declined".into();
                AuthOutcome::Unavailable {
                    message: format!("{PROVIDER_DOWN} (authorize)"),
                }
            }
        };
        self.save(&ctx, &st, "update payment", false).await?;
        Ok(Json(outcome))
    }

    /// (internal) Reads the PaymentIntent again (after the provider's webhook) and reports
    /// where the authorization stands.
    #[handler(name = "refresh", ingress_private)]
    async fn refresh(&self, ctx: ObjectContext<'_>) -> Result<Json<AuthOutcome>, Failure> {
        let mut st = self.load(&ctx).await?;
        let Some(pi_id) = st.provider_ref.clone().filter(|_| !st.settled) else {
            return Ok(Json(AuthOutcome::Declined {
                message: "no payment is open".into(),
            }));
        };
        let deps = self.deps.clone();
        let answer = ctx
            .run(|| {
                step(async move {
                    deps.stripe
                        .retrieve(&pi_id)
                        .await
                        .map(|pi| Json(without_secret(pi)))
                        .map_err(transient)
                })
            })
            .name("check payment")
            .retry_policy(self.deps.payment_retry.policy())
            .await;
        let Ok(Json(pi)) = answer else {
            return Ok(Json(AuthOutcome::Unavailable {
                message: format!("{PROVIDER_DOWN} (check payment)"),
            }));
        };
        let outcome = apply(&mut st, Ok(pi));
        self.save(&ctx, &st, "update payment", false).await?;
        Ok(Json(outcome))
    }

    /// (internal) Captures the authorized amount.
    #[handler(name = "capture", ingress_private)]
    async fn capture(&self, ctx: ObjectContext<'_>) -> Result<Json<CaptureOutcome>, Failure> {
        let mut st = self.load(&ctx).await?;
        if st.captured_cents > 0 {
            return Ok(Json(CaptureOutcome::Captured {
                captured_cents: st.captured_cents,
            }));
        }
        let Some(pi_id) = st.provider_ref.clone().filter(|_| !st.settled) else {
            return Ok(Json(CaptureOutcome::Refused {
                message: "nothing is authorized".into(),
            }));
        };
        let deps = self.deps.clone();
        let key = format!("{}:capture", st.payment_id);
        let answer: Result<Json<Result<(), String>>, TerminalError> = ctx
            .run(|| step(async move {
                match deps.stripe.capture(&pi_id, &key).await {
                    Ok(_) => Ok(Json(Ok(()))),
                    // refused: maybe it went through before a crash; the provider knows
                    Err(StripeError::Rejected { message, .. }) => {
                        match deps.stripe.retrieve(&pi_id).await {
                            Ok(pi) if pi.status == "succeeded" => Ok(Json(Ok(()))),
                            Ok(pi) => Ok(Json(Err(format!(
                                "the provider refused the capture of a payment in state {} ({message})",
                                pi.status
                            )))),
                            Err(e) => Err(transient(e)),
                        }
                    }
                    Err(e) => Err(transient(e)),
                }
            }))
            .name("capture payment")
            .retry_policy(self.deps.payment_retry.policy())
            .await;
        match answer {
            Ok(Json(Ok(()))) => {}
            Ok(Json(Err(message))) => return Ok(Json(CaptureOutcome::Refused { message })),
            Err(e) => {
                tracing::warn!(payment_id = %st.payment_id, error = %e, "capture gave up");
                return Ok(Json(CaptureOutcome::Unavailable {
                    message: format!("{PROVIDER_DOWN} (capture)"),
                }));
            }
        }
        st.status = "captured".into();
        st.captured_cents = st.amount_cents;
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
        Ok(Json(CaptureOutcome::Captured {
            captured_cents: st.captured_cents,
        }))
    }

    /// (internal) Unwinds the payment against the provider's current state, whatever any
    /// caller saw: an open or authorized PaymentIntent is voided, captured money is refunded
    /// down to `retain_cents`. Runs after any authorize or capture still in flight (the object
    /// serializes them), is safe to repeat, and closes the payment for new charges.
    #[handler(name = "settle", ingress_private)]
    async fn settle(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<SettleRequest>,
    ) -> Result<Json<Settlement>, Failure> {
        let Some(mut st) = ctx.get::<Json<PaymentState>>(STATE).await?.map(|j| j.0) else {
            // never authorized: nothing to unwind, and nothing may be authorized later
            ctx.set(
                STATE,
                Json(PaymentState {
                    payment_id: ctx.key().to_string(),
                    booking_id: ctx.key().to_string(),
                    status: "none".into(),
                    settled: true,
                    ..PaymentState::default()
                }),
            );
            return Ok(Json(Settlement {
                status: "none".into(),
                ..Settlement::default()
            }));
        };
        st.settled = true;
        let Some(pi_id) = st.provider_ref.clone() else {
            ctx.set(STATE, Json(st.clone()));
            return Ok(Json(settlement(&st, 0)));
        };
        let mut refunded_now = 0;
        // at most a few rounds: each action is followed by a fresh look at the provider
        for _ in 0..3 {
            let state = self.provider_state(&ctx, &pi_id).await?;
            match settle_action(state, req.retain_cents) {
                SettleAction::Nothing => {
                    mirror(&mut st, state);
                    break;
                }
                SettleAction::Void => {
                    if self.void(&ctx, &st, &pi_id).await? {
                        st.status = "voided".into();
                        self.save(&ctx, &st, "update payment", false).await?;
                        announce(
                            &ctx,
                            RecordActivity {
                                origin_key: format!("payment_voided:{}", st.payment_id),
                                kind: "payment_voided".into(),
                                user_id: Some(st.user_id.clone()),
                                workspace_id: None,
                                booking_id: Some(st.booking_id.clone()),
                                amount_cents: None,
                            },
                            None,
                        );
                        break;
                    }
                }
                SettleAction::Refund(amount) => {
                    if !self.refund(&ctx, &mut st, &pi_id, amount).await? {
                        continue;
                    }
                    refunded_now += amount;
                    if let ProviderState::Captured { captured, refunded } = state {
                        mirror(
                            &mut st,
                            ProviderState::Captured {
                                captured,
                                refunded: refunded + amount,
                            },
                        );
                    }
                    break;
                }
            }
        }
        self.save(&ctx, &st, "update payment", false).await?;
        Ok(Json(settlement(&st, refunded_now)))
    }

    /// The payment as the member (or an admin) sees it.
    #[handler(
        name = "status",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn status(
        &self,
        ctx: SharedObjectContext<'_>,
        _body: Option<Json<Empty>>,
    ) -> Result<Json<PaymentView>, Failure> {
        let claims = guard::caller(ctx.headers(), &self.deps.tokens)?;
        let (d, sub) = (self.deps.clone(), claims.sub.clone());
        let Json(access) = ctx
            .run(|| step(async move { Ok(Json(d.store.user_access(&sub).await?)) }))
            .name("check caller")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        let who = guard::still_valid(claims, access)?;
        let st = ctx.get::<Json<PaymentState>>(STATE).await?.map(|j| j.0);
        let Some(st) =
            st.filter(|s| !s.user_id.is_empty() && (s.user_id == who.sub || who.is_admin()))
        else {
            return Err(terminal(404, format!("payment {:?} not found", ctx.key())));
        };
        Ok(Json(view(&st)))
    }
}

impl Payment {
    async fn load(&self, ctx: &ObjectContext<'_>) -> Outcome<PaymentState> {
        ctx.get::<Json<PaymentState>>(STATE)
            .await?
            .map(|j| j.0)
            .ok_or_else(|| terminal(404, format!("payment {:?} not found", ctx.key())))
    }

    /// The provider's truth about the PaymentIntent, in one journaled step (patient: an unwind
    /// must finish even after a long outage).
    async fn provider_state(&self, ctx: &ObjectContext<'_>, pi_id: &str) -> Outcome<ProviderState> {
        let deps = self.deps.clone();
        let pi = pi_id.to_string();
        let Json(state) = ctx
            .run(|| {
                step(async move {
                    deps.stripe
                        .settle_state(&pi)
                        .await
                        .map(|s| Json(StoredProviderState::from(s)))
                        .map_err(transient)
                })
            })
            .name("check payment at provider")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        Ok(state.into())
    }

    /// Voids the PaymentIntent; `false` when the provider refused because its state moved on
    /// (the caller looks again).
    async fn void(&self, ctx: &ObjectContext<'_>, st: &PaymentState, pi_id: &str) -> Outcome<bool> {
        let deps = self.deps.clone();
        let (pi, key) = (pi_id.to_string(), format!("{}:void", st.payment_id));
        let done = ctx
            .run(|| {
                step(async move {
                    deskflow_infra::metrics::inc(
                        "deskflow_compensations_total",
                        &[("step", "void authorization")],
                    );
                    match deps.stripe.cancel(&pi, &key).await {
                        Ok(_) => Ok(true),
                        Err(StripeError::Rejected { .. }) => Ok(false),
                        Err(e) => Err(transient(e)),
                    }
                })
            })
            .name("void authorization")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        Ok(done)
    }

    /// Refunds `amount` with a key of its own (`<id>:refund:<n>`), then tells the member;
    /// `false` when the provider refused because the payment moved on (the caller looks again).
    async fn refund(
        &self,
        ctx: &ObjectContext<'_>,
        st: &mut PaymentState,
        pi_id: &str,
        amount: i64,
    ) -> Outcome<bool> {
        let deps = self.deps.clone();
        let n = st.refunds + 1;
        let (pi, key) = (pi_id.to_string(), format!("{}:refund:{n}", st.payment_id));
        let done = ctx
            .run(|| {
                step(async move {
                    deskflow_infra::metrics::inc(
                        "deskflow_compensations_total",
                        &[("step", "refund payment")],
                    );
                    match deps.stripe.refund(&pi, amount, &key).await {
                        Ok(_) => Ok(true),
                        Err(StripeError::Rejected { .. }) => Ok(false),
                        Err(e) => Err(transient(e)),
                    }
                })
            })
            .name("refund payment")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        st.refunds = n;
        if !done {
            return Ok(false);
        }
        self.announce(
            ctx,
            st,
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
        Ok(true)
    }

    /// Keeps the object state and the `payments` row in step.
    async fn save(
        &self,
        ctx: &ObjectContext<'_>,
        st: &PaymentState,
        step_name: &'static str,
        insert: bool,
    ) -> Outcome<()> {
        ctx.set(STATE, Json(st.clone()));
        let deps = self.deps.clone();
        let st = st.clone();
        ctx.run(|| {
            step(async move {
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
                    deps.store.insert_payment(&row).await?
                } else {
                    deps.store.update_payment(&row).await?
                }
                Ok(())
            })
        })
        .name(step_name)
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
        let mail = SendNotification {
            id: origin.to_string(),
            user_id: Some(st.user_id.clone()),
            kind: kind.to_string(),
            to: st.user_email.clone(),
            subject: match kind {
                "payment_captured" => "Payment received".to_string(),
                _ => "Refund issued".to_string(),
            },
            body,
        };
        let activity = RecordActivity {
            origin_key: origin.to_string(),
            kind: kind.to_string(),
            user_id: Some(st.user_id.clone()),
            workspace_id: None,
            booking_id: Some(st.booking_id.clone()),
            amount_cents: Some(amount),
        };
        announce(ctx, activity, Some(mail));
    }
}

/// [`ProviderState`] as a journaled step's result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum StoredProviderState {
    Absent,
    Open,
    Authorized,
    Captured { captured: i64, refunded: i64 },
    Closed,
}

impl From<ProviderState> for StoredProviderState {
    fn from(s: ProviderState) -> Self {
        match s {
            ProviderState::Absent => Self::Absent,
            ProviderState::Open => Self::Open,
            ProviderState::Authorized => Self::Authorized,
            ProviderState::Captured { captured, refunded } => Self::Captured { captured, refunded },
            ProviderState::Closed => Self::Closed,
        }
    }
}

impl From<StoredProviderState> for ProviderState {
    fn from(s: StoredProviderState) -> Self {
        match s {
            StoredProviderState::Absent => Self::Absent,
            StoredProviderState::Open => Self::Open,
            StoredProviderState::Authorized => Self::Authorized,
            StoredProviderState::Captured { captured, refunded } => {
                Self::Captured { captured, refunded }
            }
            StoredProviderState::Closed => Self::Closed,
        }
    }
}

/// Takes the provider's figures into the state (the provider is the truth).
fn mirror(st: &mut PaymentState, state: ProviderState) {
    match state {
        ProviderState::Captured { captured, refunded } => {
            st.captured_cents = captured;
            st.refunded_cents = refunded;
            st.status = if refunded == 0 {
                "captured"
            } else if refunded >= captured {
                "refunded"
            } else {
                "partially_refunded"
            }
            .into();
        }
        ProviderState::Closed => {
            st.captured_cents = 0;
            if st.status != "declined" {
                st.status = "voided".into();
            }
        }
        ProviderState::Absent | ProviderState::Open | ProviderState::Authorized => {}
    }
}

fn settlement(st: &PaymentState, refunded_now: i64) -> Settlement {
    Settlement {
        status: st.status.clone(),
        captured_cents: st.captured_cents,
        refunded_cents: st.refunded_cents,
        refunded_now_cents: refunded_now,
    }
}

/// What an authorization that already ran reports when asked again.
fn outcome_of(st: &PaymentState) -> AuthOutcome {
    match (st.status.as_str(), &st.provider_ref) {
        ("authorized" | "captured", _) => AuthOutcome::Authorized,
        ("requires_action", Some(pi)) => AuthOutcome::RequiresAction {
            payment_intent: pi.clone(),
        },
        _ => AuthOutcome::Declined {
            message: format!("the payment is {}", st.status),
        },
    }
}

/// A PaymentIntent as it may be journaled: without the card's client secret, which only the
/// member's client needs (the booking's `status` reads it from the provider for them).
fn without_secret(mut pi: PaymentIntent) -> PaymentIntent {
    pi.client_secret = None;
    pi
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
                    AuthOutcome::Authorized
                }
                "requires_action" | "processing" | "requires_confirmation" => {
                    st.status = "requires_action".into();
                    AuthOutcome::RequiresAction {
                        payment_intent: pi.id.clone(),
                    }
                }
                other => {
                    st.status = "declined".into();
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
fn transient(e: StripeError) -> Failure {
    tracing::warn!(error = %e, "payment provider call failed; will retry");
    deskflow_infra::metrics::inc(
        "deskflow_step_retries_total",
        &[("step", "payment provider")],
    );
    Failure::retryable(e)
}
