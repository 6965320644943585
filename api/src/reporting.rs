//! `Reporting`: the activity records every flow writes and the admin's summary of a window.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// (internal) Input of `Reporting/record`: one activity record, written once per `origin_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecordActivity {
    pub origin_key: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub workspace_id: Option<String>,
    pub booking_id: Option<String>,
    pub amount_cents: Option<i64>,
}

/// `Reporting/summary` (admin): bookings starting in `[from, to)`, at most 31 days.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryRequest {
    /// RFC 3339 with offset.
    #[schemars(extend("format" = "date-time"))]
    pub from: String,
    /// RFC 3339 with offset, after `from`.
    #[schemars(extend("format" = "date-time"))]
    pub to: String,
}

/// Bookings of the window by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BookingCounts {
    pub confirmed: i64,
    pub cancelled: i64,
    pub rejected: i64,
    pub expired: i64,
    pub failed: i64,
    pub completed: i64,
    pub pending: i64,
}

/// How full one workspace was over the window's opening hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Occupancy {
    pub workspace_id: String,
    /// Seat-hours of confirmed and completed bookings.
    pub booked_seat_hours: f64,
    /// Capacity times open hours in the window.
    pub available_seat_hours: f64,
    /// `booked / available`, 0 to 1 (0 when nothing was available).
    pub ratio: f64,
}

/// The window's bookings, money and occupancy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub bookings: BookingCounts,
    /// Captured, in minor units (all currencies summed as numbers).
    pub revenue_cents: i64,
    /// Refunded, in minor units.
    pub refunded_cents: i64,
    pub occupancy: Vec<Occupancy>,
}
