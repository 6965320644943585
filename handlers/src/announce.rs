//! Telling the world about a change, one-way: a record for the reports and, when the change
//! concerns someone, an email. Both are sends (never awaited), so an SMTP or database outage can
//! never hold up or fail the flow that announces; each is keyed by the event's origin, so a
//! replay announces nothing twice. Every service and flow announces through [`announce`];
//! [`email_now`] is the one awaited email.

use crate::notifications::NotificationsClient;
use crate::reporting::ReportingClient;
use deskflow_api::{RecordActivity, SendNotification};
use restate_sdk::prelude::*;

/// Records `activity` and sends `mail` (if any), both one-way.
pub fn announce<'ctx>(
    ctx: &impl ContextClient<'ctx>,
    activity: RecordActivity,
    mail: Option<SendNotification>,
) {
    if let Some(mail) = mail {
        email(ctx, mail);
    }
    ctx.service_client::<ReportingClient>()
        .record(Json(activity))
        .send();
}

/// Sends `mail` one-way, for a message that changes nothing worth a report (a reminder).
pub fn email<'ctx>(ctx: &impl ContextClient<'ctx>, mail: SendNotification) {
    ctx.service_client::<NotificationsClient>()
        .send(Json(mail))
        .send();
}

/// Sends `mail` and waits until it is delivered or given up, at most `within` (a durable
/// timer): answers whether it was delivered by then. For a message that should go out before
/// something it names is erased (the notice of an account's deletion), without holding the
/// erasure up for a whole SMTP outage.
pub async fn email_now(
    ctx: &WorkflowContext<'_>,
    mail: SendNotification,
    within: std::time::Duration,
) -> Result<bool, TerminalError> {
    let delivery = ctx
        .service_client::<NotificationsClient>()
        .send(Json(mail))
        .call();
    Ok(restate_sdk::select! {
        delivered = delivery => delivered?,
        _ = ctx.sleep(within) => false,
    })
}
