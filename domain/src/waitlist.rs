//! The waitlist's rule: when seats free up in a workspace, which of the bookings waiting for it
//! are served now. Pure: the caller (the object that owns the workspace's queue) gives the queue
//! in creation order, the seat-holding bookings and the capacity, and carries out the answer.
//!
//! Fairness: first come, first served, without letting a large request block everyone behind
//! it. A round walks the queue in creation order and serves each waiter whose whole slot has
//! room for its seats, counting the seats given earlier in the same round. A waiter that does
//! not fit is *passed over* and the walk goes on, so smaller requests behind it are served.
//! Once a waiter has been passed over [`MAX_PASSED_OVER`] times, it *reserves*: from then on no
//! waiter behind it whose slot overlaps its own is served before it, so the seats that free up
//! next accumulate for it instead of going to a stream of smaller requests. Waiters whose slots
//! do not overlap it are not held up.

use crate::availability::{Occupied, peak_seats};
use crate::slot::TimeSlot;

/// Rounds a waiter may be passed over before it reserves the seats freeing up in its slot.
pub const MAX_PASSED_OVER: u32 = 3;

/// A booking waiting for seats, as the queue keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiter {
    pub booking_id: String,
    pub slot: TimeSlot,
    pub seats: i64,
    /// rounds in which seats freed up for its slot and it did not fit
    pub passed_over: u32,
}

/// What one round decides.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// served now, in queue order: each is held, charged and confirmed like a new booking
    pub served: Vec<String>,
    /// did not fit while others could be considered: their `passed_over` grows by one
    pub passed_over: Vec<String>,
}

/// One round over `queue` (creation order) with `occupied` seats held and `capacity` seats in
/// the workspace. Waiters held back behind a reserving waiter are neither served nor passed
/// over: their count does not grow while they are not the reason for the wait.
pub fn serve(queue: &[Waiter], occupied: &[Occupied], capacity: i64) -> Round {
    let mut held: Vec<Occupied> = occupied.to_vec();
    let mut reserved: Vec<TimeSlot> = Vec::new();
    let mut round = Round::default();
    for w in queue {
        if reserved.iter().any(|r| r.overlaps(&w.slot)) {
            continue;
        }
        if peak_seats(w.slot, &held) + w.seats <= capacity {
            held.push(Occupied {
                slot: w.slot,
                seats: w.seats,
            });
            round.served.push(w.booking_id.clone());
        } else {
            if w.passed_over >= MAX_PASSED_OVER {
                reserved.push(w.slot);
            }
            round.passed_over.push(w.booking_id.clone());
        }
    }
    round
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    /// The slot from `from` to `to` o'clock on one day.
    fn hours(from: u32, to: u32) -> TimeSlot {
        let at = |h| Utc.with_ymd_and_hms(2031, 3, 3, h, 0, 0).unwrap();
        TimeSlot::new(at(from), at(to)).unwrap()
    }

    fn waiter(id: &str, slot: TimeSlot, seats: i64, passed_over: u32) -> Waiter {
        Waiter {
            booking_id: id.into(),
            slot,
            seats,
            passed_over,
        }
    }

    fn held(slot: TimeSlot, seats: i64) -> Occupied {
        Occupied { slot, seats }
    }

    #[test]
    fn one_freed_seat_goes_to_the_first_waiter_only() {
        let queue = [
            waiter("a", hours(9, 11), 1, 0),
            waiter("b", hours(9, 11), 1, 0),
        ];
        let r = serve(&queue, &[held(hours(9, 11), 1)], 2);
        assert_eq!(r.served, ["a"]);
        assert_eq!(r.passed_over, ["b"]);
    }

    #[test]
    fn a_large_request_that_does_not_fit_lets_smaller_ones_behind_it_through() {
        let queue = [
            waiter("big", hours(9, 11), 3, 0),
            waiter("small", hours(9, 11), 1, 0),
        ];
        let r = serve(&queue, &[held(hours(9, 11), 2)], 4);
        assert_eq!(r.served, ["small"]);
        assert_eq!(r.passed_over, ["big"]);
    }

    #[test]
    fn passed_over_often_enough_a_waiter_reserves_its_slot() {
        let queue = [
            waiter("big", hours(9, 11), 3, MAX_PASSED_OVER),
            waiter("overlapping", hours(10, 12), 1, 0),
            waiter("elsewhen", hours(13, 14), 1, 0),
        ];
        let r = serve(&queue, &[held(hours(9, 11), 2)], 4);
        assert_eq!(
            r.served,
            ["elsewhen"],
            "the overlapping small one waits for the big one; another slot does not"
        );
        assert_eq!(r.passed_over, ["big"]);
        // the next seat that frees up makes room for the big one first
        let r = serve(&queue, &[held(hours(9, 11), 1)], 4);
        assert_eq!(r.served, ["big", "elsewhen"]);
        assert_eq!(r.passed_over, ["overlapping"], "the big one took the seats");
    }

    #[test]
    fn seats_given_in_a_round_count_for_the_waiters_after_them() {
        let queue = [
            waiter("a", hours(9, 10), 2, 0),
            waiter("b", hours(9, 12), 1, 0),
            waiter("c", hours(11, 12), 2, 0),
        ];
        let r = serve(&queue, &[], 2);
        assert_eq!(r.served, ["a", "c"], "b overlaps both and finds no seat");
        assert_eq!(r.passed_over, ["b"]);
    }

    #[test]
    fn half_open_slots_back_to_back_do_not_compete() {
        let queue = [waiter("after", hours(11, 12), 1, 0)];
        let r = serve(&queue, &[held(hours(9, 11), 1)], 1);
        assert_eq!(r.served, ["after"]);
    }
}
