//! The Booking flow: `Bookings/create` (the front door: checks the request, starts the workflow
//! and answers as soon as the booking exists) and the `Booking` workflow, the saga that holds
//! the seats, takes the payment, confirms, reminds, completes, and unwinds on every way out.
//!
//! - [`bookings`]: `Bookings/create`, with the member's own idempotency.
//! - [`prepare`]: the request checked against the database and the rules, and priced.
//! - [`workflow`]: the `Booking` workflow's handlers (run, status, wait, cancel).
//! - `saga`: the forward path; `unwind`: compensation against the participants' truth;
//!   `notices`: the member's emails.

pub mod bookings;
mod notices;
pub mod prepare;
mod saga;
mod unwind;
pub mod workflow;
