//! What a booking costs and whether its slot is one a workspace can sell.

use crate::schedule::{Day, Schedule, day_name};
use crate::{DomainError, slot::TimeSlot};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// The default shortest and longest bookable slot.
pub const MIN_SLOT_MINUTES: i64 = 15;
pub const MAX_SLOT_HOURS: i64 = 12;

/// How short and how long a slot may be (configurable: tests use slots of seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotRules {
    pub min: Duration,
    pub max: Duration,
}

impl Default for SlotRules {
    fn default() -> Self {
        SlotRules {
            min: Duration::minutes(MIN_SLOT_MINUTES),
            max: Duration::hours(MAX_SLOT_HOURS),
        }
    }
}
/// The most seats one booking may take.
pub const MAX_SEATS: i64 = 50;

/// A slot request that passed the workspace's rules, with its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub slot: TimeSlot,
    pub seats: i64,
    pub amount_cents: i64,
}

/// Checks the slot against the rules (not in the past, 15 min to 12 h by default, inside one
/// day's opening hours in the workspace's timezone, not on a closed weekday or a closure date,
/// 1..=capacity seats) and prices it: hourly rate x seats x
/// hours, rounded up to the next minor unit.
#[allow(clippy::too_many_arguments)]
pub fn quote(
    rules: SlotRules,
    slot: TimeSlot,
    seats: i64,
    now: DateTime<Utc>,
    schedule: &Schedule,
    tz: Tz,
    capacity: i64,
    hourly_rate_cents: i64,
) -> Result<Quote, DomainError> {
    if seats < 1 || seats > MAX_SEATS.min(capacity) {
        return Err(DomainError::BadSeats {
            seats,
            max: MAX_SEATS.min(capacity),
        });
    }
    if slot.starts_at < now {
        return Err(DomainError::SlotInPast);
    }
    let len = slot.ends_at - slot.starts_at;
    if len < rules.min || len > rules.max {
        return Err(DomainError::SlotLength {
            min_secs: rules.min.num_seconds(),
            max_secs: rules.max.num_seconds(),
        });
    }
    open_for(schedule, tz, slot)?;
    Ok(Quote {
        slot,
        seats,
        amount_cents: price_cents(hourly_rate_cents, len.num_milliseconds(), seats)?,
    })
}

/// The slot lies inside the open time of the local day it starts on; a closed day is refused
/// naming the day, a slot outside that day's hours naming the hours.
pub fn open_for(schedule: &Schedule, tz: Tz, slot: TimeSlot) -> Result<(), DomainError> {
    let day = slot.starts_at.with_timezone(&tz).date_naive();
    let hours = match schedule.on(day) {
        Day::Open(h) => h,
        Day::ClosedWeekday => return Err(DomainError::ClosedWeekday { day: day_name(day) }),
        Day::Closure => return Err(DomainError::ClosureDate { day: day_name(day) }),
    };
    match schedule.open_slot(day, tz) {
        Some(open) if slot.starts_at >= open.starts_at && slot.ends_at <= open.ends_at => Ok(()),
        _ => Err(DomainError::OutsideOpeningHours {
            opens: hours.opens_str(),
            closes: hours.closes_str(),
            tz: tz.name().to_string(),
        }),
    }
}

/// Hourly rate x seats x hours, rounded up to the next minor unit, in checked arithmetic: a
/// price that does not fit the 64 bits money is stored in is refused, never wrapped. The
/// product is taken in 128 bits, where rate (< 2^63) x milliseconds (< 2^63) x seats cannot
/// overflow for any seats the rules allow.
pub fn price_cents(hourly_rate_cents: i64, millis: i64, seats: i64) -> Result<i64, DomainError> {
    if hourly_rate_cents < 0 {
        return Err(DomainError::NegativeRate(hourly_rate_cents));
    }
    let product = (hourly_rate_cents as i128)
        .checked_mul(millis.max(0) as i128)
        .and_then(|p| p.checked_mul(seats.max(0) as i128))
        .ok_or(DomainError::PriceTooLarge)?;
    // non-negative, so adding the divisor minus one rounds up
    let amount = (product + 3_599_999) / 3_600_000;
    i64::try_from(amount).map_err(|_| DomainError::PriceTooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::OpeningHours;
    use crate::schedule::{WeekSpec, parse_closures};
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 3, h, m, 0).unwrap()
    }

    fn daily() -> Schedule {
        Schedule::daily(OpeningHours::parse("08:00", "20:00").unwrap())
    }

    fn q(start: DateTime<Utc>, end: DateTime<Utc>, seats: i64) -> Result<Quote, DomainError> {
        quote(
            SlotRules::default(),
            TimeSlot::new(start, end).unwrap(),
            seats,
            at(0, 0),
            &daily(),
            chrono_tz::UTC,
            4,
            1500,
        )
    }

    #[test]
    fn price_is_rate_times_seats_times_hours_rounded_up() {
        assert_eq!(q(at(9, 0), at(11, 0), 2).unwrap().amount_cents, 6000);
        assert_eq!(q(at(9, 0), at(9, 20), 1).unwrap().amount_cents, 500);
        // 1500 * 17/60 = 425
        assert_eq!(q(at(9, 0), at(9, 17), 1).unwrap().amount_cents, 425);
    }

    #[test]
    fn a_price_that_does_not_fit_is_refused_not_wrapped() {
        // an hourly rate near i64::MAX for three hours used to wrap to a negative price
        assert_eq!(
            price_cents(i64::MAX / 2, 3 * 3_600_000, 1),
            Err(DomainError::PriceTooLarge)
        );
        assert_eq!(
            price_cents(i64::MAX, i64::MAX, MAX_SEATS),
            Err(DomainError::PriceTooLarge)
        );
        assert_eq!(price_cents(0, 3_600_000, 3), Ok(0));
        assert!(price_cents(-1, 3_600_000, 1).is_err());
    }

    proptest::proptest! {
        /// Over the whole range the Limits allow (rate 0..=10,000,000, 1..=50 seats, up to the
        /// longest slot), the price is exact: never negative, never wrapped, and the smallest
        /// whole amount not below rate x seats x hours.
        #[test]
        fn the_quote_is_exact_over_the_allowed_range(
            rate in 0i64..=10_000_000,
            seats in 1i64..=MAX_SEATS,
            minutes in MIN_SLOT_MINUTES..=MAX_SLOT_HOURS * 60,
        ) {
            let ms = minutes * 60_000;
            let p = price_cents(rate, ms, seats).unwrap();
            let exact = rate as i128 * ms as i128 * seats as i128;
            proptest::prop_assert!(p >= 0);
            proptest::prop_assert!(p as i128 * 3_600_000 >= exact);
            proptest::prop_assert!((p as i128 - 1) * 3_600_000 < exact || p == 0);
        }
    }

    #[test]
    fn slots_outside_the_rules_are_refused() {
        assert_eq!(
            q(at(7, 0), at(9, 0), 1),
            Err(DomainError::OutsideOpeningHours {
                opens: "08:00".into(),
                closes: "20:00".into(),
                tz: "UTC".into()
            })
        );
        assert!(matches!(
            q(at(19, 0), at(21, 0), 1),
            Err(DomainError::OutsideOpeningHours { .. })
        ));
        assert!(matches!(
            q(at(9, 0), at(9, 10), 1),
            Err(DomainError::SlotLength { .. })
        ));
        assert!(matches!(
            q(at(9, 0), at(10, 0), 0),
            Err(DomainError::BadSeats { .. })
        ));
        assert!(matches!(
            q(at(9, 0), at(10, 0), 5),
            Err(DomainError::BadSeats { max: 4, .. })
        ));
        let past = quote(
            SlotRules::default(),
            TimeSlot::new(at(9, 0), at(10, 0)).unwrap(),
            1,
            at(9, 30),
            &daily(),
            chrono_tz::UTC,
            4,
            1500,
        );
        assert_eq!(past, Err(DomainError::SlotInPast));
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn berlin(schedule: &Schedule, from: &str, to: &str) -> Result<(), DomainError> {
        let slot = TimeSlot::new(utc(from), utc(to)).unwrap();
        open_for(schedule, chrono_tz::Europe::Berlin, slot)
    }

    #[test]
    fn a_closed_weekday_and_a_closure_date_are_refused_naming_the_day() {
        let h = Some(vec!["08:00".to_string(), "20:00".to_string()]);
        let s = Schedule::weekly(&WeekSpec {
            mon: h.clone(),
            tue: h.clone(),
            wed: h.clone(),
            thu: h.clone(),
            fri: h.clone(),
            sat: h,
            sun: None,
        })
        .unwrap()
        .with_closures(parse_closures(&["2031-12-24".into()]).unwrap());
        let sunday = berlin(&s, "2031-12-21T09:00:00+01:00", "2031-12-21T10:00:00+01:00");
        assert_eq!(
            sunday.unwrap_err().to_string(),
            "the workspace is closed on Sunday 2031-12-21"
        );
        let eve = berlin(&s, "2031-12-24T09:00:00+01:00", "2031-12-24T10:00:00+01:00");
        assert_eq!(
            eve.unwrap_err().to_string(),
            "the workspace is closed on Wednesday 2031-12-24 (a closure date)"
        );
        assert_eq!(
            berlin(&s, "2031-12-23T09:00:00+01:00", "2031-12-23T10:00:00+01:00"),
            Ok(())
        );
        assert!(matches!(
            berlin(&s, "2031-12-23T19:30:00+01:00", "2031-12-23T20:30:00+01:00"),
            Err(DomainError::OutsideOpeningHours { .. })
        ));
    }

    #[test]
    fn the_spring_forward_day_books_from_the_first_valid_instant() {
        let s = Schedule::daily(OpeningHours::parse("02:30", "20:00").unwrap());
        // 03:00 CEST is the first instant of 2031-03-30 at or after 02:30
        assert_eq!(
            berlin(&s, "2031-03-30T03:00:00+02:00", "2031-03-30T04:00:00+02:00"),
            Ok(())
        );
        // 01:30 CET (before the gap) is before the opening
        assert!(berlin(&s, "2031-03-30T01:30:00+01:00", "2031-03-30T03:30:00+02:00").is_err());
        assert_eq!(
            berlin(&s, "2031-03-30T19:00:00+02:00", "2031-03-30T20:00:00+02:00"),
            Ok(())
        );
    }

    #[test]
    fn the_fall_back_day_books_its_real_hours() {
        let s = Schedule::daily(OpeningHours::parse("02:30", "20:00").unwrap());
        // the first 02:30 (CEST) opens the day; both 02:30s are inside it
        assert_eq!(
            berlin(&s, "2031-10-26T02:30:00+02:00", "2031-10-26T03:30:00+01:00"),
            Ok(())
        );
        // 12 h is the longest slot: from 08:00 CET that is 20:00 CET, the closing
        let q = quote(
            SlotRules::default(),
            TimeSlot::new(
                utc("2031-10-26T02:30:00+02:00"),
                utc("2031-10-26T02:30:00+01:00"),
            )
            .unwrap(),
            1,
            at(0, 0),
            &s,
            chrono_tz::Europe::Berlin,
            4,
            1500,
        )
        .unwrap();
        // two wall-clock 02:30s, one real hour apart: priced as the hour that passed
        assert_eq!(q.amount_cents, 1500);
        assert!(berlin(&s, "2031-10-26T19:30:00+01:00", "2031-10-26T20:30:00+01:00").is_err());
    }
}
