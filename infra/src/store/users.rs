//! Users: registration, lookup, and the first admin.

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

    /// Creates the configured admin unless that email is registered already (then makes sure
    /// it has the admin role). Safe to run from several endpoints at once.
    pub async fn ensure_admin(&self, u: &User, password_hash: &str) -> Result<(), InfraError> {
        match self.insert_user(u, password_hash).await {
            Ok(()) | Err(InfraError::AlreadyExists(_)) => {}
            Err(e) => return Err(e),
        }
        sqlx::query("UPDATE users SET role = 'admin' WHERE email = $1")
            .bind(&u.email)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(())
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
