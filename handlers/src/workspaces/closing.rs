//! `Workspaces/close`: an admin closes a workspace for good. This call checks the admin and the
//! input, then the durable `WorkspaceClosure` flow (keyed by the workspace) closes it and
//! cancels every booking that has not ended with a full refund and an email; the call answers
//! what that came to. Closing twice answers the first closure's result (the flow runs once
//! per workspace and keeps its answer for 30 days).

use crate::deps::Deps;
use crate::error::{Failure, Outcome, step};
use deskflow_api::{CloseWorkspaceRequest, ClosureResult, ClosureStart, Empty, flows};
use deskflow_domain::limits;
use deskflow_infra::jwt::Claims;
use restate_sdk::prelude::*;
use std::sync::Arc;

/// The reason the members read when the admin gave none.
const DEFAULT_REASON: &str = "the workspace was closed";

pub(super) async fn close(
    ctx: &Context<'_>,
    deps: &Arc<Deps>,
    admin: Claims,
    req: CloseWorkspaceRequest,
) -> Outcome<Json<ClosureResult>> {
    let reason =
        limits::check_reason(req.reason.as_deref())?.unwrap_or_else(|| DEFAULT_REASON.to_string());
    let (d, id) = (deps.clone(), req.workspace_id.clone());
    let known = ctx
        .run(|| step(async move { Ok(d.store.workspace(&id).await?.is_some()) }))
        .name("find workspace")
        .retry_policy(deps.db_retry.policy())
        .await?;
    if !known {
        return Err(Failure::not_found("workspace", &req.workspace_id));
    }
    let start = ClosureStart {
        reason,
        admin_id: admin.sub.clone(),
    };
    // started once per workspace; a second close finds it started and answers its result
    let _ = flows::closure::RUN
        .request(ctx, req.workspace_id.clone(), start)
        .send();
    let result = flows::closure::RESULT
        .request(ctx, req.workspace_id.clone(), Empty {})
        .call()
        .await?;
    Ok(result)
}
