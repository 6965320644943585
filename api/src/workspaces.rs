//! The bodies of `Workspaces/get`, `Workspaces/update` and `Workspaces/bookings` (the older
//! workspace bodies, `create`, `list` and `availability`, are in the crate root).

use crate::WeekSpec;
use serde::{Deserialize, Serialize};

/// `Workspaces/get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetWorkspaceRequest {
    pub workspace_id: String,
}

/// One workspace as `get` and `update` answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceDetails {
    pub workspace_id: String,
    pub name: String,
    pub location: String,
    pub timezone: String,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: String,
    /// every weekday, `null` when closed that day
    pub hours: WeekSpec,
    /// local dates `YYYY-MM-DD`, in order
    pub closures: Vec<String>,
    /// `open`, or `closed` once the workspace was closed for good
    pub status: String,
}

/// `Workspaces/update`: the workspace and any fields to change; absent fields stay as they are.
/// The hours come in either form (`hours`, or `opens_at` with `closes_at` for every day);
/// `closures` replaces the whole list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkspaceRequest {
    pub workspace_id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    pub capacity: Option<i64>,
    pub hourly_rate_cents: Option<i64>,
    pub hours: Option<WeekSpec>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub closures: Option<Vec<String>>,
}

/// `Workspaces/bookings`: the bookings of one workspace starting in `[from, to)` (each bound
/// optional, RFC 3339).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceBookingsRequest {
    pub workspace_id: String,
    pub from: Option<String>,
    pub to: Option<String>,
}
