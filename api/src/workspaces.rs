//! `Workspaces`: opening, reading, changing and closing a workspace (what its durable
//! `WorkspaceClosure` flow is handed and answers), its free seats and its bookings.

use crate::WeekSpec;
use deskflow_domain::limits::{MAX_HOURLY_RATE_CENTS, MAX_NAME_CHARS, MAX_REASON_CHARS};
use deskflow_domain::schedule::MAX_CLOSURES;
use deskflow_domain::workspace::MAX_CAPACITY;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// `Workspaces/get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetWorkspaceRequest {
    /// From `Workspaces/list` or `Workspaces/create`; 404 when unknown.
    pub workspace_id: String,
}

/// One workspace as `get` and `update` answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WorkspaceDetails {
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
    /// every weekday, `null` when closed that day
    pub hours: WeekSpec,
    /// local dates `YYYY-MM-DD`, in order
    pub closures: Vec<String>,
    /// `open`, or `closed` once the workspace was closed for good
    #[schemars(extend("enum" = ["open", "closed"]))]
    pub status: String,
}

/// `Workspaces/update`: the workspace and any fields to change; absent fields stay as they are.
/// The hours come in either form (`hours`, or `opens_at` with `closes_at` for every day);
/// `closures` replaces the whole list. At least one change is needed (nothing to change is
/// 400).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 2))]
pub struct UpdateWorkspaceRequest {
    /// The workspace to change; the other fields are the changes.
    pub workspace_id: String,
    /// 1 to 200 characters.
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: Option<String>,
    /// 1 to 200 characters.
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub location: Option<String>,
    /// 1 to 10,000; below the seats already sold for a future slot is 409, naming that slot.
    #[schemars(range(min = 1, max = MAX_CAPACITY))]
    pub capacity: Option<i64>,
    /// Minor units per seat-hour, 0 to 10,000,000; applies to new bookings only.
    #[schemars(range(min = 0, max = MAX_HOURLY_RATE_CENTS))]
    pub hourly_rate_cents: Option<i64>,
    /// Hours per weekday (or `opens_at` with `closes_at` for every day).
    pub hours: Option<WeekSpec>,
    /// Opening time every day, local `HH:MM`, with `closes_at`.
    pub opens_at: Option<String>,
    /// Closing time every day, local `HH:MM`.
    pub closes_at: Option<String>,
    /// Local dates `YYYY-MM-DD` closed all day; replaces the whole list (at most 366).
    #[schemars(length(max = MAX_CLOSURES), inner(pattern(r"^\d{4}-\d{2}-\d{2}$")))]
    pub closures: Option<Vec<String>>,
}

/// `Workspaces/bookings`: the bookings of one workspace starting in `[from, to)` (each bound
/// optional, RFC 3339).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceBookingsRequest {
    /// The workspace whose bookings to list.
    pub workspace_id: String,
    /// RFC 3339 with offset; from the beginning when absent.
    #[schemars(extend("format" = "date-time"))]
    pub from: Option<String>,
    /// RFC 3339 with offset; without end when absent.
    #[schemars(extend("format" = "date-time"))]
    pub to: Option<String>,
}

/// `Workspaces/close`: which workspace, and why (the reason goes into every member's email).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseWorkspaceRequest {
    /// The workspace to close; closing it again answers the same result.
    pub workspace_id: String,
    /// Up to 500 characters; goes into every member's email.
    #[serde(default)]
    #[schemars(length(max = MAX_REASON_CHARS))]
    pub reason: Option<String>,
}

/// What the closure came to (the same answer however often `close` is called).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClosureResult {
    pub workspace_id: String,
    /// Bookings that had not ended, now cancelled with a full refund.
    pub cancelled_bookings: i64,
    /// Refunded in all, minor units.
    pub refunded_cents: i64,
}

/// (internal) What the `WorkspaceClosure` workflow is handed: the reason and the admin who
/// closed it; the workspace is the workflow's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClosureStart {
    pub reason: String,
    pub admin_id: String,
}
