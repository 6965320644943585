//! The Restate boundary's error mapping. restate-sdk turns any `std::error::Error` into a
//! *retryable* `HandlerError`, so a validation error passed on with `?` would be retried until
//! the invocation pauses. Every error therefore leaves a handler through one of these functions,
//! which decide: terminal with an HTTP-like code (the caller must change something), or
//! retryable (the world may fix itself: a database restart, an SMTP outage).

use deskflow_domain::DomainError;
use deskflow_infra::InfraError;
use restate_sdk::prelude::{HandlerError, TerminalError};

/// A terminal error with an HTTP-like code and a message a person can act on.
pub fn terminal(code: u16, message: impl Into<String>) -> HandlerError {
    TerminalError::new_with_code(code, message.into()).into()
}

/// Bad input: always terminal 400.
pub fn bad_input(e: DomainError) -> HandlerError {
    terminal(400, e.to_string())
}

/// Infrastructure errors: transient ones are retried by Restate, the rest are terminal with
/// the code that matches their meaning. Internal details of unexpected failures are logged,
/// not shown to the caller.
pub fn infra(e: InfraError) -> HandlerError {
    if e.is_transient() {
        tracing::warn!(error = %e, "transient failure; Restate will retry");
        return HandlerError::from(e);
    }
    match e {
        InfraError::AlreadyExists(what) => terminal(409, format!("{what} already exists")),
        InfraError::CapacityExceeded => terminal(409, e.to_string()),
        InfraError::NotFound(what) => terminal(404, format!("{what} not found")),
        other => {
            tracing::error!(error = %other, "permanent internal failure");
            terminal(500, "internal error; the operation was not carried out")
        }
    }
}

/// A missing record the caller named: terminal 404.
pub fn not_found(what: &str, id: &str) -> HandlerError {
    terminal(404, format!("{what} {id:?} not found"))
}
