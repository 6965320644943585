//! `deskflow bookings`: book seats, see where a booking stands, list one's bookings and cancel
//! (through the workflow, or with `--force` as an operator: [`super::force_cancel`]).
//! Following a booking until it settles is [`super::watch`].

use super::answer::text;
use super::booking_text::booking_text;
use super::context::Ctx;
use super::force_cancel::force_cancel;
use super::output::{green, money, status as paint_status, table};
use super::watch;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum BookingsCmd {
    /// Book seats; prints the booking id at once (follow it with `watch`)
    Create(NewBooking),
    /// Where a booking stands
    Status { booking_id: String },
    /// My bookings
    List,
    /// Cancel: through the workflow (refund per policy), or --force through Restate's admin
    /// API (an operator's cancel: full refund, compensation runs)
    Cancel {
        booking_id: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        force: bool,
    },
    /// Move a confirmed booking that has not started to another slot; the price difference is
    /// charged or refunded. Refused (and the booking unchanged) when the new slot breaks the
    /// rules, has no seat, or the card declines the difference
    Reschedule {
        booking_id: String,
        #[arg(long)]
        starts_at: String,
        #[arg(long)]
        ends_at: String,
        /// the new number of seats (the booking's own when left out)
        #[arg(long)]
        seats: Option<i64>,
        /// pays a higher price's difference (the booking's own card when left out)
        #[arg(long)]
        payment_method: Option<String>,
    },
    /// Follow a booking until it is confirmed or final; exit 0 when confirmed or completed.
    /// A waitlisted booking is followed while it waits for a seat
    Watch {
        booking_id: String,
        /// give up after this many seconds
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// wait past `confirmed` for a final status (completed, cancelled, ...)
        #[arg(long = "final")]
        until_final: bool,
    },
}

// what `bookings create` sends (no doc comment: the variant's is the command's help)
#[derive(Debug, Args)]
pub struct NewBooking {
    #[arg(long)]
    pub workspace: String,
    #[arg(long)]
    pub starts_at: String,
    #[arg(long)]
    pub ends_at: String,
    #[arg(long, default_value_t = 1)]
    pub seats: i64,
    #[arg(long, default_value = "pm_card_visa")]
    pub payment_method: String,
    /// the same key twice makes one booking
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// when no seat is free, wait for one as `waitlisted` (nothing charged) instead of being
    /// rejected; expires if still waiting at the start
    #[arg(long)]
    pub waitlist: bool,
}

pub(super) async fn run(ctx: Ctx, cmd: BookingsCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        BookingsCmd::Create(booking) => create(&ctx, booking).await?,
        BookingsCmd::Status { booking_id } => status(&ctx, &booking_id).await?,
        BookingsCmd::List => list(&ctx).await?,
        BookingsCmd::Cancel {
            booking_id,
            force: true,
            ..
        } => force_cancel(&ctx, &booking_id).await?,
        BookingsCmd::Cancel {
            booking_id,
            reason,
            force: false,
        } => cancel(&ctx, &booking_id, reason).await?,
        BookingsCmd::Reschedule {
            booking_id,
            starts_at,
            ends_at,
            seats,
            payment_method,
        } => {
            let mut body = json!({"starts_at": starts_at, "ends_at": ends_at});
            if let Some(seats) = seats {
                body["seats"] = json!(seats);
            }
            if let Some(pm) = payment_method {
                body["payment_method"] = json!(pm);
            }
            reschedule(&ctx, &booking_id, body).await?
        }
        BookingsCmd::Watch {
            booking_id,
            timeout,
            until_final,
        } => return watch::run(&ctx, &booking_id, timeout, until_final).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn create(ctx: &Ctx, b: NewBooking) -> anyhow::Result<()> {
    let body = json!({"workspace_id": b.workspace, "starts_at": b.starts_at, "ends_at": b.ends_at, "seats": b.seats, "payment_method": b.payment_method, "waitlist": b.waitlist});
    let v = ctx
        .api
        .call_with("Bookings/create", body, b.idempotency_key.as_deref())
        .await?;
    ctx.print(&v, |v| {
        let id = v["booking_id"].as_str().unwrap_or("?");
        format!(
            "{} booking {id} is {}; follow it with: deskflow bookings watch {id}",
            green("✓"),
            paint_status(&text(&v["status"]))
        )
    });
    Ok(())
}

async fn status(ctx: &Ctx, booking_id: &str) -> anyhow::Result<()> {
    let v = ctx.api.booking_status(booking_id).await?;
    ctx.print(&v, booking_text);
    Ok(())
}

async fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let v = ctx.api.call("Users/bookings", json!({})).await?;
    ctx.print(&v, bookings_table);
    Ok(())
}

/// Cancels through the Booking workflow: the refund follows the cancellation policy.
async fn cancel(ctx: &Ctx, booking_id: &str, reason: Option<String>) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call(
            &format!("Booking/{booking_id}/cancel"),
            json!({"reason": reason}),
        )
        .await?;
    ctx.print(&v, |v| {
        format!(
            "{} booking {booking_id} is {}; refunded {}",
            green("✓"),
            paint_status(&text(&v["status"])),
            money(v["refund_cents"].as_i64().unwrap_or(0))
        )
    });
    Ok(())
}

/// Moves a booking through its workflow; answers once the difference is settled.
async fn reschedule(ctx: &Ctx, booking_id: &str, body: Value) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call(&format!("Booking/{booking_id}/reschedule"), body)
        .await?;
    ctx.print(&v, |v| {
        let charged = v["charged_cents"].as_i64().unwrap_or(0);
        let refunded = v["refunded_cents"].as_i64().unwrap_or(0);
        let money_line = if charged > 0 {
            format!("charged {}", money(charged))
        } else if refunded > 0 {
            format!("refunded {}", money(refunded))
        } else {
            "the price is unchanged".to_string()
        };
        format!(
            "{} booking {booking_id} is {} in its new slot; it costs {} ({money_line})",
            green("✓"),
            paint_status(&text(&v["status"])),
            money(v["amount_cents"].as_i64().unwrap_or(0))
        )
    });
    Ok(())
}

/// `Users/bookings` (and `Workspaces/bookings`) for people: one row per booking.
pub(super) fn bookings_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|b| {
                    vec![
                        text(&b["booking_id"]),
                        paint_status(&text(&b["status"])),
                        text(&b["starts_at"]),
                        text(&b["ends_at"]),
                        b["seats"].to_string(),
                        format!(
                            "{} {}",
                            money(b["amount_cents"].as_i64().unwrap_or(0)),
                            text(&b["currency"])
                        ),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    table(&["ID", "STATUS", "FROM", "TO", "SEATS", "AMOUNT"], &rows)
}
