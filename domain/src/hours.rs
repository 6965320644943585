//! One day's opening hours, in the workspace's own timezone (a week of them, and closure
//! dates, make a [`crate::schedule::Schedule`]).

use crate::DomainError;
use chrono::NaiveTime;

/// One day's opening hours `[opens, closes)`; `closes` is strictly after `opens` (no overnight
/// workspaces: a slot past midnight would belong to two business days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

/// Parses `HH:MM` (24-hour clock).
pub fn parse_time_of_day(raw: &str) -> Result<NaiveTime, DomainError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| DomainError::InvalidTimeOfDay(raw.to_string()))
}

impl OpeningHours {
    pub fn parse(opens: &str, closes: &str) -> Result<Self, DomainError> {
        let o = parse_time_of_day(opens)?;
        let c = parse_time_of_day(closes)?;
        if c <= o {
            return Err(DomainError::ClosesBeforeOpens {
                opens: opens.into(),
                closes: closes.into(),
            });
        }
        Ok(OpeningHours {
            opens: o,
            closes: c,
        })
    }

    /// `HH:MM` forms, as stored and returned by the API.
    pub fn opens_str(&self) -> String {
        self.opens.format("%H:%M").to_string()
    }

    pub fn closes_str(&self) -> String {
        self.closes.format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_at_or_before_opening_is_refused() {
        assert!(OpeningHours::parse("08:00", "20:00").is_ok());
        assert_eq!(
            OpeningHours::parse("20:00", "08:00"),
            Err(DomainError::ClosesBeforeOpens {
                opens: "20:00".into(),
                closes: "08:00".into()
            })
        );
        assert!(OpeningHours::parse("08:00", "08:00").is_err());
    }

    #[test]
    fn malformed_times_are_refused() {
        for bad in ["8", "25:00", "08:61", "noon", ""] {
            assert!(parse_time_of_day(bad).is_err(), "{bad:?}");
        }
    }
}
