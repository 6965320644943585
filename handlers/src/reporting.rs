//! `Reporting`: activity records (idempotent by the event's origin) and the admins' summary.

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, step};
use crate::guard;
use crate::stored;
use deskflow_api::{BookingCounts, Occupancy, RecordActivity, Summary, SummaryRequest};
use deskflow_domain::slot::TimeSlot;
use deskflow_infra::store::activity::Activity;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Reporting {
    pub deps: Arc<Deps>,
}

const HOUR_MS: f64 = 3_600_000.0;

#[restate_sdk::service(name = "Reporting")]
impl Reporting {
    /// (internal) Records one business event; the same origin key twice is a no-op.
    #[handler(name = "record", ingress_private)]
    async fn record(
        &self,
        ctx: Context<'_>,
        Json(a): Json<RecordActivity>,
    ) -> Result<bool, Failure> {
        let deps = self.deps.clone();
        ctx.run(|| {
            step(async move {
                Ok(deps
                    .store
                    .record_activity(&Activity {
                        origin_key: a.origin_key,
                        kind: a.kind,
                        user_id: a.user_id,
                        workspace_id: a.workspace_id,
                        booking_id: a.booking_id,
                        amount_cents: a.amount_cents,
                        at: now_ms(),
                    })
                    .await?)
            })
        })
        .name("record activity")
        .retry_policy(self.deps.db_retry.policy())
        .await
        .map_err(Into::into)
    }

    /// (admin) Bookings by status, revenue, refunds and occupancy for slots starting in
    /// `[from, to)` (at most 31 days).
    #[handler(
        name = "summary",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn summary(
        &self,
        ctx: Context<'_>,
        Json(req): Json<SummaryRequest>,
    ) -> Result<Json<Summary>, Failure> {
        guard::admin(&ctx, &self.deps).await?;
        let window = TimeSlot::parse("from", &req.from, "to", &req.to)?;
        // refused before any query (the occupancy below would refuse it only after the counts)
        deskflow_domain::availability::check_window(&window)?;
        let (from, to) = (
            window.starts_at.timestamp_millis(),
            window.ends_at.timestamp_millis(),
        );
        let s = self.deps.store.summary(from, to).await?;
        let mut counts = BookingCounts::default();
        for (status, n) in &s.bookings_by_status {
            let slot = match status.as_str() {
                "confirmed" => &mut counts.confirmed,
                "cancelled" => &mut counts.cancelled,
                "rejected" => &mut counts.rejected,
                "expired" => &mut counts.expired,
                "failed" => &mut counts.failed,
                "completed" => &mut counts.completed,
                _ => &mut counts.pending,
            };
            *slot += n;
        }
        let mut occupancy = Vec::new();
        for ws in self.deps.store.active_workspaces().await? {
            // the hours it was open: closed weekdays and closure dates count nothing, DST
            // days count the hours that really passed
            let (schedule, tz) = stored::schedule(&ws)?;
            let open_ms = schedule.open_within(tz, window).num_milliseconds();
            let available = open_ms as f64 / HOUR_MS * ws.capacity as f64;
            let booked = s
                .booked_seat_ms
                .iter()
                .find(|(id, _)| *id == ws.id)
                .map_or(0.0, |(_, ms)| *ms as f64 / HOUR_MS);
            let ratio = if available > 0.0 {
                booked / available
            } else {
                0.0
            };
            occupancy.push(Occupancy {
                workspace_id: ws.id,
                booked_seat_hours: booked,
                available_seat_hours: available,
                ratio: (ratio * 10_000.0).round() / 10_000.0,
            });
        }
        Ok(Json(Summary {
            bookings: counts,
            revenue_cents: s.revenue_cents,
            refunded_cents: s.refunded_cents,
            occupancy,
        }))
    }
}
