//! Free seats per interval: what `Workspaces/availability` answers. Pure: the caller loads the
//! workspace and the seat-holding bookings that overlap the window.

use crate::{DomainError, schedule::Schedule, slot::TimeSlot};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// The longest window one availability query may cover.
pub const MAX_WINDOW_DAYS: i64 = 31;

/// One interval of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSeats {
    pub slot: TimeSlot,
    pub free_seats: i64,
}

/// Seats held by one booking during its slot.
#[derive(Debug, Clone, Copy)]
pub struct Occupied {
    pub slot: TimeSlot,
    pub seats: i64,
}

impl Occupied {
    /// From a stored booking's `(starts, ends, seats)` in milliseconds; `None` when the stored
    /// times do not make a slot.
    pub fn from_millis(starts_ms: i64, ends_ms: i64, seats: i64) -> Option<Occupied> {
        Some(Occupied {
            slot: TimeSlot::from_millis(starts_ms, ends_ms)?,
            seats,
        })
    }
}

/// A report or availability window (`from`..`to`) of at most [`MAX_WINDOW_DAYS`].
pub fn check_window(window: &TimeSlot) -> Result<(), DomainError> {
    if window.ends_at - window.starts_at > Duration::days(MAX_WINDOW_DAYS) {
        return Err(DomainError::WindowTooLong {
            max_days: MAX_WINDOW_DAYS,
        });
    }
    Ok(())
}

/// Splits the open time inside `window` (closed weekdays and closure dates have none) into hour-long intervals (starting at opening time,
/// the last one possibly shorter) and gives the free seats of each: capacity minus the highest
/// number of seats held at any instant of the interval.
pub fn free_seats(
    capacity: i64,
    schedule: &Schedule,
    tz: Tz,
    window: TimeSlot,
    bookings: &[Occupied],
) -> Result<Vec<FreeSeats>, DomainError> {
    check_window(&window)?;
    let mut out = Vec::new();
    let first_day = window.starts_at.with_timezone(&tz).date_naive() - Duration::days(1);
    let last_day = window.ends_at.with_timezone(&tz).date_naive();
    let mut day = first_day;
    while day <= last_day {
        if let Some(open) = schedule.open_slot(day, tz) {
            let mut t = open.starts_at.max(window.starts_at);
            // align to the opening time's hour grid so intervals are the same every query
            let offset = (t - open.starts_at).num_seconds().rem_euclid(3600);
            if offset != 0 {
                t -= Duration::seconds(offset);
                t = t.max(window.starts_at);
            }
            let end = open.ends_at.min(window.ends_at);
            while t < end {
                let next_grid =
                    open.starts_at + Duration::hours((t - open.starts_at).num_hours() + 1);
                let e = next_grid.min(end);
                let slot = TimeSlot {
                    starts_at: t,
                    ends_at: e,
                };
                out.push(FreeSeats {
                    slot,
                    free_seats: capacity - peak_seats(slot, bookings),
                });
                t = e;
            }
        }
        day += Duration::days(1);
    }
    Ok(out)
}

/// The most seats held at one instant inside `slot` (a sweep over booking starts and ends).
pub fn peak_seats(slot: TimeSlot, bookings: &[Occupied]) -> i64 {
    let mut events: Vec<(DateTime<Utc>, i64)> = Vec::new();
    for b in bookings.iter().filter(|b| b.slot.overlaps(&slot)) {
        events.push((b.slot.starts_at.max(slot.starts_at), b.seats));
        events.push((b.slot.ends_at.min(slot.ends_at), -b.seats));
    }
    // at equal instants, ends (negative) come before starts: half-open slots do not collide
    events.sort_by_key(|&(t, d)| (t, d));
    let (mut cur, mut peak) = (0i64, 0i64);
    for (_, d) in events {
        cur += d;
        peak = peak.max(cur);
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::OpeningHours;
    use chrono::TimeZone;

    fn daily(opens: &str, closes: &str) -> Schedule {
        Schedule::daily(OpeningHours::parse(opens, closes).unwrap())
    }

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, d, h, m, 0).unwrap()
    }

    fn slot(a: DateTime<Utc>, b: DateTime<Utc>) -> TimeSlot {
        TimeSlot::new(a, b).unwrap()
    }

    #[test]
    fn a_stored_booking_becomes_an_occupied_slot_only_when_its_times_make_one() {
        let (a, b) = (at(1, 9, 0), at(1, 10, 0));
        let o = Occupied::from_millis(a.timestamp_millis(), b.timestamp_millis(), 3).unwrap();
        assert_eq!((o.slot, o.seats), (slot(a, b), 3));
        assert!(Occupied::from_millis(b.timestamp_millis(), a.timestamp_millis(), 3).is_none());
        assert!(Occupied::from_millis(a.timestamp_millis(), a.timestamp_millis(), 1).is_none());
    }

    #[test]
    fn a_day_is_split_into_hours_inside_opening_hours() {
        let hours = daily("08:00", "12:00");
        let r = free_seats(
            5,
            &hours,
            chrono_tz::UTC,
            slot(at(1, 0, 0), at(2, 0, 0)),
            &[],
        )
        .unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].slot, slot(at(1, 8, 0), at(1, 9, 0)));
        assert!(r.iter().all(|f| f.free_seats == 5));
    }

    #[test]
    fn bookings_reduce_free_seats_only_where_they_overlap() {
        let hours = daily("08:00", "12:00");
        let b = [
            Occupied {
                slot: slot(at(1, 9, 0), at(1, 10, 30)),
                seats: 2,
            },
            Occupied {
                slot: slot(at(1, 10, 30), at(1, 11, 0)),
                seats: 1,
            },
        ];
        let r = free_seats(
            5,
            &hours,
            chrono_tz::UTC,
            slot(at(1, 0, 0), at(2, 0, 0)),
            &b,
        )
        .unwrap();
        let free: Vec<i64> = r.iter().map(|f| f.free_seats).collect();
        // 10:00-11:00 holds 2 seats until 10:30 and 1 after: the peak is 2, not 3
        assert_eq!(free, vec![5, 3, 3, 5]);
    }

    #[test]
    fn opening_hours_follow_the_workspace_timezone() {
        let hours = daily("08:00", "09:00");
        let r = free_seats(
            1,
            &hours,
            chrono_tz::Europe::Berlin,
            slot(at(1, 0, 0), at(1, 23, 0)),
            &[],
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].slot.starts_at, at(1, 7, 0));
    }

    #[test]
    fn a_window_longer_than_a_month_is_refused() {
        let hours = daily("08:00", "09:00");
        let w = slot(at(1, 0, 0), at(1, 0, 0) + Duration::days(40));
        assert!(free_seats(1, &hours, chrono_tz::UTC, w, &[]).is_err());
    }

    #[test]
    fn a_closed_day_has_no_intervals() {
        use crate::schedule::WeekSpec;
        let s = Schedule::weekly(&WeekSpec {
            mon: Some(vec!["08:00".into(), "10:00".into()]),
            ..WeekSpec::default()
        })
        .unwrap();
        // 2031-03-02 is a Sunday, 2031-03-03 a Monday
        let sunday = slot(
            Utc.with_ymd_and_hms(2031, 3, 2, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2031, 3, 3, 0, 0, 0).unwrap(),
        );
        assert_eq!(
            free_seats(3, &s, chrono_tz::UTC, sunday, &[]).unwrap(),
            vec![]
        );
        let monday = slot(sunday.ends_at, sunday.ends_at + Duration::days(1));
        assert_eq!(
            free_seats(3, &s, chrono_tz::UTC, monday, &[])
                .unwrap()
                .len(),
            2
        );
    }
}
