//! `Auth`: registration and login. Registration runs the seed's flow: create the user ->
//! welcome email -> activity record; the email and the record are one-way calls, so an SMTP
//! outage never blocks or fails a registration.

use crate::api::{
    LoginRequest, LoginResponse, RecordActivity, RegisterRequest, RegisterResponse,
    SendNotification,
};
use crate::deps::{Deps, now_ms};
use crate::error::{bad_input, infra, terminal};
use crate::notifications::NotificationsClient;
use crate::reporting::ReportingClient;
use deskflow_domain::{email::Email, password};
use deskflow_infra::{InfraError, passwords, store::users::User};
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Auth {
    pub deps: Arc<Deps>,
}

#[restate_sdk::service(name = "Auth")]
impl Auth {
    /// Registers a member: `{"email","password","name"}` -> `{"user_id","token"}`.
    /// 400 for a malformed email, a password under 8 characters or a blank name; 409 when the
    /// email is registered already.
    #[handler(name = "register")]
    async fn register(
        &self,
        mut ctx: Context<'_>,
        Json(req): Json<RegisterRequest>,
    ) -> HandlerResult<Json<RegisterResponse>> {
        let email = Email::parse(&req.email).map_err(bad_input)?;
        password::check_new_password(&req.password).map_err(bad_input)?;
        let name = password::parse_name("name", &req.name, 200).map_err(bad_input)?;
        let user_id = ctx.rand_uuid().to_string();

        let deps = self.deps.clone();
        let (uid, mail) = (user_id.clone(), email.as_str().to_string());
        let (nm, pw) = (name.clone(), req.password.clone());
        ctx.run(|| async move {
            let hash = passwords::hash(&pw).map_err(infra)?;
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
                Err(InfraError::AlreadyExists(_))
                    if deps.store.user(&uid).await.map_err(infra)?.is_some() =>
                {
                    Ok(())
                }
                Err(InfraError::AlreadyExists(_)) => Err(terminal(
                    409,
                    "an account with this email exists already: log in instead",
                )),
                Err(e) => Err(infra(e)),
            }
        })
        .name("create user")
        .retry_policy(self.deps.db_retry.policy())
        .await?;

        let token = self.issue(&ctx, &user_id, "member").await?;
        ctx.service_client::<NotificationsClient>()
            .send(Json(SendNotification {
                id: format!("welcome:{user_id}"),
                user_id: Some(user_id.clone()),
                kind: "welcome".into(),
                to: email.as_str().into(),
                subject: "Welcome to deskflow".into(),
                body: format!(
                    "Hello {name},\n\nwelcome to deskflow. You can now book desks in any of our workspaces.\n\nThe deskflow team"
                ),
            }))
            .send();
        ctx.service_client::<ReportingClient>()
            .record(Json(RecordActivity {
                origin_key: format!("user_registered:{user_id}"),
                kind: "user_registered".into(),
                user_id: Some(user_id.clone()),
                workspace_id: None,
                booking_id: None,
                amount_cents: None,
            }))
            .send();
        tracing::info!(user_id, "user registered");
        Ok(Json(RegisterResponse {
            user_id,
            token: token.token,
        }))
    }

    /// Logs in: `{"email","password"}` -> `{"token","expires_at"}`; 401 on wrong credentials
    /// (the message does not say which of the two was wrong).
    #[handler(name = "login")]
    async fn login(
        &self,
        ctx: Context<'_>,
        Json(req): Json<LoginRequest>,
    ) -> HandlerResult<Json<LoginResponse>> {
        let deps = self.deps.clone();
        let email = req.email.trim().to_lowercase();
        let checked: Json<(String, String)> = ctx
            .run(|| async move {
                let wrong = || terminal(401, "wrong email or password");
                let (user, hash) = deps
                    .store
                    .user_credentials(&email)
                    .await
                    .map_err(infra)?
                    .ok_or_else(wrong)?;
                if !user.active || !passwords::verify(&req.password, &hash) {
                    return Err(wrong());
                }
                Ok(Json((user.id, user.role)))
            })
            .name("verify credentials")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        let (user_id, role) = checked.0;
        let t = self.issue(&ctx, &user_id, &role).await?;
        Ok(Json(LoginResponse {
            token: t.token,
            expires_at: t.expires_at,
        }))
    }
}

impl Auth {
    /// Issues a token in a journaled step (it reads the clock).
    async fn issue(
        &self,
        ctx: &Context<'_>,
        user_id: &str,
        role: &str,
    ) -> HandlerResult<LoginResponse> {
        let deps = self.deps.clone();
        let (uid, role) = (user_id.to_string(), role.to_string());
        let Json(t) = ctx
            .run(|| async move {
                let (token, exp) = deps
                    .tokens
                    .issue(&uid, &role, now_ms() / 1000)
                    .map_err(infra)?;
                Ok(Json(LoginResponse {
                    token,
                    expires_at: crate::api::rfc3339(exp * 1000),
                }))
            })
            .name("issue token")
            .await?;
        Ok(t)
    }
}
