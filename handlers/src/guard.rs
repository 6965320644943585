//! Bearer-token checks at the top of every public handler: who is calling, and may they.

use crate::error::terminal;
use deskflow_infra::jwt::{Claims, TokenKeys};
use restate_sdk::context::HeaderMap;
use restate_sdk::prelude::HandlerError;

/// The `Authorization: Bearer <jwt>` header, verified: 401 when missing, malformed, expired
/// or signed with another key or algorithm.
pub fn caller(headers: &HeaderMap, keys: &TokenKeys) -> Result<Claims, HandlerError> {
    let raw = headers.get("authorization").ok_or_else(|| {
        terminal(
            401,
            "missing bearer token: send 'Authorization: Bearer <token>' (get one from Auth/login)",
        )
    })?;
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .ok_or_else(|| terminal(401, "the Authorization header must be 'Bearer <token>'"))?;
    keys.verify(token.trim()).map_err(|_| {
        terminal(
            401,
            "invalid or expired token: log in again with Auth/login",
        )
    })
}

/// As [`caller`], and the caller must be an admin (403 otherwise).
pub fn admin(headers: &HeaderMap, keys: &TokenKeys) -> Result<Claims, HandlerError> {
    let c = caller(headers, keys)?;
    if !c.is_admin() {
        return Err(terminal(403, "this handler needs the admin role"));
    }
    Ok(c)
}
