//! The Booking flow: `Bookings/create` (the front door: checks the request, starts the workflow
//! and answers as soon as the booking exists) and the `Booking` workflow, the saga that holds
//! the seats, takes the payment, confirms, reminds, completes, and unwinds on every way out.
//!
//! - [`bookings`]: `Bookings/create`, with the member's own idempotency.
//! - [`workflow`]: the `Booking` workflow's handlers (run, status, wait, cancel).
//! - `prepare`: the request checked against the database and the rules, and priced.
//! - `flow`: one booking's state and status bookkeeping, and `drive`: saga, then plan, then
//!   carrying the plan out. The plan itself (final status, what is unwound, what is kept, what
//!   is said) is `deskflow_domain::saga::plan`, pure and tested for every interleaving.
//! - `reschedule`: a confirmed booking moving to another slot, inside its `run`.
//! - `saga`: the forward path; `waits`: its waits, each racing the cancels; `unwind`: the
//!   completion or the compensation against the participants' truth; `notices`: the member's
//!   emails and the activity records.
//!
//! Only `bookings` and `workflow` are public: the server registers their services.

pub mod bookings;
mod flow;
mod notices;
mod prepare;
mod reschedule;
mod saga;
mod unwind;
mod waits;
pub mod workflow;
