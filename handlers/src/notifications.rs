//! `Notifications`: email over SMTP. Each message is a row (status, attempts) and a journaled
//! "send email" step with its own retry policy, so an SMTP outage delays a message but never
//! loses it, and never blocks the flow that asked for it (callers use one-way sends).

use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step, terminal};
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
    /// delivery that ran out of retries, or an email for a closed account, is recorded as
    /// `failed` and is not an error. The address is read from the database in each step, so
    /// this journal holds none, and none is kept once the call ends.
    #[handler(
        name = "send",
        ingress_private,
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn send(
        &self,
        ctx: Context<'_>,
        Json(n): Json<SendNotification>,
    ) -> Result<bool, Failure> {
        let deps = self.deps.clone();
        let row = n.clone();
        let addressed = ctx
            .run(|| step(record(deps.clone(), row.clone())))
            .name("record notification")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        if !addressed {
            return Ok(false);
        }

        let deps = self.deps.clone();
        let id = n.id.clone();
        let sent = ctx
            .run(|| step(deliver(deps.clone(), id.clone())))
            .name("send email")
            .retry_policy(self.deps.notify_retry.policy())
            .await;

        let deps = self.deps.clone();
        let id = n.id.clone();
        match sent {
            Ok(_) => Ok(true),
            Err(e) => {
                let why = e.message().to_string();
                tracing::error!(notification = %n.id, error = %why, "email given up");
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

/// Why an email for a member is not sent.
const ACCOUNT_CLOSED: &str = "not sent: the member's account is closed";

/// The "record notification" step: the row, addressed to `to` or else to the member's current
/// address. An email for a closed (deleted) account is recorded as failed, without an
/// address; answers whether there is something to deliver.
async fn record(deps: Arc<Deps>, n: SendNotification) -> Outcome<bool> {
    let recipient = match (&n.to, &n.user_id) {
        (Some(to), _) => Some(to.clone()),
        (None, Some(user_id)) => deps
            .store
            .user(user_id)
            .await?
            .filter(|u| u.active)
            .map(|u| u.email),
        (None, None) => None,
    };
    let row = NotificationRow {
        id: n.id,
        user_id: n.user_id,
        kind: n.kind,
        recipient: recipient.clone().unwrap_or_default(),
        subject: n.subject,
        body: n.body,
        status: "pending".into(),
        attempts: 0,
        last_error: None,
        created_at: now_ms(),
        sent_at: None,
    };
    deps.store.insert_notification(&row).await?;
    if recipient.is_none() {
        metrics::inc(
            "deskflow_notifications_total",
            &[("outcome", "not_addressed")],
        );
        deps.store
            .mark_notification_failed(&row.id, ACCOUNT_CLOSED)
            .await?;
        return Ok(false);
    }
    Ok(true)
}

/// The "send email" step: delivers the recorded row (its address read here, not journaled).
/// Returns when it was sent.
async fn deliver(deps: Arc<Deps>, id: String) -> Outcome<i64> {
    let row = deps
        .store
        .notification(&id)
        .await?
        .ok_or_else(|| Failure::not_found("notification", &id))?;
    // sent before a crash lost this step's result: do not send it twice
    if !deps.store.count_notification_attempt(&id).await?
        && let Some(at) = row.sent_at
    {
        return Ok(at);
    }
    if row.recipient.is_empty() {
        // erased meanwhile: the account was deleted
        return Err(terminal(410, ACCOUNT_CLOSED));
    }
    let email = Email {
        id: row.id,
        to: row.recipient,
        subject: row.subject,
        body: row.body,
    };
    let started = std::time::Instant::now();
    if let Err(e) = deps.mailer.send(&email).await {
        tracing::warn!(notification = %email.id, error = %e, "email not delivered yet; will retry");
        metrics::inc(
            "deskflow_notifications_total",
            &[("outcome", "failed_attempt")],
        );
        let _ = deps
            .store
            .note_notification_error(&email.id, &e.to_string())
            .await;
        return Err(Failure::retryable(e));
    }
    metrics::observe(
        "deskflow_step_seconds",
        &[("step", "send email")],
        started.elapsed(),
    );
    metrics::inc("deskflow_notifications_total", &[("outcome", "sent")]);
    let at = now_ms();
    deps.store.mark_notification_sent(&email.id, at).await?;
    Ok(at)
}
