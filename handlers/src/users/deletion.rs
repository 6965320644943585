//! `Users/delete`: the member confirms with their password, then the durable
//! `AccountDeletion` flow (keyed by the user id, given nothing else) does the deleting, and this
//! call answers what it came to. The password is checked here, in a call that keeps no journal;
//! it never reaches the flow. Deleting twice answers the first deletion's result; the only
//! active admin cannot delete their account (409: promote another admin first).

use super::reauth;
use crate::deps::{Deps, now_ms};
use crate::error::{Outcome, step, terminal};
use crate::guard;
use deskflow_api::{DeleteAccountRequest, DeletionResult, Empty, flows};
use deskflow_domain::limits;
use deskflow_infra::jwt::Claims;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the "check password" step found (journaled while the call runs: no secret in it).
#[derive(Debug, Serialize, Deserialize)]
enum Check {
    Right,
    Wrong { at_ms: i64 },
    Blocked { secs: u64 },
    LastAdmin,
}

pub(super) async fn delete(
    ctx: &Context<'_>,
    deps: &Arc<Deps>,
    who: Claims,
    req: DeleteAccountRequest,
) -> Outcome<Json<DeletionResult>> {
    limits::check_login_password("password", &req.password)?;
    let account = reauth::account(ctx, deps, &who.sub).await?;
    let (d, uid, guard_state, given) = (deps.clone(), who.sub.clone(), account.guard, req.password);
    let Json(check) = ctx
        .run(|| {
            step(async move {
                let now = now_ms();
                if let Some(secs) = reauth::blocked_for(&guard_state, now) {
                    return Ok(Json(Check::Blocked { secs }));
                }
                let (stored, _) = d
                    .store
                    .password_of(&uid)
                    .await?
                    .ok_or_else(guard::revoked)?;
                if !d.passwords.verify(given, Some(stored)).await? {
                    return Ok(Json(Check::Wrong { at_ms: now }));
                }
                if d.store.is_last_admin(&uid).await? {
                    return Ok(Json(Check::LastAdmin));
                }
                Ok(Json(Check::Right))
            })
        })
        .name("check password")
        .retry_policy(deps.db_retry.policy())
        .await?;
    match check {
        Check::Blocked { secs } => return Err(reauth::blocked(secs)),
        Check::Wrong { at_ms } => {
            return Err(reauth::wrong_password(ctx, &account, at_ms, "password").await);
        }
        Check::LastAdmin => {
            return Err(terminal(
                409,
                "you are the only admin: promote another admin before deleting this account",
            ));
        }
        Check::Right => reauth::right_password(ctx, &account),
    }
    // started once per account; a second delete finds it started and answers its result
    let _ = flows::deletion::RUN
        .request(ctx, who.sub.clone(), Empty {})
        .send();
    let result = flows::deletion::RESULT
        .request(ctx, who.sub.clone(), Empty {})
        .call()
        .await?;
    tracing::info!(user_id = who.sub, "account deletion done");
    Ok(result)
}
