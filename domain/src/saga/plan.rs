//! How a booking ends, as one pure function of how far it got and what ended it: the final
//! status, whether its seats and its payment must be unwound, what the business keeps, what
//! the member is told and how a waiting cancel is answered. The Booking workflow carries the
//! plan out and decides none of it, so every interleaving of progress, stop and provider state
//! is a unit test here instead of a journey against a running stack.

use super::stop::{Canceller, Stop, final_status, kept_at_cancel};
use crate::booking::{BookingEvent, BookingStatus, next};
use crate::refund::RefundPolicy;
use chrono::{DateTime, Utc};

/// How far a booking got: what the saga has set in motion, as it knows it. What the provider
/// really did with a payment is not part of it: that is asked when the payment is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// the status the booking has reached (pending, held, awaiting_payment or confirmed)
    pub status: BookingStatus,
    /// a hold was sent to the calendar: its seats may be taken, even if its answer never came
    pub hold_sent: bool,
    /// an authorization was sent to the payment: money may be authorized or captured at the
    /// provider, even if the saga never heard so
    pub payment_sent: bool,
    /// the booking reached `confirmed` (recorded, the member told)
    pub confirmed: bool,
}

/// What ended the saga.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// the slot is over: the booking ran its course
    SlotOver,
    /// the saga stopped before that
    Stopped(Stop),
}

/// What the business keeps of the booking's price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// nothing: captured money goes back, an authorization is voided
    Nothing,
    /// a confirmed booking cancelled by this canceller: what the refund policy does not give
    /// back at the moment the cancel is carried out (nothing unless the member cancelled late)
    AtCancel(Canceller),
    /// the whole price: the booking happened
    Everything,
}

impl Keep {
    /// Whether the amount depends on when the cancel is carried out: the flow then reads its
    /// (journaled) clock first. True for every canceller, so the journal of a cancelled
    /// confirmed booking has the same steps whoever cancelled it.
    pub fn needs_clock(self) -> bool {
        matches!(self, Keep::AtCancel(_))
    }

    /// The cents kept of `amount_cents` for a booking starting at `starts_at`, cancelled at
    /// `now`. Only [`Keep::AtCancel`] reads `now`; without it, it keeps nothing (a missing
    /// clock never charges the member).
    pub fn cents(
        self,
        amount_cents: i64,
        policy: &RefundPolicy,
        starts_at: DateTime<Utc>,
        now: Option<DateTime<Utc>>,
    ) -> i64 {
        match (self, now) {
            (Keep::Nothing, _) | (Keep::AtCancel(_), None) => 0,
            (Keep::AtCancel(by), Some(now)) => {
                kept_at_cancel(by, amount_cents, policy, starts_at, now)
            }
            (Keep::Everything, _) => amount_cents.max(0),
        }
    }
}

/// The amount the activity record of the end carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// what settling the payment refunded now
    RefundedNow,
    /// what the member paid in the end: captured minus refunded
    NetPaid,
}

/// How a cancel waiting on the booking (`Booking/{id}/cancel`) is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelAnswer {
    /// with the final status and what was refunded
    Resolve,
    /// refused (409) with this message: the booking ended otherwise
    Refuse(String),
}

/// How a booking ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub final_status: BookingStatus,
    /// the reason recorded on the booking and told to the member; `None` keeps the one it has
    pub reason: Option<String>,
    /// send `Calendar/release`: a hold was sent and the booking stopped early. A release runs
    /// after any hold still in flight, so it frees seats the saga never heard were taken. A
    /// completed booking frees its seats by its final status alone (no hold is in flight).
    pub release_seats: bool,
    /// send `Payment/settle`, which settles against the provider's current state
    /// ([`super::settle_action`]); not sent when no authorization ever was
    pub settle_payment: bool,
    /// what the business keeps (what `Payment/settle` is asked to retain)
    pub keep: Keep,
    /// the member is emailed how the booking ended (a completion sends none)
    pub email: bool,
    /// the amount the activity record carries
    pub recorded: Recorded,
    pub cancel: CancelAnswer,
}

impl Plan {
    /// The activity's (and the email's) kind: `booking_<final status>`.
    pub fn kind(&self) -> String {
        format!("booking_{}", self.final_status.as_str())
    }
}

/// The reason of a slot that ended before its booking was confirmed (the saga never gets
/// there: its forward path ends only after confirming; the plan is total all the same).
pub const UNCONFIRMED_END: &str = "the slot ended before the booking was confirmed";

/// The plan for a booking that got to `progress` and ended with `end`.
pub fn plan(progress: Progress, end: &End) -> Plan {
    match end {
        End::Stopped(stop) => {
            let keep = match stop {
                Stop::Cancelled { by, .. } if progress.confirmed => Keep::AtCancel(*by),
                _ => Keep::Nothing,
            };
            early(
                progress,
                final_status(progress.status, stop),
                stop.reason(),
                keep,
            )
        }
        End::SlotOver if progress.confirmed => Plan {
            final_status: next(progress.status, BookingEvent::Ended)
                .unwrap_or(BookingStatus::Completed),
            reason: None,
            release_seats: false,
            settle_payment: false,
            keep: Keep::Everything,
            email: false,
            recorded: Recorded::NetPaid,
            cancel: answer(BookingStatus::Completed),
        },
        End::SlotOver => early(
            progress,
            BookingStatus::Failed,
            UNCONFIRMED_END.into(),
            Keep::Nothing,
        ),
    }
}

/// A booking that ends before its slot did: whatever was set in motion is unwound.
fn early(progress: Progress, to: BookingStatus, reason: String, keep: Keep) -> Plan {
    Plan {
        final_status: to,
        reason: Some(reason),
        release_seats: progress.hold_sent,
        settle_payment: progress.payment_sent,
        keep,
        email: true,
        recorded: Recorded::RefundedNow,
        cancel: answer(to),
    }
}

fn answer(to: BookingStatus) -> CancelAnswer {
    if to == BookingStatus::Cancelled {
        CancelAnswer::Resolve
    } else {
        CancelAnswer::Refuse(no_longer(to, "cancelled"))
    }
}

/// The refusal of an order (`cancelled`, `rescheduled`) to a booking that is `status`: the one
/// wording of "too late" wherever a booking refuses one.
pub fn no_longer(status: BookingStatus, what: &str) -> String {
    format!(
        "the booking is {}: it can no longer be {what}",
        status.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus as S;
    use chrono::{Duration, TimeZone};

    fn at(status: S, hold_sent: bool, payment_sent: bool, confirmed: bool) -> Progress {
        Progress {
            status,
            hold_sent,
            payment_sent,
            confirmed,
        }
    }

    fn cancel(by: Canceller) -> End {
        End::Stopped(Stop::Cancelled {
            by,
            reason: "changed plans".into(),
        })
    }

    #[test]
    fn a_full_slot_is_rejected_and_its_hold_released_without_touching_money() {
        let p = plan(
            at(S::Pending, true, false, false),
            &End::Stopped(Stop::NoSeat("only 0 of 2 seats are free".into())),
        );
        assert_eq!(p.final_status, S::Rejected);
        assert_eq!(p.reason.as_deref(), Some("only 0 of 2 seats are free"));
        assert!(p.release_seats && !p.settle_payment);
        assert_eq!(p.keep, Keep::Nothing);
        assert_eq!(p.kind(), "booking_rejected");
        assert_eq!(
            p.cancel,
            CancelAnswer::Refuse("the booking is rejected: it can no longer be cancelled".into())
        );
    }

    #[test]
    fn a_request_refused_at_the_check_unwinds_nothing() {
        let p = plan(
            at(S::Pending, false, false, false),
            &End::Stopped(Stop::Invalid("the slot is in the past".into())),
        );
        assert_eq!(p.final_status, S::Rejected);
        assert!(!p.release_seats && !p.settle_payment);
        assert!(p.email);
    }

    #[test]
    fn a_declined_card_fails_and_unwinds_seats_and_payment() {
        let p = plan(
            at(S::Held, true, true, false),
            &End::Stopped(Stop::Declined("card_declined".into())),
        );
        assert_eq!(p.final_status, S::Failed);
        assert_eq!(p.reason.as_deref(), Some("payment declined: card_declined"));
        assert!(p.release_seats && p.settle_payment);
        assert_eq!(p.keep, Keep::Nothing);
    }

    #[test]
    fn an_expired_authentication_is_expired_and_keeps_nothing() {
        let p = plan(
            at(S::AwaitingPayment, true, true, false),
            &End::Stopped(Stop::hold_expired(600)),
        );
        assert_eq!(p.final_status, S::Expired);
        assert!(p.release_seats && p.settle_payment);
        assert_eq!(p.keep, Keep::Nothing);
        assert_eq!(p.recorded, Recorded::RefundedNow);
    }

    #[test]
    fn a_cancel_while_capturing_is_a_cancel_before_confirmation_and_keeps_nothing() {
        // the provider may have captured: the settle refunds it all, the saga's memory aside
        for by in [Canceller::Member, Canceller::Admin, Canceller::Operator] {
            let p = plan(at(S::Held, true, true, false), &cancel(by));
            assert_eq!(p.final_status, S::Cancelled);
            assert_eq!(p.cancel, CancelAnswer::Resolve);
            assert_eq!(p.keep, Keep::Nothing);
            assert!(!p.keep.needs_clock());
            assert!(p.settle_payment && p.release_seats);
        }
    }

    #[test]
    fn a_confirmed_booking_cancelled_keeps_what_the_policy_says_for_members_only() {
        let policy = RefundPolicy::default();
        let start = Utc.with_ymd_and_hms(2030, 6, 3, 9, 0, 0).unwrap();
        let late = Some(start - Duration::hours(2));
        let member = plan(
            at(S::Confirmed, true, true, true),
            &cancel(Canceller::Member),
        );
        assert_eq!(member.keep, Keep::AtCancel(Canceller::Member));
        assert!(member.keep.needs_clock());
        assert_eq!(member.keep.cents(1000, &policy, start, late), 500);
        assert_eq!(member.keep.cents(1000, &policy, start, None), 0);
        let admin = plan(
            at(S::Confirmed, true, true, true),
            &cancel(Canceller::Admin),
        );
        // the clock is read for an admin too (the journal's shape), and nothing is kept
        assert!(admin.keep.needs_clock());
        assert_eq!(admin.keep.cents(1000, &policy, start, late), 0);
    }

    #[test]
    fn a_free_confirmed_booking_cancelled_has_no_payment_to_settle() {
        let p = plan(
            at(S::Confirmed, true, false, true),
            &cancel(Canceller::Member),
        );
        assert_eq!(p.final_status, S::Cancelled);
        assert!(!p.settle_payment && p.release_seats);
    }

    #[test]
    fn a_failed_confirmation_write_fails_the_booking_and_refunds_in_full() {
        // the view moved to confirmed, its write gave up: never confirmed, nothing kept
        let p = plan(
            at(S::Confirmed, true, true, false),
            &End::Stopped(Stop::step_failed("record confirmed")),
        );
        assert_eq!(p.final_status, S::Failed);
        assert_eq!(p.keep, Keep::Nothing);
        assert!(p.settle_payment && p.release_seats);
    }

    #[test]
    fn the_end_of_the_slot_completes_and_unwinds_nothing() {
        let p = plan(at(S::Confirmed, true, true, true), &End::SlotOver);
        assert_eq!(p.final_status, S::Completed);
        assert_eq!(p.reason, None);
        assert!(!p.release_seats && !p.settle_payment && !p.email);
        assert_eq!(p.keep, Keep::Everything);
        assert_eq!(p.recorded, Recorded::NetPaid);
        assert_eq!(p.kind(), "booking_completed");
        assert_eq!(
            p.cancel,
            CancelAnswer::Refuse("the booking is completed: it can no longer be cancelled".into())
        );
    }

    #[test]
    fn a_slot_over_without_confirmation_fails_and_keeps_nothing() {
        let p = plan(at(S::Held, true, true, false), &End::SlotOver);
        assert_eq!(p.final_status, S::Failed);
        assert_eq!(p.reason.as_deref(), Some(UNCONFIRMED_END));
        assert!(p.release_seats && p.settle_payment);
        assert_eq!(p.keep, Keep::Nothing);
    }
}
