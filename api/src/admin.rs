//! `Admin`: bookings across members, cancels with a full refund, roles and reconciliation.

use deskflow_domain::limits::{MAX_EMAIL_CHARS, MAX_REASON_CHARS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `Admin/bookings` (admin): bookings matching every filter given (all when none).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminBookingsRequest {
    /// A booking status, e.g. `awaiting_payment`.
    pub status: Option<String>,
    /// Only this workspace's bookings.
    pub workspace_id: Option<String>,
    /// Only this member's bookings.
    pub user_id: Option<String>,
    /// Only bookings that are not final and have not changed for this many seconds
    /// ("stuck": e.g. waiting on payment for more than 10 minutes is `600`), 1 to 31,536,000.
    #[schemars(range(min = 1, max = deskflow_domain::limits::MAX_STUCK_FOR_SECS))]
    pub stuck_for_secs: Option<i64>,
}

/// `Admin/cancel_booking` (admin): cancels any booking with a full refund.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminCancelRequest {
    /// Any member's booking.
    pub booking_id: String,
    /// Why, up to 500 characters (goes into the member's email).
    #[serde(default)]
    #[schemars(length(max = MAX_REASON_CHARS))]
    pub reason: Option<String>,
}

/// `Admin/promote` (admin): gives an account the admin role.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteRequest {
    /// The account's email.
    #[schemars(length(max = MAX_EMAIL_CHARS))]
    pub email: String,
}

/// `Admin/demote`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DemoteRequest {
    /// The admin's email; the last admin cannot be demoted (409).
    #[schemars(length(max = MAX_EMAIL_CHARS))]
    pub email: String,
}

/// `Admin/reconcile`: compare every settled booking's payment with the provider and every
/// workspace's seats with its bookings; with `fix`, settle the payment differences.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileRequest {
    /// Settle the payment differences found (through the same unwind as a cancel).
    #[serde(default)]
    pub fix: bool,
    /// only these bookings (and their workspaces' seats); all when absent
    #[serde(default)]
    pub booking_ids: Option<Vec<String>>,
}

/// One thing that is not as the booking's final state and the policy say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Difference {
    pub booking_id: String,
    /// `authorization_open`, `provider_net`, `payment_row`, `booking_net`, `over_capacity`,
    /// `orphan_authorization`, `orphan_charge`
    pub kind: String,
    /// What the booking's final state and the policy say.
    pub expected: String,
    /// What the provider or the database holds.
    pub found: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReconcileReport {
    /// bookings (and workspaces) compared
    pub checked: i64,
    pub differences: Vec<Difference>,
    /// differences settled (with `fix`)
    pub fixed: i64,
}
