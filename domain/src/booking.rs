//! Booking statuses, shared by the store, the reports and the API, and the one transition
//! table the Booking workflow moves through: a status changes only through [`next`].

use serde::{Deserialize, Serialize};

/// Where a booking stands. `confirmed` is not final (the booking may still be cancelled or
/// complete); the final states are `completed`, `cancelled`, `rejected`, `expired`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// accepted, not yet holding seats
    Pending,
    /// no seat was free: waiting, holding none and owing nothing, for seats to free up in its
    /// slot (asked for with `"waitlist": true`)
    Waitlisted,
    /// seats held, payment not yet authorized
    Held,
    /// waiting for the member to authenticate the payment (3-D Secure)
    AwaitingPayment,
    /// paid and booked; may still be cancelled or complete
    Confirmed,
    /// (final) the slot has ended
    Completed,
    /// (final) cancelled by the member, an admin or an operator (the reason says which)
    Cancelled,
    /// (final) invalid, or no free seat
    Rejected,
    /// (final) not paid before the hold ran out, or still waitlisted when the slot started
    Expired,
    /// (final) payment declined, or a dependency gave up (the reason names it)
    Failed,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 10] = [
        Self::Pending,
        Self::Waitlisted,
        Self::Held,
        Self::AwaitingPayment,
        Self::Confirmed,
        Self::Completed,
        Self::Cancelled,
        Self::Rejected,
        Self::Expired,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Waitlisted => "waitlisted",
            Self::Held => "held",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Confirmed => "confirmed",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The statuses that hold seats: counted against capacity and availability. The one list:
    /// the store builds its queries from it, and its tests pin the migrations' capacity triggers
    /// and partial index (`bookings_seat_holding`) to it. The order is the migrations' order too:
    /// SQLite uses a partial index only for a query whose `IN (...)` is written as the index's.
    pub const SEAT_HOLDING: [BookingStatus; 4] = [
        Self::Pending,
        Self::Held,
        Self::AwaitingPayment,
        Self::Confirmed,
    ];

    /// The statuses whose outcome the Booking workflow has not decided yet (the seat-holding ones
    /// before the payment settles): reconciliation leaves them to their flow, and `Admin/bookings`
    /// lists them as stuck when they stop changing.
    pub const IN_FLIGHT: [BookingStatus; 3] = [Self::Pending, Self::Held, Self::AwaitingPayment];

    /// The statuses a booking's flow may still change: the seat-holding ones and `waitlisted`
    /// (which holds no seat yet). A closure or an account deletion cancels these; a release
    /// moves one of these to its final status.
    pub const OPEN: [BookingStatus; 5] = [
        Self::Pending,
        Self::Waitlisted,
        Self::Held,
        Self::AwaitingPayment,
        Self::Confirmed,
    ];

    /// Holds seats: one of [`BookingStatus::SEAT_HOLDING`].
    pub fn occupies_seats(self) -> bool {
        Self::SEAT_HOLDING.contains(&self)
    }

    /// Not decided yet: one of [`BookingStatus::IN_FLIGHT`].
    pub fn in_flight(self) -> bool {
        Self::IN_FLIGHT.contains(&self)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Cancelled | Self::Rejected | Self::Expired | Self::Failed
        )
    }
}

/// What happens to a booking, as the Booking workflow observes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingEvent {
    /// the seats are held
    SeatsHeld,
    /// no seat left (or the workspace refused the slot)
    NoSeat,
    /// no seat left, and the member asked to wait for one
    Waitlisted,
    /// the provider wants the member to authenticate (3-D Secure)
    PaymentNeedsAction,
    /// the authorization was captured: the booking is paid
    PaymentCaptured,
    /// the card was declined or authentication failed
    PaymentDeclined,
    /// the hold ran out before the payment was confirmed, or the slot started while waitlisted
    HoldExpired,
    /// a dependency (provider, database) gave up after its retry budget
    DependencyGaveUp,
    /// the member, an admin or an operator cancelled
    Cancelled,
    /// the slot is over
    Ended,
}

/// A transition the table does not allow (e.g. a late cancel after completion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a booking that is {from:?} cannot take {event:?}")]
pub struct InvalidTransition {
    pub from: BookingStatus,
    pub event: BookingEvent,
}

/// The transition table.
pub fn next(from: BookingStatus, event: BookingEvent) -> Result<BookingStatus, InvalidTransition> {
    use BookingEvent as E;
    use BookingStatus as S;
    let to = match (from, event) {
        (S::Pending | S::Waitlisted, E::SeatsHeld) => S::Held,
        (S::Pending, E::NoSeat) => S::Rejected,
        (S::Pending, E::Waitlisted) => S::Waitlisted,
        (S::Waitlisted, E::HoldExpired) => S::Expired,
        (S::Held, E::PaymentNeedsAction) => S::AwaitingPayment,
        (S::Held | S::AwaitingPayment, E::PaymentCaptured) => S::Confirmed,
        (S::Held | S::AwaitingPayment, E::PaymentDeclined) => S::Failed,
        (S::AwaitingPayment, E::HoldExpired) => S::Expired,
        (S::Pending | S::Waitlisted | S::Held | S::AwaitingPayment, E::DependencyGaveUp) => {
            S::Failed
        }
        (
            S::Pending | S::Waitlisted | S::Held | S::AwaitingPayment | S::Confirmed,
            E::Cancelled,
        ) => S::Cancelled,
        (S::Confirmed, E::Ended) => S::Completed,
        _ => return Err(InvalidTransition { from, event }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_arm_of_the_table() {
        use BookingEvent as E;
        use BookingStatus as S;
        let allowed = [
            (S::Pending, E::SeatsHeld, S::Held),
            (S::Pending, E::NoSeat, S::Rejected),
            (S::Pending, E::Waitlisted, S::Waitlisted),
            (S::Waitlisted, E::SeatsHeld, S::Held),
            (S::Waitlisted, E::HoldExpired, S::Expired),
            (S::Waitlisted, E::DependencyGaveUp, S::Failed),
            (S::Waitlisted, E::Cancelled, S::Cancelled),
            (S::Held, E::PaymentNeedsAction, S::AwaitingPayment),
            (S::Held, E::PaymentCaptured, S::Confirmed),
            (S::AwaitingPayment, E::PaymentCaptured, S::Confirmed),
            (S::Held, E::PaymentDeclined, S::Failed),
            (S::AwaitingPayment, E::PaymentDeclined, S::Failed),
            (S::AwaitingPayment, E::HoldExpired, S::Expired),
            (S::Pending, E::DependencyGaveUp, S::Failed),
            (S::Held, E::DependencyGaveUp, S::Failed),
            (S::AwaitingPayment, E::DependencyGaveUp, S::Failed),
            (S::Pending, E::Cancelled, S::Cancelled),
            (S::Held, E::Cancelled, S::Cancelled),
            (S::AwaitingPayment, E::Cancelled, S::Cancelled),
            (S::Confirmed, E::Cancelled, S::Cancelled),
            (S::Confirmed, E::Ended, S::Completed),
        ];
        let events = [
            E::SeatsHeld,
            E::NoSeat,
            E::Waitlisted,
            E::PaymentNeedsAction,
            E::PaymentCaptured,
            E::PaymentDeclined,
            E::HoldExpired,
            E::DependencyGaveUp,
            E::Cancelled,
            E::Ended,
        ];
        for from in BookingStatus::ALL {
            for event in events {
                let want = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, t)| *t);
                assert_eq!(next(from, event).ok(), want, "{from:?} + {event:?}");
            }
        }
    }

    #[test]
    fn a_late_cancel_after_the_end_is_refused_and_final_states_stay_final() {
        assert!(next(BookingStatus::Completed, BookingEvent::Cancelled).is_err());
        for s in BookingStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(next(s, BookingEvent::Cancelled).is_err(), "{s:?}");
        }
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json_name(s), s.as_str());
        }
    }

    fn serde_json_name(s: BookingStatus) -> String {
        // serde's snake_case and as_str must agree: the store and the API use one spelling
        format!("{s:?}").chars().fold(String::new(), |mut acc, c| {
            if c.is_uppercase() && !acc.is_empty() {
                acc.push('_');
            }
            acc.push(c.to_ascii_lowercase());
            acc
        })
    }

    #[test]
    fn final_states_free_their_seats_and_the_others_hold_them() {
        for s in BookingStatus::ALL {
            // a waitlisted booking is open but holds no seat until it is served
            let waiting = s == BookingStatus::Waitlisted;
            assert_eq!(s.occupies_seats(), !s.is_final() && !waiting, "{s:?}");
            assert_eq!(BookingStatus::OPEN.contains(&s), !s.is_final(), "{s:?}");
        }
    }

    #[test]
    fn in_flight_is_seat_holding_until_the_payment_settles() {
        use BookingEvent as E;
        for s in BookingStatus::ALL {
            // a booking in flight holds its seats; confirmed is the one seat-holding status
            // whose flow has decided
            assert_eq!(
                s.in_flight(),
                s.occupies_seats() && s != BookingStatus::Confirmed,
                "{s:?}"
            );
            // in flight (or waiting for a seat) means a dependency giving up can still fail it
            assert_eq!(
                s.in_flight() || s == BookingStatus::Waitlisted,
                next(s, E::DependencyGaveUp) == Ok(BookingStatus::Failed),
                "{s:?}"
            );
        }
    }

    #[test]
    fn the_status_lists_hold_each_status_once() {
        for list in [
            &BookingStatus::ALL[..],
            &BookingStatus::SEAT_HOLDING[..],
            &BookingStatus::IN_FLIGHT[..],
        ] {
            let mut seen = std::collections::HashSet::new();
            assert!(list.iter().all(|s| seen.insert(*s)), "{list:?}");
        }
    }
}
