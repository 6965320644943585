//! When the supervisor restarts a process that exited on its own, and when it gives up: after
//! each death a restart with a backoff that doubles with the deaths of the last minute, until a
//! process that keeps dying (five times within a minute) stops the stack, since restarting it
//! again would only hide what is wrong. [`Watch`] is the supervisor's bookkeeping of it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// The supervisor's bookkeeping: each process's deaths and restarts, the restarts due, and the
/// processes held down (stopped or killed on purpose).
#[derive(Debug, Default)]
pub(crate) struct Watch {
    pub(super) policy: RestartPolicy,
    pub(super) restarts: BTreeMap<&'static str, Restarts>,
    pub(super) due: BTreeMap<&'static str, Instant>,
    pub(super) held: BTreeSet<&'static str>,
}

/// How many deaths in what window stop the stack, and the backoff before a restart.
#[derive(Debug, Clone, Copy)]
pub struct RestartPolicy {
    pub max_deaths: usize,
    pub window: Duration,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            max_deaths: 5,
            window: Duration::from_secs(60),
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// One process's deaths and restarts.
#[derive(Debug, Default, Clone)]
pub struct Restarts {
    deaths: VecDeque<Instant>,
    /// restarts so far, over the stack's life
    pub count: u32,
}

impl Restarts {
    /// A death at `now`: the delay before the restart, or `None` when the process died
    /// `max_deaths` times within the window (give up).
    pub fn on_death(&mut self, now: Instant, policy: &RestartPolicy) -> Option<Duration> {
        while self
            .deaths
            .front()
            .is_some_and(|t| now.duration_since(*t) > policy.window)
        {
            self.deaths.pop_front();
        }
        self.deaths.push_back(now);
        let recent = self.deaths.len();
        if recent >= policy.max_deaths {
            return None;
        }
        let doubled = policy
            .first_backoff
            .saturating_mul(1 << (recent - 1).min(16) as u32);
        Some(doubled.min(policy.max_backoff))
    }

    /// Deaths within the window as of the last one.
    pub fn recent_deaths(&self) -> usize {
        self.deaths.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_and_the_fifth_death_in_a_minute_gives_up() {
        let p = RestartPolicy::default();
        let mut r = Restarts::default();
        let t0 = Instant::now();
        let delays: Vec<_> = (0..4)
            .map(|i| r.on_death(t0 + Duration::from_secs(i), &p))
            .collect();
        assert_eq!(
            delays,
            [500, 1000, 2000, 4000].map(|ms| Some(Duration::from_millis(ms)))
        );
        assert_eq!(r.on_death(t0 + Duration::from_secs(5), &p), None);
    }

    #[test]
    fn deaths_older_than_the_window_are_forgotten() {
        let p = RestartPolicy::default();
        let mut r = Restarts::default();
        let t0 = Instant::now();
        for i in 0..4 {
            assert!(r.on_death(t0 + Duration::from_secs(i), &p).is_some());
        }
        // a minute later the count starts again: the first backoff
        let later = t0 + Duration::from_secs(200);
        assert_eq!(r.on_death(later, &p), Some(p.first_backoff));
        assert_eq!(r.recent_deaths(), 1);
    }

    #[test]
    fn the_backoff_is_capped() {
        let p = RestartPolicy {
            max_deaths: 100,
            ..RestartPolicy::default()
        };
        let mut r = Restarts::default();
        let t0 = Instant::now();
        let mut last = None;
        for i in 0..20 {
            last = r.on_death(t0 + Duration::from_millis(i), &p);
        }
        assert_eq!(last, Some(p.max_backoff));
    }
}
