//! The tracing subscriber, built once per process: human-readable text by default, one JSON
//! object per line with `DESKFLOW_LOG_FORMAT=json` (or `--json-logs`).

use std::io::IsTerminal;
use tracing_subscriber::{EnvFilter, Layer, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global subscriber; a second call is a no-op.
pub fn init(format: &str, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Restate replays a handler's code after a suspension or a retry; this filter drops the
    // log lines emitted while replaying, so each line appears once.
    let replay = restate_sdk::filter::ReplayAwareFilter;
    let layer = if format == "json" {
        fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(replay)
            .boxed()
    } else {
        fmt::layer()
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .with_filter(replay)
            .boxed()
    };
    // The level filter is global, not per layer: then a callsite it disables (h2's and the SDK's
    // many trace! lines) is switched off once, when it is first seen. As a per-layer filter
    // behind the replay filter (which has no level hint) every such event was built and
    // offered to both filters each time: 18 % of the endpoint's CPU under load.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init();
}
