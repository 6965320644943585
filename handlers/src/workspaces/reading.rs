//! What everyone may read of the workspaces: the open ones, one with its status, and its free
//! seats over a window.

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome};
use crate::stored;
use deskflow_api::{Availability, AvailabilityRequest, FreeInterval, WorkspaceView, rfc3339};
use deskflow_domain::availability::{Occupied, free_seats};
use deskflow_domain::slot::TimeSlot;

/// The open workspaces.
pub(super) async fn list(deps: &Deps) -> Outcome<Vec<WorkspaceView>> {
    let all = deps.store.active_workspaces().await?;
    all.into_iter().map(stored::view).collect()
}

/// Free seats per hour of opening time in `[from, to)` of an open workspace.
pub(super) async fn availability(deps: &Deps, req: AvailabilityRequest) -> Outcome<Availability> {
    let window = TimeSlot::parse("from", &req.from, "to", &req.to)?;
    let ws = deps
        .store
        .workspace(&req.workspace_id)
        .await?
        .filter(|w| w.active)
        .ok_or_else(|| Failure::not_found("workspace", &req.workspace_id))?;
    let (schedule, tz) = stored::schedule(&ws)?;
    let held = deps
        .store
        .occupied(
            &ws.id,
            window.starts_at.timestamp_millis(),
            window.ends_at.timestamp_millis(),
            now_ms(),
        )
        .await?;
    let held: Vec<Occupied> = held
        .into_iter()
        .filter_map(|(s, e, seats)| Occupied::from_millis(s, e, seats))
        .collect();
    let free = free_seats(ws.capacity, &schedule, tz, window, &held)?;
    Ok(Availability {
        workspace_id: ws.id,
        capacity: ws.capacity,
        intervals: free
            .into_iter()
            .map(|f| FreeInterval {
                starts_at: rfc3339(f.slot.starts_at.timestamp_millis()),
                ends_at: rfc3339(f.slot.ends_at.timestamp_millis()),
                free_seats: f.free_seats.max(0),
            })
            .collect(),
    })
}
