//! The end of a workspace's and of an account's life, each a durable flow keyed by what ends:
//!
//! - [`closure`]: `WorkspaceClosure/{workspace}`: closes the workspace and cancels every booking
//!   that has not ended, with a full refund (`Workspaces/close` starts it).
//! - [`deletion`]: `AccountDeletion/{user}`: closes the account, cancels its bookings that have
//!   not started as the member's own cancels, and erases its personal data (`Users/delete`
//!   starts it, given the user id only).
//! - `cancel_all`: what both do to the bookings: each through its own `Booking` workflow, so a
//!   closure or a deletion settles money exactly as a cancel does, a bounded number at a time.
//!
//! The public handlers keep no journal (they receive a bearer token, and `Users/delete` a
//! password); these flows receive neither, and their journals show each booking's cancel.

mod cancel_all;
pub mod closure;
pub mod deletion;

/// Promise: what the flow came to (its `result` handler answers it, for every caller).
const DONE: &str = "done";

/// Ends a flow's `run` with `outcome`: its [`DONE`] promise answers every `result` call with
/// it, a terminal failure as a terminal error naming the flow (`what`), so no caller waits
/// forever. A retryable failure leaves the promise alone: Restate runs the flow again from its
/// journal, which must not hold a settled promise the retry would contradict.
fn settle<T>(
    ctx: &restate_sdk::prelude::WorkflowContext<'_>,
    outcome: deskflow_handlers::error::Outcome<T>,
    what: &str,
) -> Result<restate_sdk::prelude::Json<T>, deskflow_handlers::error::Failure>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + 'static,
{
    use restate_sdk::prelude::*;
    match &outcome {
        Ok(r) => ctx.resolve_promise(DONE, Json(r.clone())),
        Err(e) if e.is_terminal() => ctx.reject_promise(
            DONE,
            TerminalError::new_with_code(500, format!("the {what} failed: {e:?}")),
        ),
        Err(_) => {}
    }
    Ok(Json(outcome?))
}
