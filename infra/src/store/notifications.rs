//! Notifications: one row per message, keyed by the event that caused it, with its delivery
//! status and how many SMTP attempts it took.

use super::Store;
use crate::InfraError;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLS: &str = "id, user_id, kind, recipient, subject, body, status, attempts, last_error, created_at, sent_at";

fn notification_from(r: &sqlx::any::AnyRow) -> Result<NotificationRow, sqlx::Error> {
    Ok(NotificationRow {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        recipient: r.try_get(3)?,
        subject: r.try_get(4)?,
        body: r.try_get(5)?,
        status: r.try_get(6)?,
        attempts: r.try_get::<i32, _>(7)? as i64,
        last_error: r.try_get(8)?,
        created_at: r.try_get(9)?,
        sent_at: r.try_get(10)?,
    })
}

/// The columns of a notification row, erased when its member's account is closed (deleted):
/// the address and the text, as [`Store::erase_account`] erases them.
const ERASE_IF_DELETED: &str = "recipient = CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = notifications.user_id AND u.active = 0) THEN '' ELSE recipient END, \
     subject = CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = notifications.user_id AND u.active = 0) THEN '(erased)' ELSE subject END, \
     body = CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = notifications.user_id AND u.active = 0) THEN '' ELSE body END";

impl Store {
    /// Records a notification as pending; a second call with the same id changes nothing.
    pub async fn insert_notification(&self, n: &NotificationRow) -> Result<(), InfraError> {
        sqlx::query(&format!(
            "INSERT INTO notifications ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, NULL, $7, NULL) ON CONFLICT (id) DO NOTHING"
        ))
        .bind(&n.id)
        .bind(&n.user_id)
        .bind(&n.kind)
        .bind(&n.recipient)
        .bind(&n.subject)
        .bind(&n.body)
        .bind(n.created_at)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }

    /// Counts one delivery attempt, before it is made (so a crash mid-send still counts).
    ///
    /// Only while the email is unsent: `false` means there was nothing to count (already sent,
    /// e.g. before a crash lost the step's result), so the caller does not send it twice.
    pub async fn count_notification_attempt(&self, id: &str) -> Result<bool, InfraError> {
        let done = sqlx::query(
            "UPDATE notifications SET attempts = attempts + 1 WHERE id = $1 AND sent_at IS NULL",
        )
        .bind(id)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Notes why an attempt failed (the step will be retried).
    pub async fn note_notification_error(&self, id: &str, error: &str) -> Result<(), InfraError> {
        sqlx::query("UPDATE notifications SET last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(id)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(())
    }

    /// Marks a notification delivered; a deleted member's is erased at once (it was recorded
    /// after the account was erased: the emails about its cancelled bookings).
    pub async fn mark_notification_sent(&self, id: &str, at: i64) -> Result<(), InfraError> {
        sqlx::query(&format!("UPDATE notifications SET status = 'sent', sent_at = $1, last_error = NULL, {ERASE_IF_DELETED} WHERE id = $2"))
            .bind(at)
            .bind(id)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(())
    }

    /// Marks a notification undeliverable; a deleted member's is erased at once.
    pub async fn mark_notification_failed(&self, id: &str, error: &str) -> Result<(), InfraError> {
        sqlx::query(&format!("UPDATE notifications SET status = 'failed', last_error = $1, {ERASE_IF_DELETED} WHERE id = $2"))
            .bind(error)
            .bind(id)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn notification(&self, id: &str) -> Result<Option<NotificationRow>, InfraError> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM notifications WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| notification_from(&r)).transpose()?)
    }

    /// A user's notifications, newest first.
    pub async fn notifications_of_user(
        &self,
        user_id: &str,
    ) -> Result<Vec<NotificationRow>, InfraError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT 500"
        ))
        .bind(user_id)
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        Ok(rows
            .iter()
            .map(notification_from)
            .collect::<Result<_, _>>()?)
    }
}
