//! When repeated wrong passwords delay an account's logins: a few failures are free, then each
//! further one doubles the wait, up to a cap; failures older than a window are forgotten.

/// The backoff rule, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginBackoff {
    /// Wrong passwords in a row that cost nothing.
    pub free_failures: u32,
    /// The wait after the first failure past the free ones, in seconds.
    pub initial_secs: u64,
    /// The longest wait, in seconds.
    pub max_secs: u64,
    /// Failures are forgotten after this long without a new one, in seconds.
    pub window_secs: u64,
}

impl LoginBackoff {
    /// Seconds the account must wait after its `failures`-th failure in a row (0: none).
    pub fn wait_after(&self, failures: u32) -> u64 {
        if failures < self.free_failures.max(1) {
            return 0;
        }
        let doublings = (failures - self.free_failures.max(1)).min(32);
        self.initial_secs
            .saturating_mul(1u64 << doublings)
            .min(self.max_secs)
    }

    /// The instant (ms) until which logins are refused after a failure at `at_ms`.
    pub fn blocked_until_ms(&self, failures: u32, at_ms: i64) -> i64 {
        let wait_ms = self.wait_after(failures).saturating_mul(1000);
        at_ms.saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX))
    }

    /// Whole seconds left to wait at `now_ms` (rounded up, at least 1 while blocked).
    pub fn seconds_left(blocked_until_ms: i64, now_ms: i64) -> Option<u64> {
        let left = blocked_until_ms.saturating_sub(now_ms);
        (left > 0).then(|| (left as u64).div_ceil(1000).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: LoginBackoff = LoginBackoff {
        free_failures: 5,
        initial_secs: 1,
        max_secs: 900,
        window_secs: 3600,
    };

    #[test]
    fn the_first_failures_are_free_then_the_wait_doubles_up_to_the_cap() {
        let waits: Vec<u64> = (1..=8).map(|n| RULE.wait_after(n)).collect();
        assert_eq!(waits, vec![0, 0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(RULE.wait_after(15), 900);
        assert_eq!(RULE.wait_after(u32::MAX), 900);
    }

    #[test]
    fn blocked_until_and_seconds_left_round_up() {
        assert_eq!(RULE.blocked_until_ms(6, 10_000), 12_000);
        assert_eq!(RULE.blocked_until_ms(1, 10_000), 10_000);
        assert_eq!(LoginBackoff::seconds_left(12_000, 10_500), Some(2));
        assert_eq!(LoginBackoff::seconds_left(12_000, 11_999), Some(1));
        assert_eq!(LoginBackoff::seconds_left(12_000, 12_000), None);
    }
}
