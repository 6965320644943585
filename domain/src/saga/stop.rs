//! Why a booking stopped before its normal end, as types rather than messages (so a
//! dependency's refusal can never be read as a cancel), the reason each stop gives the member,
//! and the final status it leads to. The texts live here, next to the types, so the forward
//! path and the tests agree on them.

use crate::booking::{BookingEvent, BookingStatus, next};
use crate::refund::RefundPolicy;
use chrono::{DateTime, Utc};

/// The reason recorded when an operator cancels through Restate.
pub const OPERATOR_CANCEL: &str = "cancelled by an operator";

/// Who cancelled a booking. The reason shown to the member says which.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Canceller {
    /// the member, through `Booking/{id}/cancel`
    Member,
    /// an admin, through `Admin/cancel_booking` or `Booking/{id}/cancel` on someone else's booking
    Admin,
    /// an operator, through Restate (`restate invocations cancel`, the admin API)
    Operator,
}

/// Why the saga stopped before the booking's normal end. Each variant is a type, not a
/// message: a dependency's refusal can never be read as a cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// the request broke the workspace's rules when the flow checked it
    Invalid(String),
    /// no free seat in the slot, or the workspace is closed
    NoSeat(String),
    /// the provider declined or refused the payment
    Declined(String),
    /// the member did not authenticate before the hold ran out
    Expired(String),
    /// a dependency gave up after its retry budget (the message names it)
    GaveUp(String),
    /// somebody cancelled
    Cancelled { by: Canceller, reason: String },
}

impl Stop {
    /// An operator's cancel through Restate.
    pub fn operator() -> Stop {
        Stop::Cancelled {
            by: Canceller::Operator,
            reason: OPERATOR_CANCEL.into(),
        }
    }

    /// The hold ran out (after `expiry_secs`) before the member authenticated the payment.
    pub fn hold_expired(expiry_secs: u64) -> Stop {
        Stop::Expired(format!(
            "the payment was not confirmed within {expiry_secs} s; the seats were released"
        ))
    }

    /// The slot started while the booking was still waiting for a seat.
    pub fn wait_expired() -> Stop {
        Stop::Expired(
            "the slot started while the booking was still waitlisted; nothing was charged".into(),
        )
    }

    /// A participant's `call` answered that its own dependency did not answer (`message`).
    pub fn unavailable(message: &str, call: &str) -> Stop {
        Stop::GaveUp(format!("{message} ({call})"))
    }

    /// A participant's `call` ended without an answer (killed or cancelled by hand), `why`.
    pub fn no_answer(call: &str, why: &str) -> Stop {
        Stop::GaveUp(format!("{call} ended without an answer ({why})"))
    }

    /// A journaled step of the flow ran out of retries.
    pub fn step_failed(step: &str) -> Stop {
        Stop::GaveUp(format!("the step {step:?} did not succeed"))
    }

    /// The provider still wants the member's authentication after saying it no longer did.
    pub fn still_unauthenticated() -> Stop {
        Stop::GaveUp("the payment still needs the member's authentication".into())
    }

    /// The event of the transition table this stop is.
    pub fn event(&self) -> BookingEvent {
        match self {
            Stop::Invalid(_) | Stop::NoSeat(_) => BookingEvent::NoSeat,
            Stop::Declined(_) => BookingEvent::PaymentDeclined,
            Stop::Expired(_) => BookingEvent::HoldExpired,
            Stop::GaveUp(_) => BookingEvent::DependencyGaveUp,
            Stop::Cancelled { .. } => BookingEvent::Cancelled,
        }
    }

    /// The reason recorded on the booking and told to the member.
    pub fn reason(&self) -> String {
        match self {
            Stop::Invalid(r) | Stop::NoSeat(r) | Stop::Expired(r) => r.clone(),
            Stop::Declined(r) => format!("payment declined: {r}"),
            Stop::GaveUp(r) => format!("a dependency gave up: {r}"),
            Stop::Cancelled { reason, .. } => reason.clone(),
        }
    }
}

/// The final status a booking in `from` ends in when the saga stops with `stop`. A stop that
/// the table does not foresee from `from` (e.g. an expiry reported while only held) still
/// ends the booking: as `failed`, never in an intermediate state.
pub fn final_status(from: BookingStatus, stop: &Stop) -> BookingStatus {
    match next(from, stop.event()) {
        Ok(to) if to.is_final() => to,
        _ => match stop {
            Stop::Cancelled { .. } => BookingStatus::Cancelled,
            Stop::Invalid(_) | Stop::NoSeat(_) => BookingStatus::Rejected,
            Stop::Expired(_) => BookingStatus::Expired,
            Stop::Declined(_) | Stop::GaveUp(_) => BookingStatus::Failed,
        },
    }
}

/// How much of a booking's price the business keeps when the saga stops. Only a member's
/// cancel of a *confirmed* booking keeps anything (the refund policy decides how much); every
/// other stop, and any stop before confirmation, keeps nothing: the member pays nothing for a
/// booking that did not happen, whatever the provider was doing when the stop came.
pub fn retained_cents(
    stop: &Stop,
    confirmed: bool,
    amount_cents: i64,
    policy: &RefundPolicy,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> i64 {
    match stop {
        Stop::Cancelled { by, .. } if confirmed => {
            kept_at_cancel(*by, amount_cents, policy, starts_at, now)
        }
        _ => 0,
    }
}

/// What the business keeps of `amount_cents` when `by` cancels a confirmed booking at `now`:
/// the part the refund policy does not give back for a member, nothing for anybody else.
pub(super) fn kept_at_cancel(
    by: Canceller,
    amount_cents: i64,
    policy: &RefundPolicy,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> i64 {
    match by {
        Canceller::Member => {
            let amount = amount_cents.max(0);
            (amount - policy.refund(amount, starts_at, now)).clamp(0, amount)
        }
        Canceller::Admin | Canceller::Operator => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 3, 9, 0, 0).unwrap()
    }

    fn member(reason: &str) -> Stop {
        Stop::Cancelled {
            by: Canceller::Member,
            reason: reason.into(),
        }
    }

    #[test]
    fn every_stop_from_every_live_status_ends_final() {
        let stops = [
            Stop::Invalid("x".into()),
            Stop::NoSeat("x".into()),
            Stop::Declined("x".into()),
            Stop::Expired("x".into()),
            Stop::GaveUp("x".into()),
            member("x"),
            Stop::operator(),
        ];
        for from in BookingStatus::ALL.into_iter().filter(|s| !s.is_final()) {
            for stop in &stops {
                let to = final_status(from, stop);
                assert!(to.is_final(), "{from:?} + {stop:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn a_cancel_is_cancelled_and_a_dependency_refusal_is_never_a_cancel() {
        for from in [
            BookingStatus::Pending,
            BookingStatus::Held,
            BookingStatus::AwaitingPayment,
            BookingStatus::Confirmed,
        ] {
            assert_eq!(final_status(from, &member("m")), BookingStatus::Cancelled);
            assert_eq!(
                final_status(from, &Stop::GaveUp("Payment/capture".into())),
                BookingStatus::Failed
            );
            assert_eq!(
                final_status(from, &Stop::Declined("card".into())),
                BookingStatus::Failed
            );
        }
        assert_eq!(
            final_status(BookingStatus::Pending, &Stop::NoSeat("full".into())),
            BookingStatus::Rejected
        );
        assert_eq!(
            final_status(BookingStatus::Pending, &Stop::Invalid("past".into())),
            BookingStatus::Rejected
        );
        assert_eq!(
            final_status(
                BookingStatus::AwaitingPayment,
                &Stop::Expired("late".into())
            ),
            BookingStatus::Expired
        );
    }

    #[test]
    fn only_a_members_cancel_of_a_confirmed_booking_keeps_money() {
        let p = RefundPolicy::default();
        let late = start() - Duration::hours(2);
        let early = start() - Duration::hours(48);
        // confirmed, late member cancel: half is kept
        assert_eq!(
            retained_cents(&member("m"), true, 1000, &p, start(), late),
            500
        );
        // confirmed, early member cancel: nothing kept
        assert_eq!(
            retained_cents(&member("m"), true, 1000, &p, start(), early),
            0
        );
        // the same late cancel before confirmation (the provider was slow): nothing kept
        assert_eq!(
            retained_cents(&member("m"), false, 1000, &p, start(), late),
            0
        );
        // admins and operators refund everything; failures keep nothing
        for by in [Canceller::Admin, Canceller::Operator] {
            let s = Stop::Cancelled {
                by,
                reason: "r".into(),
            };
            assert_eq!(retained_cents(&s, true, 1000, &p, start(), late), 0);
        }
        for s in [
            Stop::GaveUp("x".into()),
            Stop::Declined("x".into()),
            Stop::Expired("x".into()),
        ] {
            assert_eq!(retained_cents(&s, true, 1000, &p, start(), late), 0);
        }
        // after the start nothing goes back
        assert_eq!(
            retained_cents(
                &member("m"),
                true,
                1000,
                &p,
                start(),
                start() + Duration::minutes(1)
            ),
            1000
        );
    }

    #[test]
    fn the_reasons_members_read() {
        assert_eq!(Stop::operator().reason(), "cancelled by an operator");
        assert_eq!(
            Stop::hold_expired(900).reason(),
            "the payment was not confirmed within 900 s; the seats were released"
        );
        assert_eq!(
            Stop::unavailable("the payment provider did not answer", "Payment/capture").reason(),
            "a dependency gave up: the payment provider did not answer (Payment/capture)"
        );
        assert_eq!(
            Stop::no_answer("Calendar/hold", "killed").reason(),
            "a dependency gave up: Calendar/hold ended without an answer (killed)"
        );
        assert_eq!(
            Stop::step_failed("check and quote").reason(),
            "a dependency gave up: the step \"check and quote\" did not succeed"
        );
        assert_eq!(
            Stop::still_unauthenticated().reason(),
            "a dependency gave up: the payment still needs the member's authentication"
        );
        assert_eq!(
            Stop::Declined("insufficient funds".into()).reason(),
            "payment declined: insufficient funds"
        );
    }
}
