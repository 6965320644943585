//! Stored records read back as the domain's rules, and the domain's values written as columns;
//! and the views of a row that several services answer (a booking in a list, a profile). A row
//! was validated when it was written, so a row that no longer parses is a defect (500), not
//! the caller's fault.

use crate::error::{Outcome, terminal};
use chrono::NaiveDate;
use deskflow_api::{BookingSummary, Profile, WeekSpec, WorkspaceDetails, WorkspaceView, rfc3339};
use deskflow_domain::hours::OpeningHours;
use deskflow_domain::schedule::{Schedule, parse_closures};
use deskflow_domain::workspace::parse_timezone;
use deskflow_infra::store::bookings::BookingRow;
use deskflow_infra::store::users::User;
use deskflow_infra::store::workspaces::Workspace;
use std::collections::BTreeSet;

/// When a stored workspace is open (weekly hours or the old daily form, and closures) and its
/// time zone.
pub fn schedule(ws: &Workspace) -> Outcome<(Schedule, chrono_tz::Tz)> {
    let defect = |e: String| terminal(500, format!("workspace {:?}: {e}", ws.id));
    let week = match &ws.weekly_hours {
        None => Schedule::daily(
            OpeningHours::parse(&ws.opens_at, &ws.closes_at).map_err(|e| defect(e.to_string()))?,
        ),
        Some(json) => {
            let spec: WeekSpec =
                serde_json::from_str(json).map_err(|e| defect(format!("weekly_hours: {e}")))?;
            Schedule::weekly(&spec).map_err(|e| defect(e.to_string()))?
        }
    };
    let closures: Vec<String> =
        serde_json::from_str(&ws.closures).map_err(|e| defect(format!("closures: {e}")))?;
    let closures = parse_closures(&closures).map_err(|e| defect(e.to_string()))?;
    let tz = parse_timezone(&ws.timezone).map_err(|e| defect(e.to_string()))?;
    Ok((week.with_closures(closures), tz))
}

/// The hours columns of a schedule: `(opens_at, closes_at, weekly_hours)`. The same hours
/// every day are the old form (`weekly_hours` NULL); otherwise `opens_at`/`closes_at` are the
/// week's widest hours and `weekly_hours` the JSON of each day's.
pub fn hours_columns(s: &Schedule) -> (String, String, Option<String>) {
    match s.as_daily() {
        Some(h) => (h.opens_str(), h.closes_str(), None),
        None => {
            let w = s.widest();
            // a struct of strings always serializes
            let json = serde_json::to_string(&s.spec()).unwrap_or_default();
            (w.opens_str(), w.closes_str(), Some(json))
        }
    }
}

/// The closures column: a JSON array of `YYYY-MM-DD` dates.
pub fn closures_column(dates: &BTreeSet<NaiveDate>) -> String {
    let dates: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    serde_json::to_string(&dates).unwrap_or_else(|_| "[]".into())
}

/// A workspace as `Workspaces/get` and `update` answer it.
pub fn details(ws: Workspace) -> Outcome<WorkspaceDetails> {
    let (s, _) = schedule(&ws)?;
    Ok(WorkspaceDetails {
        hours: s.spec(),
        closures: s.closure_strings(),
        status: if ws.active { "open" } else { "closed" }.into(),
        workspace_id: ws.id,
        name: ws.name,
        location: ws.location,
        timezone: ws.timezone,
        capacity: ws.capacity,
        hourly_rate_cents: ws.hourly_rate_cents,
        currency: ws.currency,
    })
}

/// A workspace as `Workspaces/list` shows it.
pub fn view(ws: Workspace) -> Outcome<WorkspaceView> {
    let (s, _) = schedule(&ws)?;
    Ok(WorkspaceView {
        hours: s.spec(),
        closures: s.closure_strings(),
        workspace_id: ws.id,
        name: ws.name,
        location: ws.location,
        timezone: ws.timezone,
        capacity: ws.capacity,
        hourly_rate_cents: ws.hourly_rate_cents,
        currency: ws.currency,
        opens_at: ws.opens_at,
        closes_at: ws.closes_at,
    })
}

/// The profile view of a user (`Users/me`, `Users/update`, `Admin/promote` and `demote`).
pub fn profile(u: User) -> Profile {
    Profile {
        user_id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        created_at: rfc3339(u.created_at),
    }
}

/// The list view of a booking row (`Users/bookings`, `Workspaces/bookings`, `Admin/bookings`).
pub fn booking_summary(b: BookingRow) -> BookingSummary {
    BookingSummary {
        booking_id: b.id,
        workspace_id: b.workspace_id,
        user_id: b.user_id,
        status: b.status,
        reason: b.reason,
        starts_at: rfc3339(b.starts_at),
        ends_at: rfc3339(b.ends_at),
        seats: b.seats,
        amount_cents: b.amount_cents,
        currency: b.currency,
        created_at: rfc3339(b.created_at),
        updated_at: rfc3339(b.updated_at),
    }
}
