//! Whether sold seats fit a capacity: what `Workspaces/update` checks before it lowers one, so
//! its refusal can name the stretch of time that would be oversold and the seats held there.

use crate::availability::Occupied;
use crate::slot::TimeSlot;
use chrono::{DateTime, Utc};

/// A stretch of time over which the same number of seats is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub slot: TimeSlot,
    pub seats: i64,
}

/// The earliest stretch in which `bookings` hold more than `capacity` seats at once, or `None`
/// when they all fit. The stretch runs from one booking start or end to the next, so it is
/// exactly the time during which that many seats are held.
pub fn first_over_capacity(bookings: &[Occupied], capacity: i64) -> Option<Held> {
    let mut events: Vec<(DateTime<Utc>, i64)> = bookings
        .iter()
        .flat_map(|b| [(b.slot.starts_at, b.seats), (b.slot.ends_at, -b.seats)])
        .collect();
    // at equal instants ends (negative) come first: half-open slots do not collide
    events.sort_by_key(|&(t, d)| (t, d));
    let mut held = 0i64;
    for (i, &(t, d)) in events.iter().enumerate() {
        held += d;
        let Some(&(next, _)) = events.get(i + 1) else {
            break;
        };
        // once every change at `t` is counted, `held` lasts until `next`
        if next > t && held > capacity {
            return Some(Held {
                slot: TimeSlot {
                    starts_at: t,
                    ends_at: next,
                },
                seats: held,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2031, 3, 3, h, m, 0).unwrap()
    }

    fn b(from: (u32, u32), to: (u32, u32), seats: i64) -> Occupied {
        Occupied {
            slot: TimeSlot::new(at(from.0, from.1), at(to.0, to.1)).unwrap(),
            seats,
        }
    }

    #[test]
    fn bookings_that_fit_are_fine() {
        let all = [b((9, 0), (11, 0), 2), b((11, 0), (12, 0), 3)];
        assert_eq!(first_over_capacity(&all, 3), None);
        assert_eq!(first_over_capacity(&[], 1), None);
    }

    #[test]
    fn the_first_oversold_stretch_is_named_with_its_seats() {
        let all = [
            b((9, 0), (11, 0), 2),
            b((10, 0), (12, 0), 2),
            b((14, 0), (15, 0), 5),
        ];
        let held = first_over_capacity(&all, 3).unwrap();
        assert_eq!(held.slot, TimeSlot::new(at(10, 0), at(11, 0)).unwrap());
        assert_eq!(held.seats, 4);
        let held = first_over_capacity(&all, 4).unwrap();
        assert_eq!(
            (held.slot.starts_at, held.slot.ends_at, held.seats),
            (at(14, 0), at(15, 0), 5)
        );
    }

    #[test]
    fn a_booking_ending_as_another_starts_does_not_add_up() {
        let all = [b((9, 0), (10, 0), 2), b((10, 0), (11, 0), 2)];
        assert_eq!(first_over_capacity(&all, 2), None);
        // three starting at the same instant are counted together
        let same = [
            b((9, 0), (10, 0), 1),
            b((9, 0), (10, 0), 1),
            b((9, 0), (9, 30), 1),
        ];
        let held = first_over_capacity(&same, 2).unwrap();
        assert_eq!((held.slot.ends_at, held.seats), (at(9, 30), 3));
    }
}
