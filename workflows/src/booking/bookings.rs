//! `Bookings/create`: validates the request against the member and the workspace, prices it,
//! and starts one `Booking` workflow per booking id. Bad input is refused here with a 4xx and
//! nothing is written; a slot that is simply full is the workflow's business (`rejected`).
//! The same `idempotency-key` header twice is deduplicated by Restate's ingress: one booking,
//! the same answer.

use super::workflow::{BookingClient, BookingStart};
use deskflow_domain::pricing::quote;
use deskflow_domain::slot::TimeSlot;
use deskflow_handlers::api::{CreateBookingRequest, CreateBookingResponse};
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::error::{bad_input, infra, not_found, terminal};
use deskflow_handlers::guard;
use deskflow_handlers::workspaces::stored_hours;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Bookings {
    pub deps: Arc<Deps>,
}

#[restate_sdk::service(name = "Bookings")]
impl Bookings {
    /// Books seats: `{"workspace_id","starts_at","ends_at","seats","payment_method"}` ->
    /// `{"booking_id","status":"pending"}` at once; follow it with `Booking/{id}/status`.
    #[handler(name = "create")]
    async fn create(
        &self,
        mut ctx: Context<'_>,
        Json(req): Json<CreateBookingRequest>,
    ) -> HandlerResult<Json<CreateBookingResponse>> {
        let who = guard::caller(ctx.headers(), &self.deps.tokens)?;
        let slot = TimeSlot::parse("starts_at", &req.starts_at, "ends_at", &req.ends_at)
            .map_err(bad_input)?;
        let payment_method = req.payment_method.trim().to_string();
        if payment_method.is_empty() || payment_method.len() > 200 {
            return Err(terminal(
                400,
                "payment_method must name a payment method, e.g. pm_card_visa",
            ));
        }
        let booking_id = ctx.rand_uuid().to_string();
        let deps = self.deps.clone();
        let rules = self.deps.booking.slots;
        let (bid, ws_id, seats) = (booking_id.clone(), req.workspace_id.clone(), req.seats);
        let Json(start) = ctx
            .run(|| async move {
                let user = deps.store.user(&who.sub).await.map_err(infra)?;
                let user = user
                    .filter(|u| u.active)
                    .ok_or_else(|| terminal(401, "this token's user no longer exists"))?;
                let ws = deps.store.workspace(&ws_id).await.map_err(infra)?;
                let ws = ws
                    .filter(|w| w.active)
                    .ok_or_else(|| not_found("workspace", &ws_id))?;
                let (hours, tz) = stored_hours(&ws)?;
                let now = chrono::DateTime::from_timestamp_millis(now_ms()).unwrap_or_default();
                let q = quote(
                    rules,
                    slot,
                    seats,
                    now,
                    hours,
                    tz,
                    ws.capacity,
                    ws.hourly_rate_cents,
                )
                .map_err(bad_input)?;
                Ok(Json(BookingStart {
                    booking_id: bid,
                    user_id: user.id,
                    user_email: user.email,
                    user_name: user.name,
                    workspace_id: ws.id,
                    workspace_name: ws.name,
                    starts_at_ms: q.slot.starts_at.timestamp_millis(),
                    ends_at_ms: q.slot.ends_at.timestamp_millis(),
                    seats: q.seats,
                    amount_cents: q.amount_cents,
                    currency: ws.currency,
                    payment_method,
                }))
            })
            .name("validate and quote")
            .await?;
        ctx.workflow_client::<BookingClient>(booking_id.clone())
            .run(Json(start))
            .send();
        tracing::info!(booking_id, "booking started");
        Ok(Json(CreateBookingResponse {
            booking_id,
            status: "pending".into(),
        }))
    }
}
