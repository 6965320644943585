//! `deskflow workspaces get|update|close|bookings`: read one workspace, change it (admins),
//! close it for good (admins), list its bookings (admins).

use super::answer::text;
use super::bookings::bookings_table;
use super::context::Ctx;
use super::hours_arg::{parse_closures, parse_hours};
use super::output::{bold, green, money, red};
use clap::Args;
use serde_json::{Value, json};

#[derive(Debug, Args)]
pub struct UpdateWorkspace {
    pub workspace_id: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub location: Option<String>,
    #[arg(long)]
    pub capacity: Option<i64>,
    /// price per seat-hour in minor units (new bookings only)
    #[arg(long)]
    pub rate: Option<i64>,
    /// per weekday: 'mon-fri=08:00-20:00,sun=closed' (days not named are closed) or the API's
    /// JSON object
    #[arg(long, conflicts_with_all = ["opens_at", "closes_at"])]
    pub hours: Option<String>,
    /// the same hours every day (with --closes-at)
    #[arg(long, requires = "closes_at")]
    pub opens_at: Option<String>,
    #[arg(long, requires = "opens_at")]
    pub closes_at: Option<String>,
    /// closure dates, replacing the list: 2031-12-24,2031-12-31 ('' for none)
    #[arg(long)]
    pub closures: Option<String>,
}

pub(super) async fn get(ctx: &Ctx, workspace_id: &str) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call("Workspaces/get", json!({"workspace_id": workspace_id}))
        .await?;
    ctx.print(&v, workspace_text);
    Ok(())
}

pub(super) async fn update(ctx: &Ctx, u: UpdateWorkspace) -> anyhow::Result<()> {
    let mut body = json!({"workspace_id": u.workspace_id});
    let fields = [
        ("name", u.name.map(Value::from)),
        ("location", u.location.map(Value::from)),
        ("capacity", u.capacity.map(Value::from)),
        ("hourly_rate_cents", u.rate.map(Value::from)),
        ("opens_at", u.opens_at.map(Value::from)),
        ("closes_at", u.closes_at.map(Value::from)),
        ("hours", u.hours.as_deref().map(parse_hours).transpose()?),
        ("closures", u.closures.as_deref().map(parse_closures)),
    ];
    for (field, value) in fields {
        if let Some(v) = value {
            body[field] = v;
        }
    }
    let v = ctx.api.call("Workspaces/update", body).await?;
    ctx.print(&v, |v| {
        format!("{} updated\n{}", green("✓"), workspace_text(v))
    });
    Ok(())
}

pub(super) async fn close(
    ctx: &Ctx,
    workspace_id: &str,
    reason: Option<String>,
) -> anyhow::Result<()> {
    let mut body = json!({"workspace_id": workspace_id});
    if let Some(r) = reason {
        body["reason"] = json!(r);
    }
    // answers once every booking is settled; sent again after a token refresh, it answers
    // the same closure
    let v = ctx.api.call("Workspaces/close", body).await?;
    ctx.print(&v, |v| {
        format!(
            "{} workspace {} closed: {} booking(s) cancelled, {} refunded",
            green("✓"),
            text(&v["workspace_id"]),
            v["cancelled_bookings"],
            money(v["refunded_cents"].as_i64().unwrap_or(0))
        )
    });
    Ok(())
}

pub(super) async fn bookings(
    ctx: &Ctx,
    workspace_id: &str,
    from: Option<String>,
    to: Option<String>,
) -> anyhow::Result<()> {
    let mut body = json!({"workspace_id": workspace_id});
    if let Some(f) = from {
        body["from"] = json!(f);
    }
    if let Some(t) = to {
        body["to"] = json!(t);
    }
    let v = ctx.api.call("Workspaces/bookings", body).await?;
    ctx.print(&v, bookings_table);
    Ok(())
}

/// `Workspaces/get` (and `update`) for people.
fn workspace_text(v: &Value) -> String {
    let status = text(&v["status"]);
    let status = if status == "open" {
        green(&status)
    } else {
        red(&status)
    };
    let mut lines = vec![
        format!("{} ({})", bold(&text(&v["name"])), text(&v["workspace_id"])),
        format!("status    {status}"),
        format!("location  {}", text(&v["location"])),
        format!("seats     {}", v["capacity"]),
        format!(
            "rate      {} {} per seat-hour",
            money(v["hourly_rate_cents"].as_i64().unwrap_or(0)),
            text(&v["currency"])
        ),
        format!("hours     ({})", text(&v["timezone"])),
    ];
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        let hours = match v["hours"][day].as_array() {
            Some(h) => format!("{}-{}", text(&h[0]), text(&h[1])),
            None => "closed".into(),
        };
        lines.push(format!("  {day}     {hours}"));
    }
    let closures: Vec<String> = v["closures"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    let closures = if closures.is_empty() {
        "none".to_string()
    } else {
        closures.join(", ")
    };
    lines.push(format!("closures  {closures}"));
    lines.join("\n")
}
