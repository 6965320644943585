//! The end of a workspace's and of an account's life: closing a workspace, closing and erasing
//! an account, and the bookings each of them must cancel.

use super::{Store, statuses};
use crate::InfraError;
use sqlx::Row;

impl Store {
    /// Closes a workspace: it leaves `list` and every later hold of its seats is refused. True
    /// when this call closed it, false when it was closed already or does not exist.
    pub async fn close_workspace(&self, id: &str) -> Result<bool, InfraError> {
        let n = sqlx::query("UPDATE workspaces SET active = 0 WHERE id = $1 AND active = 1")
            .bind(id)
            .execute(&mut self.conn().await?)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Ids of a workspace's bookings that are open (holding seats or waitlisted) and have not
    /// ended at `now_ms`, by start: the ones a closure cancels.
    pub async fn unfinished_bookings_of_workspace(
        &self,
        workspace_id: &str,
        now_ms: i64,
    ) -> Result<Vec<String>, InfraError> {
        let open = statuses::open();
        ids(self, &format!(
            "SELECT id FROM bookings WHERE workspace_id = $1 AND status IN {open} AND ends_at > $2 ORDER BY starts_at, id"
        ), workspace_id, now_ms)
        .await
    }

    /// Ids of a member's bookings that are open (holding seats or waitlisted) and have not
    /// started at `now_ms`, by start: the ones a deletion cancels (bookings under way or over
    /// stay, for accounting).
    pub async fn upcoming_bookings_of_user(
        &self,
        user_id: &str,
        now_ms: i64,
    ) -> Result<Vec<String>, InfraError> {
        let open = statuses::open();
        ids(self, &format!(
            "SELECT id FROM bookings WHERE user_id = $1 AND status IN {open} AND starts_at > $2 ORDER BY starts_at, id"
        ), user_id, now_ms)
        .await
    }

    /// Closes an account: it can no longer log in, its access tokens and refresh tokens are
    /// refused (the version moves on), and no new booking of it can hold seats. The email
    /// and name stay until [`Store::erase_account`], so the emails about its cancelled
    /// bookings still reach the member. Running it again changes nothing more.
    pub async fn close_account(&self, user_id: &str, now_ms: i64) -> Result<(), InfraError> {
        sqlx::query(
            "UPDATE users SET active = 0, token_version = token_version + 1 WHERE id = $1 AND active = 1",
        )
        .bind(user_id)
        .execute(&mut self.conn().await?)
        .await?;
        // also when the account was closed already: a retry after a failure between the two
        // statements must still revoke
        self.revoke_refresh_tokens(user_id, now_ms).await
    }

    /// Whether this user is the only active admin (who cannot delete their account: nobody
    /// could administer the platform afterwards).
    pub async fn is_last_admin(&self, user_id: &str) -> Result<bool, InfraError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND EXISTS (SELECT 1 FROM users WHERE id = $1 AND role = 'admin' AND active = 1)",
        )
        .bind(user_id)
        .fetch_one(&mut self.conn().await?)
        .await?;
        Ok(row.try_get::<i64, _>(0)? == 1)
    }

    /// Erases a closed account's personal data: its email (replaced by a placeholder that no
    /// one can log in with, so the address can register again), name and password hash, and
    /// the address and text of its notifications. Its bookings, payments and activity keep
    /// their counts and amounts under the bare user id. Only a closed account is erased.
    pub async fn erase_account(&self, user_id: &str) -> Result<(), InfraError> {
        let mut c = self.conn().await?;
        sqlx::query(
            "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', name = 'deleted', password_hash = '' WHERE id = $1 AND active = 0",
        )
        .bind(user_id)
        .execute(&mut c)
        .await?;
        sqlx::query(&format!(
            "UPDATE notifications SET {ERASED} WHERE user_id = $1 AND user_id IN (SELECT id FROM users WHERE active = 0)"
        ))
        .bind(user_id)
        .execute(&mut c)
        .await?;
        Ok(())
    }
}

/// What an erased notification keeps: its kind, status and times.
pub(crate) const ERASED: &str = "recipient = '', subject = '(erased)', body = ''";

async fn ids(store: &Store, sql: &str, key: &str, now_ms: i64) -> Result<Vec<String>, InfraError> {
    let rows = sqlx::query(sql)
        .bind(key)
        .bind(now_ms)
        .fetch_all(&mut store.conn().await?)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?)
}
