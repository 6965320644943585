//! `Users/change_password`: the member gives their current password again and a new one. The
//! check, the new hash and the revocation of every earlier session happen in one journaled
//! step whose result holds no secret; a wrong current password counts toward the account's
//! login backoff (see [`super::reauth`]).

use super::reauth;
use crate::announce::announce;
use crate::deps::{Deps, now_ms};
use crate::error::{Outcome, step};
use crate::guard;
use deskflow_api::{ChangePasswordRequest, Empty, RecordActivity, SendNotification};
use deskflow_domain::{limits, password};
use deskflow_infra::jwt::Claims;
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

/// Changes `who`'s password as `req` asks; `{}` once done.
pub(super) async fn change(
    ctx: &Context<'_>,
    deps: &Arc<Deps>,
    who: Claims,
    req: ChangePasswordRequest,
) -> Outcome<Empty> {
    limits::check_login_password("current_password", &req.current_password)?;
    password::check_password_field("new_password", &req.new_password)?;

    let account = reauth::account(ctx, deps, &who.sub).await?;
    let guard_state = account.guard;
    let (d, uid, version) = (deps.clone(), who.sub.clone(), who.ver);
    let (current, new) = (req.current_password, req.new_password);
    let Json(outcome) = ctx
        .run(|| {
            step(async move {
                let now = now_ms();
                if let Some(secs) = reauth::blocked_for(&guard_state, now) {
                    return Ok(Json(PasswordChange::Blocked { secs }));
                }
                let (stored, stored_version) = d
                    .store
                    .password_of(&uid)
                    .await?
                    .ok_or_else(guard::revoked)?;
                if stored_version != version {
                    // the sessions were revoked after the guard let this call in: by an
                    // earlier attempt of this very step (its result lost in a crash), then
                    // the stored hash is of the new password, or by something else
                    return if d.passwords.verify(new, Some(stored)).await? {
                        Ok(Json(PasswordChange::Changed))
                    } else {
                        Err(guard::revoked())
                    };
                }
                if !d.passwords.verify(current, Some(stored)).await? {
                    return Ok(Json(PasswordChange::Wrong { at_ms: now }));
                }
                // the hash is written here, in the step that made it, and never returned
                let hash = d.passwords.hash(new).await?;
                if !d.store.change_password(&uid, &hash, version, now).await? {
                    return Err(guard::revoked());
                }
                Ok(Json(PasswordChange::Changed))
            })
        })
        .name("change password")
        .retry_policy(deps.db_retry.policy())
        .await?;

    match outcome {
        PasswordChange::Blocked { secs } => Err(reauth::blocked(secs)),
        PasswordChange::Wrong { at_ms } => {
            Err(reauth::wrong_password(ctx, &account, at_ms, "current_password").await)
        }
        PasswordChange::Changed => {
            reauth::right_password(ctx, &account);
            let (email, name) = (account.email.clone(), account.name.clone());
            let invocation = ctx.invocation_id().to_string();
            announce(
                ctx,
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
            Ok(Empty {})
        }
    }
}
