//! `ConfirmedBooking` (internal, one object per booking id): a confirmed booking of the shape
//! that lives on as state (`confirmed_as_state`). Its `Booking/run` ends at the confirmation
//! and hands the booking's [`Snapshot`] to [`ConfirmedBooking::adopt`]; from then on each later
//! event is one short invocation here, running the same steps as `run` would
//! ([`Flow::resume`] on this object's context):
//!
//! - `remind` and `complete` are one-way calls with a delay, armed by `adopt`, each carrying the
//!   slot it was armed for: a timer whose slot the booking no longer has, or that finds the
//!   booking ended, does nothing.
//! - `cancel` (a member's, an admin's, a closure's or a deletion's, forwarded by the workflow's
//!   `cancel` and `admin_cancel`) runs the unwind: every payment settled against the provider,
//!   the refund policy over all of them, the seats released.
//! - `reschedule` (forwarded by the workflow's `reschedule`) runs the reschedule's steps and
//!   re-arms the timers for the new slot. A cancel first calls `interrupt` (a shared handler,
//!   which runs beside it): Restate cancels the running reschedule, whose steps take back what
//!   they set in motion and leave the booking as it was; the cancel then runs on the booking
//!   as it is. An operator's cancel of a reschedule's invocation does the same.
//!
//! Nothing of it waits for long: no invocation stays pinned to a deployment while the booking
//! waits for its slot. The object's state is cleared once the booking is final; a cancel's
//! answer is kept an hour longer for a second cancel queued behind the first.

use super::callers::Callers;
use super::flow::Flow;
use super::record::recorded_view;
use super::snapshot::Snapshot;
use super::step_context::Durable;
use deskflow_api::{
    BookingView, CancelRequest, CancelResult, RescheduleOrder, RescheduleResult, Rescheduled,
};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::saga::{End, Stop, no_longer};
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::error::{Failure, step, terminal};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct ConfirmedBooking {
    pub deps: Arc<Deps>,
}

/// Object state: the confirmed booking's [`Snapshot`], while it is confirmed.
const SNAPSHOT: &str = "snapshot";
/// Object state: what the cancel that ended the booking came to, for a cancel queued behind it.
const CANCELLED: &str = "cancelled";
/// The signal a wait of this object's steps races a cancel against.
const CANCEL_SIGNAL: &str = "cancel";
/// Object state: the invocation id of the reschedule running now (what a cancel interrupts).
const RESCHEDULING: &str = "rescheduling";
/// How long a cancel's answer is kept after the booking ended.
const ANSWER_KEPT: Duration = Duration::from_secs(3600);

/// The code with which `run` answers its waiting cancels once it has handed the booking on: the
/// workflow's `cancel` and `admin_cancel` then forward the cancel to this object.
pub(super) const HANDED_ON: u16 = 421;

/// The slot a timer was armed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Armed {
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

#[restate_sdk::object(name = "ConfirmedBooking")]
impl ConfirmedBooking {
    /// (internal) `run` hands the confirmed booking on: kept, and its reminder and completion
    /// armed.
    #[handler(name = "adopt", ingress_private)]
    async fn adopt(
        &self,
        ctx: ObjectContext<'_>,
        Json(snapshot): Json<Snapshot>,
    ) -> Result<(), Failure> {
        let b = &snapshot.booking;
        let armed = Armed {
            starts_at_ms: b.starts_at_ms,
            ends_at_ms: b.ends_at_ms,
        };
        ctx.set(SNAPSHOT, Json(snapshot));
        arm(&ctx, &self.deps, armed).await
    }

    /// (internal) A reschedule forwarded by the workflow's `reschedule`: the same steps as in
    /// `run` (the new slot held before the old one is given up, the difference charged or
    /// refunded), then the timers follow the new slot. A cancel of this invocation (by the
    /// booking's cancel through `interrupt`, or by an operator) stops it and leaves the
    /// booking as it was.
    #[handler(name = "reschedule", ingress_private)]
    async fn reschedule(
        &self,
        ctx: ObjectContext<'_>,
        Json(order): Json<RescheduleOrder>,
    ) -> Result<Json<RescheduleResult>, Failure> {
        let Some(Json(snapshot)) = ctx.get::<Json<Snapshot>>(SNAPSHOT).await? else {
            return Err(ended(&ctx, &self.deps, "rescheduled").await?);
        };
        let from = armed_of(&snapshot);
        ctx.set(RESCHEDULING, ctx.invocation_id().to_string());
        let mut flow = Flow::resume(self.deps.clone(), &ctx, ObjectCallers::new(&ctx), snapshot);
        flow.interrupt_keeps_booking = true;
        let moved = flow.reschedule(order).await;
        ctx.clear(RESCHEDULING);
        if let Err(stop) = moved {
            // a stop that ends the booking (none but an interrupt reaches here today)
            flow.end(End::Stopped(stop)).await?;
            let status = settle_cancel(&ctx, flow.callers.take_cancel_answer())
                .map_or(flow.view.status, |r| r.status);
            return Err(terminal(409, no_longer(status, "rescheduled")));
        }
        let answer = flow
            .callers
            .take_reschedule_answer()
            .unwrap_or_else(|| Err((500, "the reschedule was not answered".to_string())));
        if let Some(snapshot) = flow.snapshot() {
            let to = armed_of(&snapshot);
            ctx.set(SNAPSHOT, Json(snapshot));
            if to != from {
                // the timers armed for the old slot find it gone and do nothing
                arm(&ctx, &self.deps, to).await?;
            }
        }
        answer
            .map(Json)
            .map_err(|(code, message)| terminal(code, message))
    }

    /// (internal) Interrupts the reschedule running on this booking, if any, so that a
    /// cancel does not queue behind its payment steps: Restate cancels that invocation, whose
    /// steps then take back what it set in motion. Answers whether one was running.
    #[handler(name = "interrupt", ingress_private)]
    async fn interrupt(&self, ctx: SharedObjectContext<'_>) -> Result<bool, Failure> {
        let Some(running) = ctx.get::<String>(RESCHEDULING).await? else {
            return Ok(false);
        };
        ctx.invocation_handle(running).cancel();
        Ok(true)
    }

    /// (internal) The reminder's timer: the email, once, before the start.
    #[handler(name = "remind", ingress_private)]
    async fn remind(
        &self,
        ctx: ObjectContext<'_>,
        Json(armed): Json<Armed>,
    ) -> Result<(), Failure> {
        let Some(snapshot) = armed_for(&ctx, armed).await? else {
            return Ok(());
        };
        let callers = ObjectCallers::new(&ctx);
        let mut flow = Flow::resume(self.deps.clone(), &ctx, callers, snapshot);
        if flow.remind().await.is_err() {
            return Err(terminal(500, "the reminder's clock could not be read"));
        }
        if let Some(snapshot) = flow.snapshot() {
            ctx.set(SNAPSHOT, Json(snapshot));
        }
        Ok(())
    }

    /// (internal) The completion's timer: the slot is over, the booking completed.
    #[handler(name = "complete", ingress_private)]
    async fn complete(
        &self,
        ctx: ObjectContext<'_>,
        Json(armed): Json<Armed>,
    ) -> Result<(), Failure> {
        let Some(snapshot) = armed_for(&ctx, armed).await? else {
            return Ok(());
        };
        let mut flow = Flow::resume(self.deps.clone(), &ctx, ObjectCallers::new(&ctx), snapshot);
        flow.end(End::SlotOver).await?;
        ctx.clear_all();
        Ok(())
    }

    /// (internal) A cancel forwarded by the workflow's `cancel` or `admin_cancel`: the unwind
    /// of a confirmed booking, answered with its final status and what it refunded.
    #[handler(name = "cancel", ingress_private)]
    async fn cancel(
        &self,
        ctx: ObjectContext<'_>,
        Json(req): Json<CancelRequest>,
    ) -> Result<Json<CancelResult>, Failure> {
        let Some(Json(snapshot)) = ctx.get::<Json<Snapshot>>(SNAPSHOT).await? else {
            if let Some(answer) = ctx.get::<Json<CancelResult>>(CANCELLED).await? {
                return Ok(answer);
            }
            return Err(ended(&ctx, &self.deps, "cancelled").await?);
        };
        let mut flow = Flow::resume(self.deps.clone(), &ctx, ObjectCallers::new(&ctx), snapshot);
        flow.end(End::Stopped(Stop::Cancelled {
            by: req.by,
            reason: req.reason,
        }))
        .await?;
        let answer = settle_cancel(&ctx, flow.callers.take_cancel_answer());
        Ok(Json(answer?))
    }

    /// (internal) Drops a cancel's kept answer once nobody can be queued behind it any more.
    #[handler(name = "forget", ingress_private)]
    async fn forget(&self, ctx: ObjectContext<'_>) -> Result<(), Failure> {
        if ctx.get::<Json<Snapshot>>(SNAPSHOT).await?.is_none() {
            ctx.clear_all();
        }
        Ok(())
    }
}

/// A delay of `ms` (none when it is past).
fn after(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

/// The slot of a snapshot, as its timers are armed for it.
fn armed_of(snapshot: &Snapshot) -> Armed {
    Armed {
        starts_at_ms: snapshot.booking.starts_at_ms,
        ends_at_ms: snapshot.booking.ends_at_ms,
    }
}

/// Arms the reminder (the configured lead before the start) and the completion (at the end)
/// of the slot `armed`, as delayed one-way calls to this object.
async fn arm(ctx: &ObjectContext<'_>, deps: &Deps, armed: Armed) -> Result<(), Failure> {
    let now = ctx
        .run(|| async { Ok(now_ms()) })
        .name("read clock")
        .await?;
    let lead = deps.booking.reminder_lead.as_millis() as i64;
    let id = ctx.key().to_string();
    ctx.object_client::<ConfirmedBookingClient>(id.clone())
        .remind(Json(armed))
        .send_after(after(armed.starts_at_ms - lead - now));
    ctx.object_client::<ConfirmedBookingClient>(id)
        .complete(Json(armed))
        .send_after(after(armed.ends_at_ms - now));
    Ok(())
}

/// The booking ended by a cancel: the object's state cleared, the cancel's answer kept for
/// [`ANSWER_KEPT`] (for a cancel queued behind this one), and returned.
fn settle_cancel(
    ctx: &ObjectContext<'_>,
    answer: Option<Result<CancelResult, TerminalError>>,
) -> Result<CancelResult, TerminalError> {
    ctx.clear_all();
    let answer = answer.unwrap_or_else(|| {
        Err(TerminalError::new_with_code(
            500,
            "the cancel was not answered",
        ))
    });
    if let Ok(result) = &answer {
        ctx.set(CANCELLED, Json(result.clone()));
        ctx.object_client::<ConfirmedBookingClient>(ctx.key().to_string())
            .forget()
            .send_after(ANSWER_KEPT);
    }
    answer
}

/// The booking a timer fires for: `None` when it has ended (no snapshot) or has another slot
/// than the one the timer was armed for (a stale timer does nothing).
async fn armed_for(ctx: &ObjectContext<'_>, armed: Armed) -> Result<Option<Snapshot>, Failure> {
    let snapshot = ctx.get::<Json<Snapshot>>(SNAPSHOT).await?.map(|j| j.0);
    Ok(snapshot.filter(|s| {
        (s.booking.starts_at_ms, s.booking.ends_at_ms) == (armed.starts_at_ms, armed.ends_at_ms)
    }))
}

/// The refusal of a cancel (or a reschedule: `what`) that finds the booking ended, with the
/// status its record has.
async fn ended(ctx: &ObjectContext<'_>, deps: &Arc<Deps>, what: &str) -> Result<Failure, Failure> {
    let (d, id) = (deps.clone(), ctx.key().to_string());
    let Json(view): Json<Option<BookingView>> = ctx
        .run(|| step(async move { Ok(Json(recorded_view(&d, &id).await?)) }))
        .name("read the booking's record")
        .retry_policy(deps.db_retry.policy())
        .await?;
    Ok(match view {
        Some(v) if v.status.is_final() => terminal(409, no_longer(v.status, what)),
        Some(v) => no_flow(v.status),
        None => terminal(404, format!("booking {:?} not found", ctx.key())),
    })
}

/// The refusal of an order to a booking the record has unfinished while nothing in Restate
/// carries it on (its run failed for good): nobody would carry the order out.
pub(super) fn no_flow(status: BookingStatus) -> Failure {
    terminal(
        409,
        format!(
            "the booking is {} but its flow no longer runs: an administrator settles it (Admin/reconcile)",
            status.as_str()
        ),
    )
}

/// The callers of a booking's steps on this object: a cancel is a call of its own, and its
/// answer is this handler's result. A wait that races a cancel races the invocation's signal
/// `cancel` (what a cancel that must interrupt a running invocation resolves).
pub(super) struct ObjectCallers<'a> {
    ctx: &'a ObjectContext<'a>,
    cancel_answer: Mutex<Option<Result<CancelResult, TerminalError>>>,
    reschedule_answer: Mutex<Option<Result<RescheduleResult, (u16, String)>>>,
}

impl<'a> ObjectCallers<'a> {
    fn new(ctx: &'a ObjectContext<'a>) -> Self {
        ObjectCallers {
            ctx,
            cancel_answer: Mutex::new(None),
            reschedule_answer: Mutex::new(None),
        }
    }

    /// What the steps answered the reschedule, once.
    fn take_reschedule_answer(&self) -> Option<Result<RescheduleResult, (u16, String)>> {
        self.reschedule_answer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// What the steps answered the cancel, once.
    fn take_cancel_answer(&self) -> Option<Result<CancelResult, TerminalError>> {
        self.cancel_answer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

impl Callers for ObjectCallers<'_> {
    fn cancel(&self) -> Durable<'_, Json<CancelRequest>> {
        Box::pin(self.ctx.signal::<Json<CancelRequest>>(CANCEL_SIGNAL))
    }

    fn cancel_waiting(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Json<CancelRequest>>, TerminalError>> + Send + '_>>
    {
        Box::pin(async { Ok(None) })
    }

    fn answer_cancel(&self, answer: Result<CancelResult, TerminalError>) {
        *self.cancel_answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
    }

    /// `wait` had its answer when `run` confirmed the booking.
    fn settled(&self, _view: &BookingView) {}

    fn reschedule_order<'k>(&'k self, key: &'k str) -> Durable<'k, Json<RescheduleOrder>> {
        Box::pin(self.ctx.signal::<Json<RescheduleOrder>>(key))
    }

    /// The reschedule's answer is the `reschedule` handler's result.
    fn answer_reschedule(&self, _n: u32, answer: Rescheduled) {
        *self
            .reschedule_answer
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(answer.outcome);
    }
}
