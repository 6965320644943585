//! What the supervisor does about a process that exits on its own: it prints why, with the last
//! lines of its log, and starts it again after a backoff ([`super::restarts`]) while every other
//! process keeps running; one that keeps dying stops the stack. A process an operator (or the
//! test harness) stopped or killed on purpose is held down until started again, so a retired
//! endpoint stays retired. [`Stack::status`] reports each process for `deskflow status`.

use super::cluster;
use super::supervisor::Stack;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// One process of a running stack, as `deskflow status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessStatus {
    pub name: String,
    /// `up`, `restarting`, `stopped` (on purpose: not restarted), `down` or `not run`
    pub state: String,
    pub pid: Option<u32>,
    pub restarts: u32,
    pub url: Option<String>,
}

impl Stack {
    /// Notices the processes that exited on their own and schedules their restarts, then
    /// restarts those that are due. An error when one died too often: the stack must stop.
    pub async fn supervise(&mut self) -> anyhow::Result<()> {
        for (name, status, secs) in self.exited() {
            eprintln!(
                "{name} exited ({status}) after {secs} s; last log lines:\n{}",
                self.log_tail(name, 20)
            );
            self.on_death(name)?;
        }
        let now = Instant::now();
        let due: Vec<&'static str> = self
            .watch
            .due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(n, _)| *n)
            .collect();
        for name in due {
            self.watch.due.remove(name);
            if self.watch.held.contains(name) || self.running(name) {
                continue;
            }
            match self.start_process(name).await {
                Ok(()) => eprintln!(
                    "{name} is back (restart {})",
                    self.watch.restarts.get(name).map_or(0, |r| r.count)
                ),
                Err(e) => {
                    eprintln!("{name} did not come back: {e:#}");
                    self.stop_process(name);
                    self.on_death(name)?;
                }
            }
        }
        Ok(())
    }

    /// A death of `name`: its restart scheduled, or an error when it keeps dying.
    fn on_death(&mut self, name: &'static str) -> anyhow::Result<()> {
        let policy = self.watch.policy;
        let r = self.watch.restarts.entry(name).or_default();
        match r.on_death(Instant::now(), &policy) {
            Some(delay) => {
                r.count += 1;
                eprintln!(
                    "restarting {name} in {:.1} s (restart {})",
                    delay.as_secs_f64(),
                    r.count
                );
                self.watch.due.insert(name, Instant::now() + delay);
                Ok(())
            }
            None => anyhow::bail!(
                "{name} exited {} times within {} s; stopping the stack (its log: {})",
                r.recent_deaths(),
                policy.window.as_secs(),
                self.log_path(name).display()
            ),
        }
    }

    /// `name` was stopped or killed on purpose: it is not restarted until started again.
    pub fn hold(&mut self, name: &str) {
        if let Some(n) = self.processes().iter().copied().find(|n| *n == name) {
            self.watch.held.insert(n);
            self.watch.due.remove(n);
        }
    }

    /// `name` is wanted again (an operator's or the harness's start).
    pub fn unhold(&mut self, name: &str) {
        self.watch.held.retain(|n| *n != name);
    }

    /// Every process of the stack: its state, pid, restarts so far and where it answers.
    pub fn status(&self) -> Vec<ProcessStatus> {
        self.processes()
            .iter()
            .map(|&name| {
                let outside =
                    self.opts.outside.is_some() && matches!(name, "maildev" | "localstripe");
                let state = if self.running(name) {
                    "up"
                } else if self.watch.held.contains(name) {
                    "stopped"
                } else if self.watch.due.contains_key(name) {
                    "restarting"
                } else if outside {
                    "not run"
                } else {
                    "down"
                };
                ProcessStatus {
                    name: name.to_string(),
                    state: state.to_string(),
                    pid: self.pid(name),
                    restarts: self.watch.restarts.get(name).map_or(0, |r| r.count),
                    url: self.url_of(name),
                }
            })
            .collect()
    }

    /// Where process `name` answers.
    fn url_of(&self, name: &str) -> Option<String> {
        let i = &self.info;
        let own = match name {
            "restate" => Some(i.ingress_url.clone()),
            "maildev" => Some(i.mailbox_url.clone()),
            "localstripe" => Some(i.stripe_url.clone()),
            "deskflow" => Some(i.endpoint_url.clone()),
            cluster::BALANCER => Some(i.ingress_url.clone()),
            _ => None,
        };
        own.or_else(|| {
            let c = i.cluster.as_ref()?;
            c.nodes
                .iter()
                .find(|n| n.name == name)
                .map(|n| n.ingress_url.clone())
                .or_else(|| {
                    c.endpoints
                        .iter()
                        .find(|e| e.name == name)
                        .map(|e| e.endpoint_url.clone())
                })
                .or_else(|| (name == cluster::SNAPSHOT_STORE).then(|| c.s3_url.clone()))
        })
    }
}
