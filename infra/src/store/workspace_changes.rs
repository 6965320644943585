//! Changing a workspace. A lower capacity must still hold every seat already sold, and a
//! booking landing at the same moment must not slip under it: the check and the write are one
//! transaction that the capacity guard of `bookings` (a trigger) cannot interleave with. On
//! SQLite the transaction is `BEGIN IMMEDIATE` on the store's own connection (the write lock is
//! taken first, and this process's booking inserts queue behind the held connection); on
//! PostgreSQL the workspace row is locked `FOR UPDATE`, the same lock the trigger takes before
//! it counts seats, so an insert waits for the new capacity or is counted by the check.

use super::Backend;
use super::Store;
use super::statuses;
use super::workspaces::{COLS, Workspace, workspace_from};
use crate::InfraError;
use deskflow_domain::availability::Occupied;
use deskflow_domain::capacity::{Held, first_over_capacity};
use sqlx::{Any, Executor, Row};

/// What to change; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceUpdate {
    pub name: Option<String>,
    pub location: Option<String>,
    pub capacity: Option<i64>,
    pub hourly_rate_cents: Option<i64>,
    /// `opens_at`, `closes_at` and `weekly_hours` together (see migration 0005)
    pub hours: Option<(String, String, Option<String>)>,
    /// the JSON array of closure dates
    pub closures: Option<String>,
}

/// How an update ended; only [`Updated::Done`] wrote anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    Done(Box<Workspace>),
    NotFound,
    /// the workspace was closed for good: it takes no changes
    Closed,
    /// the new capacity is below the seats sold for this stretch of a booking not yet ended
    Oversold(Held),
}

impl Store {
    /// Applies `u` to workspace `id` when it is open and, for a new capacity, when the
    /// seat-holding bookings that have not ended by `now_ms` fit it at every instant.
    pub async fn update_workspace(
        &self,
        id: &str,
        u: &WorkspaceUpdate,
        now_ms: i64,
    ) -> Result<Updated, InfraError> {
        match self.backend() {
            Backend::Sqlite => {
                // the store's own connection, held for the whole transaction: no booking insert
                // of this process runs in between, and nothing in here awaits anything slow
                let mut c = self.conn().await?;
                sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await?;
                match update_in(&mut c, id, u, now_ms, "").await {
                    Ok(outcome) => {
                        let end = if matches!(outcome, Updated::Done(_)) {
                            "COMMIT"
                        } else {
                            "ROLLBACK"
                        };
                        sqlx::query(end).execute(&mut c).await?;
                        Ok(outcome)
                    }
                    Err(e) => {
                        let _ = sqlx::query("ROLLBACK").execute(&mut c).await;
                        Err(e.into())
                    }
                }
            }
            Backend::Postgres => {
                // dropped without commit, the transaction rolls back
                let mut tx = self.pool().begin().await?;
                let outcome = update_in(&mut *tx, id, u, now_ms, " FOR UPDATE").await?;
                if matches!(outcome, Updated::Done(_)) {
                    tx.commit().await?;
                }
                Ok(outcome)
            }
        }
    }
}

/// The body of [`Store::update_workspace`], inside its transaction on `c`; `lock` is appended
/// to the read of the workspace row.
async fn update_in<C>(
    c: &mut C,
    id: &str,
    u: &WorkspaceUpdate,
    now_ms: i64,
    lock: &str,
) -> Result<Updated, sqlx::Error>
where
    for<'e> &'e mut C: Executor<'e, Database = Any>,
{
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM workspaces WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    let Some(current) = row.map(|r| workspace_from(&r)).transpose()? else {
        return Ok(Updated::NotFound);
    };
    if !current.active {
        return Ok(Updated::Closed);
    }
    if let Some(capacity) = u.capacity {
        let seat_holding = statuses::seat_holding();
        let rows = sqlx::query(&format!(
            "SELECT starts_at, ends_at, seats FROM bookings WHERE workspace_id = $1 AND status IN {seat_holding} AND ends_at > $2"
        ))
        .bind(id)
        .bind(now_ms)
        .fetch_all(&mut *c)
        .await?;
        let mut sold = Vec::with_capacity(rows.len());
        for r in &rows {
            let seats = r.try_get::<i32, _>(2)? as i64;
            if let Some(o) = Occupied::from_millis(r.try_get(0)?, r.try_get(1)?, seats) {
                sold.push(o);
            }
        }
        if let Some(held) = first_over_capacity(&sold, capacity) {
            return Ok(Updated::Oversold(held));
        }
    }
    let (opens_at, closes_at, weekly_hours) = u.hours.clone().unwrap_or((
        current.opens_at.clone(),
        current.closes_at.clone(),
        current.weekly_hours.clone(),
    ));
    let next = Workspace {
        name: u.name.clone().unwrap_or(current.name.clone()),
        location: u.location.clone().unwrap_or(current.location.clone()),
        capacity: u.capacity.unwrap_or(current.capacity),
        hourly_rate_cents: u.hourly_rate_cents.unwrap_or(current.hourly_rate_cents),
        opens_at,
        closes_at,
        weekly_hours,
        closures: u.closures.clone().unwrap_or(current.closures.clone()),
        ..current
    };
    sqlx::query(
        "UPDATE workspaces SET name = $2, location = $3, capacity = $4, hourly_rate_cents = $5, opens_at = $6, closes_at = $7, weekly_hours = $8, closures = $9 WHERE id = $1",
    )
    .bind(id)
    .bind(&next.name)
    .bind(&next.location)
    .bind(next.capacity as i32)
    .bind(next.hourly_rate_cents)
    .bind(&next.opens_at)
    .bind(&next.closes_at)
    .bind(&next.weekly_hours)
    .bind(&next.closures)
    .execute(&mut *c)
    .await?;
    Ok(Updated::Done(Box::new(next)))
}
