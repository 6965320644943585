//! The `deskflow` command: the member's and operator's command line, the local stack (`up`, the
//! pinned tools and the supervisor of their processes) and the benchmark. It talks to deskflow
//! only through Restate's ingress and admin API, with the wire types of `deskflow-api`; `serve`
//! runs the endpoint of `deskflow-server` in this process.
//!
//! - [`commands`]: parsing and running the commands; the scripted journey; output.
//! - `up`: `deskflow up`, for developers and (with `--control`) for the test harness.
//! - [`stack`]: installs the pinned tools and supervises the local stack's processes; public
//!   for its [`stack::StackInfo`], which the test harness reads.
//! - `bench`: the benchmark (`deskflow bench`), its responders and the engine floor.

mod bench;
pub mod commands;
pub mod stack;
mod up;
