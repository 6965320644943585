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
use deskflow_api::OptionalJson;
use deskflow_api::{Empty, RecordActivity, SendNotification};
use deskflow_domain::money::format_minor as money;
use deskflow_domain::payment::PaymentStatus;
use deskflow_domain::saga::{ProviderState, SettleAction, settle_action};
use deskflow_infra::store::payments::PaymentRow;
use deskflow_infra::stripe::{PaymentIntent, StripeError};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

mod messages;
mod state;
mod steps;

pub use messages::{
    AuthOutcome, AuthorizeRequest, CaptureOutcome, PaymentState, PaymentView, SettleRequest,
    Settlement,
};
pub use state::view;
use state::{
    StoredProviderState, apply, mirror, outcome_of, settlement, transient, without_secret,
};

pub struct Payment {
    pub deps: Arc<Deps>,
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
            status: PaymentStatus::Pending,
            amount_cents: req.amount_cents,
            currency: req.currency.clone(),
            quiet: req.quiet,
            ..PaymentState::default()
        };
        self.save(&ctx, &st, "record payment", true).await?;

        let deps = self.deps.clone();
        let (r, payment_id) = (req.clone(), pid.clone());
        let key = format!("{pid}:authorize");
        let answer: Result<Json<Result<PaymentIntent, String>>, TerminalError> = ctx
            .run(|| {
                step(async move {
                    // started before: that attempt may have made a PaymentIntent whose answer
                    // never reached the journal; taking it leaves no second one unnamed
                    if deps.store.count_authorize_attempt(&payment_id).await? > 1
                        && let Some(pi) = deps
                            .stripe
                            .earlier_authorization(&payment_id, now_ms() / 1000)
                            .await
                            .map_err(transient)?
                    {
                        tracing::info!(payment_id, payment_intent = %pi.id, "authorization found from an earlier attempt");
                        return Ok(Json(Ok(without_secret(pi))));
                    }
                    match deps
                        .stripe
                        .authorize(
                            r.amount_cents,
                            &r.currency,
                            &r.payment_method,
                            &r.booking_id,
                            &payment_id,
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
                st.status = PaymentStatus::Declined;
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
        st.status = PaymentStatus::Captured;
        st.captured_cents = st.amount_cents;
        self.save(&ctx, &st, "update payment", false).await?;
        let quiet = st.quiet;
        self.announce(
            &ctx,
            &st,
            quiet,
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
                    status: PaymentStatus::NotStarted,
                    settled: true,
                    ..PaymentState::default()
                }),
            );
            return Ok(Json(Settlement {
                status: PaymentStatus::NotStarted,
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
                        st.status = PaymentStatus::Voided;
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
                    if !self
                        .refund(&ctx, &mut st, &pi_id, amount, req.quiet)
                        .await?
                    {
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
        _body: OptionalJson<Empty>,
    ) -> Result<Json<PaymentView>, Failure> {
        let who = crate::member!(ctx, &self.deps)?;
        let st = ctx.get::<Json<PaymentState>>(STATE).await?.map(|j| j.0);
        let Some(st) =
            st.filter(|s| !s.user_id.is_empty() && (s.user_id == who.sub || who.is_admin()))
        else {
            return Err(terminal(404, format!("payment {:?} not found", ctx.key())));
        };
        Ok(Json(view(&st)))
    }
}
