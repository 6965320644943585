//! Telling the world about a change, one-way: an email to the member and a record for the
//! reports. Both are sends (never awaited), so an SMTP or database outage can never hold up or
//! fail the flow that announces; each is keyed by the event's origin, so a replay announces
//! nothing twice.

use crate::notifications::NotificationsClient;
use crate::reporting::ReportingClient;
use deskflow_api::{RecordActivity, SendNotification};
use restate_sdk::prelude::*;

/// One-way activity record of `kind`, keyed by `origin`.
pub fn record_activity<'ctx>(
    ctx: &impl ContextClient<'ctx>,
    kind: &str,
    origin: &str,
    user_id: Option<&str>,
    workspace_id: Option<&str>,
    booking_id: Option<&str>,
    amount_cents: Option<i64>,
) {
    ctx.service_client::<ReportingClient>()
        .record(Json(RecordActivity {
            origin_key: origin.to_string(),
            kind: kind.to_string(),
            user_id: user_id.map(str::to_string),
            workspace_id: workspace_id.map(str::to_string),
            booking_id: booking_id.map(str::to_string),
            amount_cents,
        }))
        .send();
}

/// One-way email, keyed by `id` (sending the same id twice sends one email).
pub fn email<'ctx>(ctx: &impl ContextClient<'ctx>, mail: SendNotification) {
    ctx.service_client::<NotificationsClient>()
        .send(Json(mail))
        .send();
}
