//! Stored records read back as the domain's rules. A row was validated when it was written, so
//! a row that no longer parses is a defect (500), not the caller's fault.

use crate::error::{Outcome, terminal};
use deskflow_domain::hours::OpeningHours;
use deskflow_domain::workspace::parse_timezone;
use deskflow_infra::store::workspaces::Workspace;

/// Opening hours and timezone of a stored workspace (validated when it was created).
pub fn hours(ws: &Workspace) -> Outcome<(OpeningHours, chrono_tz::Tz)> {
    let hours = OpeningHours::parse(&ws.opens_at, &ws.closes_at)
        .map_err(|e| terminal(500, e.to_string()))?;
    let tz = parse_timezone(&ws.timezone).map_err(|e| terminal(500, e.to_string()))?;
    Ok((hours, tz))
}
