//! A time slot `[starts_at, ends_at)` in UTC, parsed from RFC 3339 input with an offset.

use crate::DomainError;
use chrono::{DateTime, Utc};

/// A half-open interval of time; `ends_at` is strictly after `starts_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSlot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Parses one RFC 3339 timestamp (an offset is required, so "09:00" is never ambiguous).
pub fn parse_timestamp(field: &'static str, raw: &str) -> Result<DateTime<Utc>, DomainError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| DomainError::InvalidTimestamp {
            field,
            value: raw.to_string(),
        })
}

impl TimeSlot {
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, DomainError> {
        if ends_at <= starts_at {
            return Err(DomainError::EndsBeforeStart);
        }
        Ok(TimeSlot { starts_at, ends_at })
    }

    /// Parses both ends; `start_field`/`end_field` name the JSON fields in error messages.
    pub fn parse(
        start_field: &'static str,
        start: &str,
        end_field: &'static str,
        end: &str,
    ) -> Result<Self, DomainError> {
        Self::new(
            parse_timestamp(start_field, start)?,
            parse_timestamp(end_field, end)?,
        )
    }

    /// The slot between two instants in milliseconds since the epoch (as the store keeps
    /// them); `None` when either is out of range or the slot is empty.
    pub fn from_millis(starts_at_ms: i64, ends_at_ms: i64) -> Option<Self> {
        let start = DateTime::from_timestamp_millis(starts_at_ms)?;
        let end = DateTime::from_timestamp_millis(ends_at_ms)?;
        Self::new(start, end).ok()
    }

    /// Half-open overlap: a slot ending at 10:00 does not overlap one starting at 10:00.
    pub fn overlaps(&self, other: &TimeSlot) -> bool {
        self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn a_slot_must_end_after_it_starts() {
        assert_eq!(
            TimeSlot::new(at(10), at(10)),
            Err(DomainError::EndsBeforeStart)
        );
        assert_eq!(
            TimeSlot::new(at(11), at(10)),
            Err(DomainError::EndsBeforeStart)
        );
    }

    #[test]
    fn timestamps_need_an_offset() {
        assert!(parse_timestamp("starts_at", "2030-01-01T09:00:00").is_err());
        assert_eq!(
            parse_timestamp("starts_at", "2030-01-01T10:00:00+01:00").unwrap(),
            at(9)
        );
    }

    #[test]
    fn adjacent_slots_do_not_overlap() {
        let a = TimeSlot::new(at(9), at(10)).unwrap();
        let b = TimeSlot::new(at(10), at(11)).unwrap();
        assert!(!a.overlaps(&b) && !b.overlaps(&a));
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric_and_matches_a_shared_hour(a in 0u32..20, la in 1u32..4, b in 0u32..20, lb in 1u32..4) {
            let x = TimeSlot::new(at(a), at(a + la)).unwrap();
            let y = TimeSlot::new(at(b), at(b + lb)).unwrap();
            prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
            let shared = (a..a + la).any(|h| (b..b + lb).contains(&h));
            prop_assert_eq!(x.overlaps(&y), shared);
        }
    }
}
