//! Asking a signed-in member for their password again before a change that cannot be undone
//! (a new password, a deletion). A wrong password counts toward the account's login backoff
//! like a failed login, so a stolen access token is no faster a password oracle than
//! `Auth/login`; while the account is blocked nothing is checked (429).

use crate::auth::too_many;
use crate::deps::Deps;
use crate::error::{Failure, Outcome, step, terminal};
use crate::guard;
use crate::login_guard::{GuardState, LoginGuardClient, guard_key};
use deskflow_domain::login::LoginBackoff;
use restate_sdk::prelude::*;
use std::sync::Arc;

/// The member's email (it receives the notice) and name, the key of the account's login
/// backoff and its state.
pub(super) struct Account {
    pub email: String,
    pub name: String,
    pub guard_key: String,
    pub guard: GuardState,
}

/// Reads the caller's account ("read account", journaled while the call runs) and its backoff.
/// 401 when the account is gone or closed.
pub(super) async fn account(
    ctx: &Context<'_>,
    deps: &Arc<Deps>,
    user_id: &str,
) -> Outcome<Account> {
    let (d, uid) = (deps.clone(), user_id.to_string());
    let Json(found) = ctx
        .run(|| {
            step(async move {
                let u = d.store.user(&uid).await?.filter(|u| u.active);
                Ok(Json(u.map(|u| (u.email, u.name))))
            })
        })
        .name("read account")
        .retry_policy(deps.db_retry.policy())
        .await?;
    let (email, name) = found.ok_or_else(guard::revoked)?;
    let guard_key = guard_key(deps, &email);
    let Json(guard) = ctx
        .object_client::<LoginGuardClient>(guard_key.as_str())
        .state()
        .call()
        .await?;
    Ok(Account {
        email,
        name,
        guard_key,
        guard,
    })
}

/// Seconds the account is still blocked for, at `now_ms`, if it is.
pub(super) fn blocked_for(guard: &GuardState, now_ms: i64) -> Option<u64> {
    LoginBackoff::seconds_left(guard.blocked_until_ms, now_ms)
}

/// 429 saying how long to wait.
pub(super) fn blocked(secs: u64) -> Failure {
    too_many(secs)
}

/// Counts a wrong password (checked at `at_ms`) toward the account's backoff and answers the
/// 401 for `field`.
pub(super) async fn wrong_password(
    ctx: &Context<'_>,
    account: &Account,
    at_ms: i64,
    field: &str,
) -> Failure {
    let now = ctx
        .object_client::<LoginGuardClient>(account.guard_key.as_str())
        .failed(at_ms)
        .call()
        .await;
    if let Ok(Json(state)) = now {
        tracing::info!(failures = state.failures, "wrong password on a re-check");
    }
    terminal(401, format!("{field} is wrong: nothing was changed"))
}

/// After a right password: the earlier failures are forgiven.
pub(super) fn right_password(ctx: &Context<'_>, account: &Account) {
    if account.guard.failures > 0 {
        ctx.object_client::<LoginGuardClient>(account.guard_key.as_str())
            .succeeded()
            .send();
    }
}
