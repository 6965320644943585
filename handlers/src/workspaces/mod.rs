//! `Workspaces`: admins open workspaces (-> availability email -> activity record), change,
//! close them and list their bookings; everyone lists them, reads one and asks for free seats.
//!
//! This file is the service: each handler checks the caller's role and hands the body to the
//! module that does the work:
//! - [`opening`] opens a workspace (`create`);
//! - [`reading`] answers what everyone may read (`list`, `availability`);
//! - [`details`] reads, changes and lists the bookings of one workspace (`get`, `update`,
//!   `bookings`);
//! - [`closing`] closes one for good through the durable `WorkspaceClosure` flow (`close`).

mod closing;
mod details;
mod opening;
mod reading;

use crate::deps::Deps;
use crate::error::Failure;
use crate::guard;
use deskflow_api::OptionalJson;
use deskflow_api::{
    Availability, AvailabilityRequest, BookingSummary, CloseWorkspaceRequest, ClosureResult,
    CreateWorkspaceRequest, CreateWorkspaceResponse, Empty, GetWorkspaceRequest,
    UpdateWorkspaceRequest, WorkspaceBookingsRequest, WorkspaceDetails, WorkspaceView,
};
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
        Ok(Json(
            opening::create(&mut ctx, &self.deps, admin, req).await?,
        ))
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
        Ok(Json(reading::list(&self.deps).await?))
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
        Ok(Json(details::get(&self.deps, &req.workspace_id).await?))
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
        let d = details::update(&mut ctx, &self.deps, &admin.sub, req).await?;
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
        Ok(Json(details::bookings(&self.deps, req).await?))
    }

    /// Free seats per hour of opening time in `[from, to)` (at most 31 days).
    #[handler(name = "availability")]
    async fn availability(
        &self,
        ctx: Context<'_>,
        Json(req): Json<AvailabilityRequest>,
    ) -> Result<Json<Availability>, Failure> {
        guard::member(&ctx, &self.deps).await?;
        Ok(Json(reading::availability(&self.deps, req).await?))
    }
}
