//! deskflow's durable flows, and only them: long-running Restate workflows that drive the
//! services of `deskflow-handlers` (seats, payments, notifications) through numbered steps and
//! unwind them on every way out.
//!
//! - [`booking`]: `Bookings/create` and the `Booking` workflow (the saga with its compensation).
//! - [`lifecycle`]: closing a workspace and deleting an account, each cancelling bookings
//!   through their Booking workflows.

pub mod booking;
pub mod lifecycle;
