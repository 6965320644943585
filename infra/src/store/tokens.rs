//! Refresh tokens (stored as hashes only) and the per-user token version that revokes access
//! tokens. Rotation spends a token exactly once: the conditional `UPDATE` is the arbiter, so two
//! refreshes racing with one token cannot both win.

use super::Store;
use crate::InfraError;
use sqlx::Row;

/// What the guard needs to know about a token's user, read fresh from the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Access {
    pub role: String,
    pub active: bool,
    pub token_version: i64,
}

/// A refresh token to store: its hash, never the token itself.
#[derive(Debug, Clone)]
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub family_id: &'a str,
    /// the invocation issuing it: a retry of the same step replaces the token it issued before
    pub issued_by: &'a str,
    pub now_ms: i64,
    pub expires_at_ms: i64,
}

/// The outcome of spending a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spent {
    /// The token was valid and is now spent; a new token was stored in its family.
    Rotated { user_id: String, access: Access },
    /// Unknown, expired, revoked, spent already, or its user is inactive.
    Refused,
}

impl Store {
    /// The role, state and token version of a user; `None` when the user does not exist.
    pub async fn user_access(&self, user_id: &str) -> Result<Option<Access>, InfraError> {
        let row = sqlx::query("SELECT role, active, token_version FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(match row {
            Some(r) => Some(Access {
                role: r.try_get(0)?,
                active: r.try_get::<i32, _>(1)? == 1,
                token_version: r.try_get(2)?,
            }),
            None => None,
        })
    }

    /// Stores a new refresh token's hash (first removing one issued earlier by the same
    /// invocation, whose result a crash lost: nobody holds that token).
    pub async fn insert_refresh_token(&self, t: &NewRefreshToken<'_>) -> Result<(), InfraError> {
        sqlx::query("DELETE FROM refresh_tokens WHERE issued_by = $1")
            .bind(t.issued_by)
            .execute(&mut self.conn().await?)
            .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, user_id, family_id, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(t.token_hash)
        .bind(t.user_id)
        .bind(t.family_id)
        .bind(t.issued_by)
        .bind(t.now_ms)
        .bind(t.expires_at_ms)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }

    /// Spends the refresh token with hash `old_hash` and stores `new` in its family. A token
    /// spent before by another invocation is a replay (a stolen token, or a client that lost
    /// the answer): its whole family is revoked, so neither party keeps a session from it.
    /// The same invocation spending it again (a retried step) is allowed.
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        new_expires_at_ms: i64,
        invocation: &str,
        now_ms: i64,
    ) -> Result<Spent, InfraError> {
        let row = sqlx::query(
            "SELECT user_id, family_id, expires_at, spent_by, revoked_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(old_hash)
        .fetch_optional(&mut self.conn().await?)
        .await?;
        let Some(row) = row else {
            return Ok(Spent::Refused);
        };
        let user_id: String = row.try_get(0)?;
        let family_id: String = row.try_get(1)?;
        let expires_at: i64 = row.try_get(2)?;
        let spent_by: Option<String> = row.try_get(3)?;
        let revoked_at: Option<i64> = row.try_get(4)?;
        if revoked_at.is_some() || expires_at <= now_ms {
            return Ok(Spent::Refused);
        }
        if spent_by.as_deref().is_some_and(|by| by != invocation) {
            self.revoke_family(&family_id, now_ms).await?;
            return Ok(Spent::Refused);
        }
        let done = sqlx::query(
            "UPDATE refresh_tokens SET spent_at = $1, spent_by = $2 WHERE token_hash = $3 AND revoked_at IS NULL AND (spent_by IS NULL OR spent_by = $2)",
        )
        .bind(now_ms)
        .bind(invocation)
        .bind(old_hash)
        .execute(&mut self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            // another refresh spent it between our read and our write
            return Ok(Spent::Refused);
        }
        let access = match self.user_access(&user_id).await? {
            Some(a) if a.active => a,
            _ => return Ok(Spent::Refused),
        };
        self.insert_refresh_token(&NewRefreshToken {
            token_hash: new_hash,
            user_id: &user_id,
            family_id: &family_id,
            issued_by: invocation,
            now_ms,
            expires_at_ms: new_expires_at_ms,
        })
        .await?;
        Ok(Spent::Rotated { user_id, access })
    }

    async fn revoke_family(&self, family_id: &str, now_ms: i64) -> Result<(), InfraError> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(family_id)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }

    /// Revokes every session of a user: bumps the token version (access tokens issued before
    /// are refused by the guard) and revokes every refresh token.
    pub async fn revoke_sessions(&self, user_id: &str, now_ms: i64) -> Result<(), InfraError> {
        sqlx::query("UPDATE users SET token_version = token_version + 1 WHERE id = $1")
            .bind(user_id)
            .execute(&mut self.conn().await?)
            .await?;
        self.revoke_refresh_tokens(user_id, now_ms).await
    }

    /// Revokes every refresh token of a user that is not revoked yet.
    pub(crate) async fn revoke_refresh_tokens(
        &self,
        user_id: &str,
        now_ms: i64,
    ) -> Result<(), InfraError> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(user_id)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }
}
