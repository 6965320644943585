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
