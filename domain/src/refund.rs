//! The refund policy of a member's cancellation: everything back well before the start, part
//! of it close to the start, nothing once the slot has begun. Admin cancellations refund fully.

use chrono::{DateTime, Duration, Utc};

/// Configurable policy (defaults: full refund 24 h or more before start, 50 % after that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundPolicy {
    pub full_refund_before: Duration,
    pub late_refund_percent: i64,
}

impl Default for RefundPolicy {
    fn default() -> Self {
        RefundPolicy {
            full_refund_before: Duration::hours(24),
            late_refund_percent: 50,
        }
    }
}

impl RefundPolicy {
    /// How much of `captured` goes back when the member cancels at `now`.
    pub fn refund(&self, captured: i64, starts_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        if now + self.full_refund_before <= starts_at {
            captured
        } else if now < starts_at {
            captured * self.late_refund_percent.clamp(0, 100) / 100
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn full_before_the_line_half_after_it_nothing_once_started() {
        let p = RefundPolicy::default();
        let start = Utc.with_ymd_and_hms(2030, 6, 3, 9, 0, 0).unwrap();
        assert_eq!(p.refund(1000, start, start - Duration::hours(48)), 1000);
        assert_eq!(p.refund(1000, start, start - Duration::hours(24)), 1000);
        assert_eq!(p.refund(1000, start, start - Duration::hours(23)), 500);
        assert_eq!(p.refund(1001, start, start - Duration::minutes(1)), 500);
        assert_eq!(p.refund(1000, start, start), 0);
        assert_eq!(p.refund(1000, start, start + Duration::hours(1)), 0);
    }
}
