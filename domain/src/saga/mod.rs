//! The booking saga's decisions as pure functions: why a booking stopped, which final status
//! that gives, how much of the money the business keeps, what settling a payment against the
//! provider's current state takes, and the whole plan of how a booking ends. The workflow only
//! observes and carries these out, so every interleaving of cancels, failures and provider
//! states is testable without a server.
//!
//! - `stop`: why the saga stopped ([`Stop`], [`Canceller`]) and the final status it gives.
//! - `plan`: how a booking ends ([`plan()`]: from its [`Progress`] and its [`End`]).
//! - `settle`: what unwinding a payment does at the provider ([`settle_action`]).
//! - `invariants` and `interleavings` (tests): every progress point x end x provider state x
//!   cancel time, and arbitrary ones, checked against the invariants of docs/design.md.

mod plan;
mod settle;
mod stop;

#[cfg(test)]
mod interleavings;
#[cfg(test)]
mod invariants;

pub use plan::{
    CancelAnswer, End, Keep, Plan, Progress, Recorded, UNCONFIRMED_END, no_longer, plan,
};
pub use settle::{ProviderState, SettleAction, allocate, settle_action};
pub use stop::{Canceller, OPERATOR_CANCEL, Stop, final_status, retained_cents};
