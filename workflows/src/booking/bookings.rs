//! `Bookings/create`: validates the request against the member and the workspace, and starts one
//! `Booking` workflow per booking id. Bad input is refused here with a 4xx and nothing is
//! written; a slot that is simply full is the workflow's business (`rejected`).
//!
//! Idempotency is the member's own: Restate's ingress deduplicates an `idempotency-key` by
//! service, handler and key, whoever sends it, so this handler keeps no idempotency retention
//! and derives the booking id from the member and the call's invocation id (which Restate
//! derives from the key) instead. The same member sending a key again (also many times at
//! once) reaches the same workflow, which runs once per id; another member's key names
//! another booking. What remains: a second member whose call with the same key arrives while
//! the first one's is still running (or before Restate's cleaner has dropped it, see
//! `cleanup-interval` in restate.toml) is answered with the first call's result.

use super::prepare::{BookingRequest, prepare_now};
use super::refusal::Refusal;
use super::workflow::BookingClient;
use deskflow_api::{CreateBookingRequest, CreateBookingResponse};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::limits;
use deskflow_domain::slot::TimeSlot;
use deskflow_handlers::deps::Deps;
use deskflow_handlers::error::{Failure, step};
use deskflow_handlers::guard;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Bookings {
    pub deps: Arc<Deps>,
}

/// Namespace of booking ids derived from a member's idempotency key (UUID v5).
const BOOKING_KEY_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6d2c_41a7_9a0e_4c1b_8f3e_2b5d_7c90_a1e4);

#[restate_sdk::service(name = "Bookings")]
impl Bookings {
    /// Books seats: `{"workspace_id","starts_at","ends_at","seats","payment_method"}` ->
    /// `{"booking_id","status":"pending"}` as soon as the booking exists (its `status` and
    /// `cancel` answer from then on); follow it with `Booking/{id}/wait`. It receives a bearer
    /// token, so nothing of the call is kept once it completes.
    #[handler(
        name = "create",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn create(
        &self,
        ctx: Context<'_>,
        Json(req): Json<CreateBookingRequest>,
    ) -> Result<Json<CreateBookingResponse>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let slot = TimeSlot::parse("starts_at", &req.starts_at, "ends_at", &req.ends_at)?;
        let payment_method = limits::check_payment_method(&req.payment_method)?;
        limits::check_key("workspace_id", &req.workspace_id)?;
        // Restate derives the invocation id from the `idempotency-key` when there is one (and
        // picks a random one otherwise); the handler itself does not see the key on service
        // protocol v6. The id of the member's call names the booking: the same member sending
        // the key again reaches the same booking, another member never does.
        let booking_id = member_booking_id(&who.sub, ctx.invocation_id());
        let request = BookingRequest {
            user_id: who.sub.clone(),
            workspace_id: req.workspace_id.clone(),
            starts_at_ms: slot.starts_at.timestamp_millis(),
            ends_at_ms: slot.ends_at.timestamp_millis(),
            seats: req.seats,
            payment_method,
            waitlist: req.waitlist,
            confirmed_as_state: self.deps.booking.confirmed_as_state,
        };
        // the key's booking first: once its saga has run, the booking is answered as it stands,
        // whatever the request would meet now (its slot in the past, its workspace closed), and
        // no run starts again (Restate may have forgotten the first: its `started` is gone)
        let deps = self.deps.clone();
        let (bid, r) = (booking_id.clone(), request.clone());
        let checked = ctx
            .run(|| {
                step(async move {
                    if let Some(row) = deps.store.booking(&bid).await? {
                        return Ok(Json(Ok(Some(row.status))));
                    }
                    let (_, quoted) = prepare_now(&deps, &bid, &r, None).await?;
                    Ok(Json(quoted.map(|_| None)))
                })
            })
            .name("validate and quote")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        let checked: Result<Option<BookingStatus>, Refusal> = checked.0;
        match checked {
            Err(refusal) => return Err(refusal.into()),
            Ok(Some(status)) => {
                tracing::info!(
                    booking_id,
                    status = status.as_str(),
                    "booking answered from its record"
                );
                return Ok(Json(CreateBookingResponse { booking_id, status }));
            }
            Ok(None) => {}
        }
        let flow = ctx.workflow_client::<BookingClient>(booking_id.clone());
        // a second start of the same id (the same member's key again) is dropped by Restate
        flow.run(Json(request)).send();
        // answer once the workflow has recorded the booking, so `status` and `cancel` find it
        ctx.workflow_client::<BookingClient>(booking_id.clone())
            .started()
            .call()
            .await?;
        tracing::info!(booking_id, "booking started");
        Ok(Json(CreateBookingResponse {
            booking_id,
            status: BookingStatus::Pending,
        }))
    }
}

/// The booking id of a member's call: the same for the same member and invocation id (the
/// same idempotency key), a different one for anybody else's.
pub fn member_booking_id(user_id: &str, key: &str) -> String {
    uuid::Uuid::new_v5(
        &BOOKING_KEY_NAMESPACE,
        format!("{user_id}\n{key}").as_bytes(),
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_one_booking_per_member() {
        assert_eq!(
            member_booking_id("u1", "my-key-1"),
            member_booking_id("u1", "my-key-1")
        );
        assert_ne!(
            member_booking_id("u1", "my-key-1"),
            member_booking_id("u2", "my-key-1")
        );
        assert_ne!(
            member_booking_id("u1", "my-key-1"),
            member_booking_id("u1", "my-key-2")
        );
    }
}
