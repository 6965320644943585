//! The end of a workspace's and of an account's life: `Workspaces/close` and `Users/delete`,
//! and what their durable flows are handed and answer.

use serde::{Deserialize, Serialize};

/// `Workspaces/close`: which workspace, and why (the reason goes into every member's email).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseWorkspaceRequest {
    pub workspace_id: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What the closure came to (the same answer however often `close` is called).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureResult {
    pub workspace_id: String,
    pub cancelled_bookings: i64,
    pub refunded_cents: i64,
}

/// (internal) What the `WorkspaceClosure` workflow is handed: the reason and the admin who
/// closed it; the workspace is the workflow's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureStart {
    pub reason: String,
    pub admin_id: String,
}

/// `Users/delete`: the member confirms with their password (checked by the public handler;
/// the deletion flow is given the user id only).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    pub password: String,
}

/// What the deletion came to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionResult {
    pub cancelled_bookings: i64,
    pub refunded_cents: i64,
}
