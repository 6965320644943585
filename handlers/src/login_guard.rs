//! `LoginGuard`: the durable per-account count of wrong passwords, one virtual object per
//! normalized email, keyed by its [`guard_key`] (a keyed hash: no email is a Restate key).
//! `Auth/login` reads it before checking a password (a blocked account costs no argon2 work)
//! and records a failure here: the one write a refused login makes. Being a
//! virtual object, concurrent failures for one account are counted one after the other, and the
//! count survives restarts of the endpoint. Every handler is internal.

use crate::deps::Deps;
use crate::error::Failure;
use deskflow_domain::login::LoginBackoff;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The state of one account's guard.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct GuardState {
    /// wrong passwords in a row (reset by a successful login or after the failure window)
    pub failures: u32,
    /// logins are refused until this instant, ms since the epoch
    pub blocked_until_ms: i64,
    /// when the last failure was recorded, ms since the epoch
    pub last_failure_ms: i64,
}

const STATE: &str = "guard";

/// The object key of the guard of the account with this (normalized) email.
pub(crate) fn guard_key(deps: &Deps, email: &str) -> String {
    deps.tokens.pseudonym("login-guard", email)
}

pub struct LoginGuard {
    pub deps: Arc<Deps>,
}

#[restate_sdk::object(name = "LoginGuard")]
impl LoginGuard {
    /// (internal) The account's current failures and block.
    #[handler(name = "state", ingress_private)]
    async fn state(&self, ctx: SharedObjectContext<'_>) -> Result<Json<GuardState>, Failure> {
        Ok(Json(
            ctx.get::<Json<GuardState>>(STATE)
                .await?
                .map(|j| j.0)
                .unwrap_or_default(),
        ))
    }

    /// (internal) Records a wrong password checked at `at_ms` (the login's journaled clock)
    /// and answers the new state; schedules forgetting it after the failure window.
    #[handler(name = "failed", ingress_private)]
    async fn failed(
        &self,
        ctx: ObjectContext<'_>,
        at_ms: i64,
    ) -> Result<Json<GuardState>, Failure> {
        let rule: LoginBackoff = self.deps.login;
        let window_ms = rule.window_secs.saturating_mul(1000) as i64;
        let mut s = ctx
            .get::<Json<GuardState>>(STATE)
            .await?
            .map(|j| j.0)
            .unwrap_or_default();
        if at_ms.saturating_sub(s.last_failure_ms) > window_ms {
            s = GuardState::default();
        }
        s.failures = s.failures.saturating_add(1);
        s.last_failure_ms = at_ms;
        s.blocked_until_ms = rule.blocked_until_ms(s.failures, at_ms);
        ctx.set(STATE, Json(s));
        // state of an account nobody tries any more is not kept forever
        ctx.object_client::<LoginGuardClient>(ctx.key())
            .forget(at_ms)
            .send_after(Duration::from_secs(rule.window_secs));
        Ok(Json(s))
    }

    /// (internal) A successful login: the count starts again.
    #[handler(name = "succeeded", ingress_private)]
    async fn succeeded(&self, ctx: ObjectContext<'_>) -> Result<(), Failure> {
        ctx.clear_all();
        Ok(())
    }

    /// (internal) Forgets the failures if none came after the one at `last_failure_ms`.
    #[handler(name = "forget", ingress_private)]
    async fn forget(&self, ctx: ObjectContext<'_>, last_failure_ms: i64) -> Result<(), Failure> {
        let s = ctx.get::<Json<GuardState>>(STATE).await?.map(|j| j.0);
        if s.is_some_and(|s| s.last_failure_ms == last_failure_ms) {
            ctx.clear_all();
        }
        Ok(())
    }
}
