//! `Workspaces`: admins open workspaces (-> availability email -> activity record), change them
//! and list their bookings; everyone lists them, reads one and asks for free seats. The bodies
//! of `get`, `update` and `bookings` are in `workspace_admin`.

use crate::announce::announce;
use crate::closing;
use crate::deps::{Deps, now_ms};
use crate::error::{Failure, step, terminal};
use crate::guard;
use crate::stored::{self, closures_column, hours_columns};
use crate::workspace_admin;
use deskflow_api::OptionalJson;
use deskflow_api::{
    Availability, AvailabilityRequest, BookingSummary, CloseWorkspaceRequest, ClosureResult,
    CreateWorkspaceRequest, CreateWorkspaceResponse, Empty, FreeInterval, GetWorkspaceRequest,
    RecordActivity, SendNotification, UpdateWorkspaceRequest, WorkspaceBookingsRequest,
    WorkspaceDetails, WorkspaceView,
};
use deskflow_domain::availability::{Occupied, free_seats};
use deskflow_domain::money::format_minor as money;
use deskflow_domain::schedule::Schedule;
use deskflow_domain::slot::TimeSlot;
use deskflow_domain::workspace::{NewWorkspace, WorkspaceInput};
use deskflow_infra::store::workspaces::Workspace;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Workspaces {
    pub deps: Arc<Deps>,
}

/// Every handler receives a bearer token: no journal or idempotency record is kept after a call.
#[restate_sdk::service(
    name = "Workspaces",
    journal_retention = "0s",
    idempotency_retention = "0s"
)]
impl Workspaces {
    /// (admin) Opens a workspace. 400 names the first invalid field (capacity 0, closes before
    /// opens, unknown currency or timezone, ...).
    #[handler(name = "create")]
    async fn create(
        &self,
        mut ctx: Context<'_>,
        Json(req): Json<CreateWorkspaceRequest>,
    ) -> Result<Json<CreateWorkspaceResponse>, Failure> {
        let admin = guard::admin(&ctx, &self.deps).await?;
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
        let deps = self.deps.clone();
        let admin_id = admin.sub.clone();
        let w = row.clone();
        let admin_email: String = ctx
            .run(|| {
                step(async move {
                    let creator = deps.store.user(&admin_id).await?;
                    let creator = creator
                        .ok_or_else(|| terminal(401, "this token's user no longer exists"))?;
                    deps.store
                        .insert_workspace(&Workspace {
                            created_at: now_ms(),
                            ..w
                        })
                        .await?;
                    Ok(creator.email)
                })
            })
            .name("create workspace")
            .retry_policy(self.deps.db_retry.policy())
            .await?;

        announce(
            &ctx,
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
        Ok(Json(CreateWorkspaceResponse { workspace_id }))
    }

    /// (admin) Closes a workspace for good: `{"workspace_id","reason"}` ->
    /// `{"workspace_id","cancelled_bookings","refunded_cents"}` (see `closing`).
    #[handler(name = "close")]
    async fn close(
        &self,
        ctx: Context<'_>,
        Json(req): Json<CloseWorkspaceRequest>,
    ) -> Result<Json<ClosureResult>, Failure> {
        let admin = guard::admin(&ctx, &self.deps).await?;
        closing::close(&ctx, &self.deps, admin, req).await
    }

    /// Active workspaces.
    #[handler(name = "list")]
    async fn list(
        &self,
        ctx: Context<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<Vec<WorkspaceView>>, Failure> {
        guard::member(&ctx, &self.deps).await?;
        let all = self.deps.store.active_workspaces().await?;
        let views = all.into_iter().map(stored::view);
        Ok(Json(views.collect::<Result<_, _>>()?))
    }

    /// (any member) One workspace with its weekly hours, closures and `status` (`open` or
    /// `closed`); 404 for an unknown id.
    #[handler(name = "get")]
    async fn get(
        &self,
        ctx: Context<'_>,
        Json(req): Json<GetWorkspaceRequest>,
    ) -> Result<Json<WorkspaceDetails>, Failure> {
        guard::member(&ctx, &self.deps).await?;
        Ok(Json(
            workspace_admin::get(&self.deps, &req.workspace_id).await?,
        ))
    }

    /// (admin) Changes any of name, location, capacity, rate, hours, closures; 409 for a
    /// capacity below seats sold (naming the slot) or a closed workspace.
    #[handler(name = "update")]
    async fn update(
        &self,
        mut ctx: Context<'_>,
        Json(req): Json<UpdateWorkspaceRequest>,
    ) -> Result<Json<WorkspaceDetails>, Failure> {
        let admin = guard::admin(&ctx, &self.deps).await?;
        let d = workspace_admin::update(&mut ctx, &self.deps, &admin.sub, req).await?;
        Ok(Json(d))
    }

    /// (admin) The workspace's bookings starting in `[from, to)`, by start.
    #[handler(name = "bookings")]
    async fn bookings(
        &self,
        ctx: Context<'_>,
        Json(req): Json<WorkspaceBookingsRequest>,
    ) -> Result<Json<Vec<BookingSummary>>, Failure> {
        guard::admin(&ctx, &self.deps).await?;
        Ok(Json(workspace_admin::bookings(&self.deps, req).await?))
    }

    /// Free seats per hour of opening time in `[from, to)` (at most 31 days).
    #[handler(name = "availability")]
    async fn availability(
        &self,
        ctx: Context<'_>,
        Json(req): Json<AvailabilityRequest>,
    ) -> Result<Json<Availability>, Failure> {
        guard::member(&ctx, &self.deps).await?;
        let window = TimeSlot::parse("from", &req.from, "to", &req.to)?;
        let ws = self
            .deps
            .store
            .workspace(&req.workspace_id)
            .await?
            .filter(|w| w.active)
            .ok_or_else(|| Failure::not_found("workspace", &req.workspace_id))?;
        let (schedule, tz) = stored::schedule(&ws)?;
        let held = self
            .deps
            .store
            .occupied(
                &ws.id,
                window.starts_at.timestamp_millis(),
                window.ends_at.timestamp_millis(),
                crate::deps::now_ms(),
            )
            .await?;
        let held: Vec<Occupied> = held
            .into_iter()
            .filter_map(|(s, e, seats)| Occupied::from_millis(s, e, seats))
            .collect();
        let free = free_seats(ws.capacity, &schedule, tz, window, &held)?;
        Ok(Json(Availability {
            workspace_id: ws.id,
            capacity: ws.capacity,
            intervals: free
                .into_iter()
                .map(|f| FreeInterval {
                    starts_at: deskflow_api::rfc3339(f.slot.starts_at.timestamp_millis()),
                    ends_at: deskflow_api::rfc3339(f.slot.ends_at.timestamp_millis()),
                    free_seats: f.free_seats.max(0),
                })
                .collect(),
        }))
    }
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
