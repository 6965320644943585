//! One booking's flow: what it knows, what it has set in motion, and how its status moves.
//!
//! [`Flow::drive`] is the whole of `Booking/{id}/run`: the forward path ([`super::saga`]) ends
//! either with the slot over or with a [`Stop`]; how far it got and that end go to the pure
//! [`plan`] of `deskflow_domain::saga`, which decides the final status, the unwind and what is
//! said; [`super::unwind`] carries the plan out. Nothing about how a booking ends is decided
//! here, so the decisions are tested for every interleaving without a server.
//!
//! A flow runs on any context with the [`StepContext`] traits; what only the workflow has (its
//! promises) it reaches through [`Callers`]. A confirmed booking's flow can be handed on as a
//! [`Snapshot`] and resumed on another context ([`Flow::resume`]).

use super::callers::Callers;
use super::keys::VIEW;
use super::prepare::{BookingRequest, BookingStart};
use super::snapshot::Snapshot;
use super::step_context::StepContext;
use deskflow_api::{BookingView, PaymentSummary, rfc3339};
use deskflow_domain::booking::{BookingEvent, BookingStatus, next};
use deskflow_domain::payment::PaymentStatus;
use deskflow_domain::saga::{End, Progress, Stop, no_longer, plan};
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::payment::PaymentClient;
use deskflow_infra::InfraError;
use deskflow_infra::metrics;
use deskflow_infra::store::bookings::BookingRow;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A booking's flow: what it knows and what it has set in motion, on the context `C` it runs
/// on, answering its callers through `K`.
pub(super) struct Flow<'a, C, K> {
    pub deps: Arc<Deps>,
    pub ctx: &'a C,
    pub callers: K,
    pub booking_id: String,
    pub req: BookingRequest,
    /// the checked and priced booking, once the first step ran
    pub b: Option<BookingStart>,
    pub view: BookingView,
    /// how far the booking got, as the domain's plan reads it (its status is the view's,
    /// both written by [`Flow::set_status`])
    pub progress: Progress,
    /// an operator cancelled through Restate: `run` ends with that error once unwound
    pub operator_cancelled: bool,
    /// the `settled` promise was resolved (once: at confirmation or at the end)
    pub settled: bool,
    /// the booking's payments, oldest first, as far as the flow has heard of them
    pub payments: Vec<PaymentMemo>,
    /// the index of the next `reschedule.{n}` promise the flow takes an order from
    pub reschedule_no: u32,
    /// the order being carried out (answered at the end if a stop comes first)
    pub open_reschedule: Option<String>,
    /// reschedules that moved the booking
    pub moves: u32,
    /// the start of the slot the reminder went out for
    pub reminded: Option<i64>,
    /// Restate's cancel signal came while a step was awaited through it (it is delivered
    /// once): a reschedule in progress turns it into the operator's cancel when it is done
    pub cancel_signal: bool,
    /// the check found the id's saga has run before: the booking as its record tells it
    pub recorded: Option<BookingView>,
    /// the confirmed booking was handed on to its `ConfirmedBooking` object: `run` ends
    pub handed_on: bool,
    /// a cancel of this invocation (an operator's, or a booking's cancel interrupting it)
    /// stops a reschedule and leaves the booking as it was, instead of ending the booking: a
    /// reschedule that is an invocation of its own (`ConfirmedBooking/reschedule`)
    pub interrupt_keeps_booking: bool,
}

/// One payment of the booking as the flow knows it: what it took and gave back. What the
/// provider really did is asked when settling; these figures only share out what is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaymentMemo {
    pub id: String,
    pub captured: i64,
    pub refunded: i64,
}

impl PaymentMemo {
    pub fn new(id: String) -> Self {
        PaymentMemo {
            id,
            captured: 0,
            refunded: 0,
        }
    }

    pub fn net(&self) -> i64 {
        self.captured - self.refunded
    }
}

/// The view of a booking that has just started: pending, nothing priced yet.
pub(super) fn initial_view(booking_id: &str, req: &BookingRequest) -> BookingView {
    BookingView {
        booking_id: booking_id.to_string(),
        status: BookingStatus::Pending,
        reason: None,
        workspace_id: req.workspace_id.clone(),
        user_id: req.user_id.clone(),
        starts_at: rfc3339(req.starts_at_ms),
        ends_at: rfc3339(req.ends_at_ms),
        seats: req.seats,
        amount_cents: 0,
        currency: String::new(),
        payment: PaymentSummary {
            status: PaymentStatus::NotStarted,
            ..PaymentSummary::default()
        },
    }
}

impl<'a, C, K> Flow<'a, C, K> {
    /// The flow of a booking that has just started (`view` is its [`initial_view`]).
    pub fn new(
        deps: Arc<Deps>,
        ctx: &'a C,
        callers: K,
        booking_id: String,
        req: BookingRequest,
        view: BookingView,
    ) -> Self {
        let progress = Progress {
            status: view.status,
            hold_sent: false,
            payment_sent: false,
            confirmed: false,
        };
        Flow {
            deps,
            ctx,
            callers,
            booking_id,
            req,
            b: None,
            view,
            progress,
            operator_cancelled: false,
            settled: false,
            payments: Vec::new(),
            reschedule_no: 0,
            open_reschedule: None,
            moves: 0,
            reminded: None,
            cancel_signal: false,
            recorded: None,
            handed_on: false,
            interrupt_keeps_booking: false,
        }
    }

    /// The flow of a confirmed booking, loaded from its [`Snapshot`] on another context:
    /// seats held, confirmed and settled (`wait` has had its answer), every payment it made
    /// known. A confirmed booking has made a payment exactly when it has one (a free one none).
    pub fn resume(deps: Arc<Deps>, ctx: &'a C, callers: K, snapshot: Snapshot) -> Self {
        let Snapshot {
            booking,
            view,
            payments,
            moves,
            reminded,
            reschedule_no,
        } = snapshot;
        Flow {
            deps,
            ctx,
            callers,
            booking_id: booking.booking_id.clone(),
            req: BookingRequest {
                user_id: booking.user_id.clone(),
                workspace_id: booking.workspace_id.clone(),
                starts_at_ms: booking.starts_at_ms,
                ends_at_ms: booking.ends_at_ms,
                seats: booking.seats,
                payment_method: booking.payment_method.clone(),
                waitlist: false,
                confirmed_as_state: true,
            },
            b: Some(booking),
            progress: Progress {
                status: view.status,
                hold_sent: true,
                payment_sent: !payments.is_empty(),
                confirmed: true,
            },
            view,
            operator_cancelled: false,
            settled: true,
            payments,
            reschedule_no,
            open_reschedule: None,
            moves,
            reminded,
            cancel_signal: false,
            recorded: None,
            handed_on: false,
            interrupt_keeps_booking: false,
        }
    }

    /// What a confirmed booking's later steps need, to hand on to another context; `None`
    /// before the booking is confirmed (or once it has ended).
    pub fn snapshot(&self) -> Option<Snapshot> {
        let booking = self.b.clone()?;
        (self.progress.confirmed && self.view.status == BookingStatus::Confirmed).then(|| {
            Snapshot {
                booking,
                view: self.view.clone(),
                payments: self.payments.clone(),
                moves: self.moves,
                reminded: self.reminded,
                reschedule_no: self.reschedule_no,
            }
        })
    }
}

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// The whole booking: the saga, then the plan of how it ends, carried out.
    pub async fn drive(&mut self) -> HandlerResult<()> {
        let end = match self.saga().await {
            Ok(()) => End::SlotOver,
            Err(stop) => End::Stopped(stop),
        };
        if let Some(recorded) = self.recorded.take() {
            self.end_as_recorded(recorded);
            return Ok(());
        }
        if self.handed_on {
            // confirmed, and living on in its `ConfirmedBooking` object
            return Ok(());
        }
        self.end(end).await
    }

    /// How the booking ends: the domain's plan for how far it got and what ended it, carried
    /// out (the completion, or the unwind), and a reschedule order in hand refused.
    pub(super) async fn end(&mut self, end: End) -> HandlerResult<()> {
        let plan = plan(self.progress, &end);
        let final_status = plan.final_status;
        let ended = if final_status == BookingStatus::Completed {
            self.complete(plan).await
        } else {
            self.unwind(plan).await
        };
        self.refuse_reschedule(final_status);
        ended
    }

    /// The id's saga ran before (the same key again, after Restate forgot that run): this run
    /// takes the record's view as its own, answers its callers with it, and changes nothing
    /// else (no seat, no money, no row, no email).
    fn end_as_recorded(&mut self, recorded: BookingView) {
        let to = recorded.status;
        tracing::warn!(booking_id = %self.booking_id, status = to.as_str(), "the booking has run its saga before; this run changes nothing");
        self.view = recorded;
        self.progress.status = to;
        self.ctx.set_state(VIEW, Json(self.view.clone()));
        self.settle();
        self.callers.answer_cancel(Err(TerminalError::new_with_code(
            409,
            no_longer(to, "cancelled"),
        )));
        self.refuse_reschedule(to);
    }

    /// The booking's payment figures summed over its payments, into the view.
    pub(super) fn sum_payments(&mut self) {
        self.view.payment.captured_cents = self.payments.iter().map(|p| p.captured).sum();
        self.view.payment.refunded_cents = self.payments.iter().map(|p| p.refunded).sum();
    }

    /// What the member has paid so far, net, over the booking's payments.
    pub(super) fn net_paid(&self) -> i64 {
        self.payments.iter().map(PaymentMemo::net).sum()
    }

    /// Resolves the `settled` promise (what `wait` returns), once.
    pub(super) fn settle(&mut self) {
        if !self.settled {
            self.settled = true;
            self.callers.settled(&self.view);
        }
    }

    pub(super) fn current(&self) -> BookingStatus {
        self.view.status
    }

    /// Applies a transition of the table to the view and the workflow state; `None` when the
    /// table refuses it (logged; the status stays).
    pub(super) fn transition(
        &mut self,
        event: BookingEvent,
        reason: Option<String>,
    ) -> Option<BookingStatus> {
        let to = match next(self.current(), event) {
            Ok(to) => to,
            Err(e) => {
                tracing::error!(booking_id = %self.booking_id, error = %e, "transition refused; status unchanged");
                return None;
            }
        };
        self.set_status(to, reason);
        Some(to)
    }

    pub(super) fn set_status(&mut self, to: BookingStatus, reason: Option<String>) {
        self.view.status = to;
        self.progress.status = to;
        if reason.is_some() {
            self.view.reason = reason;
        }
        self.ctx.set_state(VIEW, Json(self.view.clone()));
    }

    /// A transition, written to the bookings row as well: one journaled step, one UPDATE.
    /// Returns the time it wrote (journaled), or `None` when the table refused it.
    pub(super) async fn advance(
        &mut self,
        event: BookingEvent,
        reason: Option<String>,
    ) -> Result<Option<i64>, Stop> {
        let Some(to) = self.transition(event, reason) else {
            return Ok(None);
        };
        let written = self.write_status(to).await;
        self.step_result(written, step_name(to)).map(Some)
    }

    /// Writes the view's status to the bookings row (inserting the row when the booking never
    /// got one, e.g. rejected before a hold). Returns the time it wrote.
    pub(super) async fn write_status(&self, to: BookingStatus) -> Result<i64, TerminalError> {
        let deps = self.deps.clone();
        let row = self.row(to);
        self.ctx
            .journaled(
                step_name(to),
                Some(self.deps.compensation_retry.policy()),
                move || write_row(deps, row, to),
            )
            .await
    }

    fn row(&self, to: BookingStatus) -> BookingRow {
        let (amount, currency, rate) = match &self.b {
            Some(b) => (b.amount_cents, b.currency.clone(), b.hourly_rate_cents),
            None => (0, String::new(), None),
        };
        BookingRow {
            id: self.booking_id.clone(),
            user_id: self.req.user_id.clone(),
            workspace_id: self.req.workspace_id.clone(),
            starts_at: self.req.starts_at_ms,
            ends_at: self.req.ends_at_ms,
            seats: self.req.seats,
            status: to,
            reason: self.view.reason.clone(),
            amount_cents: amount,
            currency,
            created_at: 0,
            updated_at: 0,
            hourly_rate_cents: rate,
        }
    }

    /// Milliseconds since the epoch, journaled (a replay sees the same clock).
    pub(super) async fn clock(&mut self) -> Result<i64, Stop> {
        let t = self
            .ctx
            .journaled("read clock", None, || async { Ok(now_ms()) })
            .await;
        self.step_result(t, "read clock")
    }

    pub(super) fn payment(&self) -> PaymentClient<'_> {
        self.ctx.payment_object(self.booking_id.clone())
    }
}

/// The step that writes a status: an UPDATE of the booking's row, or its INSERT when it has
/// none yet. Returns the time it wrote.
async fn write_row(deps: Arc<Deps>, row: BookingRow, to: BookingStatus) -> HandlerResult<i64> {
    let now = now_ms();
    if deps
        .store
        .update_booking_status(&row.id, row.status, row.reason.as_deref(), now)
        .await
        .map_err(step_error)?
    {
        metrics::inc("deskflow_bookings_total", &[("status", to.as_str())]);
        return Ok(now);
    }
    if let Some(ended) = deps.store.booking(&row.id).await.map_err(step_error)? {
        // a final status is never changed into another: the row keeps how it ended
        tracing::warn!(booking_id = %row.id, recorded = ended.status.as_str(), status = to.as_str(), "the booking has ended already; its row stays as it is");
        return Ok(now);
    }
    let row = BookingRow {
        created_at: now,
        updated_at: now,
        ..row
    };
    deps.store.insert_booking(&row).await.map_err(step_error)?;
    metrics::inc("deskflow_bookings_total", &[("status", to.as_str())]);
    Ok(now)
}

/// A database failure inside one of this flow's steps: retried while transient; otherwise
/// terminal with code 500, never 409, so a step's own failure cannot pass for a cancel.
pub(super) fn step_error(e: InfraError) -> HandlerError {
    if e.is_transient() {
        tracing::warn!(error = %e, "transient failure; Restate will retry");
        return HandlerError::from(e);
    }
    tracing::error!(error = %e, "permanent failure in a booking step");
    TerminalError::new_with_code(500, "internal error").into()
}

/// Journal step names for status changes, readable in the Restate UI.
pub(super) fn step_name(to: BookingStatus) -> &'static str {
    match to {
        BookingStatus::Pending => "record pending",
        BookingStatus::Waitlisted => "record waitlisted",
        BookingStatus::Held => "record seats held",
        BookingStatus::AwaitingPayment => "record awaiting payment",
        BookingStatus::Confirmed => "record confirmed",
        BookingStatus::Completed => "record completed",
        BookingStatus::Cancelled => "record cancelled",
        BookingStatus::Rejected => "record rejected",
        BookingStatus::Expired => "record expired",
        BookingStatus::Failed => "record failed",
    }
}
