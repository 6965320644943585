//! Carrying out how a booking ends ([`Plan`], decided in `deskflow_domain::saga`): the
//! completion of a booking that ran its course, or the unwind of one that stopped before (declined,
//! expired, no seat, a dependency that gave up, or any cancel), as one mechanism for failures
//! and cancels alike.
//!
//! The saga's memory decides nothing about money: the payment object settles against the
//! provider's current state (void what is open, refund captured money down to what the plan
//! lets the business keep), and the calendar frees whatever seats the booking holds, each after
//! any call of this booking still running on it. Both are sent as invocations of their own and
//! awaited here through any further cancel: a second cancel, or the workflow being cancelled
//! again, cannot stop the unwind half-way.

use super::callers::Callers;
use super::flow::{Flow, PaymentMemo, step_name};
use super::notices;
use super::step_context::StepContext;
use deskflow_api::CancelResult;
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::payment::PaymentStatus;
use deskflow_domain::saga::{CancelAnswer, Keep, Plan, Recorded, allocate};
use deskflow_handlers::calendar::ReleaseRequest;
use deskflow_handlers::deps::now_ms;
use deskflow_handlers::payment::{SettleRequest, Settlement};
use restate_sdk::context::SendHandle;
use restate_sdk::prelude::*;
use serde::de::DeserializeOwned;

/// What settling a booking's payments did.
#[derive(Debug, Default)]
pub(super) struct Settled {
    /// the first payment's status afterwards (what `status.payment.status` shows)
    pub status: Option<PaymentStatus>,
    /// refunded by this settling, over all payments
    pub refunded_now_cents: i64,
}

/// How often an unwind step is sent again when its invocation ends without an answer (it is
/// idempotent: each settles against the current truth).
const ROUNDS: usize = 5;

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// The booking ran to its end: the final status written, the activity recorded, a later
    /// cancel refused.
    pub(super) async fn complete(&mut self, plan: Plan) -> HandlerResult<()> {
        let to = plan.final_status;
        self.set_status(to, plan.reason.clone());
        let written = self.write_status(to).await;
        self.step_result(written, step_name(to))
            .map_err(|s| TerminalError::new_with_code(500, s.reason()))?;
        self.record(&plan.kind(), Some(self.recorded(plan.recorded, 0)));
        self.answer_cancel(&plan.cancel, to, 0);
        Ok(())
    }

    /// Runs the unwind of `plan`, records the final status, tells the member and answers a
    /// waiting cancel. An operator's cancel ends `run` with that error once all is settled.
    pub(super) async fn unwind(&mut self, plan: Plan) -> HandlerResult<()> {
        let to = plan.final_status;
        let reason = plan
            .reason
            .clone()
            .or_else(|| self.view.reason.clone())
            .unwrap_or_default();
        let retain = self.retained(plan.keep).await;
        let mut notes = Vec::new();

        // the money first: settled against the provider, whatever the saga saw
        let mut refunded_now = 0;
        if plan.settle_payment {
            let (settled, failures) = self.settle_payments(retain, false).await;
            refunded_now = settled.refunded_now_cents;
            if let Some(status) = settled.status {
                self.view.payment.status = status;
            }
            self.sum_payments();
            notes.extend(
                failures
                    .into_iter()
                    .map(|why| format!("the payment could not be settled: {why}")),
            );
        }
        self.view.payment.client_secret = None;

        // then the seats
        if plan.release_seats
            && let Err(why) = self.release_seats(to, &reason).await
        {
            notes.push(format!("the seats could not be released: {why}"));
        }

        // the final status, with what went wrong on the way
        let full_reason = if notes.is_empty() {
            reason.clone()
        } else {
            tracing::error!(booking_id = %self.booking_id, notes = ?notes, "unwind incomplete");
            format!("{reason} ({})", notes.join("; "))
        };
        self.set_status(to, Some(full_reason.clone()));
        self.write_steadily(to).await?;
        self.settle();
        if plan.email
            && let Some(b) = self.b.clone()
        {
            let mail = notices::ended(&b, &self.view, to.as_str(), &full_reason, refunded_now);
            self.notify(&plan.kind(), mail);
        }
        self.record(
            &plan.kind(),
            Some(self.recorded(plan.recorded, refunded_now)),
        );
        self.answer_cancel(&plan.cancel, to, refunded_now);
        if self.operator_cancelled {
            return Err(
                TerminalError::new_with_code(409, "cancelled by an operator; unwound").into(),
            );
        }
        Ok(())
    }

    /// What the business keeps, in cents: the clock is read (through any cancel) only when
    /// the plan's keep depends on the moment of the cancel.
    async fn retained(&mut self, keep: Keep) -> i64 {
        let now = if keep.needs_clock() {
            Some(self.steady_clock().await)
        } else {
            None
        };
        let amount = self.b.as_ref().map_or(0, |b| b.amount_cents);
        let start =
            chrono::DateTime::from_timestamp_millis(self.req.starts_at_ms).unwrap_or_default();
        let now = now.map(|t| chrono::DateTime::from_timestamp_millis(t).unwrap_or_default());
        keep.cents(amount, &self.deps.booking.refund, start, now)
    }

    /// The amount the end's activity record carries.
    fn recorded(&self, recorded: Recorded, refunded_now: i64) -> i64 {
        match recorded {
            Recorded::RefundedNow => refunded_now,
            Recorded::NetPaid => {
                self.view.payment.captured_cents - self.view.payment.refunded_cents
            }
        }
    }

    /// Answers a cancel waiting on the booking (now or later) as the plan says, with what this
    /// end refunded (`refunded_now_cents`): not what earlier reschedules gave back, which
    /// `status.payment.refunded_cents` sums with it. Every cancel of the booking, a duplicate
    /// racing the first included, reads this one answer.
    fn answer_cancel(&self, answer: &CancelAnswer, to: BookingStatus, refunded_now_cents: i64) {
        self.callers.answer_cancel(match answer {
            CancelAnswer::Resolve => Ok(CancelResult {
                status: to,
                refund_cents: refunded_now_cents,
            }),
            CancelAnswer::Refuse(message) => {
                Err(TerminalError::new_with_code(409, message.clone()))
            }
        });
    }

    /// Settles every payment of the booking so that together they keep `retain_cents` (the
    /// oldest keep first, see [`allocate`]), each against the provider's current state and
    /// awaited through any cancel. What each settled to goes into its memo; the failures are
    /// returned with what was settled.
    pub(super) async fn settle_payments(
        &mut self,
        retain_cents: i64,
        quiet: bool,
    ) -> (Settled, Vec<String>) {
        if self.payments.is_empty() {
            // settled all the same: a payment that never was is closed for later charges
            self.payments
                .push(PaymentMemo::new(self.booking_id.clone()));
        }
        let nets: Vec<i64> = self.payments.iter().map(PaymentMemo::net).collect();
        let mut settled = Settled::default();
        let mut failures = Vec::new();
        for (i, keep) in allocate(retain_cents, &nets).into_iter().enumerate() {
            let id = self.payments[i].id.clone();
            match self.settle_one(&id, keep, quiet).await {
                Ok(s) => {
                    let memo = &mut self.payments[i];
                    memo.captured = s.captured_cents;
                    memo.refunded = s.refunded_cents;
                    settled.refunded_now_cents += s.refunded_now_cents;
                    if i == 0 {
                        settled.status = Some(s.status);
                    }
                }
                Err(why) => failures.push(why),
            }
        }
        (settled, failures)
    }

    /// `Payment/{id}/settle` of one payment, awaited through any cancel.
    pub(super) async fn settle_one(
        &mut self,
        id: &str,
        retain_cents: i64,
        quiet: bool,
    ) -> Result<Settlement, String> {
        let id = id.to_string();
        self.through_cancels("Payment/settle", |flow| {
            flow.ctx
                .payment_object(id.clone())
                .settle(Json(SettleRequest {
                    retain_cents,
                    quiet,
                }))
                .send()
        })
        .await
    }

    /// `Calendar/{workspace}/release`, awaited through any cancel.
    pub(super) async fn release_seats(
        &mut self,
        to: BookingStatus,
        reason: &str,
    ) -> Result<bool, String> {
        let (ws, release) = (
            self.req.workspace_id.clone(),
            ReleaseRequest {
                booking_id: self.booking_id.clone(),
                status: to,
                reason: reason.to_string(),
            },
        );
        self.through_cancels("Calendar/release", |flow| {
            flow.ctx
                .calendar(ws.clone())
                .release(Json(release.clone()))
                .send()
        })
        .await
    }

    /// Sends an unwind step and waits for its answer; a cancel of this workflow while waiting
    /// only makes it wait again, and an invocation that ended without an answer (killed or
    /// cancelled by hand) is sent again. Gives up after [`ROUNDS`] such ends.
    pub(super) async fn through_cancels<T: DeserializeOwned + serde::Serialize + 'static>(
        &mut self,
        call: &str,
        send: impl Fn(&Self) -> SendHandle,
    ) -> Result<T, String> {
        let mut last = String::new();
        for _ in 0..ROUNDS {
            let handle = loop {
                // awaiting an invocation id fails only on this workflow's own cancel signal,
                // which is taken once: the next await goes on
                if let Ok(h) = send(self).await {
                    break h;
                }
            };
            loop {
                let waited: Option<Result<Json<T>, TerminalError>> = restate_sdk::select! {
                    r = handle.attach::<Json<T>>() => Some(r),
                    on_cancel => None,
                };
                match waited {
                    Some(Ok(Json(v))) => return Ok(v),
                    Some(Err(e)) => {
                        last = e.message().to_string();
                        tracing::warn!(booking_id = %self.booking_id, call, error = %last, "unwind step ended without an answer; sending it again");
                        break;
                    }
                    // the step goes on; the signal is noted (it comes once)
                    None => {
                        self.cancel_signal = true;
                        continue;
                    }
                }
            }
        }
        Err(format!(
            "{call} ended without an answer {ROUNDS} times ({last})"
        ))
    }

    /// The clock, read through any cancel.
    async fn steady_clock(&mut self) -> i64 {
        loop {
            if let Ok(t) = self
                .ctx
                .journaled("read clock", None, || async { Ok(now_ms()) })
                .await
            {
                return t;
            }
        }
    }

    /// The final status on the bookings row, written through any cancel. Its step retries for
    /// days; should it still fail, `run` fails with it (the booking stays visible to the
    /// `stuck_for_secs` filter and the reconciliation).
    async fn write_steadily(&mut self, to: BookingStatus) -> HandlerResult<()> {
        let mut last = None;
        for _ in 0..ROUNDS {
            match self.write_status(to).await {
                Ok(_) => return Ok(()),
                Err(e) if e.code() == 409 => last = Some(e),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last
            .unwrap_or_else(|| {
                TerminalError::new_with_code(500, "the final status was not written")
            })
            .into())
    }
}
