//! Every wait of the forward path races the member's cancel (the `cancel` promise) and
//! Restate's cancel signal (an operator's `restate invocations cancel`), so a cancel is seen at
//! every step, and each becomes a [`Stop`] of its own kind: a participant that ended without an
//! answer is a dependency that gave up, never a cancel.

use super::callers::Callers;
use super::flow::Flow;
use super::keys::reschedule_order;
use super::step_context::StepContext;
use deskflow_api::{CancelRequest, RescheduleOrder};
use deskflow_domain::saga::Stop;
use restate_sdk::context::SendHandle;
use restate_sdk::prelude::*;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// What a wait ended with.
pub(super) enum Waited<T> {
    Answer(T),
    /// the participant's invocation ended without an answer (killed or cancelled by hand)
    NoAnswer(String),
    Cancel(CancelRequest),
    Operator,
}

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// A confirmed booking waits `ms` for its next timer, unless a cancel or a reschedule
    /// order (`reschedule.{n}`) comes first: the order, or `None` when the timer fired.
    pub(super) async fn wait_confirmed(
        &mut self,
        ms: i64,
    ) -> Result<Option<RescheduleOrder>, Stop> {
        let name = reschedule_order(self.reschedule_no);
        let waited = restate_sdk::select! {
            c = self.callers.cancel() => cancel_of(c),
            r = self.callers.reschedule_order(&name) => match r {
                Ok(Json(order)) => Waited::Answer(Some(order)),
                Err(_) => Waited::Operator,
            },
            _ = self.ctx.sleep_for(Duration::from_millis(ms.max(0) as u64)) => Waited::Answer(None),
            on_cancel => Waited::Operator,
        };
        match waited {
            Waited::Answer(order) => Ok(order),
            Waited::NoAnswer(_) => Ok(None),
            Waited::Cancel(c) => Err(member_stop(c)),
            Waited::Operator => Err(self.operator()),
        }
    }

    /// A waitlisted booking waits for the Calendar to serve it (`served`, its awakeable), until
    /// its slot starts at `starts_at_ms`, unless a cancel comes first. Expiry and cancel both
    /// end in the unwind's release, which the Calendar serializes with its serving: a booking
    /// served at the last moment gives its seats back.
    pub(super) async fn await_seat(
        &mut self,
        served: impl restate_sdk::context::DurableFuture<Output = Result<bool, TerminalError>>,
        starts_at_ms: i64,
    ) -> Result<(), Stop> {
        let now = self.clock().await?;
        let waited = restate_sdk::select! {
            s = served => match s {
                Ok(_) => Waited::Answer(()),
                Err(_) => Waited::Operator,
            },
            c = self.callers.cancel() => cancel_of(c),
            _ = self.ctx.sleep_for(Duration::from_millis((starts_at_ms - now).max(0) as u64)) => Waited::NoAnswer(String::new()),
            on_cancel => Waited::Operator,
        };
        match waited {
            Waited::Answer(()) => Ok(()),
            Waited::NoAnswer(_) => Err(Stop::wait_expired()),
            Waited::Cancel(c) => Err(member_stop(c)),
            Waited::Operator => Err(self.operator()),
        }
    }

    /// The answer of a participant's invocation, unless a cancel comes first. The invocation
    /// was sent, not called: a cancel of this booking does not cancel it.
    pub(super) async fn answer<T: DeserializeOwned + serde::Serialize + 'static>(
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
            c = self.callers.cancel() => cancel_of(c),
            on_cancel => Waited::Operator,
        };
        match waited {
            Waited::Answer(v) => Ok(v),
            Waited::NoAnswer(why) => Err(Stop::no_answer(call, &why)),
            Waited::Cancel(c) => Err(member_stop(c)),
            Waited::Operator => Err(self.operator()),
        }
    }

    /// A member's or admin's cancel that arrived without being waited for (while the capture
    /// ran): one look at the promise before confirming.
    pub(super) async fn pending_cancel(&mut self) -> Result<Option<Stop>, Stop> {
        match self.callers.cancel_waiting().await {
            Ok(c) => Ok(c.map(|Json(c)| member_stop(c))),
            Err(_) => Err(self.operator()),
        }
    }

    /// An operator's cancel, noted so that `run` ends with it once unwound.
    pub(super) fn operator(&mut self) -> Stop {
        self.operator_cancelled = true;
        Stop::operator()
    }

    /// A journaled step's outcome in the forward path: its own cancel (409: the only terminal
    /// error a step of this flow can end with besides running out of retries) is the
    /// operator's; running out of retries is a dependency that gave up.
    pub(super) fn step_result<T>(
        &mut self,
        r: Result<T, TerminalError>,
        name: &str,
    ) -> Result<T, Stop> {
        match r {
            Ok(v) => Ok(v),
            Err(e) if e.code() == 409 => Err(self.operator()),
            Err(e) => {
                tracing::error!(booking_id = %self.booking_id, step = name, error = %e.message(), "step gave up");
                Err(Stop::step_failed(name))
            }
        }
    }
}

/// The cancel promise's outcome as a wait's end.
pub(super) fn cancel_of<T>(c: Result<Json<CancelRequest>, TerminalError>) -> Waited<T> {
    match c {
        Ok(Json(c)) => Waited::Cancel(c),
        // the promise is only ever resolved; a failure here can only be this invocation's own
        // cancel signal
        Err(_) => Waited::Operator,
    }
}

/// A member's or admin's cancel, as the stop it is.
pub(super) fn member_stop(c: CancelRequest) -> Stop {
    Stop::Cancelled {
        by: c.by,
        reason: c.reason,
    }
}
