//! The Booking flow: `Bookings/create` (the front door: checks the request, starts the workflow
//! and answers as soon as the booking exists) and the `Booking` workflow, the saga that holds
//! the seats, takes the payment, confirms, reminds, completes, and unwinds on every way out.
//! How a booking ends (final status, what is unwound, kept and said) is decided by the pure
//! `deskflow_domain::saga::plan`, tested for every interleaving; this folder carries it out.
//!
//! ## Handlers
//!
//! | handler | file |
//! |---|---|
//! | `Bookings/create` | `bookings.rs` (the request checked and priced in `prepare.rs`) |
//! | `Booking/run` (internal) | `workflow.rs`, which builds a `Flow` and calls `Flow::drive` (`flow.rs`) |
//! | `Booking/started`, `status`, `wait`, `cancel`, `reschedule`, `admin_cancel` | `workflow.rs` |
//! | `ConfirmedBooking/adopt`, `remind`, `complete`, `cancel`, `reschedule`, `interrupt`, `forget` (internal) | `confirmed.rs`: a booking confirmed as state, after its `run` ended |
//!
//! ## The steps, by file (each a `Flow` method unless it says otherwise)
//!
//! | file | what | methods |
//! |---|---|---|
//! | `flow.rs` | one booking's memory and status bookkeeping | `new`, `resume`, `snapshot`, `drive`, `end`, `end_as_recorded`, `transition`, `advance`, `set_status`, `write_status`, `settle`, `clock`, `payment`; `initial_view`, `step_name`, `step_error` |
//! | `saga.rs` | the forward path: check, hold, pay, confirm, remind, complete (or hand on) | `saga`, `pay`, `check`, `await_authentication`, `remind`, `hand_on` |
//! | `waits.rs` | each wait, racing the cancels | `answer`, `await_seat`, `wait_confirmed`, `pending_cancel`, `operator`, `step_result` |
//! | `unwind.rs` | the completion, or the compensation against the participants' truth | `complete`, `unwind`, `settle_payments`, `settle_one`, `release_seats`, `through_cancels` |
//! | `reschedule.rs` | a confirmed booking moving to another slot | `reschedule`, `refuse_reschedule`, `try_reschedule`, `charge_difference`, `give_back_last`, `drop_move`, `moved_to` |
//! | `notices.rs` | the member's emails and the activity records | `notify`, `notify_again`, `record`, `record_again`; the mails' texts |
//!
//! ## What the steps run on
//!
//! - `step_context.rs`: `StepContext`, the journaled steps, calls, timers, awakeables and state
//!   the steps use, implemented for a workflow's and a virtual object's exclusive context: the
//!   saga, the unwind and the reschedule run on either.
//! - `callers.rs`: `Callers`, what only the workflow has (its promises: the cancel a wait
//!   races, reschedule orders, and the answers `wait`, `cancel` and `reschedule` wait for), with
//!   the workflow's implementation `WorkflowCallers` beside it.
//! - `snapshot.rs`: `Snapshot`, a confirmed booking's memory, serializable, which `run` can hand
//!   on and another context load (`Flow::snapshot`, `Flow::resume`).
//! - `keys.rs`: the names of the workflow's state and promises, which journals hold.
//!
//! - `record.rs`: a booking as the database tells it (row and payments), which the handlers
//!   answer from once it is confirmed or final.
//!
//! ## What a request is checked against
//!
//! - `prepare.rs`: `prepare_now`, the body of every step that checks a request against the
//!   database and the rules and prices it (`Bookings/create`, `run`'s first step, both checks of
//!   a reschedule). The bounds on single fields (`payment_method`, a cancel's `reason`) are
//!   `deskflow_domain::limits`'.
//! - `refusal.rs`: `Refusal`, why a request is refused (code and message), the one refusal
//!   type of the handlers and steps; a reschedule's answer keeps it as a `(code, message)` pair.
//!
//! Only `bookings`, `workflow` and `confirmed` are public: the server registers their services.

pub mod bookings;
mod callers;
pub mod confirmed;
mod flow;
mod keys;
mod notices;
mod prepare;
mod record;
mod refusal;
mod reschedule;
mod saga;
mod snapshot;
mod step_context;
mod unwind;
mod waits;
pub mod workflow;
