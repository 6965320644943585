//! The Booking flow: `Bookings/create` (the front door: checks the request, quotes the price,
//! starts the workflow and answers at once) and the `Booking` workflow, the saga that holds the
//! seats, takes the payment, confirms, reminds, completes, and compensates on every way out.

pub mod bookings;
pub mod workflow;
