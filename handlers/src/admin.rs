//! `Admin`: the operator's business view. Filter bookings (including the ones stuck in a
//! non-final state, e.g. waiting on payment), cancel any booking with a full refund through the
//! same compensation path as a member's cancel, and give or take the admin role. Every handler
//! checks the caller's role in the database ([`guard::admin`]), and receives a bearer token, so
//! the service keeps no journal or idempotency record after a call.

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step, terminal};
use crate::guard;
use crate::payment::{PaymentClient, SettleRequest};
use crate::reconcile::{Fix, compare_all};
use crate::stored::{booking_summary, profile};
use deskflow_api::OptionalJson;
use deskflow_api::flows;
use deskflow_api::{
    AdminBookingsRequest, AdminCancelRequest, BookingSummary, CancelRequest, CancelResult,
    DemoteRequest, Profile, PromoteRequest, ReconcileReport, ReconcileRequest,
};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::email::Email;
use deskflow_domain::limits;
use deskflow_infra::metrics;
use deskflow_infra::store::bookings::BookingFilter;
use deskflow_infra::store::users::Demoted;
use deskflow_infra::stripe::StripeError;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Admin {
    pub deps: Arc<Deps>,
}

#[restate_sdk::service(name = "Admin", journal_retention = "0s", idempotency_retention = "0s")]
impl Admin {
    /// (admin) Bookings matching every given filter, newest change first (at most 500).
    #[handler(name = "bookings")]
    async fn bookings(
        &self,
        ctx: Context<'_>,
        body: OptionalJson<AdminBookingsRequest>,
    ) -> Result<Json<Vec<BookingSummary>>, Failure> {
        guard::admin(&ctx, &self.deps).await?;
        let f = body.or_default();
        let status = match f.status.as_deref() {
            None => None,
            Some(s) => Some(BookingStatus::parse(s).ok_or_else(|| {
                let known: Vec<&str> = BookingStatus::ALL.iter().map(|s| s.as_str()).collect();
                terminal(
                    400,
                    format!("unknown status {s:?}: use one of {}", known.join(", ")),
                )
            })?),
        };
        if let Some(secs) = f.stuck_for_secs {
            limits::check_stuck_for_secs(secs)?;
        }
        let filter = BookingFilter {
            status,
            workspace_id: f.workspace_id,
            user_id: f.user_id,
            unchanged_since_ms: f.stuck_for_secs.map(|s| now_ms() - s * 1000),
        };
        let rows = self.deps.store.bookings_matching(&filter).await?;
        Ok(Json(rows.into_iter().map(booking_summary).collect()))
    }

    /// (admin) Gives the admin role to a registered user: `{"email"}` -> the profile.
    #[handler(name = "promote")]
    async fn promote(
        &self,
        ctx: Context<'_>,
        Json(req): Json<PromoteRequest>,
    ) -> Result<Json<Profile>, Failure> {
        guard::admin(&ctx, &self.deps).await?;
        let email = Email::parse(&req.email)?;
        let deps = self.deps.clone();
        let Json(p) = ctx
            .run(|| {
                step(async move {
                    let u = deps.store.set_role(email.as_str(), "admin").await?;
                    let u = u.ok_or_else(|| {
                        terminal(
                            404,
                            format!("no user with email {:?}: register first", email.as_str()),
                        )
                    })?;
                    Ok(Json(profile(u)))
                })
            })
            .name("promote to admin")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        Ok(Json(p))
    }

    /// (admin) Takes the admin role away: `{"email"}` -> the profile. The account's tokens and
    /// refresh tokens are revoked, so its next admin call is refused whatever its token says.
    /// 409 for the last admin (nobody could promote anyone again), 404 for an unknown email.
    #[handler(name = "demote")]
    async fn demote(
        &self,
        ctx: Context<'_>,
        Json(req): Json<DemoteRequest>,
    ) -> Result<Json<Profile>, Failure> {
        let admin = guard::admin(&ctx, &self.deps).await?;
        let email = Email::parse(&req.email)?;
        let deps = self.deps.clone();
        let Json(p) = ctx
            .run(|| step(async move {
                match deps.store.demote(email.as_str(), now_ms()).await? {
                    Demoted::Done(u) => Ok(Json(profile(u))),
                    Demoted::LastAdmin => Err(terminal(
                        409,
                        format!(
                            "{:?} is the last admin: promote another account before demoting this one",
                            email.as_str()
                        ),
                    )),
                    Demoted::NoSuchUser => Err(terminal(
                        404,
                        format!("no user with email {:?}", email.as_str()),
                    )),
                }
            }))
            .name("demote")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        tracing::info!(by = %admin.sub, user_id = %p.user_id, "admin role taken away");
        Ok(Json(p))
    }

    /// (admin) Cancels a booking with a full refund.
    #[handler(name = "cancel_booking")]
    async fn cancel_booking(
        &self,
        ctx: Context<'_>,
        Json(req): Json<AdminCancelRequest>,
    ) -> Result<Json<CancelResult>, Failure> {
        let admin = guard::admin(&ctx, &self.deps).await?;
        let reason = limits::check_reason(req.reason.as_deref())?;
        // the workflow answers 404 for an id it does not know; a booking that has no row yet
        // (its seats are not held yet) can be cancelled all the same
        let cancel = CancelRequest {
            reason: reason
                .unwrap_or_else(|| format!("cancelled by an administrator ({})", admin.sub)),
            by: deskflow_domain::saga::Canceller::Admin,
        };
        let result = flows::booking::ADMIN_CANCEL
            .request(&ctx, req.booking_id, cancel)
            .call()
            .await?;
        Ok(result)
    }

    /// (admin) Compares every settled booking's payment with the provider and every workspace's
    /// seats with its bookings (bookings still in flight are skipped); with `fix`, settles the
    /// payment differences through the same unwind as a cancel (`Payment/{id}/settle`).
    /// `booking_ids` limits it to those bookings and their workspaces.
    #[handler(name = "reconcile", journal_retention = "0s")]
    async fn reconcile(
        &self,
        ctx: Context<'_>,
        body: OptionalJson<ReconcileRequest>,
    ) -> Result<Json<ReconcileReport>, Failure> {
        guard::admin(&ctx, &self.deps).await?;
        let req = body.or_default();
        if req
            .booking_ids
            .as_ref()
            .is_some_and(|ids| ids.len() > limits::MAX_RECONCILE_BOOKINGS)
        {
            return Err(terminal(
                400,
                format!(
                    "booking_ids: at most {} bookings per call",
                    limits::MAX_RECONCILE_BOOKINGS
                ),
            ));
        }
        let fix = req.fix;
        let deps = self.deps.clone();
        let only = req.booking_ids;
        let Json((mut report, fixes)) = ctx
            .run(|| {
                step(async move { Ok(Json(compare_all(&deps, now_ms(), only.as_deref()).await?)) })
            })
            .name("compare with the provider")
            .retry_policy(self.deps.payment_retry.policy())
            .await?;
        if fix {
            for f in fixes {
                if self.fix(&ctx, f).await? {
                    report.fixed += 1;
                }
            }
        }
        Ok(Json(report))
    }
}

impl Admin {
    /// Settles one difference `reconcile` found, each in a step of its own; answers whether it
    /// did anything. An orphan is settled only while still no payment names it.
    async fn fix(&self, ctx: &Context<'_>, f: Fix) -> Result<bool, Failure> {
        let deps = self.deps.clone();
        match f {
            Fix::Settle {
                payment_id,
                retain_cents,
            } => {
                ctx.object_client::<PaymentClient>(payment_id)
                    .settle(Json(SettleRequest {
                        retain_cents,
                        quiet: false,
                    }))
                    .call()
                    .await?;
                Ok(true)
            }
            Fix::VoidOrphan { payment_intent } => Ok(ctx
                .run(|| step(void_orphan(deps, payment_intent.clone())))
                .name(format!("void orphan {payment_intent}"))
                .retry_policy(self.deps.payment_retry.policy())
                .await?),
            Fix::RefundOrphan {
                payment_intent,
                amount_cents,
            } => Ok(ctx
                .run(|| step(refund_orphan(deps, payment_intent.clone(), amount_cents)))
                .name(format!("refund orphan {payment_intent}"))
                .retry_policy(self.deps.payment_retry.policy())
                .await?),
        }
    }
}

/// The step that cancels an orphaned authorization (one idempotency key per PaymentIntent).
async fn void_orphan(deps: Arc<Deps>, payment_intent: String) -> Outcome<bool> {
    if deps.store.names_payment_intent(&payment_intent).await? {
        return Ok(false);
    }
    metrics::inc("deskflow_compensations_total", &[("step", "void orphan")]);
    let key = format!("orphan:{payment_intent}:cancel");
    match deps.stripe.cancel(&payment_intent, &key).await {
        Ok(_) => Ok(true),
        // no longer cancellable (captured or cancelled meanwhile): the next run sees it
        Err(StripeError::Rejected { .. }) | Err(StripeError::Declined { .. }) => Ok(false),
        Err(e) => Err(Failure::retryable(e)),
    }
}

/// The step that refunds what an orphaned charge still holds.
async fn refund_orphan(deps: Arc<Deps>, payment_intent: String, amount: i64) -> Outcome<bool> {
    if deps.store.names_payment_intent(&payment_intent).await? {
        return Ok(false);
    }
    metrics::inc("deskflow_compensations_total", &[("step", "refund orphan")]);
    let key = format!("orphan:{payment_intent}:refund:{amount}");
    match deps.stripe.refund(&payment_intent, amount, &key).await {
        Ok(_) => Ok(true),
        Err(StripeError::Rejected { .. }) | Err(StripeError::Declined { .. }) => Ok(false),
        Err(e) => Err(Failure::retryable(e)),
    }
}
