//! The names under which the `Booking` workflow keeps its state and its durable promises, in one
//! place: the handlers of `workflow.rs` and the steps that run inside `run` read and write them.
//! A name is part of every journal and of Restate's stored state: never rename one.

/// State: the booking as `status` shows it ([`deskflow_api::BookingView`]).
pub const VIEW: &str = "view";
/// State: the PaymentIntent while the member must authenticate (an id, not a secret).
pub const PAYMENT_INTENT: &str = "payment_intent";
/// State: the index of the next reschedule order `run` takes ([`reschedule_order`]).
pub const RESCHEDULE_NO: &str = "reschedule_no";

/// Promise: `run` has recorded the booking (`Bookings/create` answers after it).
pub const STARTED: &str = "started";
/// Promise: a member's or admin's cancel.
pub const CANCEL: &str = "cancel";
/// Promise: what the cancel came to.
pub const CANCEL_RESULT: &str = "cancel_result";
/// Promise: the booking is confirmed or final (what `wait` answers).
pub const SETTLED: &str = "settled";

/// Promise: the `n`th reschedule order (`Booking/{id}/reschedule` resolves it; each order has
/// its own, as a durable promise is resolved once).
pub fn reschedule_order(n: u32) -> String {
    format!("reschedule.{n}")
}

/// Promise: the answer to the `n`th reschedule order.
pub fn reschedule_answer(n: u32) -> String {
    format!("rescheduled.{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names suspended journals hold: a rename would strand every booking in flight.
    #[test]
    fn names_stay_as_journals_hold_them() {
        assert_eq!(
            [
                VIEW,
                PAYMENT_INTENT,
                RESCHEDULE_NO,
                STARTED,
                CANCEL,
                CANCEL_RESULT,
                SETTLED
            ],
            [
                "view",
                "payment_intent",
                "reschedule_no",
                "started",
                "cancel",
                "cancel_result",
                "settled"
            ]
        );
        assert_eq!(reschedule_order(2), "reschedule.2");
        assert_eq!(reschedule_answer(0), "rescheduled.0");
    }
}
