//! One workspace's own calls: `Workspaces/get` (open or closed), `update` (every field checked
//! before one step checks the seats sold and writes) and `bookings`.

use crate::announce::announce;
use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step, terminal};
use crate::stored::{self, booking_summary, closures_column, hours_columns};
use deskflow_api::{
    BookingSummary, RecordActivity, UpdateWorkspaceRequest, WorkspaceBookingsRequest,
    WorkspaceDetails, rfc3339,
};
use deskflow_domain::DomainError;
use deskflow_domain::slot::parse_timestamp;
use deskflow_domain::workspace_update::{UpdateInput, WorkspaceChanges};
use deskflow_infra::store::workspace_changes::{Updated, WorkspaceUpdate};
use restate_sdk::prelude::*;
use std::sync::Arc;

/// One workspace, open or closed.
pub async fn get(deps: &Deps, workspace_id: &str) -> Outcome<WorkspaceDetails> {
    let ws = deps
        .store
        .workspace(workspace_id)
        .await?
        .ok_or_else(|| Failure::not_found("workspace", workspace_id))?;
    stored::details(ws)
}

/// Validates every field before anything is written, then checks and writes in one step (one
/// store transaction) and records the change as activity.
pub async fn update(
    ctx: &mut Context<'_>,
    deps: &Arc<Deps>,
    admin_id: &str,
    req: UpdateWorkspaceRequest,
) -> Outcome<WorkspaceDetails> {
    let changes = WorkspaceChanges::parse(UpdateInput {
        name: req.name.as_deref(),
        location: req.location.as_deref(),
        capacity: req.capacity,
        hourly_rate_cents: req.hourly_rate_cents,
        opens_at: req.opens_at.as_deref(),
        closes_at: req.closes_at.as_deref(),
        hours: req.hours.as_ref(),
        closures: req.closures.as_deref(),
    })?;
    let fields = changes.changed().join(",");
    let new_capacity = changes.capacity.is_some();
    let update = WorkspaceUpdate {
        hours: changes.hours.as_ref().map(hours_columns),
        closures: changes.closures.as_ref().map(closures_column),
        name: changes.name,
        location: changes.location,
        capacity: changes.capacity,
        hourly_rate_cents: changes.hourly_rate_cents,
    };
    // one key per change, the same on a replay of this invocation
    let change_id = ctx.rand_uuid();
    let (d, id) = (deps.clone(), req.workspace_id.clone());
    let Json(details) = ctx
        .run(|| step(write(d, id, update)))
        .name("update workspace")
        .retry_policy(deps.db_retry.policy())
        .await?;
    announce(
        ctx,
        RecordActivity {
            origin_key: format!("workspace_updated:{}:{change_id}", details.workspace_id),
            kind: "workspace_updated".into(),
            user_id: Some(admin_id.to_string()),
            workspace_id: Some(details.workspace_id.clone()),
            booking_id: None,
            amount_cents: None,
        },
        None,
    );
    if new_capacity {
        // a raised capacity frees seats: the workspace's waitlist is served (one-way, after
        // the write, through the Calendar that owns it)
        ctx.object_client::<crate::calendar::CalendarClient>(details.workspace_id.clone())
            .serve()
            .send();
    }
    tracing::info!(workspace_id = %details.workspace_id, fields, "workspace updated");
    Ok(details)
}

/// The step of [`update`]: the store's check-and-write, its refusals as terminal errors.
async fn write(deps: Arc<Deps>, id: String, u: WorkspaceUpdate) -> Outcome<Json<WorkspaceDetails>> {
    match deps.store.update_workspace(&id, &u, now_ms()).await? {
        Updated::Done(ws) => Ok(Json(stored::details(*ws)?)),
        Updated::NotFound => Err(Failure::not_found("workspace", &id)),
        Updated::Closed => Err(terminal(
            409,
            format!("workspace {id:?} is closed: a closed workspace takes no changes"),
        )),
        Updated::Oversold(held) => Err(terminal(
            409,
            format!(
                "capacity {} is below the seats already sold: {} seats are held from {} to {}",
                u.capacity.unwrap_or_default(),
                held.seats,
                rfc3339(held.slot.starts_at.timestamp_millis()),
                rfc3339(held.slot.ends_at.timestamp_millis()),
            ),
        )),
    }
}

/// A workspace's bookings starting in the window, by start.
pub async fn bookings(deps: &Deps, req: WorkspaceBookingsRequest) -> Outcome<Vec<BookingSummary>> {
    let from = req
        .from
        .as_deref()
        .map(|f| parse_timestamp("from", f))
        .transpose()?;
    let to = req
        .to
        .as_deref()
        .map(|t| parse_timestamp("to", t))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        return Err(DomainError::field("to".into(), "must be after from").into());
    }
    if deps.store.workspace(&req.workspace_id).await?.is_none() {
        return Err(Failure::not_found("workspace", &req.workspace_id));
    }
    let rows = deps
        .store
        .bookings_of_workspace(
            &req.workspace_id,
            from.map(|f| f.timestamp_millis()),
            to.map(|t| t.timestamp_millis()),
        )
        .await?;
    Ok(rows.into_iter().map(booking_summary).collect())
}
