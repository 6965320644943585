//! Telling the world about a change, one-way: a record for the reports and, when the change
//! concerns someone, an email. Both are sends (never awaited), so an SMTP or database outage can
//! never hold up or fail the flow that announces; each is keyed by the event's origin, so a
//! replay announces nothing twice. Every service and flow announces through [`announce`].

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
