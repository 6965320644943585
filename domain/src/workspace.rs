//! A new workspace as an admin describes it, validated field by field before anything is written.

use crate::limits::{MAX_HOURLY_RATE_CENTS, MAX_NAME_CHARS};
use crate::schedule::{Schedule, WeekSpec, parse_closures};
use crate::{DomainError, hours::OpeningHours, money::Currency, password::parse_name};
use chrono_tz::Tz;

/// The most seats one workspace may offer; larger numbers are almost certainly typos.
pub const MAX_CAPACITY: i64 = 10_000;

/// A workspace that passed every rule: a name, a location, a known timezone, at least one seat,
/// a non-negative hourly rate in a known currency, and when it is open (every day's hours are
/// non-empty, at least one day is open).
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkspace {
    pub name: String,
    pub location: String,
    pub timezone: Tz,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: Currency,
    pub schedule: Schedule,
}

/// The raw fields of `Workspaces/create`, as they arrive.
pub struct WorkspaceInput<'a> {
    pub name: &'a str,
    pub location: &'a str,
    pub timezone: &'a str,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: &'a str,
    pub opens_at: Option<&'a str>,
    pub closes_at: Option<&'a str>,
    pub hours: Option<&'a WeekSpec>,
    pub closures: Option<&'a [String]>,
}

/// Parses a timezone name such as `Europe/Berlin`.
pub fn parse_timezone(raw: &str) -> Result<Tz, DomainError> {
    raw.trim()
        .parse::<Tz>()
        .map_err(|_| DomainError::UnknownTimezone(raw.to_string()))
}

impl NewWorkspace {
    pub fn parse(i: WorkspaceInput<'_>) -> Result<Self, DomainError> {
        let name = parse_name("name", i.name, MAX_NAME_CHARS)?;
        let location = parse_name("location", i.location, MAX_NAME_CHARS)?;
        let timezone = parse_timezone(i.timezone)?;
        check_capacity(i.capacity)?;
        check_rate(i.hourly_rate_cents)?;
        let currency = Currency::parse(i.currency)?;
        let schedule = parse_hours(i.opens_at, i.closes_at, i.hours)?.ok_or_else(|| {
            DomainError::field(
                "hours".into(),
                "give opens_at and closes_at (every day) or hours (per weekday)",
            )
        })?;
        let closures = parse_closures(i.closures.unwrap_or_default())?;
        Ok(NewWorkspace {
            name,
            location,
            timezone,
            capacity: i.capacity,
            hourly_rate_cents: i.hourly_rate_cents,
            currency,
            schedule: schedule.with_closures(closures),
        })
    }
}

/// 1 to [`MAX_CAPACITY`] seats.
pub fn check_capacity(capacity: i64) -> Result<i64, DomainError> {
    if capacity < 1 {
        return Err(DomainError::CapacityTooSmall(capacity));
    }
    if capacity > MAX_CAPACITY {
        return Err(DomainError::CapacityTooLarge(capacity));
    }
    Ok(capacity)
}

/// 0 (free) to [`MAX_HOURLY_RATE_CENTS`] per seat-hour.
pub fn check_rate(hourly_rate_cents: i64) -> Result<i64, DomainError> {
    if !(0..=MAX_HOURLY_RATE_CENTS).contains(&hourly_rate_cents) {
        return Err(DomainError::RateOutOfRange(hourly_rate_cents));
    }
    Ok(hourly_rate_cents)
}

/// The opening hours a request gives, in either form: `opens_at` and `closes_at` together
/// (every day) or `hours` (per weekday), never both. `None` when it gives neither (an update
/// that leaves the hours alone); the closures are not part of it.
pub fn parse_hours(
    opens_at: Option<&str>,
    closes_at: Option<&str>,
    hours: Option<&WeekSpec>,
) -> Result<Option<Schedule>, DomainError> {
    match (opens_at, closes_at, hours) {
        (None, None, None) => Ok(None),
        (None, None, Some(week)) => Schedule::weekly(week).map(Some),
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => Err(DomainError::field(
            "hours".into(),
            "give either hours or opens_at/closes_at, not both",
        )),
        (Some(o), Some(c), None) => Ok(Some(Schedule::daily(OpeningHours::parse(o, c)?))),
        (Some(_), None, None) => Err(DomainError::Empty { field: "closes_at" }),
        (None, Some(_), None) => Err(DomainError::Empty { field: "opens_at" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> WorkspaceInput<'static> {
        WorkspaceInput {
            name: "Harbour Loft",
            location: "Hamburg",
            timezone: "Europe/Berlin",
            capacity: 10,
            hourly_rate_cents: 1500,
            currency: "EUR",
            opens_at: Some("08:00"),
            closes_at: Some("20:00"),
            hours: None,
            closures: None,
        }
    }

    #[test]
    fn a_complete_workspace_parses() {
        let w = NewWorkspace::parse(input()).unwrap();
        assert_eq!(w.capacity, 10);
        assert_eq!(w.currency.as_str(), "EUR");
    }

    const LONG_LOCATION: &str = concat!(
        "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
        "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
        "x"
    );

    #[test]
    fn a_free_workspace_and_the_largest_rate_are_accepted() {
        for rate in [0, 10_000_000] {
            let w = NewWorkspace::parse(WorkspaceInput {
                hourly_rate_cents: rate,
                ..input()
            });
            assert!(w.is_ok(), "{rate}: {w:?}");
        }
    }

    #[test]
    fn each_broken_field_is_named_in_the_error() {
        let cases: Vec<(WorkspaceInput<'static>, DomainError)> = vec![
            (
                WorkspaceInput {
                    capacity: 0,
                    ..input()
                },
                DomainError::CapacityTooSmall(0),
            ),
            (
                WorkspaceInput {
                    name: " ",
                    ..input()
                },
                DomainError::Empty { field: "name" },
            ),
            (
                WorkspaceInput {
                    currency: "ABC",
                    ..input()
                },
                DomainError::UnknownCurrency("ABC".into()),
            ),
            (
                WorkspaceInput {
                    timezone: "Mars/Base",
                    ..input()
                },
                DomainError::UnknownTimezone("Mars/Base".into()),
            ),
            (
                WorkspaceInput {
                    hourly_rate_cents: -1,
                    ..input()
                },
                DomainError::RateOutOfRange(-1),
            ),
            (
                WorkspaceInput {
                    hourly_rate_cents: 10_000_001,
                    ..input()
                },
                DomainError::RateOutOfRange(10_000_001),
            ),
            (
                WorkspaceInput {
                    location: LONG_LOCATION,
                    ..input()
                },
                DomainError::TooLong {
                    field: "location",
                    max: 200,
                },
            ),
            (
                WorkspaceInput {
                    opens_at: Some("20:00"),
                    closes_at: Some("08:00"),
                    ..input()
                },
                DomainError::ClosesBeforeOpens {
                    opens: "20:00".into(),
                    closes: "08:00".into(),
                },
            ),
        ];
        for (i, want) in cases {
            assert_eq!(NewWorkspace::parse(i), Err(want));
        }
    }

    #[test]
    fn hours_come_in_one_form_or_the_other() {
        let week = WeekSpec {
            mon: Some(vec!["09:00".into(), "17:00".into()]),
            ..WeekSpec::default()
        };
        let closures = vec!["2031-12-24".to_string()];
        let w = NewWorkspace::parse(WorkspaceInput {
            opens_at: None,
            closes_at: None,
            hours: Some(&week),
            closures: Some(&closures),
            ..input()
        })
        .unwrap();
        assert_eq!(w.schedule.spec(), week);
        assert_eq!(w.schedule.closure_strings(), closures);
        let both = NewWorkspace::parse(WorkspaceInput {
            hours: Some(&week),
            ..input()
        });
        assert!(matches!(both, Err(DomainError::Field { field, .. }) if field == "hours"));
        let neither = NewWorkspace::parse(WorkspaceInput {
            opens_at: None,
            closes_at: None,
            ..input()
        });
        assert!(matches!(neither, Err(DomainError::Field { field, .. }) if field == "hours"));
        assert_eq!(
            parse_hours(Some("08:00"), None, None),
            Err(DomainError::Empty { field: "closes_at" })
        );
        assert_eq!(parse_hours(None, None, None), Ok(None));
        let bad = vec!["2031-13-01".to_string()];
        let e = NewWorkspace::parse(WorkspaceInput {
            closures: Some(&bad),
            ..input()
        });
        assert!(matches!(e, Err(DomainError::Field { field, .. }) if field == "closures[0]"));
    }
}
