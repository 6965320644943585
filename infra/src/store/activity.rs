//! Activity records for reporting: one row per business event, keyed by the event's origin so
//! that recording the same event twice (a retried step, a replayed flow) is a no-op.

use super::Store;
use crate::InfraError;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub origin_key: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub workspace_id: Option<String>,
    pub booking_id: Option<String>,
    pub amount_cents: Option<i64>,
    pub at: i64,
}

/// The figures of `Reporting/summary` for a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// bookings created in the window, by their current status
    pub bookings_by_status: Vec<(String, i64)>,
    pub revenue_cents: i64,
    pub refunded_cents: i64,
    /// `(workspace_id, seat-milliseconds booked)` of confirmed and completed bookings
    pub booked_seat_ms: Vec<(String, i64)>,
}

impl Store {
    /// Records an event once; returns whether this call inserted it.
    pub async fn record_activity(&self, a: &Activity) -> Result<bool, InfraError> {
        let done = sqlx::query(
            "INSERT INTO activity (origin_key, kind, user_id, workspace_id, booking_id, amount_cents, at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (origin_key) DO NOTHING",
        )
        .bind(&a.origin_key)
        .bind(&a.kind)
        .bind(&a.user_id)
        .bind(&a.workspace_id)
        .bind(&a.booking_id)
        .bind(a.amount_cents)
        .bind(a.at)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn activity(&self, origin_key: &str) -> Result<Option<Activity>, InfraError> {
        let row = sqlx::query(
            "SELECT origin_key, kind, user_id, workspace_id, booking_id, amount_cents, at FROM activity WHERE origin_key = $1",
        )
        .bind(origin_key)
        .fetch_optional(&mut self.conn().await?)
        .await?;
        Ok(match row {
            Some(r) => Some(Activity {
                origin_key: r.try_get(0)?,
                kind: r.try_get(1)?,
                user_id: r.try_get(2)?,
                workspace_id: r.try_get(3)?,
                booking_id: r.try_get(4)?,
                amount_cents: r.try_get(5)?,
                at: r.try_get(6)?,
            }),
            None => None,
        })
    }

    /// Booking counts by status, money moved and seat time booked per workspace, for bookings
    /// whose slot starts in `[from, to)`.
    pub async fn summary(&self, from: i64, to: i64) -> Result<Summary, InfraError> {
        let by_status = sqlx::query(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM bookings WHERE starts_at >= $1 AND starts_at < $2 GROUP BY status",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut self.listing_conn().await?)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let money = sqlx::query(
            "SELECT CAST(COALESCE(SUM(p.captured_cents), 0) AS BIGINT), CAST(COALESCE(SUM(p.refunded_cents), 0) AS BIGINT)
               FROM payments p JOIN bookings b ON b.id = p.booking_id
              WHERE b.starts_at >= $1 AND b.starts_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&mut self.listing_conn().await?)
        .await?;
        let booked = sqlx::query(
            "SELECT workspace_id, CAST(SUM(seats * (ends_at - starts_at)) AS BIGINT) FROM bookings
              WHERE starts_at >= $1 AND starts_at < $2 AND status IN ('confirmed', 'completed')
              GROUP BY workspace_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut self.listing_conn().await?)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Summary {
            bookings_by_status: by_status,
            revenue_cents: money.try_get(0)?,
            refunded_cents: money.try_get(1)?,
            booked_seat_ms: booked,
        })
    }
}
