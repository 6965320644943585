//! The `Booking` workflow (one per booking id): its handlers. `run` is the saga of docs/design.md
//! (`flow` drives `saga`, then carries out the domain's plan of how it ends in `unwind`); the
//! shared handlers let the member (or an admin) read, wait for and cancel it.
//!
//! `run` is internal: only `Bookings/create` starts it, and it trusts nothing of its input
//! beyond who asked for which slot: the price, the member and the rules are read again from the
//! database in its first step. The public handlers receive a bearer token, so Restate keeps no
//! journal of them once they complete; no secret enters `run` (the card's client secret is read
//! from the provider by `status` while the member needs it).

use super::callers::WorkflowCallers;
use super::confirmed::{ConfirmedBookingClient, HANDED_ON, no_flow};
use super::flow::{Flow, initial_view};
use super::keys::{
    CANCEL, CANCEL_RESULT, PAYMENT_INTENT, RESCHEDULE_NO, SETTLED, STARTED, VIEW,
    reschedule_answer, reschedule_order,
};
use super::prepare::{BookingRequest, prepare_now};
use super::record::recorded_view;
use super::refusal::Refusal;
use deskflow_api::OptionalJson;
use deskflow_api::{
    BookingView, CancelBody, CancelRequest, CancelResult, Empty, RescheduleBody, RescheduleOrder,
    RescheduleResult, Rescheduled,
};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::limits;
use deskflow_domain::saga::{Canceller, no_longer};
use deskflow_domain::slot::TimeSlot;
use deskflow_handlers::deps::Deps;
use deskflow_handlers::error::{Failure, Outcome, step, terminal};
use deskflow_infra::jwt::Claims;
use restate_sdk::prelude::*;
use std::sync::Arc;
use tracing::Instrument;

pub struct Booking {
    pub deps: Arc<Deps>,
}

#[restate_sdk::workflow(name = "Booking", workflow_completion_retention = "7 days")]
impl Booking {
    /// (internal) The saga. Its journal in the Restate UI reads as the booking's story.
    ///
    /// A confirmed booking then sleeps until its reminder and its end, for days. Restate keeps an
    /// invocation that awaits something on an open stream until the inactivity timeout (server
    /// default 1 min) and only then suspends it; each of those open streams takes one of the
    /// invoker's concurrent-invocation slots (`concurrent-invocations-limit`, 1000), so at 80
    /// confirmations a second new bookings queued behind sleeping ones for up to a minute
    /// (measured with one partition: 16 journeys/s, p99 45 s). Suspending after 3 s of
    /// waiting frees the slot; the wake-up replays the journal, as it did before, just sooner.
    ///
    /// It answers nothing: Restate's own `/restate/workflow/Booking/{id}/output` needs no
    /// token, so the booking is read through `status`, which checks one.
    #[handler(name = "run", inactivity_timeout = "3s", ingress_private)]
    async fn run(
        &self,
        ctx: WorkflowContext<'_>,
        Json(req): Json<BookingRequest>,
    ) -> Result<(), Failure> {
        let booking_id = ctx.key().to_string();
        let view = initial_view(&booking_id, &req);
        ctx.set(VIEW, Json(view.clone()));
        ctx.resolve_promise(STARTED, true);
        let span = tracing::info_span!("booking", booking_id = %booking_id, invocation_id = %ctx.invocation_id());
        let callers = WorkflowCallers { ctx: &ctx };
        let mut flow = Flow::new(self.deps.clone(), &ctx, callers, booking_id, req, view);
        Ok(flow.drive().instrument(span).await?)
    }

    /// (internal) Answers once `run` has recorded the booking.
    #[handler(name = "started", ingress_private)]
    async fn started(&self, ctx: SharedWorkflowContext<'_>) -> Result<bool, Failure> {
        Ok(ctx.promise::<bool>(STARTED).await?)
    }

    /// Where the booking stands: status, reason, amounts, payment. While the member must
    /// authenticate the payment, `payment.client_secret` is read from the provider for them.
    #[handler(
        name = "status",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn status(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<BookingView>, Failure> {
        let who = deskflow_handlers::member!(ctx, &self.deps)?;
        let mut view = visible(current_view(&ctx, &self.deps).await?, &who, &ctx)?;
        if view.status == BookingStatus::AwaitingPayment
            && let Some(pi) = ctx.get::<String>(PAYMENT_INTENT).await?
        {
            let deps = self.deps.clone();
            let secret = ctx
                .run(|| step(client_secret(deps, pi)))
                .name("read client secret")
                .await?;
            view.payment.client_secret = secret;
        }
        Ok(Json(view))
    }

    /// Waits until the booking is settled -- confirmed, or final without confirmation -- and
    /// answers with its status: one long-poll instead of polling `status`. Answers after at
    /// most the configured wait (60 s at most) with the current status; call again to go on.
    #[handler(name = "wait", journal_retention = "0s", idempotency_retention = "0s")]
    async fn wait(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<BookingView>, Failure> {
        let who = deskflow_handlers::member!(ctx, &self.deps)?;
        let current = visible(current_view(&ctx, &self.deps).await?, &who, &ctx)?;
        // settled before this call: the record it read is the newer (a reschedule moves a
        // confirmed booking after the promise was resolved), and once Restate forgot the
        // workflow no promise would ever answer
        if past_confirmation(current.status) {
            return Ok(Json(current));
        }
        let settled = restate_sdk::select! {
            // the promise holds the view as it was settled (state read here would be the
            // snapshot taken when this call started)
            v = ctx.promise::<Json<BookingView>>(SETTLED) => Some(v?.0),
            _ = ctx.sleep(self.deps.booking.wait) => None,
        };
        Ok(Json(settled.unwrap_or(current)))
    }

    /// The member cancels: before confirmation nothing is charged; a confirmed booking is
    /// refunded per policy (everything 24 h or more before the start, half until the start,
    /// nothing after). An admin cancelling someone else's booking refunds everything. Answers
    /// once the money is settled; a second cancel answers the same.
    #[handler(
        name = "cancel",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn cancel(
        &self,
        ctx: SharedWorkflowContext<'_>,
        body: OptionalJson<CancelBody>,
    ) -> Result<Json<CancelResult>, Failure> {
        let who = deskflow_handlers::member!(ctx, &self.deps)?;
        let reason = limits::check_reason(body.into_inner().and_then(|b| b.reason).as_deref())?;
        let (view, running) = kept_or_recorded(&ctx, &self.deps).await?;
        let view = visible(view, &who, &ctx)?;
        let by = if who.is_admin() && who.sub != view.user_id {
            Canceller::Admin
        } else {
            Canceller::Member
        };
        let reason = reason.unwrap_or_else(|| match by {
            Canceller::Admin => "cancelled by an administrator".into(),
            _ => "cancelled by the member".into(),
        });
        request_cancel(&ctx, &view, running, CancelRequest { reason, by }).await
    }

    /// The member moves a confirmed booking that has not started to another slot: the new slot
    /// is held before the old one is given up, the difference is charged or refunded, and the
    /// answer comes once done. `run` carries it out (this handler receives a bearer token, so
    /// it keeps no journal; it only checks the caller and the input and hands the order over).
    #[handler(
        name = "reschedule",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn reschedule(
        &self,
        ctx: SharedWorkflowContext<'_>,
        Json(body): Json<RescheduleBody>,
    ) -> Result<Json<RescheduleResult>, Failure> {
        let who = deskflow_handlers::member!(ctx, &self.deps)?;
        let (view, running) = kept_or_recorded(&ctx, &self.deps).await?;
        let view = visible(view, &who, &ctx)?;
        if view.user_id != who.sub {
            return Err(terminal(403, "only the booking's member can reschedule it"));
        }
        let slot = TimeSlot::parse("starts_at", &body.starts_at, "ends_at", &body.ends_at)?;
        let payment_method = body
            .payment_method
            .as_deref()
            .map(limits::check_payment_method)
            .transpose()?;
        if view.status != BookingStatus::Confirmed {
            return Err(terminal(
                409,
                format!(
                    "the booking is {}: only a confirmed booking can be rescheduled",
                    view.status.as_str()
                ),
            ));
        }
        let order = RescheduleOrder {
            request_id: ctx.invocation_id().to_string(),
            starts_at_ms: slot.starts_at.timestamp_millis(),
            ends_at_ms: slot.ends_at.timestamp_millis(),
            seats: body.seats.unwrap_or(view.seats),
            payment_method,
        };
        // bad input is refused here, before the booking's journal sees it
        let (deps, id) = (self.deps.clone(), ctx.key().to_string());
        let request = BookingRequest {
            user_id: view.user_id.clone(),
            workspace_id: view.workspace_id.clone(),
            starts_at_ms: order.starts_at_ms,
            ends_at_ms: order.ends_at_ms,
            seats: order.seats,
            payment_method: String::new(),
            waitlist: false,
            confirmed_as_state: false,
        };
        let checked = ctx
            .run(|| {
                step(async move {
                    let (_, quoted) = prepare_now(&deps, &id, &request, None).await?;
                    Ok(Json(quoted.map(|_| ()).map_err(Refusal::into_answer)))
                })
            })
            .name("validate new slot")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        if let Err((code, message)) = checked.0 {
            return Err(terminal(code, message));
        }
        if !running {
            // handed on, and Restate keeps no view of the workflow: the object moves it
            return reschedule_on_object(&ctx, order).await;
        }
        let n = ctx
            .get::<Json<u32>>(RESCHEDULE_NO)
            .await?
            .map(|j| j.0)
            .unwrap_or(0);
        ctx.resolve_promise(&reschedule_order(n), Json(order.clone()));
        let Json(done) = ctx
            .promise::<Json<Rescheduled>>(&reschedule_answer(n))
            .await?;
        match (done.request_id, done.outcome) {
            (Some(id), Ok(result)) if id == order.request_id => Ok(Json(result)),
            (Some(id), Err((code, message))) if id == order.request_id => {
                Err(terminal(code, message))
            }
            // `run` handed the confirmed booking on to its object, which moves it
            (None, Err((HANDED_ON, _))) => reschedule_on_object(&ctx, order).await,
            (None, Err((code, message))) => Err(terminal(code, message)),
            _ => Err(terminal(
                409,
                "another reschedule of this booking was handled at the same moment: read its status, then try again",
            )),
        }
    }

    /// (internal) `Admin/cancel_booking`: cancel with a full refund.
    #[handler(name = "admin_cancel", ingress_private)]
    async fn admin_cancel(
        &self,
        ctx: SharedWorkflowContext<'_>,
        Json(req): Json<CancelRequest>,
    ) -> Result<Json<CancelResult>, Failure> {
        let (view, running) = kept_or_recorded(&ctx, &self.deps).await?;
        let view = view.ok_or_else(|| not_found(&ctx))?;
        request_cancel(&ctx, &view, running, req).await
    }
}

/// A reschedule carried out by the booking's `ConfirmedBooking` object, which checks the new
/// slot in its own steps.
async fn reschedule_on_object(
    ctx: &SharedWorkflowContext<'_>,
    order: RescheduleOrder,
) -> Outcome<Json<RescheduleResult>> {
    let Json(result) = ctx
        .object_client::<ConfirmedBookingClient>(ctx.key().to_string())
        .reschedule(Json(order))
        .call()
        .await?;
    Ok(Json(result))
}

/// The step that reads the card's client secret from the provider while the member must
/// authenticate (never kept in state: this handler keeps no journal once it answers).
async fn client_secret(deps: Arc<Deps>, payment_intent: String) -> Outcome<Option<String>> {
    Ok(deps
        .stripe
        .retrieve(&payment_intent)
        .await
        .ok()
        .and_then(|p| p.client_secret))
}

/// The booking, when the caller may see it (its member or an admin); 404 otherwise, so an
/// id of somebody else's booking reveals nothing.
fn visible(
    view: Option<BookingView>,
    who: &Claims,
    ctx: &SharedWorkflowContext<'_>,
) -> Outcome<BookingView> {
    view.filter(|v| v.user_id == who.sub || who.is_admin())
        .ok_or_else(|| not_found(ctx))
}

fn not_found(ctx: &SharedWorkflowContext<'_>) -> Failure {
    terminal(404, format!("booking {:?} not found", ctx.key()))
}

/// Confirmed or final: the project's record is the truth from here on.
fn past_confirmation(status: BookingStatus) -> bool {
    status == BookingStatus::Confirmed || status.is_final()
}

/// The workflow's view of the booking; `None` once Restate no longer keeps it (a finished
/// workflow is forgotten after its completion retention, or when an operator purges it).
async fn kept_view(ctx: &SharedWorkflowContext<'_>) -> Outcome<Option<BookingView>> {
    Ok(ctx.get::<Json<BookingView>>(VIEW).await?.map(|j| j.0))
}

/// The booking as the project's record tells it, in one journaled step.
async fn recorded(
    ctx: &SharedWorkflowContext<'_>,
    deps: &Arc<Deps>,
) -> Outcome<Option<BookingView>> {
    let (d, id) = (deps.clone(), ctx.key().to_string());
    let Json(view) = ctx
        .run(|| step(async move { Ok(Json(recorded_view(&d, &id).await?)) }))
        .name("read the booking's record")
        .retry_policy(deps.db_retry.policy())
        .await?;
    Ok(view)
}

/// The booking now: the workflow's view while it is in flight; once it is confirmed or final,
/// or once Restate keeps no view of it, the project's record, which wins.
async fn current_view(
    ctx: &SharedWorkflowContext<'_>,
    deps: &Arc<Deps>,
) -> Outcome<Option<BookingView>> {
    match kept_view(ctx).await? {
        Some(v) if !past_confirmation(v.status) => Ok(Some(v)),
        kept => Ok(recorded(ctx, deps).await?.or(kept)),
    }
}

/// The booking for an order to its workflow (a cancel, a reschedule): the workflow's view, or
/// the record when Restate keeps none, with whether the workflow still runs to take the order.
async fn kept_or_recorded(
    ctx: &SharedWorkflowContext<'_>,
    deps: &Arc<Deps>,
) -> Outcome<(Option<BookingView>, bool)> {
    match kept_view(ctx).await? {
        Some(v) => Ok((Some(v), true)),
        None => Ok((recorded(ctx, deps).await?, false)),
    }
}

/// Hands a cancel to the booking's `run` and answers what it came to. A final booking refuses
/// it (409), whether Restate still keeps its workflow or only the record knows it.
async fn request_cancel(
    ctx: &SharedWorkflowContext<'_>,
    view: &BookingView,
    running: bool,
    req: CancelRequest,
) -> Outcome<Json<CancelResult>> {
    if view.status.is_final() {
        if view.status == BookingStatus::Cancelled {
            // a cancel repeated: answered as the cancel that ended the booking was
            if !running {
                // by the object that carried it out, which keeps its answer an hour (later, or
                // when it never held the booking, it refuses as below)
                return cancel_by_object(ctx, req).await;
            }
            // by `run`, whose answer stays with the workflow
            if let Ok(Some(Json(answer))) =
                ctx.peek_promise::<Json<CancelResult>>(CANCEL_RESULT).await
            {
                return Ok(Json(answer));
            }
        }
        return Err(terminal(409, no_longer(view.status, "cancelled")));
    }
    if !running {
        if view.status == BookingStatus::Confirmed {
            // `run` handed the booking on and Restate keeps no view of the workflow: its
            // object holds it (or, for a booking whose run failed for good, says so)
            return cancel_on_object(ctx, req).await;
        }
        return Err(no_flow(view.status));
    }
    ctx.resolve_promise(CANCEL, Json(req.clone()));
    match ctx.promise::<Json<CancelResult>>(CANCEL_RESULT).await {
        Ok(Json(result)) => Ok(Json(result)),
        // `run` handed the confirmed booking on to its object, which carries the cancel out
        Err(e) if e.code() == HANDED_ON => cancel_on_object(ctx, req).await,
        Err(e) => Err(e.into()),
    }
}

/// A cancel carried out by the booking's `ConfirmedBooking` object. A reschedule running on
/// the object is interrupted first (it leaves the booking as it was), so the cancel does not
/// queue behind all of its payment steps.
async fn cancel_on_object(
    ctx: &SharedWorkflowContext<'_>,
    req: CancelRequest,
) -> Outcome<Json<CancelResult>> {
    ctx.object_client::<ConfirmedBookingClient>(ctx.key().to_string())
        .interrupt()
        .call()
        .await?;
    cancel_by_object(ctx, req).await
}

/// The object's `cancel`: the unwind of the booking it holds, or the answer it keeps of the
/// cancel that ended it.
async fn cancel_by_object(
    ctx: &SharedWorkflowContext<'_>,
    req: CancelRequest,
) -> Outcome<Json<CancelResult>> {
    let Json(result) = ctx
        .object_client::<ConfirmedBookingClient>(ctx.key().to_string())
        .cancel(Json(req))
        .call()
        .await?;
    Ok(Json(result))
}
