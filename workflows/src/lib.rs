//! deskflow's composition root and binary: the durable flows, the endpoint that hosts every
//! Restate service, the local stack supervisor and the command line.
//!
//! Layout:
//! - [`bench`]: the benchmark (`deskflow bench`), its responders and the engine floor.
//! - [`booking`]: `Bookings/create` and the `Booking` workflow (the saga).
//! - [`serve`]: config -> store -> handlers -> Restate SDK endpoint + [`http`] server.
//! - [`sdk_server`]: the HTTP/2 server of the SDK endpoint (with TCP_NODELAY).
//! - [`http`]: health and readiness (and later metrics and webhooks) on a plain HTTP port.
//! - [`stack`]: installs the pinned tools and supervises the local stack's processes.
//! - [`up`]: `deskflow up`, for developers and (with `--control`) for the test harness.
//! - [`cli`]: the command line.
//! - [`cluster`]: a Restate cluster's quorum and partition leaders, from its nodes' metrics.
//! - [`files`]: owner-only permissions for files that hold secrets.
//! - [`telemetry`]: the tracing subscriber.

pub mod bench;
pub mod booking;
pub mod cli;
pub mod cluster;
pub mod files;
pub mod http;
pub mod identity;
pub mod sdk_server;
pub mod serve;
pub mod stack;
pub mod telemetry;
pub mod up;
