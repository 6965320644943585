//! `AccountDeletion/{user}`: deleting a member's account, given its id only (the public
//! `Users/delete` checked the password). The account is closed first: no login, every token
//! and refresh token refused, no booking of it can hold a seat from then on. Then its bookings
//! that have not started are cancelled as the member's own cancels (the refund policy
//! applies); their emails are not sent (the account is closed), and one email says what was
//! cancelled and refunded instead, delivered before the erasure. Last, its personal data is
//! erased: email, name and password hash in `users`, address and text of its notifications.
//! Bookings, payments and activity keep counts and amounts under the bare user id, and the
//! email can register again. No flow that lives on keeps the address or the name: bookings and
//! payments hand Notifications the user id, and it reads the address when it records a mail.
//!
//! `run` keeps no journal once it ends (`journal_retention = "0s"`): its steps read the
//! account, and what it came to is kept in the `done` promise alone.

use super::DONE;
use super::cancel_all::{Listing, Tally, cancel_all};
use deskflow_api::OptionalJson;
use deskflow_api::{CancelRequest, DeletionResult, Empty, RecordActivity, SendNotification};
use deskflow_domain::money::format_minor as money;
use deskflow_domain::saga::Canceller;
use deskflow_handlers::announce::{announce, email_now};
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::error::{Failure, Outcome, step};
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct AccountDeletion {
    pub deps: Arc<Deps>,
}

/// How long the erasure waits for the deletion notice to be delivered: an SMTP outage does
/// not hold the erasure up (the notice is then not sent: its address is erased).
const NOTICE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The reason each cancelled booking carries.
const REASON: &str = "cancelled by the member: the account was deleted";

#[restate_sdk::workflow(name = "AccountDeletion", workflow_completion_retention = "30 days")]
impl AccountDeletion {
    /// (internal) The deletion; `Users/delete` starts it once per account.
    #[handler(name = "run", ingress_private, journal_retention = "0s")]
    async fn run(
        &self,
        ctx: WorkflowContext<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<DeletionResult>, Failure> {
        let outcome = delete(&ctx, &self.deps).await;
        super::settle(&ctx, outcome, "deletion")
    }

    /// (internal) What the deletion came to, once it is done.
    #[handler(name = "result", ingress_private)]
    async fn result(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<DeletionResult>, Failure> {
        Ok(ctx.promise::<Json<DeletionResult>>(DONE).await?)
    }
}

async fn delete(ctx: &WorkflowContext<'_>, deps: &Arc<Deps>) -> Outcome<DeletionResult> {
    let user_id = ctx.key().to_string();
    // 1. closed: no login, no token, no new hold
    let (d, uid) = (deps.clone(), user_id.clone());
    ctx.run(|| {
        let (d, uid) = (d.clone(), uid.clone());
        step(async move { Ok(d.store.close_account(&uid, now_ms()).await?) })
    })
    .name("close account")
    .retry_policy(deps.db_retry.policy())
    .await?;
    // 2. the bookings that have not started, as the member's own cancels
    let tally = cancel_all(
        ctx,
        deps,
        Listing::Member(user_id.clone()),
        CancelRequest {
            reason: REASON.into(),
            by: Canceller::Member,
        },
    )
    .await?;
    // 3. one email saying what was done, delivered before the address is erased (the
    //    per-booking emails of a closed account are not sent: this one says it all)
    notify_deleted(ctx, deps, &user_id, tally).await?;
    // 4. no name, no email, no password left
    let (d, uid) = (deps.clone(), user_id.clone());
    ctx.run(|| {
        let (d, uid) = (d.clone(), uid.clone());
        step(async move { Ok(d.store.erase_account(&uid).await?) })
    })
    .name("erase personal data")
    .retry_policy(deps.db_retry.policy())
    .await?;
    announce(
        ctx,
        RecordActivity {
            origin_key: format!("account_deleted:{user_id}"),
            kind: "account_deleted".into(),
            user_id: Some(user_id.clone()),
            workspace_id: None,
            booking_id: None,
            amount_cents: Some(tally.refunded_cents),
        },
        None,
    );
    tracing::info!(
        user_id,
        cancelled = tally.cancelled,
        refunded_cents = tally.refunded_cents,
        "account deleted"
    );
    Ok(DeletionResult {
        cancelled_bookings: tally.cancelled,
        refunded_cents: tally.refunded_cents,
    })
}

/// The member's last email: the account is gone, what was cancelled and refunded. Sent to the
/// address read here (this journal is dropped when the deletion ends), and awaited, so it is
/// out before the erasure.
async fn notify_deleted(
    ctx: &WorkflowContext<'_>,
    deps: &Arc<Deps>,
    user_id: &str,
    tally: Tally,
) -> Outcome<()> {
    let (d, uid) = (deps.clone(), user_id.to_string());
    let Json(contact): Json<Option<(String, String)>> = ctx
        .run(|| {
            let (d, uid) = (d.clone(), uid.clone());
            step(async move { Ok(Json(d.store.user(&uid).await?.map(|u| (u.email, u.name)))) })
        })
        .name("read address")
        .retry_policy(deps.db_retry.policy())
        .await?;
    let Some((email, name)) = contact else {
        return Ok(());
    };
    let refunds = if tally.refunded_cents > 0 {
        format!(
            " {} was refunded to your card.",
            money(tally.refunded_cents)
        )
    } else {
        String::new()
    };
    let delivered = email_now(
        ctx,
        SendNotification {
            id: format!("account_deleted:{user_id}"),
            user_id: Some(user_id.to_string()),
            kind: "account_deleted".into(),
            to: Some(email),
            subject: "Your deskflow account was deleted".into(),
            body: format!(
                "Hello {name},\n\nyour deskflow account was deleted as you asked. {} booking(s) that had not started were cancelled.{refunds}\nYour name and email address are erased; bookings and payments are kept for accounting without them.\n\nThe deskflow team\n",
                tally.cancelled
            ),
        },
        NOTICE_WAIT,
    )
    .await?;
    if !delivered {
        tracing::warn!(
            user_id,
            "the deletion notice was not delivered in time; erasing anyway"
        );
    }
    Ok(())
}
