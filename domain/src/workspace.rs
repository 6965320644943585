//! A new workspace as an admin describes it, validated field by field before anything is written.

use crate::limits::{MAX_HOURLY_RATE_CENTS, MAX_NAME_CHARS};
use crate::{DomainError, hours::OpeningHours, money::Currency, password::parse_name};
use chrono_tz::Tz;

/// The most seats one workspace may offer; larger numbers are almost certainly typos.
pub const MAX_CAPACITY: i64 = 10_000;

/// A workspace that passed every rule: a name, a location, a known timezone, at least one seat,
/// a non-negative hourly rate in a known currency and non-empty opening hours.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkspace {
    pub name: String,
    pub location: String,
    pub timezone: Tz,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: Currency,
    pub hours: OpeningHours,
}

/// The raw fields of `Workspaces/create`, as they arrive.
pub struct WorkspaceInput<'a> {
    pub name: &'a str,
    pub location: &'a str,
    pub timezone: &'a str,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: &'a str,
    pub opens_at: &'a str,
    pub closes_at: &'a str,
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
        if i.capacity < 1 {
            return Err(DomainError::CapacityTooSmall(i.capacity));
        }
        if i.capacity > MAX_CAPACITY {
            return Err(DomainError::CapacityTooLarge(i.capacity));
        }
        if !(0..=MAX_HOURLY_RATE_CENTS).contains(&i.hourly_rate_cents) {
            return Err(DomainError::RateOutOfRange(i.hourly_rate_cents));
        }
        let currency = Currency::parse(i.currency)?;
        let hours = OpeningHours::parse(i.opens_at, i.closes_at)?;
        Ok(NewWorkspace {
            name,
            location,
            timezone,
            capacity: i.capacity,
            hourly_rate_cents: i.hourly_rate_cents,
            currency,
            hours,
        })
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
            opens_at: "08:00",
            closes_at: "20:00",
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
                    opens_at: "20:00",
                    closes_at: "08:00",
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
}
