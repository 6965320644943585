//! The tracing subscriber, built once per process: human-readable text by default, one JSON
//! object per line with `DESKFLOW_LOG_FORMAT=json` (or `--json-logs`).

use std::io::IsTerminal;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::FilterExt;
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::{EnvFilter, Layer, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global subscriber; a second call is a no-op.
pub fn init(format: &str, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Restate replays a handler's code after a suspension or a retry; this filter drops the
    // log lines emitted while replaying, so each line appears once.
    let replay = restate_sdk::filter::ReplayAwareFilter.and(NotSuspension);
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

/// Drops the SDK's warnings about a suspension. The SDK ends a handler that waits for a timer,
/// a promise or a call by suspending it -- the normal life of a booking waiting for its slot --
/// and logs each one twice at WARN ("Error while processing handler ... Suspended invocation",
/// "Handler failure: ... Suspended invocation"). Its other warnings (a failing handler) stay.
#[derive(Debug, Clone, Copy)]
pub struct NotSuspension;

impl<S: Subscriber> Filter<S> for NotSuspension {
    fn enabled(&self, _meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &Event<'_>, _cx: &Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::WARN || !meta.target().starts_with("restate_sdk") {
            return true;
        }
        let mut seen = SuspensionSeen(false);
        event.record(&mut seen);
        !seen.0
    }
}

struct SuspensionSeen(bool);

impl Visit for SuspensionSeen {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let text = format!("{value:?}");
            // the VM's suspension (code 599), and the SDK's own `Suspended` error, as
            // "Error while processing handler Suspended" and "Handler failure: Error(Suspended)"
            self.0 = text.contains("Suspended invocation")
                || text.contains("Error(Suspended)")
                || text.ends_with("handler Suspended");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn suspensions_are_not_logged_but_handler_failures_are() {
        let lines = Lines::default();
        let out = lines.clone();
        let layer = fmt::layer()
            .with_writer(move || out.clone())
            .with_filter(NotSuspension);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "restate_sdk::endpoint", "Handler failure: Error(VM(Error {{ code: 599, message: \"Suspended invocation\" }}))");
            tracing::warn!(target: "restate_sdk::endpoint", "Handler failure: Error(Suspended)");
            tracing::warn!(target: "restate_sdk::endpoint::futures", "Error while processing handler Suspended");
            tracing::warn!(target: "restate_sdk::endpoint", "Handler failure: Error(HandlerResult {{ err: \"provider down\" }})");
            tracing::info!(target: "restate_sdk::endpoint", "Suspended invocation noted at info");
            tracing::warn!(target: "deskflow", "Suspended invocation in our own words");
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("code: 599"), "{text}");
        assert!(!text.contains("Error(Suspended)"), "{text}");
        assert!(!text.contains("handler Suspended"), "{text}");
        assert!(text.contains("provider down"), "{text}");
        assert!(text.contains("noted at info"), "{text}");
        assert!(text.contains("in our own words"), "{text}");
    }
}
