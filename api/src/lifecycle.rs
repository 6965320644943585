//! The end of a workspace's and of an account's life: `Workspaces/close` and `Users/delete`,
//! and what their durable flows are handed and answer.

use deskflow_domain::limits::MAX_REASON_CHARS;
use deskflow_domain::password::MAX_PASSWORD_LEN;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `Workspaces/close`: which workspace, and why (the reason goes into every member's email).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseWorkspaceRequest {
    /// The workspace to close; closing it again answers the same result.
    pub workspace_id: String,
    /// Up to 500 characters; goes into every member's email.
    #[serde(default)]
    #[schemars(length(max = MAX_REASON_CHARS))]
    pub reason: Option<String>,
}

/// What the closure came to (the same answer however often `close` is called).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClosureResult {
    pub workspace_id: String,
    /// Bookings that had not ended, now cancelled with a full refund.
    pub cancelled_bookings: i64,
    /// Refunded in all, minor units.
    pub refunded_cents: i64,
}

/// (internal) What the `WorkspaceClosure` workflow is handed: the reason and the admin who
/// closed it; the workspace is the workflow's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClosureStart {
    pub reason: String,
    pub admin_id: String,
}

/// `Users/delete`: the member confirms with their password (checked by the public handler;
/// the deletion flow is given the user id only).
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's current password; 401 when it is wrong.
    #[schemars(length(max = MAX_PASSWORD_LEN))]
    pub password: String,
}

/// What the deletion came to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeletionResult {
    /// Bookings that had not started, cancelled as the member's own cancels.
    pub cancelled_bookings: i64,
    /// Refunded in all by the refund policy, minor units.
    pub refunded_cents: i64,
}
