//! The booking saga's forward path: check and price -> hold the seats -> authorize -> if the
//! provider asks, wait for the member's authentication until the hold expires -> capture ->
//! confirmed -> reminder -> completed. Every early way out is a [`Stop`]; what follows from it
//! is the plan's business ([`super::flow`]), not this file's.
//!
//! Calls to the participants (`Calendar`, `Payment`) are sent as invocations of their own and
//! their answers awaited through [`super::waits`]: an operator's cancel of the booking stops
//! the waiting, never the participant in mid-effect, and the unwind that follows runs on the
//! same participant object after it, against what really happened ([`super::unwind`]).

use super::callers::Callers;
use super::confirmed::HANDED_ON;
use super::flow::{Flow, PaymentMemo, step_error};
use super::keys::{PAYMENT_INTENT, VIEW};
use super::notices;
use super::prepare::{BookingRequest, BookingStart, prepare_now};
use super::record::recorded_view;
use super::refusal::Refusal;
use super::step_context::StepContext;
use super::waits::{Waited, cancel_of, member_stop};
use deskflow_api::rfc3339;
use deskflow_domain::booking::{BookingEvent, BookingStatus};
use deskflow_domain::payment::PaymentStatus;
use deskflow_domain::saga::Stop;
use deskflow_handlers::calendar::{HoldOutcome, HoldRequest};
use deskflow_handlers::deps::Deps;
use deskflow_handlers::payment::{AuthOutcome, AuthorizeRequest, CaptureOutcome};
use restate_sdk::prelude::*;
use std::sync::Arc;
use std::time::Duration;

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// The happy path, from the check to the end of the slot. Every early way out is a [`Stop`].
    pub(super) async fn saga(&mut self) -> Result<(), Stop> {
        // 0. check and price again, from the database (the caller is trusted for nothing)
        let b = self.check().await?;
        self.view.amount_cents = b.amount_cents;
        self.view.currency = b.currency.clone();
        self.view.starts_at = rfc3339(b.starts_at_ms);
        self.view.ends_at = rfc3339(b.ends_at_ms);
        self.view.seats = b.seats;
        self.b = Some(b.clone());

        // 1. hold the seats (serialized per workspace by the Calendar object); a booking that
        // asked to wait is woken through an awakeable once the Calendar serves it
        self.progress.hold_sent = true;
        let (waitlist, served) = if self.req.waitlist {
            let (id, served) = self.ctx.awakeable_of::<bool>();
            (Some(id), Some(served))
        } else {
            (None, None)
        };
        let hold = self
            .ctx
            .calendar(b.workspace_id.clone())
            .hold(Json(HoldRequest {
                booking_id: b.booking_id.clone(),
                user_id: b.user_id.clone(),
                starts_at_ms: b.starts_at_ms,
                ends_at_ms: b.ends_at_ms,
                seats: b.seats,
                amount_cents: b.amount_cents,
                currency: b.currency.clone(),
                hourly_rate_cents: b.hourly_rate_cents,
                waitlist,
            }))
            .send();
        match self.answer("Calendar/hold", hold).await? {
            HoldOutcome::Held => {}
            HoldOutcome::NoSeat { reason } => return Err(Stop::NoSeat(reason)),
            HoldOutcome::Waitlisted { reason } => {
                // the Calendar wrote the row as `waitlisted`: only the view moves here
                self.transition(BookingEvent::Waitlisted, Some(reason));
                self.notify("booking_waitlisted", notices::waitlisted(&b, &self.view));
                if let Some(served) = served {
                    self.await_seat(served, b.starts_at_ms).await?;
                }
                self.view.reason = None;
            }
        }
        // Calendar/hold (or its waitlist) wrote the row as `held` in its own step: only the
        // view moves here
        self.transition(BookingEvent::SeatsHeld, None);

        if b.amount_cents > 0 {
            self.pay(&b).await?;
        }

        // 5. confirmed -- unless a cancel came while the capture ran: then the member pays
        // nothing (the unwind refunds what the provider took)
        if let Some(c) = self.pending_cancel().await? {
            return Err(c);
        }
        let confirmed_at = self.advance(BookingEvent::PaymentCaptured, None).await?;
        self.progress.confirmed = true;
        self.settle();
        self.record("booking_confirmed", Some(self.view.payment.captured_cents));
        let mail = notices::confirmed(&b, &self.view);
        self.notify("booking_confirmed", mail);

        // 6, as state: the booking lives on in its `ConfirmedBooking` object (a cancel that came
        // while confirming is still this run's), and `run` ends here
        if self.req.confirmed_as_state {
            if let Some(c) = self.pending_cancel().await? {
                return Err(c);
            }
            if self.hand_on() {
                return Ok(());
            }
        }

        // 6. remind before the start, complete after the end; a cancel may come any time, and a
        // reschedule before the start (the timers then follow the new slot)
        let lead_ms = self.deps.booking.reminder_lead.as_millis() as i64;
        // the confirmation's own timestamp: no separate clock step right after it
        let mut now = match confirmed_at {
            Some(t) => t,
            None => self.clock().await?,
        };
        loop {
            let b = self.b.clone().unwrap_or(b.clone());
            let until = if self.reminded == Some(b.starts_at_ms) {
                b.ends_at_ms
            } else {
                b.starts_at_ms - lead_ms
            };
            if until > now
                && let Some(order) = self.wait_confirmed(until - now).await?
            {
                self.reschedule(order).await?;
                now = self.clock().await?;
                continue;
            }
            if self.reminded != Some(b.starts_at_ms) {
                self.remind().await?;
                now = self.clock().await?;
                continue;
            }
            return Ok(());
        }
    }

    /// The reminder of the booking's current slot, once, and only before its start.
    pub(super) async fn remind(&mut self) -> Result<(), Stop> {
        let Some(b) = self.b.clone() else {
            return Ok(());
        };
        self.reminded = Some(b.starts_at_ms);
        if self.clock().await? < b.starts_at_ms {
            let mail = notices::reminder(&b, &self.view);
            self.notify_again("booking_reminder", self.moves, mail);
        }
        Ok(())
    }

    /// Hands the confirmed booking on to its `ConfirmedBooking` object (a one-way send, which
    /// reaches the object before any cancel forwarded to it afterwards: both are this booking's
    /// key, one partition) and answers whoever waits on the workflow: a cancel is forwarded to
    /// the object ([`HANDED_ON`]), and so is a reschedule. The workflow's view is dropped:
    /// from here on the record and the object tell the booking, and a later call that finds no
    /// view goes to the object. False when the booking is not confirmed after all: `run` then
    /// carries on as before.
    fn hand_on(&mut self) -> bool {
        let Some(snapshot) = self.snapshot() else {
            return false;
        };
        self.ctx
            .confirmed_booking(self.booking_id.clone())
            .adopt(Json(snapshot))
            .send();
        self.handed_on = true;
        self.callers.answer_cancel(Err(TerminalError::new_with_code(
            HANDED_ON,
            "the booking lives on in its ConfirmedBooking object",
        )));
        self.callers.answer_reschedule(
            self.reschedule_no,
            deskflow_api::Rescheduled {
                request_id: None,
                outcome: Err((
                    HANDED_ON,
                    "the booking lives on in its ConfirmedBooking object".into(),
                )),
            },
        );
        self.ctx.clear_state(VIEW);
        true
    }

    /// Steps 2-4: authorize, let the member authenticate if the provider asks, capture.
    async fn pay(&mut self, b: &BookingStart) -> Result<(), Stop> {
        // 2. authorize the payment (manual capture)
        self.progress.payment_sent = true;
        self.payments.push(PaymentMemo::new(b.booking_id.clone()));
        let auth = self.payment().authorize(Json(AuthorizeRequest {
            booking_id: b.booking_id.clone(),
            user_id: b.user_id.clone(),
            amount_cents: b.amount_cents,
            currency: b.currency.clone(),
            payment_method: b.payment_method.clone(),
            quiet: false,
        }));
        let mut outcome: AuthOutcome = self.answer("Payment/authorize", auth.send()).await?;

        // 3. the member authenticates, or the hold runs out
        if let AuthOutcome::RequiresAction { payment_intent } = &outcome {
            self.ctx.set_state(PAYMENT_INTENT, payment_intent.clone());
            self.view.payment.status = PaymentStatus::RequiresAction;
            self.advance(BookingEvent::PaymentNeedsAction, None).await?;
            outcome = self.await_authentication().await?;
            self.ctx.clear_state(PAYMENT_INTENT);
        }
        match outcome {
            AuthOutcome::Authorized => {}
            AuthOutcome::Declined { message } => return Err(Stop::Declined(message)),
            AuthOutcome::Unavailable { message } => {
                return Err(Stop::unavailable(&message, "Payment/authorize"));
            }
            AuthOutcome::RequiresAction { .. } => return Err(Stop::still_unauthenticated()),
        }
        self.view.payment.status = PaymentStatus::Authorized;

        // 4. capture
        let capture = self.payment().capture().send();
        match self.answer("Payment/capture", capture).await? {
            CaptureOutcome::Captured { captured_cents } => {
                self.view.payment.status = PaymentStatus::Captured;
                self.payments[0].captured = captured_cents;
                self.sum_payments();
                Ok(())
            }
            CaptureOutcome::Refused { message } => Err(Stop::Declined(message)),
            CaptureOutcome::Unavailable { message } => {
                Err(Stop::unavailable(&message, "Payment/capture"))
            }
        }
    }

    /// Step 0: the request against the database and the rules, as one journaled step.
    async fn check(&mut self) -> Result<BookingStart, Stop> {
        let deps = self.deps.clone();
        let (id, req) = (self.booking_id.clone(), self.req.clone());
        let checked = self
            .ctx
            .journaled(
                "check and quote",
                Some(self.deps.db_retry.policy()),
                move || check_and_quote(deps, id, req),
            )
            .await;
        match self.step_result(checked, "check and quote")?.0 {
            Ok(b) => Ok(b),
            Err(Refusal::Recorded(view)) => {
                let why = Refusal::Recorded(view.clone()).message().to_string();
                self.recorded = Some(*view);
                Err(Stop::Invalid(why))
            }
            Err(refusal) => Err(Stop::Invalid(refusal.message().to_string())),
        }
    }

    /// Waits for the provider's word (webhook -> awakeable) that the member authenticated,
    /// re-reading the PaymentIntent each time, until the hold expires.
    async fn await_authentication(&mut self) -> Result<AuthOutcome, Stop> {
        let expiry = self.deps.booking.hold_expiry;
        let deadline = self.clock().await? + expiry.as_millis() as i64;
        loop {
            let (awakeable_id, woken) = self.ctx.awakeable_of::<Json<serde_json::Value>>();
            let (deps, payment_id) = (self.deps.clone(), self.booking_id.clone());
            let registered = self
                .ctx
                .journaled(
                    "wait for payment confirmation",
                    Some(self.deps.db_retry.policy()),
                    move || register_awakeable(deps, payment_id, awakeable_id),
                )
                .await;
            self.step_result(registered, "wait for payment confirmation")?;
            // the webhook may have come before the awakeable was registered: look once
            let refresh = self.payment().refresh().send();
            let outcome: AuthOutcome = self.answer("Payment/refresh", refresh).await?;
            if !matches!(outcome, AuthOutcome::RequiresAction { .. }) {
                return Ok(outcome);
            }
            let now = self.clock().await?;
            if now >= deadline {
                return Err(Stop::hold_expired(expiry.as_secs()));
            }
            let waited = restate_sdk::select! {
                _ = woken => Waited::Answer(()),
                c = self.callers.cancel() => cancel_of(c),
                _ = self.ctx.sleep_for(Duration::from_millis((deadline - now) as u64)) => Waited::NoAnswer(String::new()),
                on_cancel => Waited::Operator,
            };
            match waited {
                Waited::Answer(()) => {}
                Waited::NoAnswer(_) => return Err(Stop::hold_expired(expiry.as_secs())),
                Waited::Cancel(c) => return Err(member_stop(c)),
                Waited::Operator => return Err(self.operator()),
            }
        }
    }
}

/// The step that checks the request against the database and the rules and prices it. An id
/// the database knows past `pending` has run its saga before (the same idempotency key after
/// Restate forgot the first run): refused with the booking as its record tells it, so this run
/// ends without touching seats, money, row or mailbox.
async fn check_and_quote(
    deps: Arc<Deps>,
    booking_id: String,
    req: BookingRequest,
) -> HandlerResult<Json<Result<BookingStart, Refusal>>> {
    if let Some(view) = recorded_view(&deps, &booking_id)
        .await
        .map_err(step_error)?
        .filter(|v| v.status != BookingStatus::Pending)
    {
        return Ok(Json(Err(Refusal::Recorded(Box::new(view)))));
    }
    prepare_now(&deps, &booking_id, &req, None)
        .await
        .map(|(_, quoted)| Json(quoted))
        .map_err(step_error)
}

/// The step that tells the webhook which awakeable to resolve for this payment.
async fn register_awakeable(
    deps: Arc<Deps>,
    payment_id: String,
    awakeable_id: String,
) -> HandlerResult<()> {
    deps.store
        .set_payment_awakeable(&payment_id, Some(&awakeable_id))
        .await
        .map_err(step_error)
}
