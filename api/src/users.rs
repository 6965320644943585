//! `Users`: a member's own profile and password, and the deletion of their account (what its
//! durable `AccountDeletion` flow answers).

use deskflow_domain::limits::MAX_NAME_CHARS;
use deskflow_domain::password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `Users/update`: the fields of the caller's profile a member may change.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// The new display name, 1 to 200 characters (surrounding blanks are trimmed).
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: String,
}

/// `Users/change_password`. Never journaled beyond the call (the Users service keeps no
/// journal), never stored: the new password's hash is written in the step that makes it.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now; 401 when it is wrong.
    #[schemars(length(max = MAX_PASSWORD_LEN))]
    pub current_password: String,
    /// 8 to 128 characters. Tokens issued before the change are refused afterwards.
    #[schemars(length(min = MIN_PASSWORD_LEN, max = MAX_PASSWORD_LEN))]
    pub new_password: String,
}

/// Passwords stay out of logs and panics.
impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest { .. }")
    }
}

/// A member's profile (`Users/me`, `Users/update`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Profile {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// `member` or `admin`.
    pub role: String,
    /// When the account was opened (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
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
