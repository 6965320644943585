//! The `Booking` workflow (one per booking id): the saga of DESIGN.md.
//!
//! hold seats (`Calendar/{workspace}/hold`) -> authorize (`Payment/{id}/authorize`) -> if the
//! provider asks, wait for the member's authentication (an awakeable resolved by the provider's
//! webhook) until the hold expires -> capture -> confirmed (email, activity) -> reminder before
//! the start -> completed after the end.
//!
//! Each step that may partly happen pushes its undo *before* it runs. Every way out that is not
//! a normal end -- a declined card, an expired hold, a dependency that gave up, a member's or
//! admin's cancel (the `cancel` promise) or an operator's `restate invocations cancel` (which
//! surfaces as a terminal error at the next await) -- runs the undos in reverse (refund or void,
//! release the seats) and ends in a final status with a reason, told to the member.

use deskflow_domain::booking::{BookingEvent, BookingStatus, next};
use deskflow_domain::money::format_minor as money;
use deskflow_handlers::api::{
    BookingView, CancelBody, CancelRequest, CancelResult, Empty, PaymentSummary, RecordActivity,
    SendNotification, rfc3339,
};
use deskflow_handlers::calendar::{CalendarClient, HoldOutcome, HoldRequest};
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::error::{infra, terminal};
use deskflow_handlers::guard;
use deskflow_handlers::notifications::NotificationsClient;
use deskflow_handlers::payment::{AuthOutcome, AuthorizeRequest, PaymentClient};
use deskflow_handlers::reporting::ReportingClient;
use deskflow_infra::metrics;
use deskflow_infra::store::bookings::BookingRow;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

pub struct Booking {
    pub deps: Arc<Deps>,
}

/// Everything the workflow needs, checked and priced by `Bookings/create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingStart {
    pub booking_id: String,
    pub user_id: String,
    pub user_email: String,
    pub user_name: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub payment_method: String,
}

/// An undo, pushed before the step it undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undo {
    ReleaseSeats,
    VoidAuthorization,
    Refund,
}

/// Why the saga stopped before its normal end.
enum Abort {
    /// a business outcome: no seat, declined, expired
    Business(BookingEvent, String),
    /// the member or an admin cancelled through the workflow
    Cancel(CancelRequest),
    /// a terminal error: an operator's cancel (409) or a dependency that gave up
    Terminal(TerminalError),
}

impl From<TerminalError> for Abort {
    fn from(e: TerminalError) -> Self {
        Abort::Terminal(e)
    }
}

const VIEW: &str = "view";
const CANCEL: &str = "cancel";
const CANCEL_RESULT: &str = "cancel_result";
const SETTLED: &str = "settled";

#[restate_sdk::workflow(name = "Booking", workflow_completion_retention = "7 days")]
impl Booking {
    /// The saga. Its journal in the Restate UI reads as the booking's story.
    ///
    /// A confirmed booking then sleeps until its reminder and its end, for days. Restate keeps an
    /// invocation that awaits something on an open stream until the inactivity timeout (server
    /// default 1 min) and only then suspends it; each of those open streams takes one of the
    /// invoker's concurrent-invocation slots (`concurrent-invocations-limit`, 1000), so at 80
    /// confirmations a second new bookings queued behind sleeping ones for up to a minute
    /// (measured with one partition: 16 journeys/s, p99 45 s). Suspending after 3 s of
    /// waiting frees the slot; the wake-up replays the journal, as it did before, just sooner.
    #[handler(name = "run", inactivity_timeout = "3s")]
    async fn run(
        &self,
        ctx: WorkflowContext<'_>,
        Json(b): Json<BookingStart>,
    ) -> HandlerResult<Json<BookingView>> {
        let mut flow = Flow {
            deps: self.deps.clone(),
            ctx: &ctx,
            view: initial_view(&b),
            b,
            undo: Vec::new(),
            seats_held: false,
            settled: false,
        };
        ctx.set(VIEW, Json(flow.view.clone()));
        let span = tracing::info_span!("booking", booking_id = %flow.b.booking_id, invocation_id = %ctx.invocation_id());
        drive(&ctx, &mut flow).instrument(span).await
    }

    /// Where the booking stands: status, reason, amounts, payment.
    #[handler(name = "status")]
    async fn status(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: Option<Json<Empty>>,
    ) -> HandlerResult<Json<BookingView>> {
        let who = guard::caller(ctx.headers(), &self.deps.tokens)?;
        Ok(Json(visible_view(&ctx, &who).await?))
    }

    /// The member cancels: refund per policy (everything 24 h or more before the start, half
    /// until the start, nothing after). Answers once compensation is done.
    /// Waits until the booking is settled -- confirmed, or final without confirmation -- and
    /// answers with its status: one long-poll instead of polling `status`.
    #[handler(name = "wait")]
    async fn wait(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: Option<Json<Empty>>,
    ) -> HandlerResult<Json<BookingView>> {
        let who = guard::caller(ctx.headers(), &self.deps.tokens)?;
        let Json(view) = ctx.promise::<Json<BookingView>>(SETTLED).await?;
        if view.user_id != who.sub && !who.is_admin() {
            return Err(terminal(404, format!("booking {:?} not found", ctx.key())));
        }
        // the promise holds the view as it was settled (state read here would be the snapshot
        // taken when this call started, before the booking settled)
        Ok(Json(view))
    }

    #[handler(name = "cancel")]
    async fn cancel(
        &self,
        ctx: SharedWorkflowContext<'_>,
        body: Option<Json<CancelBody>>,
    ) -> HandlerResult<Json<CancelResult>> {
        let who = guard::caller(ctx.headers(), &self.deps.tokens)?;
        let view = visible_view(&ctx, &who).await?;
        let reason = body
            .and_then(|b| b.0.reason)
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| "cancelled by the member".into());
        let by_admin = who.is_admin() && who.sub != view.user_id;
        request_cancel(
            &ctx,
            &view,
            CancelRequest {
                reason,
                full_refund: by_admin,
                by: if by_admin { "admin" } else { "member" }.into(),
            },
        )
        .await
    }

    /// (internal) `Admin/cancel_booking`: cancel with a full refund.
    #[handler(name = "admin_cancel", ingress_private)]
    async fn admin_cancel(
        &self,
        ctx: SharedWorkflowContext<'_>,
        Json(req): Json<CancelRequest>,
    ) -> HandlerResult<Json<CancelResult>> {
        let view = ctx
            .get::<Json<BookingView>>(VIEW)
            .await?
            .map(|j| j.0)
            .ok_or_else(|| terminal(404, format!("booking {:?} not found", ctx.key())))?;
        request_cancel(&ctx, &view, req).await
    }
}

/// The run handler's body: the saga, then on any way out the compensations and the final
/// status, and the answer to a waiting cancel.
async fn drive(
    ctx: &WorkflowContext<'_>,
    flow: &mut Flow<'_, '_>,
) -> HandlerResult<Json<BookingView>> {
    match flow.saga().await {
        Ok(()) => {
            flow.advance(BookingEvent::Ended, None).await?;
            flow.record(
                "booking_completed",
                Some(flow.view.payment.captured_cents - flow.view.payment.refunded_cents),
            );
            ctx.reject_promise(
                CANCEL_RESULT,
                TerminalError::new_with_code(
                    409,
                    "the booking is completed: it can no longer be cancelled",
                ),
            );
            Ok(Json(flow.view.clone()))
        }
        Err(abort) => {
            let operator_cancel = matches!(&abort, Abort::Terminal(e) if e.code() == 409);
            let (event, reason, full_refund) = match abort {
                Abort::Business(event, reason) => (event, reason, true),
                Abort::Cancel(c) => (BookingEvent::Cancelled, c.reason, c.full_refund),
                Abort::Terminal(e) if e.code() == 409 => (
                    BookingEvent::Cancelled,
                    "cancelled by an operator".to_string(),
                    true,
                ),
                Abort::Terminal(e) => (
                    BookingEvent::DependencyGaveUp,
                    format!("a dependency gave up: {}", e.message()),
                    true,
                ),
            };
            let refund = flow.compensate(event, &reason, full_refund).await?;
            flow.finish(event, &reason, refund).await?;
            flow.settle();
            if event == BookingEvent::Cancelled {
                ctx.resolve_promise(
                    CANCEL_RESULT,
                    Json(CancelResult {
                        status: flow.view.status.clone(),
                        refund_cents: refund,
                    }),
                );
            } else {
                ctx.reject_promise(
                    CANCEL_RESULT,
                    TerminalError::new_with_code(
                        409,
                        format!(
                            "the booking is {}: it can no longer be cancelled",
                            flow.view.status
                        ),
                    ),
                );
            }
            if operator_cancel {
                return Err(TerminalError::new_with_code(
                    409,
                    "cancelled by an operator; compensated",
                )
                .into());
            }
            Ok(Json(flow.view.clone()))
        }
    }
}

async fn visible_view(
    ctx: &SharedWorkflowContext<'_>,
    who: &deskflow_infra::jwt::Claims,
) -> HandlerResult<BookingView> {
    let view = ctx.get::<Json<BookingView>>(VIEW).await?.map(|j| j.0);
    view.filter(|v| v.user_id == who.sub || who.is_admin())
        .ok_or_else(|| terminal(404, format!("booking {:?} not found", ctx.key())))
}

async fn request_cancel(
    ctx: &SharedWorkflowContext<'_>,
    view: &BookingView,
    req: CancelRequest,
) -> HandlerResult<Json<CancelResult>> {
    let status = BookingStatus::parse(&view.status).unwrap_or(BookingStatus::Pending);
    if status.is_final() {
        return Err(terminal(
            409,
            format!(
                "the booking is {}: it can no longer be cancelled",
                view.status
            ),
        ));
    }
    ctx.resolve_promise(CANCEL, Json(req));
    let Json(result) = ctx.promise::<Json<CancelResult>>(CANCEL_RESULT).await?;
    Ok(Json(result))
}

fn initial_view(b: &BookingStart) -> BookingView {
    BookingView {
        booking_id: b.booking_id.clone(),
        status: BookingStatus::Pending.as_str().into(),
        reason: None,
        workspace_id: b.workspace_id.clone(),
        user_id: b.user_id.clone(),
        starts_at: rfc3339(b.starts_at_ms),
        ends_at: rfc3339(b.ends_at_ms),
        seats: b.seats,
        amount_cents: b.amount_cents,
        currency: b.currency.clone(),
        payment: PaymentSummary {
            status: "none".into(),
            ..PaymentSummary::default()
        },
    }
}

struct Flow<'a, 'ctx> {
    deps: Arc<Deps>,
    ctx: &'a WorkflowContext<'ctx>,
    b: BookingStart,
    view: BookingView,
    undo: Vec<Undo>,
    seats_held: bool,
    /// whether the `settled` promise was resolved (once: at confirmation or at the end)
    settled: bool,
}

impl Flow<'_, '_> {
    /// The happy path, from hold to the end of the slot. Every early way out is an [`Abort`].
    async fn saga(&mut self) -> Result<(), Abort> {
        let b = self.b.clone();

        // 1. hold the seats (serialized per workspace by the Calendar object)
        self.undo.push(Undo::ReleaseSeats);
        let hold = HoldRequest {
            booking_id: b.booking_id.clone(),
            user_id: b.user_id.clone(),
            starts_at_ms: b.starts_at_ms,
            ends_at_ms: b.ends_at_ms,
            seats: b.seats,
            amount_cents: b.amount_cents,
            currency: b.currency.clone(),
        };
        let Json(held) = self
            .ctx
            .object_client::<CalendarClient>(b.workspace_id.clone())
            .hold(Json(hold))
            .call()
            .await
            .map_err(|e| killed("Calendar/hold", e))?;
        if let HoldOutcome::NoSeat { reason } = held {
            return Err(Abort::Business(BookingEvent::NoSeat, reason));
        }
        self.seats_held = true;
        // Calendar/hold wrote the row as `held` in its own step: only the view moves here
        self.transition(BookingEvent::SeatsHeld, None);

        // 2. authorize the payment (manual capture)
        self.undo.push(Undo::VoidAuthorization);
        let auth = AuthorizeRequest {
            booking_id: b.booking_id.clone(),
            user_id: b.user_id.clone(),
            user_email: b.user_email.clone(),
            amount_cents: b.amount_cents,
            currency: b.currency.clone(),
            payment_method: b.payment_method.clone(),
        };
        let Json(mut outcome) = self
            .payment()
            .authorize(Json(auth))
            .call()
            .await
            .map_err(|e| killed("Payment/authorize", e))?;

        // 3. the member authenticates, or the hold runs out
        if let AuthOutcome::RequiresAction { client_secret } = &outcome {
            self.view.payment.client_secret = Some(client_secret.clone());
            self.view.payment.status = "requires_action".into();
            self.advance(BookingEvent::PaymentNeedsAction, None).await?;
            outcome = self.await_authentication().await?;
        }
        if let AuthOutcome::Declined { message } = outcome {
            return Err(Abort::Business(
                BookingEvent::PaymentDeclined,
                format!("payment declined: {message}"),
            ));
        }
        self.view.payment.status = "authorized".into();
        self.view.payment.client_secret = None;

        // 4. capture and confirm. Until the capture is known to have happened, the authorization
        // is voided on the way out (a capture that failed leaves it open); after it, refunded.
        self.undo.push(Undo::Refund);
        let captured = self
            .payment()
            .capture()
            .call()
            .await
            .map_err(|e| killed("Payment/capture", e))?;
        self.undo.retain(|u| *u != Undo::VoidAuthorization);
        self.view.payment.status = "captured".into();
        self.view.payment.captured_cents = captured;
        let confirmed_at = self.advance(BookingEvent::PaymentCaptured, None).await?;
        self.settle();
        self.notify(
            "booking_confirmed",
            format!("Booking confirmed: {}", b.workspace_name),
            format!(
                "Hello {},\n\nyour booking is confirmed: {} seat(s) at {} from {} to {}.\nWe charged {} {}.\nBooking id: {}\n",
                b.user_name, b.seats, b.workspace_name, self.view.starts_at, self.view.ends_at, money(captured), b.currency, b.booking_id
            ),
        );
        self.record("booking_confirmed", Some(captured));

        // 5. remind before the start, complete after the end; a cancel can come at any time
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
            self.notify(
                "booking_reminder",
                format!(
                    "Reminder: {} starts at {}",
                    b.workspace_name, self.view.starts_at
                ),
                format!(
                    "Hello {},\n\nyour booking at {} starts at {} and ends at {}.\n",
                    b.user_name, b.workspace_name, self.view.starts_at, self.view.ends_at
                ),
            );
        }
        let now = self.clock().await?;
        if b.ends_at_ms > now {
            self.wait_or_cancel(b.ends_at_ms - now).await?;
        }
        Ok(())
    }

    /// Waits for the provider's word (webhook -> awakeable) that the member authenticated,
    /// re-reading the PaymentIntent each time, until the hold expires.
    async fn await_authentication(&mut self) -> Result<AuthOutcome, Abort> {
        let expiry = self.deps.booking.hold_expiry;
        let deadline = self.clock().await? + expiry.as_millis() as i64;
        loop {
            let (awakeable_id, woken) = self.ctx.awakeable::<Json<serde_json::Value>>();
            let deps = self.deps.clone();
            let pid = self.b.booking_id.clone();
            self.ctx
                .run(|| async move {
                    deps.store
                        .set_payment_awakeable(&pid, Some(&awakeable_id))
                        .await
                        .map_err(infra)
                })
                .name("wait for payment confirmation")
                .retry_policy(self.deps.db_retry.policy())
                .await?;
            // the webhook may have come before the awakeable was registered: look once
            let Json(outcome) = self
                .payment()
                .refresh()
                .call()
                .await
                .map_err(|e| killed("Payment/refresh", e))?;
            if !matches!(outcome, AuthOutcome::RequiresAction { .. }) {
                return Ok(outcome);
            }
            let now = self.clock().await?;
            if now >= deadline {
                return Err(self.expired(expiry));
            }
            restate_sdk::select! {
                _ = woken => {},
                c = self.ctx.promise::<Json<CancelRequest>>(CANCEL) => return Err(Abort::Cancel(c?.0)),
                _ = self.ctx.sleep(Duration::from_millis((deadline - now) as u64)) => return Err(self.expired(expiry)),
            }
        }
    }

    fn expired(&self, expiry: Duration) -> Abort {
        Abort::Business(
            BookingEvent::HoldExpired,
            format!(
                "the payment was not confirmed within {} s; the seats were released",
                expiry.as_secs()
            ),
        )
    }

    /// Sleeps `ms`, unless a cancel comes first.
    async fn wait_or_cancel(&mut self, ms: i64) -> Result<(), Abort> {
        restate_sdk::select! {
            c = self.ctx.promise::<Json<CancelRequest>>(CANCEL) => Err(Abort::Cancel(c?.0)),
            _ = self.ctx.sleep(Duration::from_millis(ms.max(0) as u64)) => Ok(()),
        }
    }

    /// Runs the undos in reverse; returns the amount refunded. A failing undo is logged and
    /// named in the booking's reason, and the others still run.
    async fn compensate(
        &mut self,
        event: BookingEvent,
        reason: &str,
        full_refund: bool,
    ) -> Result<i64, TerminalError> {
        let final_status = next(self.current(), event).unwrap_or(BookingStatus::Failed);
        let mut refunded = 0;
        while let Some(undo) = self.undo.pop() {
            let result: Result<(), TerminalError> = match undo {
                Undo::Refund => {
                    let captured = self.view.payment.captured_cents;
                    let amount = if full_refund {
                        captured
                    } else {
                        let now = chrono::DateTime::from_timestamp_millis(self.clock().await?)
                            .unwrap_or_default();
                        let start = chrono::DateTime::from_timestamp_millis(self.b.starts_at_ms)
                            .unwrap_or_default();
                        self.deps.booking.refund.refund(captured, start, now)
                    };
                    match self
                        .payment()
                        .refund(amount)
                        .call()
                        .await
                        .map_err(|e| killed("Payment/refund", e))
                    {
                        Ok(r) => {
                            refunded += r;
                            self.view.payment.refunded_cents += r;
                            // nothing captured (the capture itself failed): the void below runs
                            if r > 0 {
                                self.view.payment.status = if r == captured {
                                    "refunded"
                                } else {
                                    "partially_refunded"
                                }
                                .into();
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Undo::VoidAuthorization => match self
                    .payment()
                    .void()
                    .call()
                    .await
                    .map_err(|e| killed("Payment/void", e))
                {
                    Ok(()) => {
                        if self.view.payment.status != "none" {
                            self.view.payment.status = "voided".into();
                        }
                        self.view.payment.client_secret = None;
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Undo::ReleaseSeats if self.seats_held => {
                    let deps = self.deps.clone();
                    let (id, status, why) = (
                        self.b.booking_id.clone(),
                        final_status.as_str(),
                        reason.to_string(),
                    );
                    self.ctx
                        .run(|| async move {
                            metrics::inc(
                                "deskflow_compensations_total",
                                &[("step", "release seats")],
                            );
                            deps.store
                                .set_booking_status(&id, status, Some(&why), now_ms())
                                .await
                                .map_err(infra)
                        })
                        .name("release seats")
                        .retry_policy(self.deps.compensation_retry.policy())
                        .await
                }
                Undo::ReleaseSeats => Ok(()),
            };
            if let Err(e) = result {
                tracing::error!(booking_id = %self.b.booking_id, ?undo, error = %e.message(), "compensation step failed");
                let note = format!("{undo:?} failed: {}", e.message());
                self.view.reason = Some(
                    self.view
                        .reason
                        .take()
                        .map_or(note.clone(), |r| format!("{r}; {note}")),
                );
            }
        }
        Ok(refunded)
    }

    /// Records the final status, tells the member and records the activity.
    async fn finish(
        &mut self,
        event: BookingEvent,
        reason: &str,
        refund: i64,
    ) -> Result<(), TerminalError> {
        let compensation_note = self.view.reason.take();
        let full_reason = match compensation_note {
            Some(n) => format!("{reason} ({n})"),
            None => reason.to_string(),
        };
        self.advance(event, Some(full_reason.clone())).await?;
        let status = self.view.status.clone();
        let refund_line = if refund > 0 {
            format!("\nWe refunded {} {}.", money(refund), self.b.currency)
        } else {
            String::new()
        };
        self.notify(
            &format!("booking_{status}"),
            format!("Booking {status}: {}", self.b.workspace_name),
            format!(
                "Hello {},\n\nyour booking at {} from {} to {} is {status}.\nReason: {full_reason}{refund_line}\nBooking id: {}\n",
                self.b.user_name, self.b.workspace_name, self.view.starts_at, self.view.ends_at, self.b.booking_id
            ),
        );
        self.record(&format!("booking_{status}"), Some(refund));
        Ok(())
    }

    /// Resolves the `settled` promise (what `wait` returns), once.
    fn settle(&mut self) {
        if !self.settled {
            self.settled = true;
            self.ctx.resolve_promise(SETTLED, Json(self.view.clone()));
        }
    }

    fn current(&self) -> BookingStatus {
        BookingStatus::parse(&self.view.status).unwrap_or(BookingStatus::Pending)
    }

    /// Applies a transition of the table to the view and the workflow state; `None` when the
    /// table refuses it (logged; the status stays).
    fn transition(&mut self, event: BookingEvent, reason: Option<String>) -> Option<BookingStatus> {
        let to = match next(self.current(), event) {
            Ok(to) => to,
            Err(e) => {
                tracing::error!(booking_id = %self.b.booking_id, error = %e, "transition refused; status unchanged");
                return None;
            }
        };
        self.view.status = to.as_str().into();
        if reason.is_some() {
            self.view.reason = reason;
        }
        self.ctx.set(VIEW, Json(self.view.clone()));
        Some(to)
    }

    /// A transition, written to the bookings row as well (inserting the row when the booking
    /// never got one, e.g. rejected before a hold): one journaled step, one UPDATE. Returns the
    /// time it wrote (journaled, so a replay sees the same), or `None` when the table refused
    /// the transition and nothing was written.
    async fn advance(
        &mut self,
        event: BookingEvent,
        reason: Option<String>,
    ) -> Result<Option<i64>, TerminalError> {
        let Some(to) = self.transition(event, reason) else {
            return Ok(None);
        };
        let deps = self.deps.clone();
        let b = self.b.clone();
        let reason = self.view.reason.clone();
        self.ctx
            .run(|| async move {
                let now = now_ms();
                metrics::inc("deskflow_bookings_total", &[("status", to.as_str())]);
                if deps
                    .store
                    .update_booking_status(&b.booking_id, to.as_str(), reason.as_deref(), now)
                    .await
                    .map_err(infra)?
                {
                    return Ok(now);
                }
                let row = BookingRow {
                    id: b.booking_id,
                    user_id: b.user_id,
                    workspace_id: b.workspace_id,
                    starts_at: b.starts_at_ms,
                    ends_at: b.ends_at_ms,
                    seats: b.seats,
                    status: to.as_str().into(),
                    reason,
                    amount_cents: b.amount_cents,
                    currency: b.currency,
                    created_at: now,
                    updated_at: now,
                };
                deps.store.insert_booking(&row).await.map_err(infra)?;
                Ok(now)
            })
            .name(step_name(to))
            .retry_policy(self.deps.compensation_retry.policy())
            .await
            .map(Some)
    }

    /// Milliseconds since the epoch, journaled (a replay sees the same clock).
    async fn clock(&self) -> Result<i64, TerminalError> {
        self.ctx
            .run(|| async { Ok(now_ms()) })
            .name("read clock")
            .await
    }

    fn payment(&self) -> PaymentClient<'_> {
        self.ctx
            .object_client::<PaymentClient>(self.b.booking_id.clone())
    }

    /// One-way email: never blocks or fails the booking.
    fn notify(&self, kind: &str, subject: String, body: String) {
        self.ctx
            .service_client::<NotificationsClient>()
            .send(Json(SendNotification {
                id: format!("{kind}:{}", self.b.booking_id),
                user_id: Some(self.b.user_id.clone()),
                kind: kind.into(),
                to: self.b.user_email.clone(),
                subject,
                body,
            }))
            .send();
    }

    /// One-way activity record, keyed by the event and the booking.
    fn record(&self, kind: &str, amount: Option<i64>) {
        self.ctx
            .service_client::<ReportingClient>()
            .record(Json(RecordActivity {
                origin_key: format!("{kind}:{}", self.b.booking_id),
                kind: kind.into(),
                user_id: Some(self.b.user_id.clone()),
                workspace_id: Some(self.b.workspace_id.clone()),
                booking_id: Some(self.b.booking_id.clone()),
                amount_cents: amount,
            }))
            .send();
    }
}

/// A call the saga awaits answers 409 both when the booking itself is cancelled (an operator's
/// cancel, which compensates as `cancelled`) and when the callee was killed: by an operator, or
/// by its retry policy after the last attempt (`on_max_attempts = "kill"`). The latter is a
/// dependency that gave up, not a cancel; it gets a code of its own and names the call.
fn killed(call: &str, e: TerminalError) -> TerminalError {
    if e.code() == 409 && e.message().to_ascii_lowercase().contains("kill") {
        TerminalError::new_with_code(502, format!("{call} was killed ({})", e.message()))
    } else {
        e
    }
}

/// Journal step names for status changes, readable in the Restate UI.
fn step_name(to: BookingStatus) -> &'static str {
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
