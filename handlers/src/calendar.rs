//! `Calendar`: one virtual object per workspace. Holding and releasing seats run through it, so
//! requests for the same workspace are serialized by Restate (no two can both take the last
//! seat, and a release sent while a hold is still running frees what that hold took) while
//! different workspaces proceed in parallel. The capacity trigger of the bookings table stays
//! the last guard.

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step};
use deskflow_domain::availability::{Occupied, peak_seats};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::slot::TimeSlot;
use deskflow_infra::InfraError;
use deskflow_infra::store::bookings::BookingRow;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct Calendar {
    pub deps: Arc<Deps>,
}

/// A booking that wants seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HoldRequest {
    pub booking_id: String,
    pub user_id: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    pub amount_cents: i64,
    pub currency: String,
}

/// A booking that gives its seats back, ending in `status` (a final one) for `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReleaseRequest {
    pub booking_id: String,
    pub status: BookingStatus,
    pub reason: String,
}

/// Held, or why not (a business outcome, not an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HoldOutcome {
    Held,
    NoSeat { reason: String },
}

/// Each step has its own bounded retry policy; an invocation that still keeps failing is
/// paused for an operator rather than killed, so its caller is never left without an answer
/// while seats may be taken.
#[restate_sdk::object(
    name = "Calendar",
    invocation_retry_policy(
        initial_interval = "200ms",
        factor = 2.0,
        max_interval = "30s",
        max_attempts = 60,
        on_max_attempts = "pause"
    )
)]
impl Calendar {
    /// (internal) Holds the seats of a booking: writes its row as `held` when they fit.
    #[handler(name = "hold", ingress_private)]
    async fn hold(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<HoldRequest>,
    ) -> Result<Json<HoldOutcome>, Failure> {
        let (deps, workspace_id) = (self.deps.clone(), ctx.key().to_string());
        let out = ctx
            .run(|| step(hold_seats(deps.clone(), workspace_id.clone(), req.clone())))
            .name("hold seats")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        Ok(out)
    }

    /// (internal) Closes the workspace (`WorkspaceClosure`): after it, every hold of its seats
    /// is refused. Serialized with the holds, so once it answers no booking can still take a
    /// seat, and the closure's list of bookings to cancel is complete. True when this call
    /// closed it.
    #[handler(name = "close", ingress_private)]
    async fn close(&self, ctx: ObjectContext<'_>) -> Result<bool, Failure> {
        let (deps, workspace_id) = (self.deps.clone(), ctx.key().to_string());
        let closed = ctx
            .run(|| step(async move { Ok(deps.store.close_workspace(&workspace_id).await?) }))
            .name("close workspace")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        Ok(closed)
    }

    /// (internal) Gives a booking's seats back (its row moves to the final status). Runs after
    /// any hold of the workspace still in flight, so it frees what that hold took; a booking
    /// that holds nothing is left as it is. Patient: seats must come free even after a long
    /// database outage.
    #[handler(name = "release", ingress_private)]
    async fn release(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<ReleaseRequest>,
    ) -> Result<bool, Failure> {
        let deps = self.deps.clone();
        let released = ctx
            .run(|| {
                step(async move {
                    let released = deps
                        .store
                        .release_booking(&req.booking_id, req.status, Some(&req.reason), now_ms())
                        .await?;
                    if released {
                        deskflow_infra::metrics::inc(
                            "deskflow_compensations_total",
                            &[("step", "release seats")],
                        );
                    }
                    Ok(released)
                })
            })
            .name("release seats")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        Ok(released)
    }
}

/// The `hold seats` step: one read of the workspace and the other bookings in the slot (this
/// booking's own row, there when the step ran before a crash, does not count against it), then
/// the booking's row as `held` when its seats fit; the capacity trigger is the last guard.
async fn hold_seats(
    deps: Arc<Deps>,
    workspace_id: String,
    req: HoldRequest,
) -> Outcome<Json<HoldOutcome>> {
    let store = &deps.store;
    // one read: the workspace and the other bookings in the slot (this booking's
    // own row, there when this step ran before a crash, does not count against it)
    let plan = store
        .seat_plan(
            &workspace_id,
            req.starts_at_ms,
            req.ends_at_ms,
            &req.booking_id,
        )
        .await?;
    let Some(plan) = plan.filter(|p| p.active) else {
        return Ok(Json(HoldOutcome::NoSeat {
            reason: "the workspace is closed".into(),
        }));
    };
    let held: Vec<Occupied> = plan
        .occupied
        .into_iter()
        .filter_map(|(s, e, seats)| Occupied::from_millis(s, e, seats))
        .collect();
    let Some(wanted) = TimeSlot::from_millis(req.starts_at_ms, req.ends_at_ms) else {
        return Ok(Json(HoldOutcome::NoSeat {
            reason: "the slot is empty".into(),
        }));
    };
    let free = plan.capacity - peak_seats(wanted, &held);
    if free < req.seats {
        return Ok(Json(HoldOutcome::NoSeat {
            reason: format!(
                "only {} of {} seats are free in this slot",
                free.max(0),
                req.seats
            ),
        }));
    }
    let now = now_ms();
    let row = BookingRow {
        id: req.booking_id,
        user_id: req.user_id,
        workspace_id,
        starts_at: req.starts_at_ms,
        ends_at: req.ends_at_ms,
        seats: req.seats,
        status: BookingStatus::Held,
        reason: None,
        amount_cents: req.amount_cents,
        currency: req.currency,
        created_at: now,
        updated_at: now,
    };
    match store.hold_booking(&row).await {
        Ok(false) => Ok(Json(HoldOutcome::NoSeat {
            reason: "the member's account is closed".into(),
        })),
        Ok(true) => {
            deskflow_infra::metrics::inc("deskflow_bookings_total", &[("status", "held")]);
            Ok(Json(HoldOutcome::Held))
        }
        Err(InfraError::CapacityExceeded) => Ok(Json(HoldOutcome::NoSeat {
            reason: "no free seat left in this slot".into(),
        })),
        Err(e) => Err(e.into()),
    }
}
