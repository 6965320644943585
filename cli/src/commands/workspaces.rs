//! `deskflow workspaces`: open a workspace (admins), list the open ones, and show the free seats
//! per hour in a window.

use super::answer::text;
use super::context::Ctx;
use super::output::{green, money, table};
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
    #[arg(long, default_value = "08:00")]
    pub opens_at: String,
    #[arg(long, default_value = "20:00")]
    pub closes_at: String,
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
    }
    Ok(ExitCode::SUCCESS)
}

async fn create(ctx: &Ctx, w: CreateWorkspace) -> anyhow::Result<()> {
    let body = json!({"name": w.name, "location": w.location, "timezone": w.timezone, "capacity": w.capacity,
                      "hourly_rate_cents": w.hourly_rate_cents, "currency": w.currency, "opens_at": w.opens_at, "closes_at": w.closes_at});
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
