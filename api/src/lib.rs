//! The JSON bodies of the public contract (`docs/API.md`) and of the internal handlers.
//! Field names are the contract: extend, never rename. Inputs refuse unknown fields, so a typo
//! in a request is a 400 instead of a silently ignored setting.
//!
//! Every type derives `JsonSchema`: the SDK publishes each handler's schema at discovery, and
//! Restate serves it as OpenAPI (`GET <admin>/services/<Service>/openapi`) and as the UI
//! playground's forms. Doc comments become the schema's descriptions, so they are written for a
//! member reading a form; the bounds in `#[schemars(..)]` are the ones the handlers enforce
//! (necessary, not sufficient: a handler may still refuse, e.g. a blank name).

use deskflow_domain::booking::BookingStatus;
use deskflow_domain::limits::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS};
use deskflow_domain::password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use deskflow_domain::payment::PaymentStatus;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod body;
pub mod catalog;
pub mod flows;
mod lifecycle;
mod workspaces;

pub use body::OptionalJson;
pub use lifecycle::{
    CloseWorkspaceRequest, ClosureResult, ClosureStart, DeleteAccountRequest, DeletionResult,
};

pub use deskflow_domain::schedule::WeekSpec;
pub use workspaces::*;

/// No input: send `{}` (or no body at all).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

// ---- Auth

/// `Auth/register`: opens a member account and signs it in.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The login, unique per account (compared case-insensitively).
    #[schemars(email, length(max = MAX_EMAIL_CHARS))]
    pub email: String,
    /// 8 to 128 characters.
    #[schemars(length(min = MIN_PASSWORD_LEN, max = MAX_PASSWORD_LEN))]
    pub password: String,
    /// The member's display name, 1 to 200 characters (surrounding blanks are trimmed).
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: String,
}

/// The new account and its first session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterResponse {
    /// The new account's id.
    pub user_id: String,
    /// The access token: send it as `Authorization: Bearer <token>` on every other call.
    pub token: String,
    /// When `token` expires (RFC 3339); get a new one with `Auth/refresh`.
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: String,
    /// Spent once by `Auth/refresh`, which answers a new pair.
    pub refresh_token: String,
}

/// `Auth/login`: signs in with email and password. Repeated failures for one account are
/// refused with 429 for a while (the message says how many seconds to wait).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email, as registered (any case).
    #[schemars(length(max = MAX_EMAIL_CHARS))]
    pub email: String,
    /// The account's password (wrong: 401).
    #[schemars(length(max = MAX_PASSWORD_LEN))]
    pub password: String,
}

/// A session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LoginResponse {
    /// The access token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// When `token` expires (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: String,
    /// Spent once by `Auth/refresh`, which answers a new pair.
    pub refresh_token: String,
}

// ---- Users

/// `Users/update`: the fields of the caller's profile a member may change.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// The new display name, 1 to 200 characters (surrounding blanks are trimmed).
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: String,
}

/// `Users/change_password`. Never journaled beyond the call (the Users service keeps no
/// journal), never stored: the new password's hash is written in the step that makes it.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now; 401 when it is wrong.
    #[schemars(length(max = MAX_PASSWORD_LEN))]
    pub current_password: String,
    /// 8 to 128 characters. Tokens issued before the change are refused afterwards.
    #[schemars(length(min = MIN_PASSWORD_LEN, max = MAX_PASSWORD_LEN))]
    pub new_password: String,
}

/// Passwords stay out of logs and panics.
impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest { .. }")
    }
}

/// A member's profile (`Users/me`, `Users/update`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Profile {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// `member` or `admin`.
    pub role: String,
    /// When the account was opened (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
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

// ---- Workspaces

/// `Workspaces/create` (admin). Opening hours come either as `opens_at` with `closes_at`
/// (every day alike) or as `hours` (per weekday): one of the two.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["opens_at", "closes_at"]}, {"required": ["hours"]}]))]
pub struct CreateWorkspaceRequest {
    /// 1 to 200 characters.
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: String,
    /// Where it is, 1 to 200 characters.
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub location: String,
    /// An IANA time zone, e.g. `Europe/Berlin`: hours and closures are local to it.
    #[schemars(example = &"Europe/Berlin")]
    pub timezone: String,
    /// Seats, 1 to 10,000.
    #[schemars(range(min = 1, max = deskflow_domain::workspace::MAX_CAPACITY))]
    pub capacity: i64,
    /// The price of one seat for one hour in minor units of `currency` (cents for EUR), 0 to
    /// 10,000,000; 0 makes a free workspace (bookings confirmed without a payment).
    #[schemars(range(min = 0, max = deskflow_domain::limits::MAX_HOURLY_RATE_CENTS))]
    pub hourly_rate_cents: i64,
    /// ISO 4217: one of AUD, BRL, CAD, CHF, CZK, DKK, EUR, GBP, HKD, HUF, INR, JPY, KRW, MXN,
    /// NOK, NZD, PLN, SEK, SGD, USD, ZAR.
    #[schemars(example = &"EUR")]
    pub currency: String,
    /// Opening time every day, local `HH:MM` (24-hour), with `closes_at`; or give `hours`.
    #[schemars(example = &"08:00")]
    pub opens_at: Option<String>,
    /// Closing time every day, local `HH:MM`, after `opens_at`.
    #[schemars(example = &"20:00")]
    pub closes_at: Option<String>,
    /// Hours per weekday (instead of `opens_at`/`closes_at`).
    pub hours: Option<WeekSpec>,
    /// Local dates `YYYY-MM-DD` on which the workspace is closed all day (at most 366).
    #[schemars(length(max = deskflow_domain::schedule::MAX_CLOSURES), inner(pattern(r"^\d{4}-\d{2}-\d{2}$")))]
    pub closures: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateWorkspaceResponse {
    /// Use it in `Workspaces/get|update|close|availability` and `Bookings/create`.
    pub workspace_id: String,
}

/// An open workspace as `Workspaces/list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WorkspaceView {
    pub workspace_id: String,
    pub name: String,
    pub location: String,
    /// IANA time zone of the hours and closures.
    pub timezone: String,
    pub capacity: i64,
    /// Minor units of `currency` per seat-hour.
    pub hourly_rate_cents: i64,
    /// ISO 4217.
    pub currency: String,
    /// The earliest opening of the week, local `HH:MM` (exactly the hours when every day is
    /// alike); `hours` has each weekday's.
    pub opens_at: String,
    /// The latest closing of the week, local `HH:MM`.
    pub closes_at: String,
    pub hours: WeekSpec,
    /// Local dates `YYYY-MM-DD` on which it is closed all day.
    pub closures: Vec<String>,
}

/// `Workspaces/availability`: free seats in `[from, to)`, at most 31 days.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// From `Workspaces/list` or `Workspaces/create`.
    pub workspace_id: String,
    /// RFC 3339 with offset.
    #[schemars(extend("format" = "date-time"))]
    pub from: String,
    /// RFC 3339 with offset, after `from`.
    #[schemars(extend("format" = "date-time"))]
    pub to: String,
}

/// An interval in which the number of free seats does not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FreeInterval {
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub starts_at: String,
    /// RFC 3339.
    #[schemars(extend("format" = "date-time"))]
    pub ends_at: String,
    pub free_seats: i64,
}

/// Free seats over the requested window, within the opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Availability {
    pub workspace_id: String,
    pub capacity: i64,
    /// In time order.
    pub intervals: Vec<FreeInterval>,
}

// ---- Notifications

/// (internal) Input of `Notifications/send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SendNotification {
    /// derived from the event, e.g. `welcome:<user id>`: sending twice is a no-op
    pub id: String,
    pub user_id: Option<String>,
    /// e.g. `welcome`, `booking_confirmed`
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

/// One email sent (or being sent) to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotificationView {
    /// What it is about, e.g. `welcome`, `booking_confirmed`.
    pub kind: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When it was delivered (RFC 3339), `null` until then.
    #[schemars(extend("format" = "date-time"))]
    pub sent_at: Option<String>,
}

// ---- Reporting

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

/// RFC 3339 (UTC, seconds) of a millisecond timestamp.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// ---- Bookings

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
    #[schemars(length(min = 1, max = 200), example = &"pm_card_visa")]
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
    #[schemars(length(min = 1, max = 200))]
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

// ---- Admin

/// `Admin/bookings` (admin): bookings matching every filter given (all when none).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminBookingsRequest {
    /// A booking status, e.g. `awaiting_payment`.
    pub status: Option<String>,
    /// Only this workspace's bookings.
    pub workspace_id: Option<String>,
    /// Only this member's bookings.
    pub user_id: Option<String>,
    /// Only bookings that are not final and have not changed for this many seconds
    /// ("stuck": e.g. waiting on payment for more than 10 minutes is `600`), 1 to 31,536,000.
    #[schemars(range(min = 1, max = deskflow_domain::limits::MAX_STUCK_FOR_SECS))]
    pub stuck_for_secs: Option<i64>,
}

/// `Admin/cancel_booking` (admin): cancels any booking with a full refund.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminCancelRequest {
    /// Any member's booking.
    pub booking_id: String,
    /// Why, up to 500 characters (goes into the member's email).
    #[serde(default)]
    #[schemars(length(max = MAX_REASON_CHARS))]
    pub reason: Option<String>,
}

/// `Admin/promote` (admin): gives an account the admin role.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteRequest {
    /// The account's email.
    #[schemars(length(max = MAX_EMAIL_CHARS))]
    pub email: String,
}

/// `Admin/reconcile`: compare every settled booking's payment with the provider and every
/// workspace's seats with its bookings; with `fix`, settle the payment differences.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileRequest {
    /// Settle the payment differences found (through the same unwind as a cancel).
    #[serde(default)]
    pub fix: bool,
    /// only these bookings (and their workspaces' seats); all when absent
    #[serde(default)]
    pub booking_ids: Option<Vec<String>>,
}

/// One thing that is not as the booking's final state and the policy say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Difference {
    pub booking_id: String,
    /// `authorization_open`, `provider_net`, `payment_row`, `booking_net`, `over_capacity`,
    /// `orphan_authorization`, `orphan_charge`
    pub kind: String,
    /// What the booking's final state and the policy say.
    pub expected: String,
    /// What the provider or the database holds.
    pub found: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReconcileReport {
    /// bookings (and workspaces) compared
    pub checked: i64,
    pub differences: Vec<Difference>,
    /// differences settled (with `fix`)
    pub fixed: i64,
}

// ---- Auth: sessions

/// `Auth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// From `Auth/login`, `Auth/register` or an earlier refresh; spent by this call.
    pub refresh_token: String,
}

/// `Auth/validate`: who the bearer token speaks for, as the database says now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ValidateResponse {
    pub user_id: String,
    /// `member` or `admin`.
    pub role: String,
    /// When the token expires (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: String,
}

// ---- Admin: roles

/// `Admin/demote`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DemoteRequest {
    /// The admin's email; the last admin cannot be demoted (409).
    #[schemars(length(max = MAX_EMAIL_CHARS))]
    pub email: String,
}
