//! Weekly hours and closures columns (migration 0005), and `update_workspace`: a capacity below
//! the seats sold is refused naming the stretch, nothing is written on a refusal, and a
//! booking racing a lower capacity never ends up above it.

use crate::support::{booking, stores, user, workspace};
use deskflow_infra::store::Store;
use deskflow_infra::store::workspace_changes::{Updated, WorkspaceUpdate};
use deskflow_infra::store::workspaces::Workspace;

const H: i64 = 3_600_000;

async fn seeded(s: &Store, capacity: i64) {
    s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
    s.insert_workspace(&workspace("w", capacity)).await.unwrap();
}

fn done(db: &str, u: Updated) -> Workspace {
    match u {
        Updated::Done(w) => *w,
        other => panic!("{db}: {other:?}"),
    }
}

#[tokio::test]
async fn weekly_hours_and_closures_are_stored_and_old_rows_mean_every_day() {
    for (db, s, _d) in stores().await {
        seeded(&s, 3).await;
        let weekly = Workspace {
            id: "weekly".into(),
            weekly_hours: Some(r#"{"mon":["08:00","20:00"],"sun":null}"#.into()),
            closures: r#"["2031-12-24"]"#.into(),
            ..workspace("weekly", 3)
        };
        s.insert_workspace(&weekly).await.unwrap();
        assert_eq!(
            s.workspace("weekly").await.unwrap().unwrap(),
            weekly,
            "{db}"
        );
        // a row written as before migration 0005 (without the new columns)
        sqlx::query(
            "INSERT INTO workspaces (id, name, location, timezone, capacity, hourly_rate_cents, currency, opens_at, closes_at, active, created_by, created_at)
             VALUES ('old', 'Old', 'Here', 'UTC', 2, 100, 'EUR', '09:00', '17:00', 1, 'u1', 1)",
        )
        .execute(s.pool())
        .await
        .unwrap();
        let old = s.workspace("old").await.unwrap().unwrap();
        assert_eq!(
            (old.weekly_hours, old.closures.as_str()),
            (None, "[]"),
            "{db}"
        );
    }
}

#[tokio::test]
async fn a_capacity_below_seats_sold_is_refused_naming_the_stretch_and_writes_nothing() {
    for (db, s, _d) in stores().await {
        seeded(&s, 5).await;
        // 10-12 holds 2, 11-13 holds 2: 4 seats from 11 to 12
        s.insert_booking(&booking("a", "w", 10, 12, 2))
            .await
            .unwrap();
        s.insert_booking(&booking("b", "w", 11, 13, 2))
            .await
            .unwrap();
        // a booking that has ended by "now" does not count
        s.insert_booking(&booking("past", "w", 1, 2, 5))
            .await
            .unwrap();
        let before = s.workspace("w").await.unwrap().unwrap();
        let lower = WorkspaceUpdate {
            name: Some("Renamed".into()),
            capacity: Some(3),
            ..WorkspaceUpdate::default()
        };
        match s.update_workspace("w", &lower, 3 * H).await.unwrap() {
            Updated::Oversold(held) => {
                assert_eq!(held.seats, 4, "{db}");
                assert_eq!(
                    (
                        held.slot.starts_at.timestamp_millis(),
                        held.slot.ends_at.timestamp_millis()
                    ),
                    (11 * H, 12 * H),
                    "{db}"
                );
            }
            other => panic!("{db}: {other:?}"),
        }
        assert_eq!(
            s.workspace("w").await.unwrap().unwrap(),
            before,
            "{db}: nothing written"
        );

        // exactly the seats sold fits; the name changes with it
        let fits = WorkspaceUpdate {
            capacity: Some(4),
            ..lower.clone()
        };
        let w = done(db, s.update_workspace("w", &fits, 3 * H).await.unwrap());
        assert_eq!((w.capacity, w.name.as_str()), (4, "Renamed"), "{db}");
        assert_eq!(s.workspace("w").await.unwrap().unwrap(), w, "{db}");
        // once those bookings are over, any capacity fits
        let one = WorkspaceUpdate {
            capacity: Some(1),
            ..WorkspaceUpdate::default()
        };
        assert_eq!(
            done(db, s.update_workspace("w", &one, 13 * H).await.unwrap()).capacity,
            1
        );
    }
}

#[tokio::test]
async fn hours_closures_and_rate_change_alone_and_closed_or_unknown_workspaces_are_refused() {
    for (db, s, _d) in stores().await {
        seeded(&s, 2).await;
        let hours = WorkspaceUpdate {
            hours: Some((
                "07:00".into(),
                "22:00".into(),
                Some(r#"{"mon":["07:00","22:00"]}"#.into()),
            )),
            closures: Some(r#"["2031-12-24","2031-12-31"]"#.into()),
            hourly_rate_cents: Some(2500),
            ..WorkspaceUpdate::default()
        };
        let w = done(db, s.update_workspace("w", &hours, 0).await.unwrap());
        assert_eq!(
            (
                w.opens_at.as_str(),
                w.closes_at.as_str(),
                w.weekly_hours.as_deref()
            ),
            ("07:00", "22:00", Some(r#"{"mon":["07:00","22:00"]}"#)),
            "{db}"
        );
        assert_eq!(
            (
                w.closures.as_str(),
                w.hourly_rate_cents,
                w.capacity,
                w.name.as_str()
            ),
            (r#"["2031-12-24","2031-12-31"]"#, 2500, 2, "Loft"),
            "{db}: untouched fields stay"
        );
        // back to the daily form
        let daily = WorkspaceUpdate {
            hours: Some(("08:00".into(), "18:00".into(), None)),
            ..WorkspaceUpdate::default()
        };
        let w = done(db, s.update_workspace("w", &daily, 0).await.unwrap());
        assert_eq!(
            (w.weekly_hours, w.closes_at.as_str()),
            (None, "18:00"),
            "{db}"
        );

        assert_eq!(
            s.update_workspace("nope", &daily, 0).await.unwrap(),
            Updated::NotFound,
            "{db}"
        );
        sqlx::query("UPDATE workspaces SET active = 0 WHERE id = 'w'")
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(
            s.update_workspace("w", &daily, 0).await.unwrap(),
            Updated::Closed,
            "{db}"
        );
    }
}

/// Bookings of one seat land while the capacity drops from 20 to 6: whichever wins each race,
/// the seats held never exceed the capacity the workspace ends with.
#[tokio::test]
async fn a_booking_racing_a_lower_capacity_cannot_slip_under_it() {
    for (db, s, _d) in stores().await {
        seeded(&s, 20).await;
        for i in 0..4 {
            s.insert_booking(&booking(&format!("pre{i}"), "w", 10, 12, 1))
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.insert_booking(&booking(&format!("race{i}"), "w", 10, 12, 1))
                    .await
                    .is_ok()
            }));
        }
        let lower = WorkspaceUpdate {
            capacity: Some(6),
            ..WorkspaceUpdate::default()
        };
        let updated = s.update_workspace("w", &lower, 0).await.unwrap();
        let mut inserted = 0;
        for t in tasks {
            inserted += t.await.unwrap() as i64;
        }
        let capacity = s.workspace("w").await.unwrap().unwrap().capacity;
        let held: i64 = s
            .occupied("w", 10 * H, 12 * H, 0)
            .await
            .unwrap()
            .iter()
            .map(|(_, _, seats)| seats)
            .sum();
        assert_eq!(held, 4 + inserted, "{db}");
        assert!(
            held <= capacity,
            "{db}: {held} seats held, capacity {capacity}"
        );
        match updated {
            Updated::Done(_) => assert_eq!(capacity, 6, "{db}"),
            Updated::Oversold(h) => {
                assert_eq!(capacity, 20, "{db}");
                assert!(h.seats > 6, "{db}: {h:?}");
            }
            other => panic!("{db}: {other:?}"),
        }
    }
}
