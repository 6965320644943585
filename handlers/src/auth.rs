//! `Auth`: registration, login, refresh and token validation. Registration runs the seed's
//! flow: create the user -> welcome email -> activity record; the email and the record are
//! one-way calls, so an SMTP outage never blocks or fails a registration.
//!
//! Every handler here receives or returns a secret (password, access or refresh token), so the
//! service keeps neither journal nor idempotency record once a call completes
//! (`journal_retention = "0s"`, `idempotency_retention = "0s"`): Restate journals a request's
//! body and headers and every step's result, and without this they would stay readable through
//! its admin API for a day. Sessions are an access token (a short-lived JWT) plus a refresh
//! token, of which the database keeps only a hash.

use crate::announce::announce;
use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step, terminal};
use crate::guard;
use crate::login_guard::{GuardState, LoginGuardClient, guard_key};
use deskflow_api::OptionalJson;
use deskflow_api::{
    Empty, LoginRequest, LoginResponse, RecordActivity, RefreshRequest, RegisterRequest,
    RegisterResponse, SendNotification, ValidateResponse, rfc3339,
};
use deskflow_domain::login::LoginBackoff;
use deskflow_domain::{email::Email, limits, password};
use deskflow_infra::jwt::{new_refresh_token, refresh_token_hash};
use deskflow_infra::store::tokens::{NewRefreshToken, Spent};
use deskflow_infra::{InfraError, store::users::User};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct Auth {
    pub deps: Arc<Deps>,
}

/// What the "check password" step decided (no secret in it: it is journaled while the call runs).
#[derive(Debug, Serialize, Deserialize)]
enum Checked {
    /// The password is right: the user and the claims of their token.
    Right {
        user_id: String,
        role: String,
        version: i64,
    },
    /// Wrong email or password, checked at `at_ms`.
    Wrong { at_ms: i64 },
    /// The account is blocked for this many more seconds; no password was checked.
    Blocked { secs: u64 },
}

#[restate_sdk::service(name = "Auth", journal_retention = "0s", idempotency_retention = "0s")]
impl Auth {
    /// Registers a member: `{"email","password","name"}` ->
    /// `{"user_id","token","expires_at","refresh_token"}`. 400 for a malformed email, a password
    /// outside 8..128 characters or a name outside 1..200; 409 when the email is registered.
    #[handler(name = "register")]
    async fn register(
        &self,
        mut ctx: Context<'_>,
        Json(req): Json<RegisterRequest>,
    ) -> Result<Json<RegisterResponse>, Failure> {
        let email = Email::parse(&req.email)?;
        password::check_new_password(&req.password)?;
        let name = password::parse_name("name", &req.name, limits::MAX_NAME_CHARS)?;
        let user_id = ctx.rand_uuid().to_string();

        let deps = self.deps.clone();
        let (uid, mail) = (user_id.clone(), email.as_str().to_string());
        let (nm, pw) = (name.clone(), req.password.clone());
        ctx.run(|| {
            step(async move {
                let hash = deps.passwords.hash(pw).await?;
                let user = User {
                    id: uid.clone(),
                    email: mail,
                    name: nm,
                    role: "member".into(),
                    active: true,
                    created_at: now_ms(),
                };
                match deps.store.insert_user(&user, &hash).await {
                    Ok(()) => Ok(()),
                    // the step ran before and its result was lost in a crash: the row is ours
                    Err(InfraError::AlreadyExists(_)) if deps.store.user(&uid).await?.is_some() => {
                        Ok(())
                    }
                    Err(InfraError::AlreadyExists(_)) => Err(terminal(
                        409,
                        "an account with this email exists already: log in instead",
                    )),
                    Err(e) => Err(e.into()),
                }
            })
        })
        .name("create user")
        .retry_policy(self.deps.db_retry.policy())
        .await?;

        let session = self.session(&ctx, &user_id, "member", 0).await?;
        announce(
            &ctx,
            RecordActivity {
                origin_key: format!("user_registered:{user_id}"),
                kind: "user_registered".into(),
                user_id: Some(user_id.clone()),
                workspace_id: None,
                booking_id: None,
                amount_cents: None,
            },
            Some(SendNotification {
                id: format!("welcome:{user_id}"),
                user_id: Some(user_id.clone()),
                kind: "welcome".into(),
                to: Some(email.as_str().into()),
                subject: "Welcome to deskflow".into(),
                body: format!(
                    "Hello {name},\n\nwelcome to deskflow. You can now book desks in any of our workspaces.\n\nThe deskflow team"
                ),
            }),
        );
        tracing::info!(user_id, "user registered");
        Ok(Json(RegisterResponse {
            user_id,
            token: session.token,
            expires_at: session.expires_at,
            refresh_token: session.refresh_token,
        }))
    }

    /// Logs in: `{"email","password"}` -> `{"token","expires_at","refresh_token"}`; 401 on
    /// wrong credentials (the message does not say which of the two was wrong, and an unknown
    /// email costs the same argon2 work as a wrong password); 429 with the seconds to wait after
    /// repeated failures for one account.
    #[handler(name = "login")]
    async fn login(
        &self,
        ctx: Context<'_>,
        Json(req): Json<LoginRequest>,
    ) -> Result<Json<LoginResponse>, Failure> {
        let email = req.email.trim().to_lowercase();
        if email.chars().count() > limits::MAX_EMAIL_CHARS {
            return Err(terminal(
                400,
                format!(
                    "email is too long: at most {} characters",
                    limits::MAX_EMAIL_CHARS
                ),
            ));
        }
        limits::check_login_password("password", &req.password)?;
        let Json(guard) = ctx
            .object_client::<LoginGuardClient>(guard_key(&self.deps, &email))
            .state()
            .call()
            .await?;

        let deps = self.deps.clone();
        let key = email.clone();
        let Json(checked) = ctx
            .run(|| {
                step(async move {
                    let now = now_ms();
                    if let Some(secs) = LoginBackoff::seconds_left(guard.blocked_until_ms, now) {
                        return Ok(Json(Checked::Blocked { secs }));
                    }
                    let found = deps.store.user_credentials(&key).await?;
                    let stored = found
                        .as_ref()
                        .filter(|(u, _)| u.active)
                        .map(|(_, h)| h.clone());
                    let right = deps.passwords.verify(req.password, stored).await?;
                    let user = match found {
                        Some((u, _)) if right => u,
                        _ => return Ok(Json(Checked::Wrong { at_ms: now })),
                    };
                    let access = deps.store.user_access(&user.id).await?;
                    Ok(Json(match access {
                        Some(a) => Checked::Right {
                            user_id: user.id,
                            role: a.role,
                            version: a.token_version,
                        },
                        None => Checked::Wrong { at_ms: now },
                    }))
                })
            })
            .name("check password")
            .retry_policy(self.deps.db_retry.policy())
            .await?;

        match checked {
            Checked::Blocked { secs } => Err(too_many(secs)),
            Checked::Wrong { at_ms } => {
                let Json(now_blocked): Json<GuardState> = ctx
                    .object_client::<LoginGuardClient>(guard_key(&self.deps, &email))
                    .failed(at_ms)
                    .call()
                    .await?;
                tracing::info!(failures = now_blocked.failures, "login refused");
                Err(terminal(401, "wrong email or password"))
            }
            Checked::Right {
                user_id,
                role,
                version,
            } => {
                if guard.failures > 0 {
                    ctx.object_client::<LoginGuardClient>(guard_key(&self.deps, &email))
                        .succeeded()
                        .send();
                }
                let s = self.session(&ctx, &user_id, &role, version).await?;
                Ok(Json(s))
            }
        }
    }

    /// Spends a refresh token: `{"refresh_token"}` -> a new `{"token","expires_at",
    /// "refresh_token"}`. 401 for an unknown, expired, spent or revoked one. Presenting a token
    /// that was spent already revokes every token rotated from the same login: one of the two
    /// holders is not the member.
    #[handler(name = "refresh")]
    async fn refresh(
        &self,
        ctx: Context<'_>,
        Json(req): Json<RefreshRequest>,
    ) -> Result<Json<LoginResponse>, Failure> {
        if req.refresh_token.len() > limits::MAX_REFRESH_TOKEN_CHARS {
            return Err(terminal(
                400,
                "refresh_token is too long: it is not one of ours",
            ));
        }
        let deps = self.deps.clone();
        let invocation = ctx.invocation_id().to_string();
        let Json(s) = ctx
            .run(|| step(async move {
                let now = now_ms();
                let (token, hash) = new_refresh_token();
                let expires = now + deps.refresh_ttl.as_millis() as i64;
                let old = refresh_token_hash(&req.refresh_token);
                let spent = deps
                    .store
                    .rotate_refresh_token(&old, &hash, expires, &invocation, now)
                    .await
                    ?;
                let Spent::Rotated { user_id, access } = spent else {
                    return Err(terminal(
                        401,
                        "unknown, expired, spent or revoked refresh token: log in again with Auth/login",
                    ));
                };
                let (jwt, exp) = deps
                    .tokens
                    .issue(&user_id, &access.role, access.token_version, now / 1000)
                    ?;
                Ok(Json(LoginResponse {
                    token: jwt,
                    expires_at: rfc3339(exp * 1000),
                    refresh_token: token,
                }))
            }))
            .name("rotate refresh token")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        Ok(Json(s))
    }

    /// `{}` with a bearer token -> `{"user_id","role","expires_at"}` when the token is valid
    /// and not revoked (the role as the database holds it now); 401 otherwise.
    #[handler(name = "validate")]
    async fn validate(
        &self,
        ctx: Context<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<ValidateResponse>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        Ok(Json(ValidateResponse {
            user_id: who.sub,
            role: who.role,
            expires_at: rfc3339(who.exp * 1000),
        }))
    }
}

impl Auth {
    /// Issues a session in one journaled step (it reads the clock and the OS's randomness): an
    /// access token and a refresh token whose hash is stored. The step's result holds both
    /// secrets while the call runs; this service keeps no journal after it completes.
    async fn session(
        &self,
        ctx: &Context<'_>,
        user_id: &str,
        role: &str,
        version: i64,
    ) -> Outcome<LoginResponse> {
        let deps = self.deps.clone();
        let (uid, role) = (user_id.to_string(), role.to_string());
        let invocation = ctx.invocation_id().to_string();
        let Json(t) = ctx
            .run(|| {
                step(async move {
                    let now = now_ms();
                    let (refresh, hash) = new_refresh_token();
                    deps.store
                        .insert_refresh_token(&NewRefreshToken {
                            token_hash: &hash,
                            user_id: &uid,
                            family_id: &uuid::Uuid::new_v4().to_string(),
                            issued_by: &invocation,
                            now_ms: now,
                            expires_at_ms: now + deps.refresh_ttl.as_millis() as i64,
                        })
                        .await?;
                    let (token, exp) = deps.tokens.issue(&uid, &role, version, now / 1000)?;
                    Ok(Json(LoginResponse {
                        token,
                        expires_at: rfc3339(exp * 1000),
                        refresh_token: refresh,
                    }))
                })
            })
            .name("issue tokens")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        Ok(t)
    }
}

/// 429 with the wait in the message (a terminal error carries no headers, so no Retry-After).
pub(crate) fn too_many(secs: u64) -> Failure {
    terminal(
        429,
        format!("too many wrong passwords for this account: try again in {secs} seconds"),
    )
}
