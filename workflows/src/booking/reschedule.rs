//! A confirmed booking moves to another slot, inside its own `run` (so each reschedule is a
//! stretch of the booking's journal in the Restate UI): the new slot is checked and priced
//! like a new booking, held at the Calendar *before* the old one is given up, the difference
//! is charged (a payment of its own: authorize and capture) or refunded (settling the
//! booking's payments down to the new price), and only then does the row move. Whatever
//! refuses the reschedule (the rules, no seat, the card) leaves the booking exactly as it was:
//! same slot, same money. A cancel that comes in the middle stops it like any other step; the
//! unwind then settles every payment against the provider and drops the held slot.

use super::callers::Callers;
use super::flow::{Flow, PaymentMemo};
use super::keys::{RESCHEDULE_NO, VIEW};
use super::notices;
use super::prepare::{BookingRequest, BookingStart, prepare_now};
use super::refusal::Refusal;
use super::step_context::StepContext;
use deskflow_api::{RescheduleOrder, RescheduleResult, Rescheduled, rfc3339};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::saga::{Canceller, Stop, no_longer};
use deskflow_handlers::calendar::{HoldOutcome, MoveOf, MoveRequest};
use deskflow_handlers::deps::Deps;
use deskflow_handlers::payment::{AuthOutcome, AuthorizeRequest, CaptureOutcome};
use restate_sdk::prelude::*;
use std::sync::Arc;

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// Carries out one reschedule order and answers it. A stop in the middle (a cancel) ends
    /// the booking instead; the order is then answered at the end of `run`.
    pub(super) async fn reschedule(&mut self, order: RescheduleOrder) -> Result<(), Stop> {
        self.open_reschedule = Some(order.request_id.clone());
        let outcome = self.try_reschedule(&order).await?;
        match &outcome {
            Ok(r) => {
                tracing::info!(booking_id = %self.booking_id, amount_cents = r.amount_cents, charged_cents = r.charged_cents, refunded_cents = r.refunded_cents, "booking rescheduled")
            }
            Err(refusal) => {
                tracing::info!(booking_id = %self.booking_id, code = refusal.code(), why = refusal.message(), "reschedule refused; booking unchanged")
            }
        }
        self.answer_reschedule(Some(order.request_id), outcome);
        self.open_reschedule = None;
        self.reschedule_no += 1;
        self.ctx.set_state(RESCHEDULE_NO, Json(self.reschedule_no));
        if self.cancel_signal && !self.interrupt_keeps_booking {
            // an operator's cancel came while a step was awaited through it
            return Err(self.operator());
        }
        Ok(())
    }

    /// The booking ended (in `to`): the reschedule order in hand, or the next one to come, is
    /// refused.
    pub(super) fn refuse_reschedule(&mut self, to: BookingStatus) {
        let request = self.open_reschedule.take();
        self.answer_reschedule(
            request,
            Err(Refusal::Conflict(no_longer(to, "rescheduled"))),
        );
    }

    fn answer_reschedule(
        &self,
        request_id: Option<String>,
        outcome: Result<RescheduleResult, Refusal>,
    ) {
        self.callers.answer_reschedule(
            self.reschedule_no,
            Rescheduled {
                request_id,
                outcome: outcome.map_err(Refusal::into_answer),
            },
        );
    }

    /// The reschedule: its result or refusal, or the stop of a cancel that came meanwhile. A
    /// dependency that gave up (a step out of retries, a call that ended without an answer)
    /// refuses the reschedule and leaves the booking as it was: it never ends a booking the
    /// member has paid for.
    async fn try_reschedule(
        &mut self,
        order: &RescheduleOrder,
    ) -> Result<Result<RescheduleResult, Refusal>, Stop> {
        let mut undo = Undo::default();
        match self.reschedule_steps(order, &mut undo).await {
            Err(Stop::Cancelled {
                by: Canceller::Operator,
                ..
            }) if self.interrupt_keeps_booking => {
                self.take_back(undo).await;
                Ok(Err(Refusal::Conflict(
                    "the reschedule was interrupted (by a cancel of the booking, or an operator); the booking is unchanged"
                        .into(),
                )))
            }
            Err(stop @ Stop::Cancelled { .. }) => Err(stop),
            Err(stop) => {
                self.take_back(undo).await;
                Ok(Err(Refusal::Unavailable(format!(
                    "{}; the booking is unchanged",
                    stop.reason()
                ))))
            }
            Ok(done) => Ok(done),
        }
    }

    /// Takes back what a reschedule that did not go through set in motion: its charge, its
    /// held new slot.
    async fn take_back(&mut self, undo: Undo) {
        if undo.charged {
            self.give_back_last().await;
        }
        if let Some(ws) = undo.held {
            self.drop_move(&ws).await;
        }
    }

    async fn reschedule_steps(
        &mut self,
        order: &RescheduleOrder,
        undo: &mut Undo,
    ) -> Result<Result<RescheduleResult, Refusal>, Stop> {
        let Some(b) = self.b.clone() else {
            return Ok(Err(Refusal::Conflict(
                "the booking is not confirmed".into(),
            )));
        };
        // 1. the new slot against the rules and the database, priced, with the clock
        let request = BookingRequest {
            starts_at_ms: order.starts_at_ms,
            ends_at_ms: order.ends_at_ms,
            seats: order.seats,
            payment_method: order
                .payment_method
                .clone()
                .unwrap_or_else(|| self.req.payment_method.clone()),
            ..self.req.clone()
        };
        let (deps, id, rate) = (
            self.deps.clone(),
            self.booking_id.clone(),
            b.hourly_rate_cents,
        );
        let checked = self
            .ctx
            .journaled(
                "check new slot",
                Some(self.deps.db_retry.policy()),
                move || check_new_slot(deps, id, request, rate),
            )
            .await;
        let Json((now, quoted)) = self.step_result(checked, "check new slot")?;
        if now >= b.starts_at_ms {
            return Ok(Err(Refusal::Conflict(
                "the booking's slot has started: it can no longer be rescheduled".into(),
            )));
        }
        let nb = match quoted {
            Ok(nb) => nb,
            Err(answer) => return Ok(Err(Refusal::from_answer(answer))),
        };
        if (nb.starts_at_ms, nb.ends_at_ms, nb.seats) == (b.starts_at_ms, b.ends_at_ms, b.seats) {
            return Ok(Ok(RescheduleResult {
                status: BookingStatus::Confirmed,
                amount_cents: b.amount_cents,
                charged_cents: 0,
                refunded_cents: 0,
            }));
        }

        // 2. hold the new slot; the old one stays the booking's until the move
        let ws = b.workspace_id.clone();
        undo.held = Some(ws.clone());
        let hold = self
            .ctx
            .calendar(ws.clone())
            .hold_move(Json(MoveRequest {
                booking_id: self.booking_id.clone(),
                starts_at_ms: nb.starts_at_ms,
                ends_at_ms: nb.ends_at_ms,
                seats: nb.seats,
                amount_cents: nb.amount_cents,
                from_starts_at_ms: b.starts_at_ms,
                from_ends_at_ms: b.ends_at_ms,
            }))
            .send();
        match self.answer("Calendar/hold_move", hold).await? {
            HoldOutcome::Held => {}
            HoldOutcome::NoSeat { reason } | HoldOutcome::Waitlisted { reason } => {
                return Ok(Err(Refusal::Conflict(format!(
                    "{reason}; the booking is unchanged"
                ))));
            }
        }

        // 3. a higher price: the difference is charged before anything moves
        let diff = nb.amount_cents - self.net_paid();
        let mut charged = 0;
        if diff > 0 {
            undo.charged = true;
            match self.charge_difference(&nb, diff).await? {
                Ok(c) => charged = c,
                Err(refused) => {
                    undo.charged = false;
                    undo.held = None;
                    self.drop_move(&ws).await;
                    return Ok(Err(refused));
                }
            }
        }

        // 4. the move: the row takes the new slot, seats and price in one statement. Awaited
        // through any cancel: a cancel is seen right after, against the slot the booking
        // really has (and a call that ended without an answer is sent again; the row says
        // whether it moved)
        let (ws2, booking_id) = (ws.clone(), self.booking_id.clone());
        let committed = self
            .through_cancels::<bool>("Calendar/commit_move", |flow| {
                flow.ctx
                    .calendar(ws2.clone())
                    .commit_move(Json(MoveOf {
                        booking_id: booking_id.clone(),
                    }))
                    .send()
            })
            .await;
        let moved = match committed {
            Ok(true) => true,
            _ => self.moved_to(&nb).await?,
        };
        *undo = Undo::default();
        if !moved {
            if charged > 0 {
                self.give_back_last().await;
            }
            self.drop_move(&ws).await;
            return Ok(Err(Refusal::Conflict(
                "the new slot is no longer free; the booking is unchanged".into(),
            )));
        }
        let from = (
            self.view.starts_at.clone(),
            self.view.ends_at.clone(),
            self.view.seats,
        );
        self.moves += 1;
        self.req.starts_at_ms = nb.starts_at_ms;
        self.req.ends_at_ms = nb.ends_at_ms;
        self.req.seats = nb.seats;
        self.view.starts_at = rfc3339(nb.starts_at_ms);
        self.view.ends_at = rfc3339(nb.ends_at_ms);
        self.view.seats = nb.seats;
        self.view.amount_cents = nb.amount_cents;
        self.b = Some(BookingStart {
            payment_method: b.payment_method.clone(),
            ..nb.clone()
        });
        self.sum_payments();
        self.ctx.set_state(VIEW, Json(self.view.clone()));

        // 5. a lower price: the payments are settled down to it
        let mut refunded = 0;
        if diff < 0 {
            let (settled, failures) = self.settle_payments(nb.amount_cents, true).await;
            refunded = settled.refunded_now_cents;
            if let Some(status) = settled.status {
                self.view.payment.status = status;
            }
            for why in failures {
                // the booking has moved; Admin/reconcile reports the money still to settle
                tracing::error!(booking_id = %self.booking_id, why, "a reschedule's refund did not go through");
            }
            self.sum_payments();
            self.ctx.set_state(VIEW, Json(self.view.clone()));
        }

        // 6. one email and one activity record per reschedule
        self.record_again("booking_rescheduled", self.moves, Some(charged - refunded));
        if let Some(nb) = self.b.clone() {
            let mail = notices::rescheduled(
                &nb,
                &self.view,
                (&from.0, &from.1, from.2),
                charged,
                refunded,
            );
            self.notify_again("booking_rescheduled", self.moves, mail);
        }
        Ok(Ok(RescheduleResult {
            status: BookingStatus::Confirmed,
            amount_cents: nb.amount_cents,
            charged_cents: charged,
            refunded_cents: refunded,
        }))
    }

    /// A payment of its own for `diff` (a new authorization and capture, with the order's
    /// payment method): what it captured, or why not (then nothing of it is kept).
    async fn charge_difference(
        &mut self,
        nb: &BookingStart,
        diff: i64,
    ) -> Result<Result<i64, Refusal>, Stop> {
        let pid = format!("{}.{}", self.booking_id, self.payments.len() + 1);
        self.payments.push(PaymentMemo::new(pid.clone()));
        self.progress.payment_sent = true;
        let k = self.payments.len() - 1;
        let auth = self
            .ctx
            .payment_object(pid.clone())
            .authorize(Json(AuthorizeRequest {
                booking_id: self.booking_id.clone(),
                user_id: nb.user_id.clone(),
                amount_cents: diff,
                currency: nb.currency.clone(),
                payment_method: nb.payment_method.clone(),
                quiet: true,
            }))
            .send();
        let (refusal, why): (fn(String) -> Refusal, String) = match self
            .answer("Payment/authorize", auth)
            .await?
        {
            AuthOutcome::Authorized => {
                let capture = self
                    .ctx
                    .payment_object(pid.clone())
                    .capture()
                    .send();
                match self.answer("Payment/capture", capture).await? {
                    CaptureOutcome::Captured { captured_cents } => {
                        self.payments[k].captured = captured_cents;
                        return Ok(Ok(captured_cents));
                    }
                    CaptureOutcome::Refused { message } => {
                        (Refusal::Declined, format!("payment declined: {message}"))
                    }
                    CaptureOutcome::Unavailable { message } => (Refusal::Unavailable, message),
                }
            }
            AuthOutcome::RequiresAction { .. } => (
                Refusal::Declined,
                "the card asks for the member's authentication (3-D Secure), which a reschedule cannot ask for".into(),
            ),
            AuthOutcome::Declined { message } => {
                (Refusal::Declined, format!("payment declined: {message}"))
            }
            AuthOutcome::Unavailable { message } => (Refusal::Unavailable, message),
        };
        self.give_back_last().await;
        Ok(Err(refusal(format!("{why}; the booking is unchanged"))))
    }

    /// Settles the newest payment (a refused reschedule's difference) to keep nothing.
    async fn give_back_last(&mut self) {
        let k = self.payments.len() - 1;
        let id = self.payments[k].id.clone();
        match self.settle_one(&id, 0, true).await {
            Ok(s) => {
                self.payments[k].captured = s.captured_cents;
                self.payments[k].refunded = s.refunded_cents;
            }
            Err(why) => {
                tracing::error!(booking_id = %self.booking_id, payment_id = %id, why, "a refused reschedule's charge was not given back");
            }
        }
        self.sum_payments();
    }

    /// Drops the held new slot (awaited through any cancel: it must not stay held).
    async fn drop_move(&mut self, ws: &str) {
        let (ws, booking_id) = (ws.to_string(), self.booking_id.clone());
        if let Err(why) = self
            .through_cancels::<bool>("Calendar/drop_move", |flow| {
                flow.ctx
                    .calendar(ws.clone())
                    .drop_move(Json(MoveOf {
                        booking_id: booking_id.clone(),
                    }))
                    .send()
            })
            .await
        {
            tracing::error!(booking_id = %self.booking_id, why, "a refused reschedule's slot was not dropped");
        }
    }
}

/// What a reschedule has set in motion that a dependency giving up must take back.
#[derive(Default)]
struct Undo {
    /// the new slot may be held at this workspace's Calendar
    held: Option<String>,
    /// the newest payment (the difference) may have taken money
    charged: bool,
}

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// Whether the booking's row has the new slot (a commit whose answer never came), in one
    /// journaled step.
    async fn moved_to(&mut self, nb: &BookingStart) -> Result<bool, Stop> {
        let (deps, id) = (self.deps.clone(), self.booking_id.clone());
        let want = (nb.starts_at_ms, nb.ends_at_ms, nb.seats);
        let read = self
            .ctx
            .journaled(
                "check where the booking is",
                Some(self.deps.db_retry.policy()),
                move || async move {
                    let row = deps
                        .store
                        .booking(&id)
                        .await
                        .map_err(super::flow::step_error)?;
                    Ok(row.is_some_and(|r| (r.starts_at, r.ends_at, r.seats) == want))
                },
            )
            .await;
        self.step_result(read, "check where the booking is")
    }
}

/// The step that checks and prices a reschedule's new slot, with the moment it did: at the
/// rate the booking was booked at, as its row keeps it (`rate_cents`, the flow's memory of it,
/// for a row that has none; the workspace's rate when neither knows it).
async fn check_new_slot(
    deps: Arc<Deps>,
    booking_id: String,
    req: BookingRequest,
    rate_cents: Option<i64>,
) -> HandlerResult<Json<(i64, Result<BookingStart, (u16, String)>)>> {
    let stored = deps
        .store
        .booking(&booking_id)
        .await
        .map_err(super::flow::step_error)?
        .and_then(|row| row.hourly_rate_cents);
    let (now, quoted) = prepare_now(&deps, &booking_id, &req, stored.or(rate_cents))
        .await
        .map_err(super::flow::step_error)?;
    Ok(Json((now, quoted.map_err(Refusal::into_answer))))
}
