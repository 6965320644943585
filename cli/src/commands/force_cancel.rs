//! `deskflow bookings cancel <id> --force`: an operator's cancel, which must end the booking
//! cancelled with a full refund whichever moment it lands at.
//!
//! Before confirmation the booking's `Booking/<id>/run` is in flight, and the cancel goes to that
//! invocation through Restate's admin API: Restate surfaces it at the run's next await and the
//! run unwinds. A confirmed booking has no invocation left (it waits as the state of its
//! `ConfirmedBooking` object), so the cancel goes through the admin path instead. Between the
//! two lies a race: a run that has passed its last await when Restate's cancel reaches it hands
//! the booking on and completes as if no cancel had come. So after cancelling the invocation this
//! waits (a while) for the run to end and reads the booking: still confirmed means the cancel
//! came too late for the run, and the admin path cancels it.

use super::answer::text;
use super::context::Ctx;
use super::output::{green, money, status as paint_status};
use anyhow::bail;
use deskflow_domain::saga::OPERATOR_CANCEL;
use serde_json::json;
use std::time::{Duration, Instant};

/// How long `--force` waits for a cancelled run to end. A run unwinds in well under a second
/// when the payment provider answers; during an outage its compensation retries on, and the
/// command answers that it runs rather than wait it out.
const RUN_END_WAIT: Duration = Duration::from_secs(30);

/// The operator's cancel of booking `booking_id` (the session must be an admin's).
pub(super) async fn force_cancel(ctx: &Ctx, booking_id: &str) -> anyhow::Result<()> {
    if let Some(id) = running_run(ctx, booking_id).await? {
        let asked = ctx.api.cancel_invocation(&id).await;
        // a run that ended just before the cancel reached it may refuse it: it is then read
        // as it ended
        let wait = if asked.is_ok() {
            RUN_END_WAIT
        } else {
            Duration::ZERO
        };
        if !run_ended(ctx, &id, wait).await? {
            asked?;
            let v = json!({"booking_id": booking_id, "invocation_id": id, "cancelled": true,
                           "status": null});
            ctx.print(&v, |_| format!("{} asked Restate to cancel invocation {id}; compensation runs now (deskflow bookings watch {booking_id})", green("✓")));
            return Ok(());
        }
        let status = text(&ctx.api.booking_status(booking_id).await?["status"]);
        match status.as_str() {
            // the run handed the booking on before the cancel reached it
            "confirmed" => {}
            "cancelled" => {
                let v = json!({"booking_id": booking_id, "invocation_id": id, "cancelled": true,
                               "status": status});
                ctx.print(&v, |_| {
                    format!(
                        "{} asked Restate to cancel invocation {id}; booking {booking_id} is {} (compensated)",
                        green("✓"),
                        paint_status(&status)
                    )
                });
                return Ok(());
            }
            other => bail!(
                "booking {booking_id} ended {other} before the cancel reached its workflow: nothing to cancel"
            ),
        }
    }
    let r = ctx
        .api
        .call(
            "Admin/cancel_booking",
            json!({"booking_id": booking_id, "reason": OPERATOR_CANCEL}),
        )
        .await?;
    let v = json!({"booking_id": booking_id, "invocation_id": null, "cancelled": true,
                   "status": r["status"], "refund_cents": r["refund_cents"]});
    ctx.print(&v, |_| {
        format!(
            "{} booking {booking_id} is {} (no running workflow: cancelled as an operator through the admin path); refunded {}",
            green("✓"),
            paint_status(&text(&r["status"])),
            money(r["refund_cents"].as_i64().unwrap_or(0))
        )
    });
    Ok(())
}

/// The booking's `run` invocation while it has not completed, from Restate's SQL introspection.
async fn running_run(ctx: &Ctx, booking_id: &str) -> anyhow::Result<Option<String>> {
    let sql = format!(
        "SELECT id FROM sys_invocation WHERE target_service_name = 'Booking' AND target_service_key = '{}' AND target_handler_name = 'run' AND status <> 'completed'",
        booking_id.replace('\'', "''")
    );
    let rows = ctx.api.admin_query(&sql).await?;
    Ok(rows
        .first()
        .and_then(|r| r["id"].as_str())
        .map(str::to_string))
}

/// Whether invocation `id` has completed (or Restate no longer lists it) within `limit`.
async fn run_ended(ctx: &Ctx, id: &str, limit: Duration) -> anyhow::Result<bool> {
    let sql = format!(
        "SELECT status FROM sys_invocation WHERE id = '{}'",
        id.replace('\'', "''")
    );
    let deadline = Instant::now() + limit;
    loop {
        let rows = ctx.api.admin_query(&sql).await?;
        if rows.first().is_none_or(|r| r["status"] == "completed") {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
