//! CPU time per journey, per process (restate-server, the deskflow endpoint, the bench process
//! that drives the client, the floor's endpoint and the responders). On a shared 2-core machine
//! throughput moves by 10-20 % from run to run with the neighbours' load; the CPU milliseconds a
//! journey costs in each process move far less, so they are what a change is judged by.

use serde::Serialize;
use std::collections::BTreeMap;

/// The processes whose CPU time a run accounts for, by name.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pids: Vec<(&'static str, u32)>,
}

/// CPU seconds (user + system) each process had used at one instant.
#[derive(Debug, Clone)]
pub struct Sample(Vec<(&'static str, f64)>);

/// CPU milliseconds per journey, by process name.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PerJourney(pub BTreeMap<&'static str, f64>);

impl Probe {
    pub fn new(pids: impl IntoIterator<Item = (&'static str, Option<u32>)>) -> Self {
        Probe {
            pids: pids
                .into_iter()
                .filter_map(|(n, p)| p.map(|p| (n, p)))
                .collect(),
        }
    }

    pub fn sample(&self) -> Sample {
        Sample(
            self.pids
                .iter()
                .map(|&(name, pid)| (name, cpu_seconds(pid).unwrap_or(0.0)))
                .collect(),
        )
    }
}

impl Sample {
    /// What each process used between `self` and `later`, in ms per journey.
    pub fn per_journey(&self, later: &Sample, journeys: u64) -> PerJourney {
        let n = journeys.max(1) as f64;
        PerJourney(
            self.0
                .iter()
                .zip(&later.0)
                .map(|(&(name, a), &(_, b))| (name, (b - a).max(0.0) * 1000.0 / n))
                .collect(),
        )
    }
}

impl PerJourney {
    pub fn total(&self) -> f64 {
        self.0.values().sum()
    }

    /// `restate-server 9.1 + endpoint 3.2 + bench 2.0 = 14.3 ms`
    pub fn line(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
        format!("{} = {:.2} ms", parts.join(" + "), self.total())
    }
}

/// utime + stime of a process from /proc/{pid}/stat (Linux), in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat).map(|ticks| ticks as f64 / ticks_per_second())
}

/// Fields 14 and 15 (utime, stime) of a stat line; the command name in field 2 may hold spaces
/// and parentheses, so fields are counted from the last ')'.
fn parse_stat(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 -> index 11, stime index 12
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn ticks_per_second() -> f64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(t)) if t > 0 => t as f64,
        _ => 100.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_past_a_command_with_spaces() {
        let line = "4242 (restate (x) y) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 9 0 100";
        assert_eq!(parse_stat(line), Some(280));
    }

    #[test]
    fn per_journey_divides_the_difference() {
        let a = Sample(vec![("restate-server", 1.0), ("endpoint", 2.0)]);
        let b = Sample(vec![("restate-server", 3.0), ("endpoint", 2.5)]);
        let p = a.per_journey(&b, 100);
        assert_eq!(p.0["restate-server"], 20.0);
        assert_eq!(p.0["endpoint"], 5.0);
        assert_eq!(p.total(), 25.0);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let probe = Probe::new([("self", Some(std::process::id()))]);
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(probe.sample().0[0].1 > 0.0);
    }
}
