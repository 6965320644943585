//! `deskflow report`: the admins' summary of a period (bookings by status, revenue, refunds,
//! occupancy per workspace).

use super::answer::text;
use super::context::Ctx;
use super::output::{money, table};
use clap::Subcommand;
use deskflow_domain::booking::BookingStatus;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Bookings by status, revenue, refunds and occupancy (admin)
    Summary {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

/// The statuses the summary's table counts, in the order it shows them.
const COUNTED: [BookingStatus; 7] = [
    BookingStatus::Confirmed,
    BookingStatus::Completed,
    BookingStatus::Cancelled,
    BookingStatus::Rejected,
    BookingStatus::Expired,
    BookingStatus::Failed,
    BookingStatus::Pending,
];

pub(super) async fn run(ctx: Ctx, cmd: ReportCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ReportCmd::Summary { from, to } => summary(&ctx, &from, &to).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn summary(ctx: &Ctx, from: &str, to: &str) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call("Reporting/summary", json!({"from": from, "to": to}))
        .await?;
    ctx.print(&v, summary_text);
    Ok(())
}

/// `Reporting/summary` for people.
fn summary_text(v: &Value) -> String {
    let b = &v["bookings"];
    let counts: Vec<Vec<String>> = COUNTED
        .iter()
        .map(|st| {
            let k = st.as_str();
            vec![k.to_string(), b[k].as_i64().unwrap_or(0).to_string()]
        })
        .collect();
    let occ: Vec<Vec<String>> = v["occupancy"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| {
                    vec![
                        text(&o["workspace_id"]),
                        format!("{:.1}", o["booked_seat_hours"].as_f64().unwrap_or(0.0)),
                        format!("{:.1}", o["available_seat_hours"].as_f64().unwrap_or(0.0)),
                        format!("{:.1}%", o["ratio"].as_f64().unwrap_or(0.0) * 100.0),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{}\n\nrevenue   {}\nrefunded  {}\n\n{}",
        table(&["BOOKINGS", "COUNT"], &counts),
        money(v["revenue_cents"].as_i64().unwrap_or(0)),
        money(v["refunded_cents"].as_i64().unwrap_or(0)),
        table(
            &["WORKSPACE", "BOOKED SEAT-H", "OPEN SEAT-H", "OCCUPANCY"],
            &occ
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::output::strip;

    #[test]
    fn the_summary_counts_statuses_in_its_fixed_order() {
        let v = json!({"bookings": {"confirmed": 2, "cancelled": 1, "held": 5},
                       "revenue_cents": 1500, "refunded_cents": 0, "occupancy": []});
        let t = strip(&summary_text(&v));
        let rows: Vec<&str> = t.lines().take(8).collect();
        assert_eq!(
            rows,
            [
                "BOOKINGS   COUNT",
                "confirmed  2",
                "completed  0",
                "cancelled  1",
                "rejected   0",
                "expired    0",
                "failed     0",
                "pending    0"
            ]
        );
    }
}
