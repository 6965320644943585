//! Users: registration, lookup, profile and password changes, and the first admin.

use super::{Store, on_unique};
use crate::InfraError;
use sqlx::Row;

/// A user as stored (the password hash never leaves the store layer except for login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub created_at: i64,
}

/// What the first-admin bootstrap did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootstrap {
    /// The account did not exist and was created as admin.
    Created,
    /// The account exists and is an admin already.
    AlreadyAdmin,
    /// The account existed as a member with the configured password and was promoted.
    Promoted,
    /// The account exists with another password: it was left as it is.
    Refused,
}

/// The outcome of `Admin/demote`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Demoted {
    /// The user is a member now (or was one already).
    Done(User),
    /// The user is the last active admin: not demoted.
    LastAdmin,
    NoSuchUser,
}

/// Columns read by every user query, in [`user_from`]'s order.
const COLS: &str = "id, email, name, role, active, created_at";

fn user_from(r: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        name: r.try_get(2)?,
        role: r.try_get(3)?,
        active: r.try_get::<i32, _>(4)? == 1,
        created_at: r.try_get(5)?,
    })
}

impl Store {
    /// Inserts a user; an email that exists already is [`InfraError::AlreadyExists`].
    pub async fn insert_user(&self, u: &User, password_hash: &str) -> Result<(), InfraError> {
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, role, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&u.id)
        .bind(&u.email)
        .bind(&u.name)
        .bind(password_hash)
        .bind(&u.role)
        .bind(u.active as i32)
        .bind(u.created_at)
        .execute(&mut self.conn().await?)
        .await
        .map_err(|e| on_unique(e, "a user with this email"))?;
        Ok(())
    }

    /// The user and their password hash, for login.
    pub async fn user_credentials(
        &self,
        email: &str,
    ) -> Result<Option<(User, String)>, InfraError> {
        let row = sqlx::query(&format!(
            "SELECT {COLS}, password_hash FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&mut self.conn().await?)
        .await?;
        Ok(match row {
            Some(r) => Some((user_from(&r)?, r.try_get(6)?)),
            None => None,
        })
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, InfraError> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| user_from(&r)).transpose()?)
    }

    /// Sets the display name of an active user; the user after the change, `None` when there
    /// is no such active user. Setting the same name again changes nothing (a retried step).
    pub async fn set_name(&self, id: &str, name: &str) -> Result<Option<User>, InfraError> {
        sqlx::query("UPDATE users SET name = $1 WHERE id = $2 AND active = 1")
            .bind(name)
            .bind(id)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(self.user(id).await?.filter(|u| u.active))
    }

    /// The password hash and token version of an active user, for a password change (the hash
    /// never leaves the store layer except for a check).
    pub async fn password_of(&self, id: &str) -> Result<Option<(String, i64)>, InfraError> {
        let row = sqlx::query(
            "SELECT password_hash, token_version FROM users WHERE id = $1 AND active = 1",
        )
        .bind(id)
        .fetch_optional(&mut self.conn().await?)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// Replaces the password hash of an active user whose token version is still
    /// `expected_version`, bumps the version (access tokens issued before are refused by the
    /// guard, tokens issued afterwards carry the new one and work at once) and revokes every
    /// refresh token, all in one transaction: a crash leaves either the old password with its
    /// sessions or the new one without them. False when the version moved on (another change,
    /// a demotion) or the user is gone: nothing was changed.
    pub async fn change_password(
        &self,
        id: &str,
        password_hash: &str,
        expected_version: i64,
        now_ms: i64,
    ) -> Result<bool, InfraError> {
        const SET: &str = "UPDATE users SET password_hash = $1, token_version = token_version + 1 WHERE id = $2 AND token_version = $3 AND active = 1";
        const REVOKE: &str =
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";
        match self.backend() {
            super::Backend::Sqlite => {
                // the store's own connection, held for the whole transaction: no other query
                // of this process runs in between, and nothing in here awaits anything slow
                let mut c = self.conn().await?;
                sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await?;
                let done = async {
                    let n = sqlx::query(SET)
                        .bind(password_hash)
                        .bind(id)
                        .bind(expected_version)
                        .execute(&mut c)
                        .await?
                        .rows_affected();
                    if n == 1 {
                        sqlx::query(REVOKE)
                            .bind(now_ms)
                            .bind(id)
                            .execute(&mut c)
                            .await?;
                    }
                    Ok::<_, sqlx::Error>(n == 1)
                }
                .await;
                match done {
                    Ok(changed) => {
                        sqlx::query("COMMIT").execute(&mut c).await?;
                        Ok(changed)
                    }
                    Err(e) => {
                        let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
                        Err(e.into())
                    }
                }
            }
            super::Backend::Postgres => {
                // dropped without commit, the transaction rolls back
                let mut tx = self.pool().begin().await?;
                let n = sqlx::query(SET)
                    .bind(password_hash)
                    .bind(id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 1 {
                    sqlx::query(REVOKE)
                        .bind(now_ms)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(n == 1)
            }
        }
    }

    /// Makes sure the configured first admin exists: creates it with `password_hash`, or, when
    /// the email is registered already, promotes that account only if `password_matches` says
    /// its stored hash is of the configured password. Whoever registered the admin email first
    /// with a password of their own stays a member ([`Bootstrap::Refused`]). Safe to run from
    /// several endpoints at once.
    pub async fn ensure_admin(
        &self,
        u: &User,
        password_hash: &str,
        password_matches: impl FnOnce(&str) -> bool,
    ) -> Result<Bootstrap, InfraError> {
        match self.insert_user(u, password_hash).await {
            Ok(()) => return Ok(Bootstrap::Created),
            Err(InfraError::AlreadyExists(_)) => {}
            Err(e) => return Err(e),
        }
        let Some((existing, stored)) = self.user_credentials(&u.email).await? else {
            return Err(InfraError::NotFound("the admin account that exists"));
        };
        if existing.role == "admin" {
            return Ok(Bootstrap::AlreadyAdmin);
        }
        if !password_matches(&stored) {
            return Ok(Bootstrap::Refused);
        }
        sqlx::query("UPDATE users SET role = 'admin' WHERE email = $1")
            .bind(&u.email)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(Bootstrap::Promoted)
    }

    /// Takes the admin role from the user with this email, bumps their token version and
    /// revokes their refresh tokens, unless they are the last admin. Two admins demoting each
    /// other at once must not both succeed: on SQLite the count and the change are one
    /// statement and writes are serialized; on PostgreSQL a transaction first locks every
    /// admin row, so concurrent demotions take turns and the second sees the first's result.
    pub async fn demote(&self, email: &str, now_ms: i64) -> Result<Demoted, InfraError> {
        let Some(user) = self.user_by_email(email).await? else {
            return Ok(Demoted::NoSuchUser);
        };
        if user.role != "admin" {
            return Ok(Demoted::Done(user));
        }
        const DEMOTE: &str = "UPDATE users SET role = 'member', token_version = token_version + 1 WHERE id = $1 AND role = 'admin' AND (SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1) > 1";
        let changed = match self.backend() {
            super::Backend::Sqlite => sqlx::query(DEMOTE)
                .bind(&user.id)
                .execute(&mut self.conn().await?)
                .await?
                .rows_affected(),
            super::Backend::Postgres => {
                let mut tx = self.pool().begin().await?;
                sqlx::query("SELECT id FROM users WHERE role = 'admin' AND active = 1 FOR UPDATE")
                    .fetch_all(&mut *tx)
                    .await?;
                let n = sqlx::query(DEMOTE)
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                n
            }
        };
        if changed == 0 {
            return Ok(match self.user_by_email(email).await? {
                Some(u) if u.role == "admin" => Demoted::LastAdmin,
                Some(u) => Demoted::Done(u),
                None => Demoted::NoSuchUser,
            });
        }
        self.revoke_refresh_tokens(&user.id, now_ms).await?;
        Ok(match self.user_by_email(email).await? {
            Some(u) => Demoted::Done(u),
            None => Demoted::NoSuchUser,
        })
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, InfraError> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM users WHERE email = $1"))
            .bind(email)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| user_from(&r)).transpose()?)
    }

    /// Sets the role of the user with this email; the user after the change, if any.
    pub async fn set_role(&self, email: &str, role: &str) -> Result<Option<User>, InfraError> {
        sqlx::query("UPDATE users SET role = $1 WHERE email = $2")
            .bind(role)
            .bind(email)
            .execute(&mut self.conn().await?)
            .await?;
        let row = sqlx::query(&format!("SELECT {COLS} FROM users WHERE email = $1"))
            .bind(email)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| user_from(&r)).transpose()?)
    }
}
