//! `Users`: a member's own profile, bookings, name and password, and the deletion of the
//! account. `me` and `bookings` only read; `update` and `change_password` write in one
//! journaled step each and announce the change (activity, and for a password an email to the
//! member). Every call carries a bearer
//! token and `change_password` two passwords, so the service keeps no journal or idempotency
//! record after a call (`journal_retention = "0s"`, `idempotency_retention = "0s"`), and no
//! step's result holds a password or a hash.
//!
//! This file is the service; beside it:
//! - [`password_change`] changes the password (`change_password`);
//! - [`deletion`] deletes the account through the durable `AccountDeletion` flow (`delete`);
//! - [`reauth`] asks for the password again before either, under the login backoff.

use crate::announce::announce;
use crate::deps::Deps;
use crate::error::{Failure, step, terminal};
use crate::guard;
use crate::stored::{booking_summary, profile};
use deskflow_api::OptionalJson;
use deskflow_api::{
    BookingSummary, ChangePasswordRequest, DeleteAccountRequest, DeletionResult, Empty, Profile,
    RecordActivity, UpdateProfileRequest,
};
use deskflow_domain::{limits, password};
use restate_sdk::prelude::*;
use std::sync::Arc;

mod deletion;
mod password_change;
mod reauth;

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
        _body: OptionalJson<Empty>,
    ) -> Result<Json<Profile>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let u = self
            .deps
            .store
            .user(&who.sub)
            .await?
            .ok_or_else(|| terminal(401, "this token's user no longer exists"))?;
        Ok(Json(profile(u)))
    }

    /// Changes the caller's name: `{"name"}` -> the updated profile. 400 naming the field for
    /// a name outside 1..200 characters (after trimming), before anything is written.
    #[handler(name = "update")]
    async fn update(
        &self,
        ctx: Context<'_>,
        Json(req): Json<UpdateProfileRequest>,
    ) -> Result<Json<Profile>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let name = password::parse_name("name", &req.name, limits::MAX_NAME_CHARS)?;
        let deps = self.deps.clone();
        let uid = who.sub.clone();
        let Json(p) = ctx
            .run(|| {
                step(async move {
                    let u = deps
                        .store
                        .set_name(&uid, &name)
                        .await?
                        .ok_or_else(guard::revoked)?;
                    Ok(Json(profile(u)))
                })
            })
            .name("update profile")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        announce(
            &ctx,
            RecordActivity {
                origin_key: format!("profile_updated:{}", ctx.invocation_id()),
                kind: "profile_updated".into(),
                user_id: Some(who.sub.clone()),
                workspace_id: None,
                booking_id: None,
                amount_cents: None,
            },
            None,
        );
        tracing::info!(user_id = who.sub, "profile updated");
        Ok(Json(p))
    }

    /// Changes the caller's password: `{"current_password","new_password"}` -> `{}`. 401 when
    /// `current_password` is wrong (and the failure counts toward the account's login backoff,
    /// so a stolen access token is no faster a password oracle than `Auth/login`; 429 while it
    /// is blocked), 400 for a new password outside 8..128 characters; nothing is written on a
    /// refusal. On success every access and refresh token issued before is refused (the token
    /// version moves on), a login with the new password works at once, and the member gets an
    /// email saying so.
    #[handler(name = "change_password")]
    async fn change_password(
        &self,
        ctx: Context<'_>,
        Json(req): Json<ChangePasswordRequest>,
    ) -> Result<Json<Empty>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        Ok(Json(
            password_change::change(&ctx, &self.deps, who, req).await?,
        ))
    }

    /// Deletes the caller's account: `{"password"}` -> `{"cancelled_bookings","refunded_cents"}`
    /// once its bookings that have not started are cancelled as the member's own cancels and
    /// its personal data is erased (see `deletion`). 401 for a wrong password (counted
    /// like a failed login), 429 while the account is blocked.
    #[handler(name = "delete")]
    async fn delete(
        &self,
        ctx: Context<'_>,
        Json(req): Json<DeleteAccountRequest>,
    ) -> Result<Json<DeletionResult>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        deletion::delete(&ctx, &self.deps, who, req).await
    }

    /// The caller's bookings, newest first.
    #[handler(name = "bookings")]
    async fn bookings(
        &self,
        ctx: Context<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<Vec<BookingSummary>>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let rows = self.deps.store.bookings_of_user(&who.sub).await?;
        Ok(Json(rows.into_iter().map(booking_summary).collect()))
    }
}
