//! `deskflow workspaces`: open a workspace (admins), list the open ones, and show the free seats
//! per hour in a window. `get`, `update` and `bookings` are in `workspace_admin`.

use super::answer::text;
use super::context::Ctx;
use super::hours_arg::{parse_closures, parse_hours};
use super::output::{green, money, table};
use super::workspace_admin::{self, UpdateWorkspace};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum WorkspacesCmd {
    /// Open a workspace (admin)
    Create(CreateWorkspace),
    /// List active workspaces
    List,
    /// Free seats per hour in a window
    Availability {
        workspace_id: String,
        /// RFC 3339, e.g. 2031-03-03T00:00:00Z
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    /// One workspace: hours, closures, status
    Get { workspace_id: String },
    /// Change a workspace (admin)
    Update(UpdateWorkspace),
    /// Close a workspace for good: every booking that has not ended is cancelled with a full
    /// refund and an email (admin)
    Close {
        workspace_id: String,
        /// Why; every member affected reads it in their email
        #[arg(long)]
        reason: Option<String>,
    },
    /// A workspace's bookings by start (admin)
    Bookings {
        workspace_id: String,
        /// RFC 3339: only bookings starting at or after this
        #[arg(long)]
        from: Option<String>,
        /// RFC 3339: only bookings starting before this
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct CreateWorkspace {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub location: String,
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    #[arg(long)]
    pub capacity: i64,
    /// price per seat-hour in minor units
    #[arg(long)]
    pub hourly_rate_cents: i64,
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// every day (default 08:00 when neither this nor --hours is given)
    #[arg(long, conflicts_with = "hours")]
    pub opens_at: Option<String>,
    /// every day (default 20:00)
    #[arg(long, conflicts_with = "hours")]
    pub closes_at: Option<String>,
    /// per weekday: 'mon-fri=08:00-20:00,sat=10:00-16:00' (days not named are closed) or the
    /// API's JSON object
    #[arg(long)]
    pub hours: Option<String>,
    /// closure dates: 2031-12-24,2031-12-31
    #[arg(long)]
    pub closures: Option<String>,
}

pub(super) async fn run(ctx: Ctx, cmd: WorkspacesCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        WorkspacesCmd::Create(w) => create(&ctx, w).await?,
        WorkspacesCmd::List => list(&ctx).await?,
        WorkspacesCmd::Availability {
            workspace_id,
            from,
            to,
        } => availability(&ctx, &workspace_id, &from, &to).await?,
        WorkspacesCmd::Get { workspace_id } => workspace_admin::get(&ctx, &workspace_id).await?,
        WorkspacesCmd::Update(u) => workspace_admin::update(&ctx, u).await?,
        WorkspacesCmd::Close {
            workspace_id,
            reason,
        } => workspace_admin::close(&ctx, &workspace_id, reason).await?,
        WorkspacesCmd::Bookings {
            workspace_id,
            from,
            to,
        } => workspace_admin::bookings(&ctx, &workspace_id, from, to).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn create(ctx: &Ctx, w: CreateWorkspace) -> anyhow::Result<()> {
    let mut body = json!({"name": w.name, "location": w.location, "timezone": w.timezone, "capacity": w.capacity,
                      "hourly_rate_cents": w.hourly_rate_cents, "currency": w.currency});
    match &w.hours {
        Some(h) => body["hours"] = parse_hours(h)?,
        None => {
            body["opens_at"] = json!(w.opens_at.as_deref().unwrap_or("08:00"));
            body["closes_at"] = json!(w.closes_at.as_deref().unwrap_or("20:00"));
        }
    }
    if let Some(c) = &w.closures {
        body["closures"] = parse_closures(c);
    }
    let v = ctx.api.call("Workspaces/create", body).await?;
    ctx.print(&v, |v| {
        format!(
            "{} workspace {} opened",
            green("✓"),
            v["workspace_id"].as_str().unwrap_or("?")
        )
    });
    Ok(())
}

async fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let v = ctx.api.call("Workspaces/list", json!({})).await?;
    ctx.print(&v, workspaces_table);
    Ok(())
}

async fn availability(ctx: &Ctx, workspace_id: &str, from: &str, to: &str) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call(
            "Workspaces/availability",
            json!({"workspace_id": workspace_id, "from": from, "to": to}),
        )
        .await?;
    ctx.print(&v, availability_table);
    Ok(())
}

/// `Workspaces/list` for people: one row per workspace.
fn workspaces_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|w| {
                    vec![
                        text(&w["workspace_id"]),
                        text(&w["name"]),
                        text(&w["location"]),
                        w["capacity"].to_string(),
                        format!(
                            "{} {}",
                            money(w["hourly_rate_cents"].as_i64().unwrap_or(0)),
                            text(&w["currency"])
                        ),
                        format!(
                            "{}-{} {}",
                            text(&w["opens_at"]),
                            text(&w["closes_at"]),
                            text(&w["timezone"])
                        ),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    table(
        &["ID", "NAME", "LOCATION", "SEATS", "PER SEAT-HOUR", "OPEN"],
        &rows,
    )
}

/// `Workspaces/availability` for people: free seats per interval.
fn availability_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["intervals"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    vec![
                        text(&i["starts_at"]),
                        text(&i["ends_at"]),
                        i["free_seats"].to_string(),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    table(&["FROM", "TO", "FREE SEATS"], &rows)
}
