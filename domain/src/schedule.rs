//! When a workspace is open: a weekly schedule (hours per weekday, `None` for a closed day) and
//! closure dates, both in the workspace's own time zone. The old daily form (`opens_at` and
//! `closes_at` every day) is the schedule with the same hours on all seven days.
//!
//! Local wall-clock times become instants here, once, so bookings, availability and reports
//! agree about DST days: an opening time swallowed by a spring-forward gap opens at the first
//! valid instant after the gap; on a fall-back day an opening in the repeated hour is its
//! earlier occurrence and a closing its later one, so the day lasts the hours that really pass.

use crate::hours::OpeningHours;
use crate::{DomainError, slot::TimeSlot};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The most closure dates one workspace may list (a year's worth of days).
pub const MAX_CLOSURES: usize = 366;

/// The API's form of weekly hours: `{"mon":["08:00","20:00"],...,"sun":null}`. A missing or
/// `null` day is closed. It is also the stored form (a JSON text column).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WeekSpec {
    /// `["HH:MM","HH:MM"]`: local opening and closing time; `null` or absent: closed all day
    #[schemars(length(min = 2, max = 2))]
    pub mon: Option<Vec<String>>,
    /// as `mon`
    #[schemars(length(min = 2, max = 2))]
    pub tue: Option<Vec<String>>,
    /// as `mon`
    #[schemars(length(min = 2, max = 2))]
    pub wed: Option<Vec<String>>,
    /// as `mon`
    #[schemars(length(min = 2, max = 2))]
    pub thu: Option<Vec<String>>,
    /// as `mon`
    #[schemars(length(min = 2, max = 2))]
    pub fri: Option<Vec<String>>,
    /// as `mon`
    #[schemars(length(min = 2, max = 2))]
    pub sat: Option<Vec<String>>,
    /// as `mon`
    #[schemars(length(min = 2, max = 2))]
    pub sun: Option<Vec<String>>,
}

/// The short keys of [`WeekSpec`], Monday first (the index of [`Weekday::num_days_from_monday`]).
const KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeekSpec {
    fn days(&self) -> [&Option<Vec<String>>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    fn from_days(mut d: [Option<Vec<String>>; 7]) -> WeekSpec {
        let mut take = |i: usize| d[i].take();
        WeekSpec {
            mon: take(0),
            tue: take(1),
            wed: take(2),
            thu: take(3),
            fri: take(4),
            sat: take(5),
            sun: take(6),
        }
    }
}

/// What one local day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    Open(OpeningHours),
    /// the weekly schedule has no hours for this weekday
    ClosedWeekday,
    /// one of the workspace's closure dates
    Closure,
}

/// A validated weekly schedule plus closure dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    week: [Option<OpeningHours>; 7],
    closures: BTreeSet<NaiveDate>,
}

/// `"HH:MM"`-pair of one weekday, or an error naming `hours.<day>`.
fn parse_day(key: &str, raw: &[String]) -> Result<OpeningHours, DomainError> {
    let field = format!("hours.{key}");
    let [opens, closes] = raw else {
        return Err(DomainError::field(
            field,
            "expected [opens, closes], e.g. [\"08:00\", \"20:00\"], or null for closed",
        ));
    };
    OpeningHours::parse(opens, closes).map_err(|e| DomainError::field(field, e.to_string()))
}

/// Local dates `YYYY-MM-DD`, each a real date, at most [`MAX_CLOSURES`]; duplicates count once.
pub fn parse_closures(raw: &[String]) -> Result<BTreeSet<NaiveDate>, DomainError> {
    if raw.len() > MAX_CLOSURES {
        return Err(DomainError::field(
            "closures".into(),
            format!("at most {MAX_CLOSURES} dates (got {})", raw.len()),
        ));
    }
    raw.iter()
        .enumerate()
        .map(|(i, d)| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                DomainError::field(
                    format!("closures[{i}]"),
                    format!("{d:?} is not a date: expected YYYY-MM-DD, e.g. 2031-12-24"),
                )
            })
        })
        .collect()
}

impl Schedule {
    /// The old form: the same hours every day, no closures.
    pub fn daily(hours: OpeningHours) -> Schedule {
        Schedule {
            week: [Some(hours); 7],
            closures: BTreeSet::new(),
        }
    }

    /// Weekly hours from the API's form; at least one day must be open (a workspace open on
    /// no day could never be booked, which is what closing it is for).
    pub fn weekly(spec: &WeekSpec) -> Result<Schedule, DomainError> {
        let mut week = [None; 7];
        for (i, day) in spec.days().into_iter().enumerate() {
            if let Some(raw) = day {
                week[i] = Some(parse_day(KEYS[i], raw)?);
            }
        }
        if week.iter().all(Option::is_none) {
            return Err(DomainError::field(
                "hours".into(),
                "open on at least one day (every day is null)",
            ));
        }
        Ok(Schedule {
            week,
            closures: BTreeSet::new(),
        })
    }

    /// The same schedule with these closure dates instead of its own.
    pub fn with_closures(self, closures: BTreeSet<NaiveDate>) -> Schedule {
        Schedule { closures, ..self }
    }

    /// The hours of every weekday in the API's form (all seven keys, `null` when closed).
    pub fn spec(&self) -> WeekSpec {
        WeekSpec::from_days(
            self.week
                .map(|d| d.map(|h| vec![h.opens_str(), h.closes_str()])),
        )
    }

    /// The closure dates, in order.
    pub fn closures(&self) -> &BTreeSet<NaiveDate> {
        &self.closures
    }

    /// The closure dates, `YYYY-MM-DD`, in order.
    pub fn closure_strings(&self) -> Vec<String> {
        self.closures.iter().map(|d| d.to_string()).collect()
    }

    /// `Some(hours)` when every day has the same hours: the old daily form, stored as
    /// `opens_at`/`closes_at` alone.
    pub fn as_daily(&self) -> Option<OpeningHours> {
        let first = self.week[0]?;
        self.week.iter().all(|d| *d == Some(first)).then_some(first)
    }

    /// The earliest opening and the latest closing of the week: what the old `opens_at` and
    /// `closes_at` fields show for a weekly schedule (the exact hours are in `hours`).
    pub fn widest(&self) -> OpeningHours {
        let open = self.week.iter().flatten();
        let opens = open.clone().map(|h| h.opens).min();
        let closes = open.map(|h| h.closes).max();
        match (opens, closes) {
            (Some(opens), Some(closes)) => OpeningHours { opens, closes },
            // `weekly` and `daily` never build a schedule without an open day
            _ => unreachable!("a schedule has at least one open day"),
        }
    }

    /// What the local date `day` is.
    pub fn on(&self, day: NaiveDate) -> Day {
        if self.closures.contains(&day) {
            return Day::Closure;
        }
        match self.week[day.weekday().num_days_from_monday() as usize] {
            Some(h) => Day::Open(h),
            None => Day::ClosedWeekday,
        }
    }

    /// The open time of the local date `day` as instants; `None` when closed that day or when
    /// a time change swallows all of it.
    pub fn open_slot(&self, day: NaiveDate, tz: Tz) -> Option<TimeSlot> {
        let Day::Open(h) = self.on(day) else {
            return None;
        };
        let start = resolve(tz, day.and_time(h.opens), Edge::Opening)?;
        let end = resolve(tz, day.and_time(h.closes), Edge::Closing)?;
        TimeSlot::new(start, end).ok()
    }

    /// How long the workspace is open inside `window` (closed weekdays, closures and DST days
    /// as they really are): the basis of available seat-hours.
    pub fn open_within(&self, tz: Tz, window: TimeSlot) -> Duration {
        let mut total = Duration::zero();
        let mut day = window.starts_at.with_timezone(&tz).date_naive() - Duration::days(1);
        let last = window.ends_at.with_timezone(&tz).date_naive();
        while day <= last {
            if let Some(open) = self.open_slot(day, tz) {
                let (s, e) = (
                    open.starts_at.max(window.starts_at),
                    open.ends_at.min(window.ends_at),
                );
                if e > s {
                    total += e - s;
                }
            }
            day += Duration::days(1);
        }
        total
    }
}

/// Which end of the opening hours a local time is: decides the instant in a DST overlap.
#[derive(Debug, Clone, Copy)]
enum Edge {
    Opening,
    Closing,
}

/// The instant a local wall-clock time names in `tz`. Repeated (fall-back): the earlier for an
/// opening, the later for a closing. Skipped (spring-forward): the first instant after the gap,
/// found minute by minute (gaps are whole minutes; none lasts more than a day).
fn resolve(tz: Tz, local: NaiveDateTime, edge: Edge) -> Option<DateTime<Utc>> {
    for minutes in 0..=24 * 60 {
        let t = local + Duration::minutes(minutes);
        let found = tz.from_local_datetime(&t);
        let at = match edge {
            Edge::Opening => found.earliest(),
            Edge::Closing => found.latest(),
        };
        if let Some(at) = at {
            return Some(at.with_timezone(&Utc));
        }
    }
    None
}

/// `Sunday 2031-12-21`: how messages name a local day.
pub fn day_name(day: NaiveDate) -> String {
    day.format("%A %Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests;
