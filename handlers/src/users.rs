//! `Users`: a member's own profile, bookings, name and password. `me` and `bookings` only
//! read; `update` and `change_password` write in one journaled step each and announce the
//! change (activity, and for a password an email to the member). Every call carries a bearer
//! token and `change_password` two passwords, so the service keeps no journal or idempotency
//! record after a call (`journal_retention = "0s"`, `idempotency_retention = "0s"`), and no
//! step's result holds a password or a hash.

use crate::account_deletion;
use crate::announce::announce;
use crate::deps::{Deps, now_ms};
use crate::error::{Failure, step, terminal};
use crate::guard;
use crate::reauth;
use deskflow_api::OptionalJson;
use deskflow_api::{
    BookingSummary, ChangePasswordRequest, DeleteAccountRequest, DeletionResult, Empty, Profile,
    RecordActivity, SendNotification, UpdateProfileRequest, rfc3339,
};
use deskflow_domain::{DomainError, limits, password};
use deskflow_infra::store::bookings::BookingRow;
use deskflow_infra::store::users::User;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the "change password" step did (journaled while the call runs: no secret in it).
#[derive(Debug, Serialize, Deserialize)]
enum PasswordChange {
    /// The new password's hash is stored and every earlier session revoked.
    Changed,
    /// `current_password` is wrong, checked at `at_ms`; nothing was written.
    Wrong { at_ms: i64 },
    /// Too many wrong passwords for this account: nothing was checked for this many seconds.
    Blocked { secs: u64 },
}

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
        if req.current_password.chars().count() > password::MAX_PASSWORD_LEN {
            return Err(DomainError::TooLong {
                field: "current_password",
                max: password::MAX_PASSWORD_LEN,
            }
            .into());
        }
        password::check_password_field("new_password", &req.new_password)?;

        let account = reauth::account(&ctx, &self.deps, &who.sub).await?;
        let guard_state = account.guard;
        let (deps, uid, version) = (self.deps.clone(), who.sub.clone(), who.ver);
        let (current, new) = (req.current_password, req.new_password);
        let Json(outcome) = ctx
            .run(|| {
                step(async move {
                    let now = now_ms();
                    if let Some(secs) = reauth::blocked_for(&guard_state, now) {
                        return Ok(Json(PasswordChange::Blocked { secs }));
                    }
                    let (stored, stored_version) = deps
                        .store
                        .password_of(&uid)
                        .await?
                        .ok_or_else(guard::revoked)?;
                    if stored_version != version {
                        // the sessions were revoked after the guard let this call in: by an
                        // earlier attempt of this very step (its result lost in a crash), then
                        // the stored hash is of the new password, or by something else
                        return if deps.passwords.verify(new, Some(stored)).await? {
                            Ok(Json(PasswordChange::Changed))
                        } else {
                            Err(guard::revoked())
                        };
                    }
                    if !deps.passwords.verify(current, Some(stored)).await? {
                        return Ok(Json(PasswordChange::Wrong { at_ms: now }));
                    }
                    // the hash is written here, in the step that made it, and never returned
                    let hash = deps.passwords.hash(new).await?;
                    if !deps
                        .store
                        .change_password(&uid, &hash, version, now)
                        .await?
                    {
                        return Err(guard::revoked());
                    }
                    Ok(Json(PasswordChange::Changed))
                })
            })
            .name("change password")
            .retry_policy(self.deps.db_retry.policy())
            .await?;

        match outcome {
            PasswordChange::Blocked { secs } => Err(reauth::blocked(secs)),
            PasswordChange::Wrong { at_ms } => {
                Err(reauth::wrong_password(&ctx, &account, at_ms, "current_password").await)
            }
            PasswordChange::Changed => {
                reauth::right_password(&ctx, &account);
                let (email, name) = (account.email.clone(), account.name.clone());
                let invocation = ctx.invocation_id().to_string();
                announce(
                    &ctx,
                    RecordActivity {
                        origin_key: format!("password_changed:{invocation}"),
                        kind: "password_changed".into(),
                        user_id: Some(who.sub.clone()),
                        workspace_id: None,
                        booking_id: None,
                        amount_cents: None,
                    },
                    Some(SendNotification {
                        id: format!("password_changed:{invocation}"),
                        user_id: Some(who.sub.clone()),
                        kind: "password_changed".into(),
                        to: Some(email.clone()),
                        subject: "Your deskflow password was changed".into(),
                        body: format!(
                            "Hello {},\n\nthe password of your deskflow account was just changed, and every \
                             device that was logged in has been logged out.\n\nIf this was not you, tell us \
                             at once.\n\nThe deskflow team",
                            name
                        ),
                    }),
                );
                tracing::info!(user_id = who.sub, "password changed");
                Ok(Json(Empty {}))
            }
        }
    }

    /// Deletes the caller's account: `{"password"}` -> `{"cancelled_bookings","refunded_cents"}`
    /// once its bookings that have not started are cancelled as the member's own cancels and
    /// its personal data is erased (see `account_deletion`). 401 for a wrong password (counted
    /// like a failed login), 429 while the account is blocked.
    #[handler(name = "delete")]
    async fn delete(
        &self,
        ctx: Context<'_>,
        Json(req): Json<DeleteAccountRequest>,
    ) -> Result<Json<DeletionResult>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        account_deletion::delete(&ctx, &self.deps, who, req).await
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

/// The profile view of a user (also `Admin`'s answer).
pub(crate) fn profile(u: User) -> Profile {
    Profile {
        user_id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        created_at: rfc3339(u.created_at),
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
