//! What the booking's steps need from the context they run on: journaled steps, calls to the
//! participants, timers, awakeables, state and one-way announcements. [`StepContext`] is that
//! much of restate-sdk's context traits, implemented for a workflow's `run`
//! ([`WorkflowContext`]) and a virtual object's exclusive handler ([`ObjectContext`]), so the
//! saga, the unwind and the reschedule run on either. What only a workflow has (its promises)
//! is [`super::callers::Callers`].
//!
//! Its futures come boxed with `Send` in their type: code generic over the context then never
//! names one of the SDK's opaque futures, whose `Send` the compiler cannot carry through a
//! generic async fn (rust-lang/rust#100013). A future is created, and its journal entry
//! written, where the method is called, exactly as the SDK's own call would.

use super::confirmed::ConfirmedBookingClient;
use deskflow_api::{RecordActivity, SendNotification};
use deskflow_handlers::calendar::CalendarClient;
use deskflow_handlers::payment::PaymentClient;
use restate_sdk::context::{
    ContextAwakeables, ContextClient, ContextSideEffects, ContextTimers, ContextWriteState,
    DurableFuture, RunFuture, RunRetryPolicy,
};
use restate_sdk::prelude::*;
use restate_sdk::serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A durable future of a step's context, boxed (see the module's docs).
pub(super) type Durable<'a, T> =
    Pin<Box<dyn DurableFuture<Output = Result<T, TerminalError>> + Send + 'a>>;

/// A journaled step's outcome, boxed.
pub(super) type Journaled<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, TerminalError>> + Send + 'a>>;

/// The context a booking's steps run on.
pub(super) trait StepContext: Sync {
    /// A journaled step named `name` (its name in the Restate UI), retried by `retry`, or by
    /// the server's retry policy when `None`.
    fn journaled<T, F, Fut>(
        &self,
        name: &str,
        retry: Option<RunRetryPolicy>,
        step: F,
    ) -> Journaled<'_, T>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = HandlerResult<T>> + Send + 'static,
        T: Serialize + Deserialize + Send + 'static;

    /// A durable timer of `duration`.
    fn sleep_for(&self, duration: Duration) -> Durable<'_, ()>;

    /// An awakeable: its id, to hand to whoever resolves it, and its future.
    fn awakeable_of<T: Deserialize + Send + 'static>(&self) -> (String, Durable<'_, T>);

    /// Sets a state entry of the context's key (workflow or object).
    fn set_state<T: Serialize + 'static>(&self, key: &str, value: T);

    /// Clears a state entry of the context's key.
    fn clear_state(&self, key: &str);

    /// The client of one workspace's `Calendar` object.
    fn calendar(&self, workspace_id: String) -> CalendarClient<'_>;

    /// The client of one payment's `Payment` object.
    fn payment_object(&self, payment_id: String) -> PaymentClient<'_>;

    /// The client of one confirmed booking's `ConfirmedBooking` object.
    fn confirmed_booking(&self, booking_id: String) -> ConfirmedBookingClient<'_>;

    /// One-way email ([`deskflow_handlers::announce::email`]).
    fn email(&self, mail: SendNotification);

    /// One-way activity record ([`deskflow_handlers::announce::announce`]).
    fn announce(&self, activity: RecordActivity);
}

/// [`StepContext`] for a context type that has the SDK's traits.
macro_rules! step_context {
    ($context:ident) => {
        impl StepContext for $context<'_> {
            fn journaled<T, F, Fut>(
                &self,
                name: &str,
                retry: Option<RunRetryPolicy>,
                step: F,
            ) -> Journaled<'_, T>
            where
                F: FnOnce() -> Fut + Send + 'static,
                Fut: Future<Output = HandlerResult<T>> + Send + 'static,
                T: Serialize + Deserialize + Send + 'static,
            {
                let run = ContextSideEffects::run(self, step).name(name.to_string());
                match retry {
                    Some(policy) => Box::pin(run.retry_policy(policy)),
                    None => Box::pin(run),
                }
            }

            fn sleep_for(&self, duration: Duration) -> Durable<'_, ()> {
                Box::pin(ContextTimers::sleep(self, duration))
            }

            fn awakeable_of<T: Deserialize + Send + 'static>(&self) -> (String, Durable<'_, T>) {
                let (id, woken) = ContextAwakeables::awakeable::<T>(self);
                (id, Box::pin(woken))
            }

            fn set_state<T: Serialize + 'static>(&self, key: &str, value: T) {
                ContextWriteState::set(self, key, value)
            }

            fn clear_state(&self, key: &str) {
                ContextWriteState::clear(self, key)
            }

            fn calendar(&self, workspace_id: String) -> CalendarClient<'_> {
                ContextClient::object_client::<CalendarClient>(self, workspace_id)
            }

            fn payment_object(&self, payment_id: String) -> PaymentClient<'_> {
                ContextClient::object_client::<PaymentClient>(self, payment_id)
            }

            fn confirmed_booking(&self, booking_id: String) -> ConfirmedBookingClient<'_> {
                ContextClient::object_client::<ConfirmedBookingClient>(self, booking_id)
            }

            fn email(&self, mail: SendNotification) {
                deskflow_handlers::announce::email(self, mail)
            }

            fn announce(&self, activity: RecordActivity) {
                deskflow_handlers::announce::announce(self, activity, None)
            }
        }
    };
}

step_context!(WorkflowContext);
step_context!(ObjectContext);
