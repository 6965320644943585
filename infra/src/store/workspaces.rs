//! Workspaces: created by admins, listed by everyone (changed by admins: `workspace_changes`).

use super::Store;
use crate::InfraError;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub location: String,
    pub timezone: String,
    pub capacity: i64,
    pub hourly_rate_cents: i64,
    pub currency: String,
    pub opens_at: String,
    pub closes_at: String,
    /// JSON weekly hours; `None`: every day `opens_at`-`closes_at` (see migration 0005)
    pub weekly_hours: Option<String>,
    /// JSON array of closure dates
    pub closures: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: i64,
}

pub(super) const COLS: &str = "id, name, location, timezone, capacity, hourly_rate_cents, currency, opens_at, closes_at, active, created_by, created_at, weekly_hours, closures";

pub(super) fn workspace_from(r: &sqlx::any::AnyRow) -> Result<Workspace, sqlx::Error> {
    Ok(Workspace {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        location: r.try_get(2)?,
        timezone: r.try_get(3)?,
        capacity: r.try_get::<i32, _>(4)? as i64,
        hourly_rate_cents: r.try_get(5)?,
        currency: r.try_get(6)?,
        opens_at: r.try_get(7)?,
        closes_at: r.try_get(8)?,
        active: r.try_get::<i32, _>(9)? == 1,
        created_by: r.try_get(10)?,
        created_at: r.try_get(11)?,
        weekly_hours: r.try_get(12)?,
        closures: r.try_get(13)?,
    })
}

impl Store {
    /// Inserts a workspace; re-running with the same id (a retried step) is a no-op.
    pub async fn insert_workspace(&self, w: &Workspace) -> Result<(), InfraError> {
        sqlx::query(&format!(
            "INSERT INTO workspaces ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING"
        ))
        .bind(&w.id)
        .bind(&w.name)
        .bind(&w.location)
        .bind(&w.timezone)
        .bind(w.capacity as i32)
        .bind(w.hourly_rate_cents)
        .bind(&w.currency)
        .bind(&w.opens_at)
        .bind(&w.closes_at)
        .bind(w.active as i32)
        .bind(&w.created_by)
        .bind(w.created_at)
        .bind(&w.weekly_hours)
        .bind(&w.closures)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }

    pub async fn workspace(&self, id: &str) -> Result<Option<Workspace>, InfraError> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM workspaces WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| workspace_from(&r)).transpose()?)
    }

    /// Active workspaces, oldest first.
    pub async fn active_workspaces(&self) -> Result<Vec<Workspace>, InfraError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM workspaces WHERE active = 1 ORDER BY created_at, id"
        ))
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        Ok(rows.iter().map(workspace_from).collect::<Result<_, _>>()?)
    }
}
