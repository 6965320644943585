//! What only a workflow has of what the booking's steps need: its durable promises. A wait
//! races the cancel promise, a confirmed booking takes its reschedule orders from promises, and
//! the callers of `wait`, `cancel` and `reschedule` wait for promises the steps resolve.
//! [`Callers`] is that interface; [`WorkflowCallers`], beside it, is the `Booking` workflow's.
//! Another context answers them its own way (an object races a cancel against a signal, and
//! answers its caller with its handler's result).

use super::keys::{CANCEL, CANCEL_RESULT, SETTLED, reschedule_answer};
use super::step_context::Durable;
use deskflow_api::{BookingView, CancelRequest, CancelResult, RescheduleOrder, Rescheduled};
use restate_sdk::prelude::*;
use std::future::Future;
use std::pin::Pin;

/// Who asks something of a booking while its steps run, and how they are answered.
pub(super) trait Callers: Sync {
    /// A member's or admin's cancel, for a wait to race against. Each call is one journal
    /// entry where it is made: inside `select!` the order of the branches is the journal's.
    fn cancel(&self) -> Durable<'_, Json<CancelRequest>>;

    /// A cancel that came without being waited for: one look, no wait.
    #[allow(clippy::type_complexity)]
    fn cancel_waiting(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Json<CancelRequest>>, TerminalError>> + Send + '_>>;

    /// What the cancel came to, for every cancel of the booking (now or later): its result, or
    /// a refusal.
    fn answer_cancel(&self, answer: Result<CancelResult, TerminalError>);

    /// The booking is confirmed or final, as `view` shows it (answered once).
    fn settled(&self, view: &BookingView);

    /// The reschedule order named `key` ([`super::keys::reschedule_order`]), for a confirmed
    /// booking's wait to race against; the caller keeps `key` while the future lives.
    fn reschedule_order<'k>(&'k self, key: &'k str) -> Durable<'k, Json<RescheduleOrder>>;

    /// The answer to the `n`th reschedule order.
    fn answer_reschedule(&self, n: u32, answer: Rescheduled);
}

/// The `Booking` workflow's callers: its durable promises.
pub(super) struct WorkflowCallers<'a> {
    pub ctx: &'a WorkflowContext<'a>,
}

impl Callers for WorkflowCallers<'_> {
    fn cancel(&self) -> Durable<'_, Json<CancelRequest>> {
        Box::pin(self.ctx.promise::<Json<CancelRequest>>(CANCEL))
    }

    fn cancel_waiting(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Json<CancelRequest>>, TerminalError>> + Send + '_>>
    {
        Box::pin(self.ctx.peek_promise::<Json<CancelRequest>>(CANCEL))
    }

    fn answer_cancel(&self, answer: Result<CancelResult, TerminalError>) {
        match answer {
            Ok(result) => self.ctx.resolve_promise(CANCEL_RESULT, Json(result)),
            Err(refusal) => self.ctx.reject_promise(CANCEL_RESULT, refusal),
        }
    }

    fn settled(&self, view: &BookingView) {
        self.ctx.resolve_promise(SETTLED, Json(view.clone()));
    }

    fn reschedule_order<'k>(&'k self, key: &'k str) -> Durable<'k, Json<RescheduleOrder>> {
        Box::pin(self.ctx.promise::<Json<RescheduleOrder>>(key))
    }

    fn answer_reschedule(&self, n: u32, answer: Rescheduled) {
        self.ctx
            .resolve_promise(&reschedule_answer(n), Json(answer));
    }
}
