//! Serves the Restate SDK endpoint over HTTP/2 like the SDK's own `HttpServer`, with one
//! difference that matters for latency: `TCP_NODELAY` on every connection. restate-server and
//! the endpoint talk in small frames on one long stream (a step's command, then its result);
//! with Nagle's algorithm on, the result frame of a step that did I/O waited for the ACK of the
//! previous frame, which the peer delays by up to 40 ms -- measured as 40 ms per journaled step.
//! And a second: the request-identity check runs here, through [`CachingVerifier`], instead of
//! inside the SDK's endpoint (which would verify the same signature again for every request).

use crate::identity::CachingVerifier;
use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::{TokioExecutor, TokioIo};
use restate_sdk::endpoint::ResponseBody;
use restate_sdk::hyper::HyperEndpoint;
use restate_sdk::prelude::Endpoint;
use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The SDK endpoint behind the identity check. `verifier` is `None` only where nobody but the
/// local restate-server can reach the endpoint (the benchmark's floor).
#[derive(Clone)]
struct Guarded {
    endpoint: HyperEndpoint,
    verifier: Option<Arc<CachingVerifier>>,
}

impl Service<http::Request<Incoming>> for Guarded {
    type Response = http::Response<Either<ResponseBody, Full<Bytes>>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn call(&self, req: http::Request<Incoming>) -> Self::Future {
        if let Some(v) = &self.verifier
            && let Err(refused) = v.verify(req.headers(), req.uri().path())
        {
            tracing::warn!(path = req.uri().path(), %refused, "refused a request not signed by restate-server");
            let body = Either::Right(Full::new(Bytes::from(refused.to_string())));
            let mut res = http::Response::new(body);
            *res.status_mut() = http::StatusCode::UNAUTHORIZED;
            res.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain"),
            );
            return ready(Ok(res));
        }
        let served = match self.endpoint.call(req).into_inner() {
            Ok(res) => res,
            Err(never) => match never {},
        };
        ready(Ok(served.map(Either::Left)))
    }
}

/// Accepts connections until `shutdown` completes, then drains them (at most 10 s). Every
/// request must pass `verifier` when there is one; build `endpoint` without identity keys then,
/// so the signature is not checked twice.
pub async fn serve(
    endpoint: Endpoint,
    verifier: Option<Arc<CachingVerifier>>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    let endpoint = Guarded {
        endpoint: HyperEndpoint::new(endpoint),
        verifier,
    };
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
