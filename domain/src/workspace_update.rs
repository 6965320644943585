//! What an admin asks to change about a workspace, validated field by field before anything
//! is written. Absent fields stay as they are; whether the new capacity fits the seats already
//! sold is decided against the database, in the same transaction as the write.

use crate::DomainError;
use crate::limits::MAX_NAME_CHARS;
use crate::password::parse_name;
use crate::schedule::{Schedule, WeekSpec, parse_closures};
use crate::workspace::{check_capacity, check_rate, parse_hours};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// The raw fields of `Workspaces/update`, as they arrive.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateInput<'a> {
    pub name: Option<&'a str>,
    pub location: Option<&'a str>,
    pub capacity: Option<i64>,
    pub hourly_rate_cents: Option<i64>,
    pub opens_at: Option<&'a str>,
    pub closes_at: Option<&'a str>,
    pub hours: Option<&'a WeekSpec>,
    pub closures: Option<&'a [String]>,
}

/// Changes that passed every rule; at least one field is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceChanges {
    pub name: Option<String>,
    pub location: Option<String>,
    pub capacity: Option<i64>,
    pub hourly_rate_cents: Option<i64>,
    /// the new weekly hours (without closures: those are `closures`)
    pub hours: Option<Schedule>,
    /// the new closure dates, replacing the old list
    pub closures: Option<BTreeSet<NaiveDate>>,
}

impl WorkspaceChanges {
    pub fn parse(i: UpdateInput<'_>) -> Result<Self, DomainError> {
        let changes = WorkspaceChanges {
            name: i
                .name
                .map(|n| parse_name("name", n, MAX_NAME_CHARS))
                .transpose()?,
            location: i
                .location
                .map(|l| parse_name("location", l, MAX_NAME_CHARS))
                .transpose()?,
            capacity: i.capacity.map(check_capacity).transpose()?,
            hourly_rate_cents: i.hourly_rate_cents.map(check_rate).transpose()?,
            hours: parse_hours(i.opens_at, i.closes_at, i.hours)?,
            closures: i.closures.map(parse_closures).transpose()?,
        };
        if changes.changed().is_empty() {
            return Err(DomainError::field(
                "workspace_id".into(),
                "nothing to change: give any of name, location, capacity, hourly_rate_cents, hours (or opens_at/closes_at), closures",
            ));
        }
        Ok(changes)
    }

    /// The names of the fields this changes, for the activity record and logs.
    pub fn changed(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("location", self.location.is_some()),
            ("capacity", self.capacity.is_some()),
            ("hourly_rate_cents", self.hourly_rate_cents.is_some()),
            ("hours", self.hours.is_some()),
            ("closures", self.closures.is_some()),
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_given_fields_change() {
        let c = WorkspaceChanges::parse(UpdateInput {
            name: Some("  Dock 7 "),
            capacity: Some(4),
            ..UpdateInput::default()
        })
        .unwrap();
        assert_eq!(c.name.as_deref(), Some("Dock 7"));
        assert_eq!(c.changed(), vec!["name", "capacity"]);
        let days = vec!["2031-12-24".to_string()];
        let c = WorkspaceChanges::parse(UpdateInput {
            opens_at: Some("07:00"),
            closes_at: Some("19:00"),
            closures: Some(&days),
            ..UpdateInput::default()
        })
        .unwrap();
        assert_eq!(c.changed(), vec!["hours", "closures"]);
        assert!(c.hours.unwrap().as_daily().is_some());
    }

    #[test]
    fn each_bad_field_is_named_and_an_empty_update_is_refused() {
        let week = WeekSpec {
            tue: Some(vec!["18:00".into(), "09:00".into()]),
            ..WeekSpec::default()
        };
        let days = vec!["2031-12-24".to_string(), "2031-12-32".to_string()];
        let cases: Vec<(UpdateInput<'_>, &str)> = vec![
            (
                UpdateInput {
                    name: Some(" "),
                    ..Default::default()
                },
                "name",
            ),
            (
                UpdateInput {
                    capacity: Some(0),
                    ..Default::default()
                },
                "capacity",
            ),
            (
                UpdateInput {
                    capacity: Some(10_001),
                    ..Default::default()
                },
                "capacity",
            ),
            (
                UpdateInput {
                    hourly_rate_cents: Some(-5),
                    ..Default::default()
                },
                "hourly_rate_cents",
            ),
            (
                UpdateInput {
                    hours: Some(&week),
                    ..Default::default()
                },
                "hours.tue",
            ),
            (
                UpdateInput {
                    closures: Some(&days),
                    ..Default::default()
                },
                "closures[1]",
            ),
            (
                UpdateInput {
                    opens_at: Some("09:00"),
                    ..Default::default()
                },
                "closes_at",
            ),
            (UpdateInput::default(), "nothing to change"),
        ];
        for (input, field) in cases {
            let e = WorkspaceChanges::parse(input).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }
}
