//! The `Booking` workflow (one per booking): its status, cancel and reschedule, and what the
//! other services and its own `run` hand it.

use deskflow_domain::booking::BookingStatus;
use deskflow_domain::limits::{MAX_PAYMENT_METHOD_CHARS, MAX_REASON_CHARS};
use deskflow_domain::payment::PaymentStatus;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The payment part of a booking's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaymentSummary {
    pub status: PaymentStatus,
    /// Captured so far, minor units (summed over the booking's payments).
    pub captured_cents: i64,
    /// Refunded so far, minor units.
    pub refunded_cents: i64,
    /// while `awaiting_payment`: what the member's client needs to authenticate
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// `Booking/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BookingView {
    pub booking_id: String,
    pub status: BookingStatus,
    /// Why the booking is where it is (always set once final).
    pub reason: Option<String>,
    pub workspace_id: String,
    /// The member who booked.
    pub user_id: String,
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub starts_at: String,
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub ends_at: String,
    pub seats: i64,
    /// The price in minor units of `currency`.
    pub amount_cents: i64,
    /// ISO 4217.
    pub currency: String,
    pub payment: PaymentSummary,
}

/// `Booking/{id}/cancel`: the member's cancel; the refund follows the policy.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Why, up to 500 characters (kept with the booking).
    #[serde(default)]
    #[schemars(length(max = MAX_REASON_CHARS))]
    pub reason: Option<String>,
}

/// (internal) What a cancel asks of the running Booking workflow. Who cancels decides the money: an
/// admin's or operator's cancel refunds everything, a member's follows the refund policy once
/// the booking is confirmed (`deskflow_domain::saga::retained_cents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelRequest {
    pub reason: String,
    pub by: deskflow_domain::saga::Canceller,
}

/// `Booking/{id}/reschedule`: move a confirmed booking that has not started to another slot.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    /// RFC 3339 with offset: the new start, under the same rules as a new booking.
    #[schemars(extend("format" = "date-time"))]
    pub starts_at: String,
    /// RFC 3339 with offset: the new end.
    #[schemars(extend("format" = "date-time"))]
    pub ends_at: String,
    /// The new number of seats (the booking's own when left out).
    #[serde(default)]
    #[schemars(range(min = 1, max = deskflow_domain::pricing::MAX_SEATS))]
    pub seats: Option<i64>,
    /// The payment method that pays a higher price's difference (the booking's own when left
    /// out); at most 200 characters.
    #[serde(default)]
    #[schemars(length(min = 1, max = MAX_PAYMENT_METHOD_CHARS))]
    pub payment_method: Option<String>,
}

/// The booking after a reschedule, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RescheduleResult {
    pub status: BookingStatus,
    /// The booking's price now, minor units.
    pub amount_cents: i64,
    /// Charged by this reschedule (the price went up), minor units.
    pub charged_cents: i64,
    /// Refunded by this reschedule (the price went down), minor units.
    pub refunded_cents: i64,
}

/// (internal) A reschedule handed to the running Booking workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RescheduleOrder {
    /// the handing-over call's invocation id: its answer names it
    pub request_id: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    /// pays a higher price's difference; the booking's own when `None`
    pub payment_method: Option<String>,
}

/// (internal) What the Booking workflow made of a reschedule: the result, or the refusal's
/// status code and message. `request_id` names the order it answers (`None`: the booking
/// ended before it took one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rescheduled {
    pub request_id: Option<String>,
    pub outcome: Result<RescheduleResult, (u16, String)>,
}

/// The booking after the cancel, and what was refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelResult {
    pub status: BookingStatus,
    /// Refunded by this cancel, minor units.
    pub refund_cents: i64,
}
