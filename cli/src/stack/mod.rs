//! The local durable stack, started and supervised by deskflow itself: restate-server, maildev,
//! localstripe and the deskflow endpoint as child processes with their logs in files, the
//! deployment registered, and everything stopped together. `deskflow up` uses it for
//! developers; the test harness runs `deskflow up --control` (random ports, a temp data dir) and
//! steers it over stdin, so tests and the dev stack share one start-up path and never collide.
//! A cluster stack (`cluster`) supervises three restate-server nodes, two endpoints, HAProxy
//! and the snapshot repository the same way, started through the same process helpers.
//!
//! Only [`StackInfo`] (what `up --control` reports, with its cluster part) is public, for the
//! test harness; the supervisor itself is this crate's.
//!
//! - `ports`: the ports a stack listens on; `info`: what it is asked for and reports.
//! - `supervisor`: the running `Stack` and its child processes; `supervision` and `restarts`:
//!   what becomes of a process that exits on its own, and each process's status; `socket`:
//!   where a running `up` takes an operator's commands (`deskflow status`, `deskflow stack`).
//! - `launch`: each process's command line; `readiness`: when each counts as up;
//!   `deployment`: what is configured once they are (registration, provider webhooks).
//! - `cluster`: the three-node topology and its generated configs; `tools`: the pinned tools.

mod cluster;
mod deployment;
mod info;
mod launch;
mod ports;
mod readiness;
mod restarts;
pub mod socket;
mod supervision;
mod supervisor;
pub mod tools;

pub use cluster::{ClusterInfo, EndpointInfo, NodeInfo};
pub use info::StackInfo;

pub(crate) use cluster::ClusterPorts;
pub(crate) use info::{Outside, StackOptions};
pub(crate) use launch::endpoint_worker_threads;
pub(crate) use ports::Ports;
pub use supervision::ProcessStatus;
pub(crate) use supervisor::Stack;
