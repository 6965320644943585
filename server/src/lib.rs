//! The `serve` side of deskflow: the process that hosts every Restate service (the handlers and
//! the durable flows) behind one SDK endpoint, with request identity, health, metrics and the
//! payment provider's webhook on a plain HTTP port. This is what the Docker image contains.
//!
//! - [`serve`]: config -> store -> handlers and flows -> Restate SDK endpoint + [`http`] server.
//! - [`sdk_server`]: the HTTP/2 server of the SDK endpoint (with TCP_NODELAY).
//! - [`identity`]: the check of Restate's request-identity signatures; [`keys`] makes the keys.
//! - [`http`]: health, readiness, metrics and the webhook.
//! - [`cluster`]: a Restate cluster's quorum and partition leaders, from its nodes' metrics.
//! - [`telemetry`]: the tracing subscriber.

pub mod cluster;
mod http;
mod identity;
pub mod keys;
pub mod sdk_server;
pub mod serve;
pub mod telemetry;
