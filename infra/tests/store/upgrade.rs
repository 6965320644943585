//! Migrations applied to a database that already holds data: the rebuilds of migration 0006
//! (the `waitlisted` status, several payments per booking) keep every row, on SQLite (where the
//! tables are rebuilt around a foreign key) and PostgreSQL, and 0007 gives older bookings a
//! rate of their own.

use deskflow_domain::booking::BookingStatus;
use deskflow_infra::store::Store;
use deskflow_infra::store::scratch::create_scratch_database;
use sqlx::Executor;

/// The migrations of `dialect` before 0006, in a folder of their own.
async fn before_0006(dialect: &str, dir: &std::path::Path) -> sqlx::migrate::Migrator {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        if name.as_str() < "0006" {
            std::fs::copy(e.path(), dir.join(&name)).unwrap();
        }
    }
    sqlx::migrate::Migrator::new(dir).await.unwrap()
}

/// Rows as a store of the previous version wrote them.
const ROWS: &str = "
INSERT INTO users (id, email, name, password_hash, role, active, created_at) VALUES ('u1', 'a@x.io', 'A', 'h', 'member', 1, 1);
INSERT INTO workspaces (id, name, location, timezone, capacity, hourly_rate_cents, currency, opens_at, closes_at, active, created_by, created_at)
    VALUES ('w1', 'W', 'L', 'UTC', 2, 100, 'EUR', '08:00', '20:00', 1, 'u1', 1);
INSERT INTO bookings (id, user_id, workspace_id, starts_at, ends_at, seats, status, reason, amount_cents, currency, created_at, updated_at)
    VALUES ('b1', 'u1', 'w1', 1, 2, 1, 'confirmed', NULL, 100, 'EUR', 1, 1);
INSERT INTO payments (id, booking_id, provider_ref, status, amount_cents, captured_cents, refunded_cents, currency, created_at, updated_at)
    VALUES ('b1', 'b1', 'pi_1', 'captured', 100, 100, 0, 'EUR', 1, 1);
";

#[tokio::test]
async fn migration_0006_keeps_the_bookings_and_payments_of_a_database_in_use() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![(
        "sqlite",
        format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
    )];
    if let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|b| !b.is_empty())
    {
        let url = create_scratch_database(&base, "deskflow_upgrade")
            .await
            .expect("TEST_DATABASE_URL answers");
        urls.push(("postgres", url));
    }
    for (dialect, url) in urls {
        let old = tempfile::tempdir().unwrap();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(move |c, _| {
                Box::pin(async move {
                    if dialect == "sqlite" {
                        c.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .unwrap();
        before_0006(dialect, old.path())
            .await
            .run(&pool)
            .await
            .unwrap();
        for stmt in ROWS.split(';').filter(|s| !s.trim().is_empty()) {
            sqlx::query(stmt).execute(&pool).await.unwrap();
        }
        pool.close().await;

        // the current store migrates the rest
        let s = Store::connect(url.trim_end_matches("?mode=rwc"), 2)
            .await
            .unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let b = s.booking("b1").await.unwrap().expect("the booking stays");
        assert_eq!(b.status, BookingStatus::Confirmed, "{dialect}");
        // 0007: an older row keeps the workspace's rate at the migration as its own
        assert_eq!(b.hourly_rate_cents, Some(100), "{dialect}");
        let p = s.payments_of_booking("b1").await.unwrap();
        assert_eq!(p.len(), 1, "{dialect}");
        assert_eq!(
            (p[0].captured_cents, p[0].provider_ref.as_deref()),
            (100, Some("pi_1")),
            "{dialect}"
        );
        // what 0006 allows: a second payment of the booking, a waitlisted row
        let mut second = p[0].clone();
        second.id = "b1.2".into();
        s.insert_payment(&second).await.unwrap();
        assert_eq!(
            s.payments_of_booking("b1").await.unwrap().len(),
            2,
            "{dialect}"
        );
        let mut w = b.clone();
        w.id = "b2".into();
        w.status = BookingStatus::Waitlisted;
        s.insert_booking(&w).await.unwrap();
        // and the capacity guard still stands
        let mut over = b.clone();
        over.id = "b3".into();
        over.seats = 2;
        assert!(s.insert_booking(&over).await.is_err(), "{dialect}");
    }
}
