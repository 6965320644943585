//! The booking saga's decisions as pure functions: why a booking stopped, which final status
//! that gives, how much of the money the business keeps, and what settling a payment against
//! the provider's current state takes. The workflow only observes and carries these out, so
//! every interleaving of cancels, failures and provider states is testable without a server.

use crate::booking::{BookingEvent, BookingStatus, next};
use crate::refund::RefundPolicy;
use chrono::{DateTime, Utc};

/// Who cancelled a booking. The reason shown to the member says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        Stop::Cancelled {
            by: Canceller::Member,
            ..
        } if confirmed => {
            let amount = amount_cents.max(0);
            (amount - policy.refund(amount, starts_at, now)).clamp(0, amount)
        }
        _ => 0,
    }
}

/// A PaymentIntent's state as far as settling it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderState {
    /// no PaymentIntent exists for the payment
    Absent,
    /// created but not authorized: waiting for a payment method, a confirmation or the
    /// member's authentication, or processing
    Open,
    /// the amount is authorized on the card and can be captured
    Authorized,
    /// the money was taken; `refunded` of it was given back already
    Captured { captured: i64, refunded: i64 },
    /// cancelled, or failed for good: nothing is held and nothing was taken
    Closed,
}

impl ProviderState {
    /// Classifies a Stripe PaymentIntent status (with the captured amount and the sum of its
    /// refunds, which only matter once it succeeded).
    pub fn from_stripe(status: &str, amount: i64, refunded: i64) -> ProviderState {
        match status {
            "succeeded" => ProviderState::Captured {
                captured: amount,
                refunded,
            },
            "requires_capture" => ProviderState::Authorized,
            "canceled" => ProviderState::Closed,
            // requires_payment_method, requires_confirmation, requires_action, processing
            _ => ProviderState::Open,
        }
    }
}

/// What settling a payment must do at the provider so that the business keeps exactly
/// `retain_cents` (clamped to what was captured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleAction {
    /// the provider's state is already the settled one
    Nothing,
    /// cancel the PaymentIntent: releases an authorization, closes an open one
    Void,
    /// refund this amount of the captured money
    Refund(i64),
}

/// The one rule of unwinding a payment, from the provider's current state rather than from
/// what any caller remembers: what is open or authorized is voided (nothing uncaptured is
/// ever kept), what was captured is refunded down to `retain_cents`, and a payment refunded
/// beyond that already is left alone (money is never taken back by a refund).
pub fn settle_action(state: ProviderState, retain_cents: i64) -> SettleAction {
    match state {
        ProviderState::Absent | ProviderState::Closed => SettleAction::Nothing,
        ProviderState::Open | ProviderState::Authorized => SettleAction::Void,
        ProviderState::Captured { captured, refunded } => {
            let keep = retain_cents.clamp(0, captured.max(0));
            let refund = captured - refunded - keep;
            if refund > 0 {
                SettleAction::Refund(refund)
            } else {
                SettleAction::Nothing
            }
        }
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
            Stop::Cancelled {
                by: Canceller::Operator,
                reason: "x".into(),
            },
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
    fn settling_follows_the_providers_state_not_the_callers_memory() {
        use ProviderState as P;
        use SettleAction as A;
        // nothing there, or closed already: nothing to do whatever is retained
        for keep in [0, 500] {
            assert_eq!(settle_action(P::Absent, keep), A::Nothing);
            assert_eq!(settle_action(P::Closed, keep), A::Nothing);
            // an authorization or an open intent is never kept: voided
            assert_eq!(settle_action(P::Authorized, keep), A::Void);
            assert_eq!(settle_action(P::Open, keep), A::Void);
        }
        // a capture the saga never saw (cancel while Payment/capture ran): refunded in full
        let captured = P::Captured {
            captured: 1000,
            refunded: 0,
        };
        assert_eq!(settle_action(captured, 0), A::Refund(1000));
        // the late-cancel policy keeps half
        assert_eq!(settle_action(captured, 500), A::Refund(500));
        // settled before (a second cancel, a replay): nothing more
        let half = P::Captured {
            captured: 1000,
            refunded: 500,
        };
        assert_eq!(settle_action(half, 500), A::Nothing);
        // a second settle asking for everything back refunds the rest only
        assert_eq!(settle_action(half, 0), A::Refund(500));
        // refunded beyond what is retained: money is never taken back
        assert_eq!(settle_action(half, 800), A::Nothing);
        // retaining more than was captured keeps what was captured
        assert_eq!(settle_action(captured, 5000), A::Nothing);
        assert_eq!(settle_action(captured, -5), A::Refund(1000));
    }

    #[test]
    fn stripe_statuses_classify() {
        use ProviderState as P;
        assert_eq!(
            P::from_stripe("succeeded", 700, 100),
            P::Captured {
                captured: 700,
                refunded: 100
            }
        );
        assert_eq!(P::from_stripe("requires_capture", 700, 0), P::Authorized);
        assert_eq!(P::from_stripe("canceled", 700, 0), P::Closed);
        for open in [
            "requires_payment_method",
            "requires_confirmation",
            "requires_action",
            "processing",
        ] {
            assert_eq!(P::from_stripe(open, 700, 0), P::Open, "{open}");
        }
    }
}
