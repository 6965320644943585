//! The booking saga's forward path: check and price -> hold the seats -> authorize -> if the
//! provider asks, wait for the member's authentication until the hold expires -> capture ->
//! confirmed -> reminder -> completed.
//!
//! Every wait races the member's cancel (the `cancel` promise) and Restate's cancel signal (an
//! operator's `restate invocations cancel`), so a cancel is seen at every step. Calls to the
//! participants (`Calendar`, `Payment`) are sent as invocations of their own and their answers
//! awaited separately: an operator's cancel of the booking stops the waiting, never the
//! participant in mid-effect, and the unwind that follows runs on the same participant object
//! after it, against what really happened ([`super::unwind`]).

use super::notices;
use super::prepare::{BookingRequest, BookingStart, prepare};
use super::workflow::{CANCEL, PAYMENT_INTENT, SETTLED, VIEW};
use deskflow_api::{BookingView, CancelRequest, PaymentSummary, rfc3339};
use deskflow_domain::booking::{BookingEvent, BookingStatus, next};
use deskflow_domain::saga::{Canceller, Stop};
use deskflow_handlers::calendar::{CalendarClient, HoldOutcome, HoldRequest};
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::payment::{AuthOutcome, AuthorizeRequest, CaptureOutcome, PaymentClient};
use deskflow_infra::InfraError;
use deskflow_infra::metrics;
use deskflow_infra::store::bookings::BookingRow;
use restate_sdk::context::SendHandle;
use restate_sdk::prelude::*;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// The reason of an operator's cancel.
pub(super) const OPERATOR_CANCEL: &str = "cancelled by an operator";

/// A booking's flow: what it knows and what it has set in motion.
pub(super) struct Flow<'a, 'ctx> {
    pub deps: Arc<Deps>,
    pub ctx: &'a WorkflowContext<'ctx>,
    pub booking_id: String,
    pub req: BookingRequest,
    /// the checked and priced booking, once the first step ran
    pub b: Option<BookingStart>,
    pub view: BookingView,
    /// a hold was sent to the Calendar (its seats may be taken, even if its answer never came)
    pub hold_sent: bool,
    /// an authorization was sent to the Payment object
    pub payment_sent: bool,
    /// the booking reached `confirmed`
    pub confirmed: bool,
    /// an operator cancelled through Restate: `run` ends with that error once unwound
    pub operator_cancelled: bool,
    /// the `settled` promise was resolved (once: at confirmation or at the end)
    pub settled: bool,
}

/// What a wait ended with.
enum Waited<T> {
    Answer(T),
    /// the participant's invocation ended without an answer (killed or cancelled by hand)
    NoAnswer(String),
    Cancel(CancelRequest),
    Operator,
}

pub(super) fn initial_view(booking_id: &str, req: &BookingRequest) -> BookingView {
    BookingView {
        booking_id: booking_id.to_string(),
        status: BookingStatus::Pending.as_str().into(),
        reason: None,
        workspace_id: req.workspace_id.clone(),
        user_id: req.user_id.clone(),
        starts_at: rfc3339(req.starts_at_ms),
        ends_at: rfc3339(req.ends_at_ms),
        seats: req.seats,
        amount_cents: 0,
        currency: String::new(),
        payment: PaymentSummary {
            status: "none".into(),
            ..PaymentSummary::default()
        },
    }
}

impl<'a, 'ctx> Flow<'a, 'ctx> {
    pub fn new(
        deps: Arc<Deps>,
        ctx: &'a WorkflowContext<'ctx>,
        booking_id: String,
        req: BookingRequest,
        view: BookingView,
    ) -> Self {
        Flow {
            deps,
            ctx,
            booking_id,
            req,
            b: None,
            view,
            hold_sent: false,
            payment_sent: false,
            confirmed: false,
            operator_cancelled: false,
            settled: false,
        }
    }

    /// The whole booking: the saga, then on any way out the unwind, the final status and the
    /// answer to a waiting cancel.
    pub async fn drive(&mut self) -> HandlerResult<()> {
        match self.saga().await {
            Ok(()) => self.complete().await,
            Err(stop) => self.unwind(stop).await,
        }
    }

    /// The happy path, from the check to the end of the slot. Every early way out is a [`Stop`].
    async fn saga(&mut self) -> Result<(), Stop> {
        // 0. check and price again, from the database (the caller is trusted for nothing)
        let b = self.check().await?;
        self.view.amount_cents = b.amount_cents;
        self.view.currency = b.currency.clone();
        self.view.starts_at = rfc3339(b.starts_at_ms);
        self.view.ends_at = rfc3339(b.ends_at_ms);
        self.view.seats = b.seats;
        self.b = Some(b.clone());

        // 1. hold the seats (serialized per workspace by the Calendar object)
        self.hold_sent = true;
        let hold = self
            .ctx
            .object_client::<CalendarClient>(b.workspace_id.clone())
            .hold(Json(HoldRequest {
                booking_id: b.booking_id.clone(),
                user_id: b.user_id.clone(),
                starts_at_ms: b.starts_at_ms,
                ends_at_ms: b.ends_at_ms,
                seats: b.seats,
                amount_cents: b.amount_cents,
                currency: b.currency.clone(),
            }))
            .send();
        if let HoldOutcome::NoSeat { reason } = self.answer("Calendar/hold", hold).await? {
            return Err(Stop::NoSeat(reason));
        }
        // Calendar/hold wrote the row as `held` in its own step: only the view moves here
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
        self.confirmed = true;
        self.settle();
        self.record("booking_confirmed", Some(self.view.payment.captured_cents));
        let mail = notices::confirmed(&b, &self.view);
        self.notify("booking_confirmed", mail);

        // 6. remind before the start, complete after the end; a cancel may come any time
        let lead_ms = self.deps.booking.reminder_lead.as_millis() as i64;
        // the confirmation's own timestamp: no separate clock step right after it
        let now = match confirmed_at {
            Some(t) => t,
            None => self.clock().await?,
        };
        if b.starts_at_ms - lead_ms > now {
            self.wait_or_cancel(b.starts_at_ms - lead_ms - now).await?;
        }
        if self.clock().await? < b.starts_at_ms {
            let mail = notices::reminder(&b, &self.view);
            self.notify("booking_reminder", mail);
        }
        let now = self.clock().await?;
        if b.ends_at_ms > now {
            self.wait_or_cancel(b.ends_at_ms - now).await?;
        }
        Ok(())
    }

    /// Steps 2-4: authorize, let the member authenticate if the provider asks, capture.
    async fn pay(&mut self, b: &BookingStart) -> Result<(), Stop> {
        // 2. authorize the payment (manual capture)
        self.payment_sent = true;
        let auth = self.payment().authorize(Json(AuthorizeRequest {
            booking_id: b.booking_id.clone(),
            user_id: b.user_id.clone(),
            user_email: b.user_email.clone(),
            amount_cents: b.amount_cents,
            currency: b.currency.clone(),
            payment_method: b.payment_method.clone(),
        }));
        let mut outcome: AuthOutcome = self.answer("Payment/authorize", auth.send()).await?;

        // 3. the member authenticates, or the hold runs out
        if let AuthOutcome::RequiresAction { payment_intent } = &outcome {
            self.ctx.set(PAYMENT_INTENT, payment_intent.clone());
            self.view.payment.status = "requires_action".into();
            self.advance(BookingEvent::PaymentNeedsAction, None).await?;
            outcome = self.await_authentication().await?;
            self.ctx.clear(PAYMENT_INTENT);
        }
        match outcome {
            AuthOutcome::Authorized => {}
            AuthOutcome::Declined { message } => return Err(Stop::Declined(message)),
            AuthOutcome::Unavailable { message } => {
                return Err(Stop::GaveUp(format!("{message} (Payment/authorize)")));
            }
            AuthOutcome::RequiresAction { .. } => {
                return Err(Stop::GaveUp(
                    "the payment still needs the member's authentication".into(),
                ));
            }
        }
        self.view.payment.status = "authorized".into();

        // 4. capture
        let capture = self.payment().capture().send();
        match self.answer("Payment/capture", capture).await? {
            CaptureOutcome::Captured { captured_cents } => {
                self.view.payment.status = "captured".into();
                self.view.payment.captured_cents = captured_cents;
                Ok(())
            }
            CaptureOutcome::Refused { message } => Err(Stop::Declined(message)),
            CaptureOutcome::Unavailable { message } => {
                Err(Stop::GaveUp(format!("{message} (Payment/capture)")))
            }
        }
    }

    /// Step 0: the request against the database and the rules, as one journaled step.
    async fn check(&mut self) -> Result<BookingStart, Stop> {
        let deps = self.deps.clone();
        let (id, req) = (self.booking_id.clone(), self.req.clone());
        let checked = self
            .ctx
            .run(|| async move {
                prepare(&deps, &id, &req, now_ms())
                    .await
                    .map(Json)
                    .map_err(step_error)
            })
            .name("check and quote")
            .retry_policy(self.deps.db_retry.policy())
            .await;
        match self.step(checked, "check and quote")?.0 {
            Ok(b) => Ok(b),
            Err(refusal) => Err(Stop::Invalid(refusal.message().to_string())),
        }
    }

    /// Waits for the provider's word (webhook -> awakeable) that the member authenticated,
    /// re-reading the PaymentIntent each time, until the hold expires.
    async fn await_authentication(&mut self) -> Result<AuthOutcome, Stop> {
        let expiry = self.deps.booking.hold_expiry;
        let deadline = self.clock().await? + expiry.as_millis() as i64;
        loop {
            let (awakeable_id, woken) = self.ctx.awakeable::<Json<serde_json::Value>>();
            let deps = self.deps.clone();
            let pid = self.booking_id.clone();
            let registered = self
                .ctx
                .run(|| async move {
                    deps.store
                        .set_payment_awakeable(&pid, Some(&awakeable_id))
                        .await
                        .map_err(step_error)
                })
                .name("wait for payment confirmation")
                .retry_policy(self.deps.db_retry.policy())
                .await;
            self.step(registered, "wait for payment confirmation")?;
            // the webhook may have come before the awakeable was registered: look once
            let refresh = self.payment().refresh().send();
            let outcome: AuthOutcome = self.answer("Payment/refresh", refresh).await?;
            if !matches!(outcome, AuthOutcome::RequiresAction { .. }) {
                return Ok(outcome);
            }
            let now = self.clock().await?;
            if now >= deadline {
                return Err(expired(expiry));
            }
            let waited = restate_sdk::select! {
                _ = woken => Waited::Answer(()),
                c = self.ctx.promise::<Json<CancelRequest>>(CANCEL) => cancel_of(c),
                _ = self.ctx.sleep(Duration::from_millis((deadline - now) as u64)) => Waited::NoAnswer(String::new()),
                on_cancel => Waited::Operator,
            };
            match waited {
                Waited::Answer(()) => {}
                Waited::NoAnswer(_) => return Err(expired(expiry)),
                Waited::Cancel(c) => return Err(member_stop(c)),
                Waited::Operator => return Err(self.operator()),
            }
        }
    }

    /// Sleeps `ms`, unless a cancel comes first.
    async fn wait_or_cancel(&mut self, ms: i64) -> Result<(), Stop> {
        let waited = restate_sdk::select! {
            c = self.ctx.promise::<Json<CancelRequest>>(CANCEL) => cancel_of(c),
            _ = self.ctx.sleep(Duration::from_millis(ms.max(0) as u64)) => Waited::Answer(()),
            on_cancel => Waited::Operator,
        };
        match waited {
            Waited::Answer(()) | Waited::NoAnswer(_) => Ok(()),
            Waited::Cancel(c) => Err(member_stop(c)),
            Waited::Operator => Err(self.operator()),
        }
    }

    /// The answer of a participant's invocation, unless a cancel comes first. The invocation
    /// was sent, not called: a cancel of this booking does not cancel it.
    async fn answer<T: DeserializeOwned + serde::Serialize + 'static>(
        &mut self,
        call: &str,
        sent: SendHandle,
    ) -> Result<T, Stop> {
        let Ok(handle) = sent.await else {
            // the only way to fail awaiting an invocation id: this booking was cancelled
            return Err(self.operator());
        };
        let waited = restate_sdk::select! {
            r = handle.attach::<Json<T>>() => match r {
                Ok(Json(v)) => Waited::Answer(v),
                Err(e) => Waited::NoAnswer(e.message().to_string()),
            },
            c = self.ctx.promise::<Json<CancelRequest>>(CANCEL) => cancel_of(c),
            on_cancel => Waited::Operator,
        };
        match waited {
            Waited::Answer(v) => Ok(v),
            Waited::NoAnswer(why) => Err(Stop::GaveUp(format!(
                "{call} ended without an answer ({why})"
            ))),
            Waited::Cancel(c) => Err(member_stop(c)),
            Waited::Operator => Err(self.operator()),
        }
    }

    /// A member's or admin's cancel that arrived without being waited for (while the capture
    /// ran): one look at the promise before confirming.
    async fn pending_cancel(&mut self) -> Result<Option<Stop>, Stop> {
        match self.ctx.peek_promise::<Json<CancelRequest>>(CANCEL).await {
            Ok(c) => Ok(c.map(|Json(c)| member_stop(c))),
            Err(_) => Err(self.operator()),
        }
    }

    /// An operator's cancel, noted so that `run` ends with it once unwound.
    pub(super) fn operator(&mut self) -> Stop {
        self.operator_cancelled = true;
        Stop::Cancelled {
            by: Canceller::Operator,
            reason: OPERATOR_CANCEL.into(),
        }
    }

    /// A journaled step's outcome in the forward path: its own cancel (409: the only terminal
    /// error a step of this flow can end with besides running out of retries) is the
    /// operator's; running out of retries is a dependency that gave up.
    fn step<T>(&mut self, r: Result<T, TerminalError>, name: &str) -> Result<T, Stop> {
        match r {
            Ok(v) => Ok(v),
            Err(e) if e.code() == 409 => Err(self.operator()),
            Err(e) => {
                tracing::error!(booking_id = %self.booking_id, step = name, error = %e.message(), "step gave up");
                Err(Stop::GaveUp(format!("the step {name:?} did not succeed")))
            }
        }
    }

    /// The booking ran to its end.
    async fn complete(&mut self) -> HandlerResult<()> {
        self.advance(BookingEvent::Ended, None)
            .await
            .map_err(|s| TerminalError::new_with_code(500, s.reason()))?;
        self.record(
            "booking_completed",
            Some(self.view.payment.captured_cents - self.view.payment.refunded_cents),
        );
        self.ctx.reject_promise(
            super::workflow::CANCEL_RESULT,
            TerminalError::new_with_code(
                409,
                "the booking is completed: it can no longer be cancelled",
            ),
        );
        Ok(())
    }

    /// Resolves the `settled` promise (what `wait` returns), once.
    pub(super) fn settle(&mut self) {
        if !self.settled {
            self.settled = true;
            self.ctx.resolve_promise(SETTLED, Json(self.view.clone()));
        }
    }

    pub(super) fn current(&self) -> BookingStatus {
        BookingStatus::parse(&self.view.status).unwrap_or(BookingStatus::Pending)
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
        self.view.status = to.as_str().into();
        if reason.is_some() {
            self.view.reason = reason;
        }
        self.ctx.set(VIEW, Json(self.view.clone()));
    }

    /// A transition, written to the bookings row as well: one journaled step, one UPDATE.
    /// Returns the time it wrote (journaled), or `None` when the table refused it.
    async fn advance(
        &mut self,
        event: BookingEvent,
        reason: Option<String>,
    ) -> Result<Option<i64>, Stop> {
        let Some(to) = self.transition(event, reason) else {
            return Ok(None);
        };
        let written = self.write_status(to).await;
        self.step(written, step_name(to)).map(Some)
    }

    /// Writes the view's status to the bookings row (inserting the row when the booking never
    /// got one, e.g. rejected before a hold). Returns the time it wrote.
    pub(super) async fn write_status(&self, to: BookingStatus) -> Result<i64, TerminalError> {
        let deps = self.deps.clone();
        let row = self.row(to);
        self.ctx
            .run(|| async move {
                let now = now_ms();
                metrics::inc("deskflow_bookings_total", &[("status", to.as_str())]);
                if deps
                    .store
                    .update_booking_status(&row.id, &row.status, row.reason.as_deref(), now)
                    .await
                    .map_err(step_error)?
                {
                    return Ok(now);
                }
                let row = BookingRow {
                    created_at: now,
                    updated_at: now,
                    ..row
                };
                deps.store.insert_booking(&row).await.map_err(step_error)?;
                Ok(now)
            })
            .name(step_name(to))
            .retry_policy(self.deps.compensation_retry.policy())
            .await
    }

    fn row(&self, to: BookingStatus) -> BookingRow {
        let (amount, currency) = match &self.b {
            Some(b) => (b.amount_cents, b.currency.clone()),
            None => (0, String::new()),
        };
        BookingRow {
            id: self.booking_id.clone(),
            user_id: self.req.user_id.clone(),
            workspace_id: self.req.workspace_id.clone(),
            starts_at: self.req.starts_at_ms,
            ends_at: self.req.ends_at_ms,
            seats: self.req.seats,
            status: to.as_str().into(),
            reason: self.view.reason.clone(),
            amount_cents: amount,
            currency,
            created_at: 0,
            updated_at: 0,
        }
    }

    /// Milliseconds since the epoch, journaled (a replay sees the same clock).
    async fn clock(&mut self) -> Result<i64, Stop> {
        let t = self
            .ctx
            .run(|| async { Ok(now_ms()) })
            .name("read clock")
            .await;
        self.step(t, "read clock")
    }

    pub(super) fn payment(&self) -> PaymentClient<'_> {
        self.ctx
            .object_client::<PaymentClient>(self.booking_id.clone())
    }

    /// One-way email to the member: never blocks or fails the booking.
    pub(super) fn notify(&self, kind: &str, mail: notices::Mail) {
        let Some(b) = &self.b else { return };
        deskflow_handlers::announce::email(
            self.ctx,
            deskflow_api::SendNotification {
                id: format!("{kind}:{}", self.booking_id),
                user_id: Some(b.user_id.clone()),
                kind: kind.into(),
                to: b.user_email.clone(),
                subject: mail.subject,
                body: mail.body,
            },
        );
    }

    /// One-way activity record, keyed by the event and the booking.
    pub(super) fn record(&self, kind: &str, amount: Option<i64>) {
        let activity = deskflow_api::RecordActivity {
            origin_key: format!("{kind}:{}", self.booking_id),
            kind: kind.into(),
            user_id: Some(self.req.user_id.clone()),
            workspace_id: Some(self.req.workspace_id.clone()),
            booking_id: Some(self.booking_id.clone()),
            amount_cents: amount,
        };
        deskflow_handlers::announce::announce(self.ctx, activity, None);
    }
}

fn expired(expiry: Duration) -> Stop {
    Stop::Expired(format!(
        "the payment was not confirmed within {} s; the seats were released",
        expiry.as_secs()
    ))
}

fn cancel_of<T>(c: Result<Json<CancelRequest>, TerminalError>) -> Waited<T> {
    match c {
        Ok(Json(c)) => Waited::Cancel(c),
        // the promise is only ever resolved; a failure here can only be this invocation's own
        // cancel signal
        Err(_) => Waited::Operator,
    }
}

fn member_stop(c: CancelRequest) -> Stop {
    Stop::Cancelled {
        by: c.by,
        reason: c.reason,
    }
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
