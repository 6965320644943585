//! `Bookings`: making a booking, and a booking as the lists of `Users`, `Workspaces` and
//! `Admin` show it.

use deskflow_domain::booking::BookingStatus;
use deskflow_domain::limits::MAX_PAYMENT_METHOD_CHARS;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `Bookings/create`: books seats for a slot; answers at once, the Booking workflow then holds
/// the seats, charges the card and confirms on its own (follow it with `Booking/{id}/wait`).
/// Send an `idempotency-key` header to make retries safe.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBookingRequest {
    /// The workspace to book, from `Workspaces/list`.
    pub workspace_id: String,
    /// RFC 3339 with offset; in the future, at most 2 years ahead, inside opening hours.
    #[schemars(extend("format" = "date-time"))]
    pub starts_at: String,
    /// RFC 3339 with offset; the slot lasts 15 minutes to 12 hours (the defaults).
    #[schemars(extend("format" = "date-time"))]
    pub ends_at: String,
    /// 1 to min(capacity, 50).
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = deskflow_domain::pricing::MAX_SEATS))]
    pub seats: i64,
    /// A payment method of the provider, e.g. Stripe's test `pm_card_visa` (succeeds) or
    /// `pm_card_visa_chargeDeclined` (declined); at most 200 characters.
    #[schemars(length(min = 1, max = MAX_PAYMENT_METHOD_CHARS), example = &"pm_card_visa")]
    pub payment_method: String,
    /// When no seat is free: wait as `waitlisted` (nothing charged) and be served, in the
    /// order bookings were made, when seats free up; `expired` if still waiting at the start.
    /// Without it, a full slot is `rejected`.
    #[serde(default)]
    pub waitlist: bool,
}

fn one() -> i64 {
    1
}

/// The booking just made; its workflow runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateBookingResponse {
    /// The key of `Booking/{booking_id}/status|wait|cancel`.
    pub booking_id: String,
    pub status: BookingStatus,
}

/// A booking as its member and admins see it in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BookingSummary {
    pub booking_id: String,
    pub workspace_id: String,
    /// The member who booked.
    pub user_id: String,
    pub status: BookingStatus,
    /// Why the booking reached a final state (`null` while it has not).
    pub reason: Option<String>,
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub starts_at: String,
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub ends_at: String,
    pub seats: i64,
    /// The quoted price in minor units of `currency` (cents for EUR).
    pub amount_cents: i64,
    /// ISO 4217.
    pub currency: String,
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    /// When the status last changed (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub updated_at: String,
}
