//! `WorkspaceClosure/{workspace}`: closing a workspace for good. The Calendar object closes it
//! first (serialized with every hold, so no booking can take a seat afterwards), then every
//! booking that has not ended is cancelled with a full refund and an email, through its own
//! Booking workflow. A crash half-way resumes where it was: each cancel is a journaled call,
//! made once. Its journal in the Restate UI lists each booking's cancel.

use super::DONE;
use super::cancel_all::{Listing, cancel_all};
use deskflow_api::OptionalJson;
use deskflow_api::{CancelRequest, ClosureResult, ClosureStart, Empty, RecordActivity};
use deskflow_domain::saga::Canceller;
use deskflow_handlers::announce::announce;
use deskflow_handlers::calendar::CalendarClient;
use deskflow_handlers::deps::Deps;
use deskflow_handlers::error::{Failure, Outcome};
use restate_sdk::prelude::*;
use std::sync::Arc;

pub struct WorkspaceClosure {
    pub deps: Arc<Deps>,
}

#[restate_sdk::workflow(name = "WorkspaceClosure", workflow_completion_retention = "30 days")]
impl WorkspaceClosure {
    /// (internal) The closure; `Workspaces/close` starts it once per workspace.
    #[handler(name = "run", ingress_private)]
    async fn run(
        &self,
        ctx: WorkflowContext<'_>,
        Json(start): Json<ClosureStart>,
    ) -> Result<Json<ClosureResult>, Failure> {
        let outcome = close(&ctx, &self.deps, start).await;
        super::settle(&ctx, outcome, "closure")
    }

    /// (internal) What the closure came to, once it is done (`Workspaces/close` answers it,
    /// the second time too).
    #[handler(name = "result", ingress_private)]
    async fn result(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: OptionalJson<Empty>,
    ) -> Result<Json<ClosureResult>, Failure> {
        Ok(ctx.promise::<Json<ClosureResult>>(DONE).await?)
    }
}

async fn close(
    ctx: &WorkflowContext<'_>,
    deps: &Arc<Deps>,
    start: ClosureStart,
) -> Outcome<ClosureResult> {
    let workspace_id = ctx.key().to_string();
    // 1. no hold after this one answers
    ctx.object_client::<CalendarClient>(workspace_id.clone())
        .close()
        .call()
        .await?;
    // 2. every booking that has not ended: cancelled, fully refunded, emailed
    let tally = cancel_all(
        ctx,
        deps,
        Listing::Workspace(workspace_id.clone()),
        CancelRequest {
            reason: start.reason,
            by: Canceller::Admin,
        },
    )
    .await?;
    // 3. on the record
    announce(
        ctx,
        RecordActivity {
            origin_key: format!("workspace_closed:{workspace_id}"),
            kind: "workspace_closed".into(),
            user_id: Some(start.admin_id),
            workspace_id: Some(workspace_id.clone()),
            booking_id: None,
            amount_cents: Some(tally.refunded_cents),
        },
        None,
    );
    tracing::info!(
        workspace_id,
        cancelled = tally.cancelled,
        refunded_cents = tally.refunded_cents,
        "workspace closed"
    );
    Ok(ClosureResult {
        workspace_id,
        cancelled_bookings: tally.cancelled,
        refunded_cents: tally.refunded_cents,
    })
}
