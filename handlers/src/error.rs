//! The Restate boundary's one error type. restate-sdk turns any `std::error::Error` into a
//! *retryable* `HandlerError`, so a validation error passed on with `?` would be retried until
//! the invocation pauses. Handlers and their steps therefore return [`Failure`], whose `From`
//! conversions decide once for every source: terminal with an HTTP-like code (the caller must
//! change something), or retryable (the world may fix itself: a database restart, an SMTP
//! outage). `Failure` deliberately does not implement `std::error::Error`: that is what lets it
//! convert into `HandlerError` by its own rule instead of the SDK's blanket one.

use deskflow_domain::DomainError;
use deskflow_infra::InfraError;
use restate_sdk::prelude::{HandlerError, HandlerResult, TerminalError};
use std::future::Future;

/// Why a handler or one of its steps stopped, already classified as terminal or retryable.
pub struct Failure(HandlerError);

/// What handlers and step functions return; `?` works on domain, infrastructure and SDK errors.
pub type Outcome<T> = Result<T, Failure>;

impl Failure {
    /// A terminal error with an HTTP-like code and a message a person can act on.
    pub fn terminal(code: u16, message: impl Into<String>) -> Failure {
        Failure(TerminalError::new_with_code(code, message.into()).into())
    }

    /// A retryable error: Restate runs the step again with its retry policy.
    pub fn retryable(e: impl std::error::Error + Send + Sync + 'static) -> Failure {
        Failure(HandlerError::from(e))
    }

    /// Whether Restate ends the invocation with this failure (rather than retrying it). The
    /// SDK shows the difference only in the error's text: "Terminal error [code]: ...".
    pub fn is_terminal(&self) -> bool {
        let e: &dyn std::error::Error = self.0.as_ref();
        e.to_string().starts_with("Terminal error [")
    }

    /// A missing record the caller named: terminal 404.
    pub fn not_found(what: &str, id: &str) -> Failure {
        Failure::terminal(404, format!("{what} {id:?} not found"))
    }
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Bad input: always terminal 400, with the domain's message naming the field.
impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Self {
        Failure::terminal(400, e.to_string())
    }
}

/// Transient infrastructure errors are retried by Restate; the rest are terminal with the code
/// that matches their meaning. Internal details of unexpected failures are logged, not shown
/// to the caller.
impl From<InfraError> for Failure {
    fn from(e: InfraError) -> Self {
        if e.is_transient() {
            tracing::warn!(error = %e, "transient failure; Restate will retry");
            return Failure::retryable(e);
        }
        match e {
            InfraError::AlreadyExists(what) => {
                Failure::terminal(409, format!("{what} already exists"))
            }
            InfraError::CapacityExceeded => Failure::terminal(409, e.to_string()),
            InfraError::NotFound(what) => Failure::terminal(404, format!("{what} not found")),
            other => {
                tracing::error!(error = %other, "permanent internal failure");
                Failure::terminal(500, "internal error; the operation was not carried out")
            }
        }
    }
}

/// What the SDK's own calls fail with (state, calls, suspension) passes through unchanged.
impl From<HandlerError> for Failure {
    fn from(e: HandlerError) -> Self {
        Failure(e)
    }
}

/// A journaled step or a call that ended terminally stays terminal.
impl From<TerminalError> for Failure {
    fn from(e: TerminalError) -> Self {
        Failure(e.into())
    }
}

impl From<Failure> for HandlerError {
    fn from(f: Failure) -> Self {
        f.0
    }
}

/// Adapts a step function (returning [`Outcome`]) to what `ctx.run` expects, so a step's body
/// is a named function that uses `?` and the closure handed to `ctx.run` is one line.
pub async fn step<T>(body: impl Future<Output = Outcome<T>>) -> HandlerResult<T> {
    body.await.map_err(HandlerError::from)
}

/// A terminal error with an HTTP-like code and a message a person can act on.
pub fn terminal(code: u16, message: impl Into<String>) -> Failure {
    Failure::terminal(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terminal code of a failure, or None when it is retryable (the SDK exposes the
    /// difference only through its Debug form).
    fn code(f: Failure) -> Option<u16> {
        let text = format!("{f:?}");
        let code = text
            .split("code: ")
            .nth(1)?
            .split(|c: char| !c.is_ascii_digit())
            .next()?;
        text.contains("Terminal")
            .then(|| code.parse().ok())
            .flatten()
    }

    #[test]
    fn the_source_decides_terminal_or_retryable() {
        assert_eq!(code(DomainError::Empty { field: "name" }.into()), Some(400));
        assert_eq!(code(InfraError::NotFound("booking").into()), Some(404));
        assert_eq!(code(InfraError::CapacityExceeded.into()), Some(409));
        assert_eq!(code(terminal(429, "wait 3 s")), Some(429));
        assert!(terminal(409, "taken").is_terminal());
        let down = InfraError::Database(sqlx::Error::PoolTimedOut);
        assert!(down.is_transient());
        assert!(!Failure::from(InfraError::Database(sqlx::Error::PoolTimedOut)).is_terminal());
        assert_eq!(code(down.into()), None);
    }
}
