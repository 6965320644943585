//! The bodies of `Workspaces/get`, `Workspaces/update` and `Workspaces/bookings` (the older
//! workspace bodies, `create`, `list` and `availability`, are in the crate root).

use crate::WeekSpec;
use deskflow_domain::limits::{MAX_HOURLY_RATE_CENTS, MAX_NAME_CHARS};
use deskflow_domain::schedule::MAX_CLOSURES;
use deskflow_domain::workspace::MAX_CAPACITY;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
