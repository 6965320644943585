//! Serves the Restate SDK endpoint over HTTP/2 like the SDK's own `HttpServer`, with one
//! difference that matters for latency: `TCP_NODELAY` on every connection. restate-server and
//! the endpoint talk in small frames on one long stream (a step's command, then its result);
//! with Nagle's algorithm on, the result frame of a step that did I/O waited for the ACK of the
//! previous frame, which the peer delays by up to 40 ms -- measured as 40 ms per journaled step.

use hyper_util::rt::{TokioExecutor, TokioIo};
use restate_sdk::hyper::HyperEndpoint;
use restate_sdk::prelude::Endpoint;
use std::time::Duration;
use tokio::net::TcpListener;

/// Accepts connections until `shutdown` completes, then drains them (at most 10 s).
pub async fn serve(endpoint: Endpoint, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let endpoint = HyperEndpoint::new(endpoint);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, remote)) = accepted else { continue };
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::warn!(%remote, error = %e, "cannot set TCP_NODELAY");
                }
                let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), endpoint.clone());
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%remote, error = ?e, "endpoint connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("connections still open after 10 s; closing"),
    }
}
