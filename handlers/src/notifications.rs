//! `Notifications`: email over SMTP. Each message is a row (status, attempts) and a journaled
//! "send email" step with its own retry policy, so an SMTP outage delays a message but never
//! loses it, and never blocks the flow that asked for it (callers use one-way sends).

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, step};
use crate::guard;
use deskflow_api::OptionalJson;
use deskflow_api::{Empty, NotificationView, SendNotification, rfc3339};
use deskflow_infra::mailer::Email;
use deskflow_infra::metrics;
use deskflow_infra::store::notifications::NotificationRow;
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct Notifications {
    pub deps: Arc<Deps>,
}

#[restate_sdk::service(name = "Notifications")]
impl Notifications {
    /// (internal) Records and delivers one email. Returns whether it was delivered; a
    /// delivery that ran out of retries is recorded as `failed` and is not an error.
    #[handler(name = "send", ingress_private)]
    async fn send(
        &self,
        ctx: Context<'_>,
        Json(n): Json<SendNotification>,
    ) -> Result<bool, Failure> {
        let deps = self.deps.clone();
        let row = n.clone();
        ctx.run(|| {
            step(async move {
                Ok(deps
                    .store
                    .insert_notification(&NotificationRow {
                        id: row.id,
                        user_id: row.user_id,
                        kind: row.kind,
                        recipient: row.to,
                        subject: row.subject,
                        body: row.body,
                        status: "pending".into(),
                        attempts: 0,
                        last_error: None,
                        created_at: now_ms(),
                        sent_at: None,
                    })
                    .await?)
            })
        })
        .name("record notification")
        .retry_policy(self.deps.db_retry.policy())
        .await?;

        let deps = self.deps.clone();
        let email = Email {
            id: n.id.clone(),
            to: n.to.clone(),
            subject: n.subject.clone(),
            body: n.body.clone(),
        };
        let sent = ctx
            .run(|| step(async move {
                // sent before a crash lost this step's result: do not send it twice
                if !deps.store.count_notification_attempt(&email.id).await?
                    && let Some(at) = deps.store.notification(&email.id).await?.and_then(|n| n.sent_at)
                {
                    return Ok(at);
                }
                let started = std::time::Instant::now();
                if let Err(e) = deps.mailer.send(&email).await {
                    tracing::warn!(notification = %email.id, error = %e, "email not delivered yet; will retry");
                    metrics::inc("deskflow_notifications_total", &[("outcome", "failed_attempt")]);
                    let _ = deps.store.note_notification_error(&email.id, &e.to_string()).await;
                    return Err(e.into());
                }
                metrics::observe("deskflow_step_seconds", &[("step", "send email")], started.elapsed());
                metrics::inc("deskflow_notifications_total", &[("outcome", "sent")]);
                let at = now_ms();
                deps.store.mark_notification_sent(&email.id, at).await?;
                Ok(at)
            }))
            .name("send email")
            .retry_policy(self.deps.notify_retry.policy())
            .await;

        let deps = self.deps.clone();
        let id = n.id.clone();
        match sent {
            Ok(_) => Ok(true),
            Err(e) => {
                let why = e.message().to_string();
                tracing::error!(notification = %n.id, error = %why, "email given up after its retry budget");
                ctx.run(|| {
                    step(async move {
                        metrics::inc("deskflow_notifications_total", &[("outcome", "given_up")]);
                        Ok(deps.store.mark_notification_failed(&id, &why).await?)
                    })
                })
                .name("mark failed")
                .retry_policy(self.deps.db_retry.policy())
                .await?;
                Ok(false)
            }
        }
    }

    /// The caller's notifications, newest first.
    #[handler(name = "list", journal_retention = "0s", idempotency_retention = "0s")]
    async fn list(
        &self,
        ctx: Context<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<Vec<NotificationView>>, Failure> {
        let who = guard::member(&ctx, &self.deps).await?;
        let rows = self.deps.store.notifications_of_user(&who.sub).await?;
        Ok(Json(
            rows.into_iter()
                .map(|r| NotificationView {
                    kind: r.kind,
                    subject: r.subject,
                    status: r.status,
                    attempts: r.attempts,
                    sent_at: r.sent_at.map(rfc3339),
                })
                .collect(),
        ))
    }
}
