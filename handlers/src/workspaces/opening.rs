//! `Workspaces/create`: an admin opens a workspace. Every field is checked before anything is
//! written; the row is written in one journaled step, then the opening email and the activity
//! record go out.

use crate::announce::announce;
use crate::deps::{Deps, now_ms};
use crate::error::{Outcome, step, terminal};
use crate::stored::{closures_column, hours_columns};
use deskflow_api::{
    CreateWorkspaceRequest, CreateWorkspaceResponse, RecordActivity, SendNotification,
};
use deskflow_domain::money::format_minor as money;
use deskflow_domain::schedule::Schedule;
use deskflow_domain::workspace::{NewWorkspace, WorkspaceInput};
use deskflow_infra::jwt::Claims;
use deskflow_infra::store::workspaces::Workspace;
use restate_sdk::prelude::*;
use std::sync::Arc;

/// Opens the workspace `req` describes, created by `admin`. 400 names the first invalid field.
pub(super) async fn create(
    ctx: &mut Context<'_>,
    deps: &Arc<Deps>,
    admin: Claims,
    req: CreateWorkspaceRequest,
) -> Outcome<CreateWorkspaceResponse> {
    let ws = NewWorkspace::parse(WorkspaceInput {
        name: &req.name,
        location: &req.location,
        timezone: &req.timezone,
        capacity: req.capacity,
        hourly_rate_cents: req.hourly_rate_cents,
        currency: &req.currency,
        opens_at: req.opens_at.as_deref(),
        closes_at: req.closes_at.as_deref(),
        hours: req.hours.as_ref(),
        closures: req.closures.as_deref(),
    })?;
    let (opens_at, closes_at, weekly_hours) = hours_columns(&ws.schedule);
    let workspace_id = ctx.rand_uuid().to_string();
    let row = Workspace {
        id: workspace_id.clone(),
        name: ws.name.clone(),
        location: ws.location.clone(),
        timezone: ws.timezone.name().to_string(),
        capacity: ws.capacity,
        hourly_rate_cents: ws.hourly_rate_cents,
        currency: ws.currency.as_str().to_string(),
        opens_at,
        closes_at,
        weekly_hours,
        closures: closures_column(ws.schedule.closures()),
        active: true,
        created_by: admin.sub.clone(),
        created_at: 0,
    };
    let d = deps.clone();
    let admin_id = admin.sub.clone();
    let w = row.clone();
    let admin_email: String = ctx
        .run(|| {
            step(async move {
                let creator = d.store.user(&admin_id).await?;
                let creator =
                    creator.ok_or_else(|| terminal(401, "this token's user no longer exists"))?;
                d.store
                    .insert_workspace(&Workspace {
                        created_at: now_ms(),
                        ..w
                    })
                    .await?;
                Ok(creator.email)
            })
        })
        .name("create workspace")
        .retry_policy(deps.db_retry.policy())
        .await?;

    announce(
        ctx,
        RecordActivity {
            origin_key: format!("workspace_created:{workspace_id}"),
            kind: "workspace_created".into(),
            user_id: Some(admin.sub.clone()),
            workspace_id: Some(workspace_id.clone()),
            booking_id: None,
            amount_cents: None,
        },
        Some(SendNotification {
            id: format!("workspace_available:{workspace_id}"),
            user_id: Some(admin.sub.clone()),
            kind: "workspace_available".into(),
            to: Some(admin_email),
            subject: format!("{} is open for booking", row.name),
            body: format!(
                "{} ({}) is now available: {} seats, open {} ({}), {} {} per seat-hour.\nWorkspace id: {}",
                row.name,
                row.location,
                row.capacity,
                open_days(&ws.schedule),
                row.timezone,
                money(row.hourly_rate_cents),
                row.currency,
                workspace_id
            ),
        }),
    );
    tracing::info!(workspace_id, "workspace created");
    Ok(CreateWorkspaceResponse { workspace_id })
}

/// `08:00-20:00 every day`, or the open weekdays with their hours, for the opening email.
fn open_days(s: &Schedule) -> String {
    if let Some(h) = s.as_daily() {
        return format!("{}-{} every day", h.opens_str(), h.closes_str());
    }
    let w = s.spec();
    let days = [
        ("Mon", &w.mon),
        ("Tue", &w.tue),
        ("Wed", &w.wed),
        ("Thu", &w.thu),
        ("Fri", &w.fri),
        ("Sat", &w.sat),
        ("Sun", &w.sun),
    ];
    let open: Vec<String> = days
        .iter()
        .filter_map(|(d, h)| h.as_ref().map(|h| format!("{d} {}", h.join("-"))))
        .collect();
    open.join(", ")
}
