//! Bearer-token checks at the top of every public handler: who is calling, and may they.
//!
//! Two levels. [`caller`] checks the token alone (signature, algorithm, expiry). [`member`] and
//! [`admin`] also ask the database, because a token is only a claim made when it was issued:
//! the user may have been deactivated, demoted, or have changed their password since. The
//! database read is a *journaled* step ("check caller"), not an effect-free read, because most
//! handlers act after it (write a row, start a flow): on a retry the handler must replay the
//! same decision it acted on, not a fresh one that could refuse halfway through effects already
//! made. The step result is a role and a version number, no secret; handlers that use these
//! guards keep no journal after completion anyway.

use crate::deps::Deps;
use crate::error::{Failure, Outcome, terminal};
use deskflow_infra::jwt::{Claims, TokenKeys};
use deskflow_infra::store::tokens::Access;
use restate_sdk::context::HeaderMap;
use restate_sdk::prelude::*;
use std::sync::Arc;

/// The `Authorization: Bearer <jwt>` header, verified: 401 when missing, malformed, expired
/// or signed with another key or algorithm. The token alone: prefer [`member`], which also
/// refuses revoked tokens.
pub fn caller(headers: &HeaderMap, keys: &TokenKeys) -> Outcome<Claims> {
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
            "invalid or expired token: get a new one with Auth/refresh or Auth/login",
        )
    })
}

/// As [`caller`], and the token's user exists, is active and has not had its tokens revoked
/// since this one was issued (the token's version is the user's current one). The returned
/// claims carry the role the database holds now, not the one in the token.
pub async fn member(ctx: &Context<'_>, deps: &Arc<Deps>) -> Outcome<Claims> {
    crate::member!(ctx, deps)
}

/// [`member`] for any context that journals steps (objects' and workflows' shared handlers
/// too): `member!(ctx, deps)` evaluates to `Outcome<Claims>`. A macro, not a function: a
/// function generic over the SDK's context types cannot prove its future `Send` (their `run`
/// returns an opaque future), and the generated handlers require it.
#[macro_export]
macro_rules! member {
    ($ctx:expr, $deps:expr) => {{
        let deps: &::std::sync::Arc<$crate::deps::Deps> = $deps;
        match $crate::guard::caller($ctx.headers(), &deps.tokens) {
            Err(e) => Err(e),
            Ok(claims) => {
                let (d, sub) = (deps.clone(), claims.sub.clone());
                let access = $ctx
                    .run(|| {
                        $crate::error::step(async move {
                            Ok(::restate_sdk::serde::Json(d.store.user_access(&sub).await?))
                        })
                    })
                    .name("check caller")
                    .retry_policy(deps.db_retry.policy())
                    .await;
                match access {
                    Ok(::restate_sdk::serde::Json(access)) => {
                        $crate::guard::still_valid(claims, access)
                    }
                    Err(e) => Err($crate::error::Failure::from(e)),
                }
            }
        }
    }};
}

/// 401 for a token whose sessions were revoked (or whose account is gone).
pub fn revoked() -> Failure {
    terminal(
        401,
        "this token was revoked (role or password changed, or the account is gone): log in again",
    )
}

/// The decision of [`member`] once the user's access is read: the user exists, is active and
/// the token's version is current; the claims then carry the database's role. For handlers
/// whose context [`member`] does not take (objects, workflows): read
/// `store.user_access(&claims.sub)` in a journaled step and pass it here.
pub fn still_valid(mut claims: Claims, access: Option<Access>) -> Outcome<Claims> {
    let Access {
        role,
        active,
        token_version,
    } = access.ok_or_else(revoked)?;
    if !active || token_version != claims.ver {
        return Err(revoked());
    }
    claims.role = role;
    Ok(claims)
}

/// As [`member`], and the user is an admin *in the database* (403 otherwise), whatever the
/// token says: a demoted admin's next admin call is refused.
pub async fn admin(ctx: &Context<'_>, deps: &Arc<Deps>) -> Outcome<Claims> {
    let c = member(ctx, deps).await?;
    if !c.is_admin() {
        return Err(terminal(403, "this handler needs the admin role"));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(role: &str, ver: i64) -> Claims {
        Claims {
            sub: "u1".into(),
            role: role.into(),
            iat: 0,
            exp: 1,
            ver,
        }
    }

    fn access(role: &str, active: bool, token_version: i64) -> Option<Access> {
        Some(Access {
            role: role.into(),
            active,
            token_version,
        })
    }

    #[test]
    fn the_database_decides_the_role_and_a_bumped_version_revokes_the_token() {
        let c = still_valid(claims("admin", 2), access("member", true, 2)).unwrap();
        assert_eq!(c.role, "member");
        let c = still_valid(claims("member", 0), access("admin", true, 0)).unwrap();
        assert!(c.is_admin());
        for (a, why) in [
            (access("admin", true, 3), "older version"),
            (access("admin", false, 2), "inactive"),
            (None, "gone"),
        ] {
            assert!(still_valid(claims("admin", 2), a).is_err(), "{why}");
        }
    }
}
