//! `Admin`: the operator's business view. Filter bookings (including the ones stuck in a
//! non-final state, e.g. waiting on payment) and cancel any booking with a full refund, through
//! the same compensation path as a member's cancel.

use crate::api::{
    AdminBookingsRequest, AdminCancelRequest, BookingSummary, CancelRequest, CancelResult, Profile,
    PromoteRequest, ReconcileReport, ReconcileRequest,
};
use crate::deps::{Deps, now_ms};
use crate::error::{bad_input, infra, terminal};
use crate::guard;
use crate::payment::{PaymentClient, SettleRequest};
use crate::reconcile::compare_all;
use crate::users::booking_summary;
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::email::Email;
use deskflow_infra::store::bookings::BookingFilter;
use restate_sdk::context::RequestTarget;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Admin {
    pub deps: Arc<Deps>,
}

/// The Booking workflow's name (it lives in the `workflows` crate, which depends on this one).
pub const BOOKING_WORKFLOW: &str = "Booking";

#[restate_sdk::service(name = "Admin")]
impl Admin {
    /// (admin) Bookings matching every given filter, newest change first (at most 500).
    #[handler(name = "bookings")]
    async fn bookings(
        &self,
        ctx: Context<'_>,
        body: Option<Json<AdminBookingsRequest>>,
    ) -> HandlerResult<Json<Vec<BookingSummary>>> {
        guard::admin(ctx.headers(), &self.deps.tokens)?;
        let f = body.map(|j| j.0).unwrap_or_default();
        if let Some(s) = f
            .status
            .as_deref()
            .filter(|s| BookingStatus::parse(s).is_none())
        {
            let known: Vec<&str> = BookingStatus::ALL.iter().map(|s| s.as_str()).collect();
            return Err(terminal(
                400,
                format!("unknown status {s:?}: use one of {}", known.join(", ")),
            ));
        }
        if f.stuck_for_secs.is_some_and(|s| s < 0) {
            return Err(terminal(400, "stuck_for_secs must not be negative"));
        }
        let filter = BookingFilter {
            status: f.status,
            workspace_id: f.workspace_id,
            user_id: f.user_id,
            unchanged_since_ms: f.stuck_for_secs.map(|s| now_ms() - s * 1000),
        };
        let rows = self
            .deps
            .store
            .bookings_matching(&filter)
            .await
            .map_err(infra)?;
        Ok(Json(rows.into_iter().map(booking_summary).collect()))
    }

    /// (admin) Gives the admin role to a registered user: `{"email"}` -> the profile.
    #[handler(name = "promote")]
    async fn promote(
        &self,
        ctx: Context<'_>,
        Json(req): Json<PromoteRequest>,
    ) -> HandlerResult<Json<Profile>> {
        guard::admin(ctx.headers(), &self.deps.tokens)?;
        let email = Email::parse(&req.email).map_err(bad_input)?;
        let deps = self.deps.clone();
        let Json(p) = ctx
            .run(|| async move {
                let u = deps
                    .store
                    .set_role(email.as_str(), "admin")
                    .await
                    .map_err(infra)?;
                let u = u.ok_or_else(|| {
                    terminal(
                        404,
                        format!("no user with email {:?}: register first", email.as_str()),
                    )
                })?;
                Ok(Json(Profile {
                    user_id: u.id,
                    email: u.email,
                    name: u.name,
                    role: u.role,
                    created_at: crate::api::rfc3339(u.created_at),
                }))
            })
            .name("promote to admin")
            .await?;
        Ok(Json(p))
    }

    /// (admin) Cancels a booking with a full refund.
    #[handler(name = "cancel_booking")]
    async fn cancel_booking(
        &self,
        ctx: Context<'_>,
        Json(req): Json<AdminCancelRequest>,
    ) -> HandlerResult<Json<CancelResult>> {
        let admin = guard::admin(ctx.headers(), &self.deps.tokens)?;
        if req.reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(terminal(400, "reason is too long: at most 500 characters"));
        }
        // the workflow answers 404 for an id it does not know; a booking that has no row yet
        // (its seats are not held yet) can be cancelled all the same
        let cancel = CancelRequest {
            reason: req
                .reason
                .unwrap_or_else(|| format!("cancelled by an administrator ({})", admin.sub)),
            by: deskflow_domain::saga::Canceller::Admin,
        };
        let target = RequestTarget::workflow(BOOKING_WORKFLOW, req.booking_id, "admin_cancel");
        let result: Json<CancelResult> = ctx
            .request::<_, Json<CancelResult>>(target, Json(cancel))
            .call()
            .await?;
        Ok(result)
    }

    /// (admin) Compares every settled booking's payment with the provider and every workspace's
    /// seats with its bookings (bookings still in flight are skipped); with `fix`, settles the
    /// payment differences through the same unwind as a cancel (`Payment/{id}/settle`).
    #[handler(name = "reconcile", journal_retention = "0s")]
    async fn reconcile(
        &self,
        ctx: Context<'_>,
        body: Option<Json<ReconcileRequest>>,
    ) -> HandlerResult<Json<ReconcileReport>> {
        guard::admin(ctx.headers(), &self.deps.tokens)?;
        let fix = body.is_some_and(|b| b.0.fix);
        let deps = self.deps.clone();
        let Json((mut report, fixes)) = ctx
            .run(|| async move { Ok(Json(compare_all(&deps, now_ms()).await?)) })
            .name("compare with the provider")
            .retry_policy(self.deps.payment_retry.policy())
            .await?;
        if fix {
            for f in fixes {
                ctx.object_client::<PaymentClient>(f.booking_id)
                    .settle(Json(SettleRequest {
                        retain_cents: f.retain_cents,
                    }))
                    .call()
                    .await?;
                report.fixed += 1;
            }
        }
        Ok(Json(report))
    }
}
