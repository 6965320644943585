//! `Users`: a member's own profile and bookings. Read-only: beyond the guard's check, nothing
//! is journaled, and a retry simply reads again. Every call carries a bearer token, so the
//! service keeps no journal or idempotency record after a call.

use crate::deps::Deps;
use crate::error::{Failure, terminal};
use crate::guard;
use deskflow_api::{BookingSummary, Empty, Profile, rfc3339};
use deskflow_infra::store::bookings::BookingRow;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Users {
    pub deps: Arc<Deps>,
}

#[restate_sdk::service(name = "Users", journal_retention = "0s", idempotency_retention = "0s")]
impl Users {
    /// The caller's profile.
    #[handler(name = "me")]
    async fn me(
        &self,
        ctx: Context<'_>,
        _body: Option<Json<Empty>>,
    ) -> Result<Json<Profile>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let u = self
            .deps
            .store
            .user(&who.sub)
            .await?
            .ok_or_else(|| terminal(401, "this token's user no longer exists"))?;
        Ok(Json(Profile {
            user_id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            created_at: rfc3339(u.created_at),
        }))
    }

    /// The caller's bookings, newest first.
    #[handler(name = "bookings")]
    async fn bookings(
        &self,
        ctx: Context<'_>,
        _body: Option<Json<Empty>>,
    ) -> Result<Json<Vec<BookingSummary>>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let rows = self.deps.store.bookings_of_user(&who.sub).await?;
        Ok(Json(rows.into_iter().map(booking_summary).collect()))
    }
}

/// The list view of a booking row.
pub fn booking_summary(b: BookingRow) -> BookingSummary {
    BookingSummary {
        booking_id: b.id,
        workspace_id: b.workspace_id,
        user_id: b.user_id,
        status: b.status,
        reason: b.reason,
        starts_at: rfc3339(b.starts_at),
        ends_at: rfc3339(b.ends_at),
        seats: b.seats,
        amount_cents: b.amount_cents,
        currency: b.currency,
        created_at: rfc3339(b.created_at),
        updated_at: rfc3339(b.updated_at),
    }
}
