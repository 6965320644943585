//! What every store test starts from: a fresh store per backend, and rows to put in it.

use deskflow_domain::booking::BookingStatus;
use deskflow_infra::store::scratch::create_scratch_database;
use deskflow_infra::store::{Store, bookings::BookingRow, users::User, workspaces::Workspace};

/// A fresh store per backend: SQLite in a temp dir, and PostgreSQL in a new database.
pub async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let mut out = vec![("sqlite", Store::connect(&url, 4).await.unwrap(), dir)];
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let url = create_scratch_database(&base, "deskflow_store")
                .await
                .expect("TEST_DATABASE_URL answers");
            out.push((
                "postgres",
                Store::connect(&url, 8).await.unwrap(),
                tempfile::tempdir().unwrap(),
            ));
        }
        _ => eprintln!(
            "TEST_DATABASE_URL is not set: the PostgreSQL variant of the store suite is SKIPPED"
        ),
    }
    out
}

pub fn user(id: &str, email: &str) -> User {
    User {
        id: id.into(),
        email: email.into(),
        name: "Ann".into(),
        role: "member".into(),
        active: true,
        created_at: 1,
    }
}

pub fn admin(id: &str, email: &str) -> User {
    User {
        role: "admin".into(),
        ..user(id, email)
    }
}

pub fn workspace(id: &str, capacity: i64) -> Workspace {
    Workspace {
        id: id.into(),
        name: "Loft".into(),
        location: "Hamburg".into(),
        timezone: "Europe/Berlin".into(),
        capacity,
        hourly_rate_cents: 1000,
        currency: "EUR".into(),
        opens_at: "08:00".into(),
        closes_at: "20:00".into(),
        weekly_hours: None,
        closures: "[]".into(),
        active: true,
        created_by: "u1".into(),
        created_at: 1,
    }
}

pub fn booking(id: &str, ws: &str, from_h: i64, to_h: i64, seats: i64) -> BookingRow {
    const H: i64 = 3_600_000;
    BookingRow {
        id: id.into(),
        user_id: "u1".into(),
        workspace_id: ws.into(),
        starts_at: from_h * H,
        ends_at: to_h * H,
        seats,
        status: BookingStatus::Held,
        reason: None,
        amount_cents: 100,
        currency: "EUR".into(),
        created_at: 1,
        updated_at: 1,
        hourly_rate_cents: Some(100),
    }
}
