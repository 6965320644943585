//! deskflow's pure domain rules: the types that parse input at the edge and the rules of a
//! booking platform (opening hours, time slots, capacity, availability). No I/O lives here, so
//! every rule is unit- and property-testable and the crate cannot reach a database or a network.
//!
//! Layout:
//! - [`error`]: the one error enum of the domain (every variant is the caller's fault: 400).
//! - [`email`], [`password`]: registration input.
//! - [`limits`]: the size bounds of API.md's "Limits" table.
//! - [`login`]: how repeated wrong passwords delay an account's logins.
//! - [`payment`]: a payment's states.
//! - [`money`]: ISO 4217 currencies and amounts in minor units.
//! - [`hours`]: one day's opening hours.
//! - [`schedule`]: weekly hours and closure dates, and the instants they name on DST days.
//! - [`capacity`]: the first stretch of time in which sold seats exceed a capacity.
//! - [`slot`]: a time slot with a start and an end; overlap.
//! - [`workspace`]: a validated new workspace.
//! - [`workspace_update`]: validated changes to a workspace.
//! - [`availability`]: free seats per interval of a window.
//! - [`pricing`]: which slots are bookable and what they cost.
//! - [`refund`]: the cancellation refund policy.
//! - [`booking`]: booking statuses and the transition table of the Booking workflow.
//! - [`reconcile`]: what a settled booking's payment must look like at the provider.
//! - [`waitlist`]: which waiting bookings the seats that freed up go to (the fairness rule).
//! - [`saga`]: the Booking saga's decisions (final status, money kept, how to settle a payment,
//!   the plan of how a booking ends) and the test layer that enumerates its interleavings.

pub mod availability;
pub mod booking;
pub mod capacity;
pub mod email;
pub mod error;
pub mod hours;
pub mod limits;
pub mod login;
pub mod money;
pub mod password;
pub mod payment;
pub mod pricing;
pub mod reconcile;
pub mod refund;
pub mod saga;
pub mod schedule;
pub mod slot;
pub mod waitlist;
pub mod workspace;
pub mod workspace_update;

pub use error::DomainError;
