//! `Calendar`: one virtual object per workspace. Everything that takes or gives back seats runs
//! through it, so requests for the same workspace are serialized by Restate (no two can both
//! take the last seat, and a release sent while a hold is still running frees what that hold
//! took) while different workspaces proceed in parallel. The capacity trigger of the bookings
//! table stays the last guard for new rows.
//!
//! It also owns the workspace's two kinds of waiting seats, in its state:
//! - the **waitlist**: bookings that found no seat and asked to wait (`waitlisted` rows, no
//!   seat held). Whatever frees seats here (a release, a reschedule moving away, a dropped
//!   reschedule hold, a raised capacity) serves the waiters of the freed slot that now fit, by
//!   `deskflow_domain::waitlist::serve`: their rows move to `held` in the same journaled step,
//!   and each waiting Booking workflow is woken through its awakeable. No loop polls.
//! - **pending moves**: the new slot of a reschedule, held (counted against everybody else)
//!   while the booking still has its old slot and the difference is being charged; committed
//!   (the row moves) or dropped.

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, step};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::slot::TimeSlot;
use deskflow_infra::store::bookings::Released;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

mod seats;
mod waiting;

use seats::{MoveStep, commit_move, hold_move, hold_seats};
use waiting::{PendingMove, Queued, load_moves, load_queue, take_move};

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
    /// the hourly rate the price was quoted at, kept on the row (what a reschedule prices at)
    #[serde(default)]
    pub hourly_rate_cents: Option<i64>,
    /// when no seat is free: wait on the workspace's waitlist, and resolve this awakeable (of
    /// the booking's workflow) once served. `None`: no seat is a refusal.
    #[serde(default)]
    pub waitlist: Option<String>,
}

/// A booking that gives its seats back (or leaves the waitlist), ending in `status` (a final
/// one) for `reason`. Any pending move of it is dropped too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReleaseRequest {
    pub booking_id: String,
    pub status: BookingStatus,
    pub reason: String,
}

/// Held, waiting, or why not (a business outcome, not an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HoldOutcome {
    Held,
    NoSeat {
        reason: String,
    },
    /// no seat now: the booking's row is `waitlisted` and it is in the queue
    Waitlisted {
        reason: String,
    },
}

/// A confirmed booking's reschedule: the slot to hold for it while the difference is charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MoveRequest {
    pub booking_id: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    pub amount_cents: i64,
    /// the slot the booking has now, which the move frees
    pub from_starts_at_ms: i64,
    pub from_ends_at_ms: i64,
}

/// A pending move to commit or drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MoveOf {
    pub booking_id: String,
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
    /// (internal) Holds the seats of a booking: writes its row as `held` when they fit; when
    /// they do not and the booking asked to wait, writes it as `waitlisted` and queues it.
    #[handler(name = "hold", ingress_private)]
    async fn hold(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<HoldRequest>,
    ) -> Result<Json<HoldOutcome>, Failure> {
        let (deps, workspace_id) = (self.deps.clone(), ctx.key().to_string());
        let moves = load_moves(&ctx).await?;
        let extra = waiting::moves_except(&moves, &req.booking_id);
        let out = ctx
            .run(|| {
                step(hold_seats(
                    deps.clone(),
                    workspace_id.clone(),
                    req.clone(),
                    extra.clone(),
                ))
            })
            .name("hold seats")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        if let (HoldOutcome::Waitlisted { .. }, Some(awakeable)) = (&out.0, &req.waitlist) {
            let mut queue = load_queue(&ctx).await?;
            if !queue.iter().any(|w| w.booking_id == req.booking_id) {
                queue.push(Queued {
                    booking_id: req.booking_id.clone(),
                    starts_at_ms: req.starts_at_ms,
                    ends_at_ms: req.ends_at_ms,
                    seats: req.seats,
                    passed_over: 0,
                    awakeable: awakeable.clone(),
                });
                waiting::save_queue(&ctx, &queue);
            }
        }
        Ok(out)
    }

    /// (internal) Closes the workspace (`WorkspaceClosure`): after it, every hold of its seats
    /// is refused and nobody is served from its waitlist. Serialized with the holds, so once
    /// it answers no booking can still take a seat, and the closure's list of bookings to
    /// cancel is complete. True when this call closed it.
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

    /// (internal) Gives a booking's seats back, or takes it off the waitlist (its row moves to
    /// the final status), and drops any pending move of it; the waiters of what was freed are
    /// served. Runs after any hold of the workspace still in flight, so it frees what that
    /// hold took; a booking that is final already is left as it is. Patient: seats must come
    /// free even after a long database outage.
    #[handler(name = "release", ingress_private)]
    async fn release(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<ReleaseRequest>,
    ) -> Result<bool, Failure> {
        let deps = self.deps.clone();
        let r = req.clone();
        let Json(released) = ctx
            .run(|| {
                step(async move {
                    let released = deps
                        .store
                        .release_booking(&r.booking_id, r.status, Some(&r.reason), now_ms())
                        .await?;
                    if matches!(released, Released::Seats { .. }) {
                        deskflow_infra::metrics::inc(
                            "deskflow_compensations_total",
                            &[("step", "release seats")],
                        );
                    }
                    Ok(Json(waiting::StoredRelease::from(released)))
                })
            })
            .name("release seats")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        let mut freed = Vec::new();
        if let Some(slot) = released.freed() {
            freed.push(slot);
        }
        let mut queue = load_queue(&ctx).await?;
        if let Some(i) = queue.iter().position(|w| w.booking_id == req.booking_id) {
            queue.remove(i);
            waiting::save_queue(&ctx, &queue);
        }
        let mut moves = load_moves(&ctx).await?;
        if let Some(m) = take_move(&mut moves, &req.booking_id) {
            freed.extend(m.slot());
            waiting::save_moves(&ctx, &moves);
        }
        self.serve_freed(&ctx, &freed).await?;
        Ok(released.any())
    }

    /// (internal) Holds the new slot of a confirmed booking's reschedule against everybody
    /// else (the booking's own seats do not count against it), while the booking keeps its old
    /// slot until the move is committed or dropped.
    #[handler(name = "hold_move", ingress_private)]
    async fn hold_move(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<MoveRequest>,
    ) -> Result<Json<HoldOutcome>, Failure> {
        let (deps, workspace_id) = (self.deps.clone(), ctx.key().to_string());
        let mut moves = load_moves(&ctx).await?;
        let extra = waiting::moves_except(&moves, &req.booking_id);
        let r = req.clone();
        let out = ctx
            .run(|| {
                step(hold_move(
                    deps.clone(),
                    workspace_id.clone(),
                    r.clone(),
                    extra.clone(),
                ))
            })
            .name("hold new slot")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        if out.0 == HoldOutcome::Held {
            take_move(&mut moves, &req.booking_id);
            moves.push(PendingMove::from(&req));
            waiting::save_moves(&ctx, &moves);
        }
        Ok(out)
    }

    /// (internal) Commits a pending move: the booking's row takes its new slot, seats and price
    /// in one statement, and the waiters of the old slot are served. False (nothing changes)
    /// when there is no pending move or the new slot no longer fits (the capacity was lowered
    /// meanwhile).
    #[handler(name = "commit_move", ingress_private)]
    async fn commit_move(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<MoveOf>,
    ) -> Result<bool, Failure> {
        let mut moves = load_moves(&ctx).await?;
        let Some(m) = take_move(&mut moves, &req.booking_id) else {
            return Ok(false);
        };
        let extra = waiting::moves_except(&moves, &req.booking_id);
        let (deps, workspace_id) = (self.deps.clone(), ctx.key().to_string());
        let pending = m.clone();
        let Json(moved) = ctx
            .run(|| {
                step(commit_move(
                    deps.clone(),
                    workspace_id.clone(),
                    pending.clone(),
                    extra.clone(),
                ))
            })
            .name("move booking")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        waiting::save_moves(&ctx, &moves);
        let freed = match moved {
            // the slot it left (as the flow said, so also when this step ran twice)
            MoveStep::Moved { from_ms, to_ms } => {
                TimeSlot::from_millis(m.from_starts_at_ms, m.from_ends_at_ms)
                    .or(TimeSlot::from_millis(from_ms, to_ms))
            }
            // the pending hold is gone either way: what it blocked is free again
            MoveStep::Refused => m.slot(),
        };
        self.serve_freed(&ctx, &freed.into_iter().collect::<Vec<_>>())
            .await?;
        Ok(matches!(moved, MoveStep::Moved { .. }))
    }

    /// (internal) Drops a pending move (the reschedule did not go through): the booking keeps
    /// its slot, and the waiters the held slot kept out are served.
    /// True when there was one.
    #[handler(name = "drop_move", ingress_private)]
    async fn drop_move(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<MoveOf>,
    ) -> Result<bool, Failure> {
        let mut moves = load_moves(&ctx).await?;
        let Some(m) = take_move(&mut moves, &req.booking_id) else {
            return Ok(false);
        };
        waiting::save_moves(&ctx, &moves);
        self.serve_freed(&ctx, &m.slot().into_iter().collect::<Vec<_>>())
            .await?;
        Ok(true)
    }

    /// (internal) Serves every waiter that fits now (`Workspaces/update` sends it after raising
    /// the capacity).
    #[handler(name = "serve", ingress_private)]
    async fn serve(&self, ctx: ObjectContext<'_>) -> Result<(), Failure> {
        self.serve_round(&ctx, None).await
    }
}

impl Calendar {
    /// Serves the waiters whose slot overlaps one of `freed` (nothing freed: nobody).
    async fn serve_freed(
        &self,
        ctx: &ObjectContext<'_>,
        freed: &[TimeSlot],
    ) -> Result<(), Failure> {
        if freed.is_empty() {
            return Ok(());
        }
        self.serve_round(ctx, Some(freed)).await
    }
}
