//! The JSON bodies of the public contract (`shared/API.md`) and of the internal handlers.
//! Field names are the contract: extend, never rename. Inputs refuse unknown fields, so a typo
//! in a request is a 400 instead of a silently ignored setting.

use deskflow_domain::booking::BookingStatus;
use deskflow_domain::payment::PaymentStatus;
use serde::{Deserialize, Serialize};

pub mod flows;
mod lifecycle;
mod workspaces;

pub use lifecycle::{
    CloseWorkspaceRequest, ClosureResult, ClosureStart, DeleteAccountRequest, DeletionResult,
};

pub use deskflow_domain::schedule::WeekSpec;
pub use workspaces::*;

/// The body of handlers that take no input: `{}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

// ---- Auth

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub user_id: String,
    pub token: String,
    /// RFC 3339: when `token` expires (get a new one with `Auth/refresh`)
    pub expires_at: String,
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    /// RFC 3339
    pub expires_at: String,
    /// spent by `Auth/refresh`, which answers a new pair
    pub refresh_token: String,
}

// ---- Users

/// `Users/update`: the fields of the caller's profile a member may change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    pub name: String,
}

/// `Users/change_password`. Never journaled beyond the call (the Users service keeps no
/// journal), never stored: the new password's hash is written in the step that makes it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Passwords stay out of logs and panics.
impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest { .. }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: String,
}

/// A booking as its member and admins see it in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingSummary {
    pub booking_id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub status: BookingStatus,
    pub reason: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub seats: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
}

// ---- Workspaces

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspaceRequest {
    pub name: String,
    pub location: String,
    pub timezone: String,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: String,
    /// every day (the old form), or `hours` per weekday: one of the two
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub hours: Option<WeekSpec>,
    pub closures: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateWorkspaceResponse {
    pub workspace_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceView {
    pub workspace_id: String,
    pub name: String,
    pub location: String,
    pub timezone: String,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: String,
    /// the earliest opening and latest closing of the week (exactly the hours when every day
    /// is alike); `hours` has each weekday's
    pub opens_at: String,
    pub closes_at: String,
    pub hours: WeekSpec,
    pub closures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    pub workspace_id: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeInterval {
    pub starts_at: String,
    pub ends_at: String,
    pub free_seats: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub workspace_id: String,
    pub capacity: i64,
    pub intervals: Vec<FreeInterval>,
}

// ---- Notifications

/// Input of the internal `Notifications/send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendNotification {
    /// derived from the event, e.g. `welcome:<user id>`: sending twice is a no-op
    pub id: String,
    pub user_id: Option<String>,
    pub kind: String,
    /// The address, when the sender has it in hand (the welcome, a password change). `None`:
    /// the member's (`user_id`) current address, read when the email is recorded, so that
    /// flows which live for days (a booking, a payment) never keep an address in their journal
    /// or state; nothing is sent to a closed or deleted account then.
    #[serde(default)]
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub sent_at: Option<String>,
}

// ---- Reporting

/// Input of the internal `Reporting/record`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordActivity {
    pub origin_key: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub workspace_id: Option<String>,
    pub booking_id: Option<String>,
    pub amount_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryRequest {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingCounts {
    pub confirmed: i64,
    pub cancelled: i64,
    pub rejected: i64,
    pub expired: i64,
    pub failed: i64,
    pub completed: i64,
    pub pending: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occupancy {
    pub workspace_id: String,
    pub booked_seat_hours: f64,
    pub available_seat_hours: f64,
    pub ratio: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub bookings: BookingCounts,
    pub revenue_cents: i64,
    pub refunded_cents: i64,
    pub occupancy: Vec<Occupancy>,
}

/// RFC 3339 (UTC, seconds) of a millisecond timestamp.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// ---- Bookings

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBookingRequest {
    pub workspace_id: String,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(default = "one")]
    pub seats: i64,
    pub payment_method: String,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBookingResponse {
    pub booking_id: String,
    pub status: BookingStatus,
}

/// The payment part of a booking's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSummary {
    pub status: PaymentStatus,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    /// while `awaiting_payment`: what the member's client needs to authenticate
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// `Booking/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    pub booking_id: String,
    pub status: BookingStatus,
    pub reason: Option<String>,
    pub workspace_id: String,
    pub user_id: String,
    pub starts_at: String,
    pub ends_at: String,
    pub seats: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub payment: PaymentSummary,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a cancel asks of the running Booking workflow. Who cancels decides the money: an
/// admin's or operator's cancel refunds everything, a member's follows the refund policy once
/// the booking is confirmed (`deskflow_domain::saga::retained_cents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub reason: String,
    pub by: deskflow_domain::saga::Canceller,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResult {
    pub status: BookingStatus,
    pub refund_cents: i64,
}

// ---- Admin

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminBookingsRequest {
    pub status: Option<String>,
    pub workspace_id: Option<String>,
    pub user_id: Option<String>,
    /// only bookings that are not final and have not changed for this many seconds
    /// ("stuck": e.g. waiting on payment for more than 10 minutes is `600`)
    pub stuck_for_secs: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminCancelRequest {
    pub booking_id: String,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromoteRequest {
    pub email: String,
}

/// `Admin/reconcile`: compare every settled booking's payment with the provider and every
/// workspace's seats with its bookings; with `fix`, settle the payment differences.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileRequest {
    #[serde(default)]
    pub fix: bool,
    /// only these bookings (and their workspaces' seats); all when absent
    #[serde(default)]
    pub booking_ids: Option<Vec<String>>,
}

/// One thing that is not as the booking's final state and the policy say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub booking_id: String,
    /// `authorization_open`, `provider_net`, `payment_row`, `over_capacity`
    pub kind: String,
    pub expected: String,
    pub found: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileReport {
    /// bookings (and workspaces) compared
    pub checked: i64,
    pub differences: Vec<Difference>,
    /// differences settled (with `fix`)
    pub fixed: i64,
}

// ---- Auth: sessions

/// `Auth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `Auth/validate`: who the bearer token speaks for, as the database says now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidateResponse {
    pub user_id: String,
    pub role: String,
    /// RFC 3339
    pub expires_at: String,
}

// ---- Admin: roles

/// `Admin/demote`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoteRequest {
    pub email: String,
}
