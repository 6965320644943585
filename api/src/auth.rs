//! `Auth`: registering, signing in and renewing a session.

use deskflow_domain::limits::{MAX_EMAIL_CHARS, MAX_NAME_CHARS};
use deskflow_domain::password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `Auth/register`: opens a member account and signs it in.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The login, unique per account (compared case-insensitively).
    #[schemars(email, length(max = MAX_EMAIL_CHARS))]
    pub email: String,
    /// 8 to 128 characters.
    #[schemars(length(min = MIN_PASSWORD_LEN, max = MAX_PASSWORD_LEN))]
    pub password: String,
    /// The member's display name, 1 to 200 characters (surrounding blanks are trimmed).
    #[schemars(length(min = 1, max = MAX_NAME_CHARS))]
    pub name: String,
}

/// The new account and its first session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterResponse {
    /// The new account's id.
    pub user_id: String,
    /// The access token: send it as `Authorization: Bearer <token>` on every other call.
    pub token: String,
    /// When `token` expires (RFC 3339); get a new one with `Auth/refresh`.
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: String,
    /// Spent once by `Auth/refresh`, which answers a new pair.
    pub refresh_token: String,
}

/// `Auth/login`: signs in with email and password. Repeated failures for one account are
/// refused with 429 for a while (the message says how many seconds to wait).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email, as registered (any case).
    #[schemars(length(max = MAX_EMAIL_CHARS))]
    pub email: String,
    /// The account's password (wrong: 401).
    #[schemars(length(max = MAX_PASSWORD_LEN))]
    pub password: String,
}

/// A session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LoginResponse {
    /// The access token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// When `token` expires (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: String,
    /// Spent once by `Auth/refresh`, which answers a new pair.
    pub refresh_token: String,
}

/// `Auth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// From `Auth/login`, `Auth/register` or an earlier refresh; spent by this call.
    pub refresh_token: String,
}

/// `Auth/validate`: who the bearer token speaks for, as the database says now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ValidateResponse {
    pub user_id: String,
    /// `member` or `admin`.
    pub role: String,
    /// When the token expires (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: String,
}
