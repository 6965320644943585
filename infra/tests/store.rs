//! The store suite, run against every backend available: always a fresh SQLite file, and a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` is set (the run says when it is not).

use deskflow_infra::InfraError;
use deskflow_infra::store::scratch::create_scratch_database;
use deskflow_infra::store::tokens::{NewRefreshToken, Spent};
use deskflow_infra::store::users::{Bootstrap, Demoted};
use deskflow_infra::store::{
    Store, activity::Activity, bookings::BookingRow, notifications::NotificationRow, users::User,
    workspaces::Workspace,
};

/// A fresh store per backend: SQLite in a temp dir, and PostgreSQL in a new database.
async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
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

fn user(id: &str, email: &str) -> User {
    User {
        id: id.into(),
        email: email.into(),
        name: "Ann".into(),
        role: "member".into(),
        active: true,
        created_at: 1,
    }
}

fn workspace(id: &str, capacity: i64) -> Workspace {
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
        active: true,
        created_by: "u1".into(),
        created_at: 1,
    }
}

fn booking(id: &str, ws: &str, from_h: i64, to_h: i64, seats: i64) -> BookingRow {
    const H: i64 = 3_600_000;
    BookingRow {
        id: id.into(),
        user_id: "u1".into(),
        workspace_id: ws.into(),
        starts_at: from_h * H,
        ends_at: to_h * H,
        seats,
        status: "held".into(),
        reason: None,
        amount_cents: 100,
        currency: "EUR".into(),
        created_at: 1,
        updated_at: 1,
    }
}

#[tokio::test]
async fn a_second_user_with_the_same_email_is_refused() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let err = s
            .insert_user(&user("u2", "ann@x.io"), "h")
            .await
            .unwrap_err();
        assert!(matches!(err, InfraError::AlreadyExists(_)), "{db}: {err}");
        assert!(s.user("u2").await.unwrap().is_none(), "{db}");
        let (u, hash) = s.user_credentials("ann@x.io").await.unwrap().unwrap();
        assert_eq!((u.id.as_str(), hash.as_str()), ("u1", "h"), "{db}");
    }
}

#[tokio::test]
async fn ensure_admin_creates_once_and_promotes_only_an_account_with_the_configured_password() {
    for (db, s, _d) in stores().await {
        // someone registered the admin email first, with a password of their own
        s.insert_user(&user("squatter", "boss@x.io"), "their-hash")
            .await
            .unwrap();
        let got = s
            .ensure_admin(&admin("other", "boss@x.io"), "h2", |stored| stored == "h2")
            .await
            .unwrap();
        assert_eq!(got, Bootstrap::Refused, "{db}");
        assert_eq!(
            s.user("squatter").await.unwrap().unwrap().role,
            "member",
            "{db}"
        );
        assert!(s.user("other").await.unwrap().is_none(), "{db}");

        // an account made with the configured password is promoted, then stays admin
        s.insert_user(&user("mine", "chief@x.io"), "conf")
            .await
            .unwrap();
        let promote = |stored: &str| stored == "conf";
        let got = s
            .ensure_admin(&admin("x", "chief@x.io"), "conf2", promote)
            .await;
        assert_eq!(got.unwrap(), Bootstrap::Promoted, "{db}");
        let got = s
            .ensure_admin(&admin("x", "chief@x.io"), "conf2", promote)
            .await;
        assert_eq!(got.unwrap(), Bootstrap::AlreadyAdmin, "{db}");
        assert_eq!(s.user("mine").await.unwrap().unwrap().role, "admin", "{db}");

        // a fresh email is created as admin
        let got = s
            .ensure_admin(&admin("new", "new@x.io"), "h", |_| false)
            .await;
        assert_eq!(got.unwrap(), Bootstrap::Created, "{db}");
        assert_eq!(s.user("new").await.unwrap().unwrap().role, "admin", "{db}");
    }
}

fn admin(id: &str, email: &str) -> User {
    User {
        role: "admin".into(),
        ..user(id, email)
    }
}

#[tokio::test]
async fn a_refresh_token_rotates_once_and_a_replay_revokes_its_family() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let t = |hash: &'static str, by: &'static str| NewRefreshToken {
            token_hash: hash,
            user_id: "u1",
            family_id: "f1",
            issued_by: by,
            now_ms: 1_000,
            expires_at_ms: 100_000,
        };
        s.insert_refresh_token(&t("a", "login-1")).await.unwrap();
        // a retried issuing step replaces the token it issued before
        s.insert_refresh_token(&t("a2", "login-1")).await.unwrap();
        assert_eq!(
            s.rotate_refresh_token("a", "b", 100_000, "r1", 2_000)
                .await
                .unwrap(),
            Spent::Refused,
            "{db}: the replaced token is gone"
        );
        let first = s
            .rotate_refresh_token("a2", "b", 100_000, "r1", 2_000)
            .await
            .unwrap();
        assert!(
            matches!(first, Spent::Rotated { ref user_id, .. } if user_id == "u1"),
            "{db}: {first:?}"
        );
        // the same invocation again (a retried step) still gets its rotation
        let again = s
            .rotate_refresh_token("a2", "b", 100_000, "r1", 2_000)
            .await
            .unwrap();
        assert!(matches!(again, Spent::Rotated { .. }), "{db}: {again:?}");
        // another caller replaying the spent token: refused, and the new token dies with it
        let replay = s
            .rotate_refresh_token("a2", "c", 100_000, "r2", 3_000)
            .await
            .unwrap();
        assert_eq!(replay, Spent::Refused, "{db}");
        let after = s
            .rotate_refresh_token("b", "d", 100_000, "r3", 3_000)
            .await
            .unwrap();
        assert_eq!(after, Spent::Refused, "{db}: the family is revoked");
        // expired tokens are refused
        s.insert_refresh_token(&NewRefreshToken {
            token_hash: "e",
            family_id: "f2",
            issued_by: "login-2",
            ..t("e", "login-2")
        })
        .await
        .unwrap();
        let late = s
            .rotate_refresh_token("e", "g", 200_000, "r4", 100_000)
            .await
            .unwrap();
        assert_eq!(late, Spent::Refused, "{db}");
    }
}

#[tokio::test]
async fn demoting_bumps_the_token_version_revokes_sessions_and_spares_the_last_admin() {
    for (db, s, _d) in stores().await {
        s.insert_user(&admin("a1", "a1@x.io"), "h").await.unwrap();
        s.insert_user(&admin("a2", "a2@x.io"), "h").await.unwrap();
        s.insert_refresh_token(&NewRefreshToken {
            token_hash: "t",
            user_id: "a2",
            family_id: "f",
            issued_by: "i",
            now_ms: 1,
            expires_at_ms: i64::MAX,
        })
        .await
        .unwrap();
        let before = s.user_access("a2").await.unwrap().unwrap().token_version;
        let d = s.demote("a2@x.io", 5).await.unwrap();
        assert!(
            matches!(d, Demoted::Done(ref u) if u.role == "member"),
            "{db}: {d:?}"
        );
        let after = s.user_access("a2").await.unwrap().unwrap();
        assert_eq!(
            (after.role.as_str(), after.token_version),
            ("member", before + 1),
            "{db}"
        );
        assert_eq!(
            s.rotate_refresh_token("t", "u", i64::MAX, "r", 6)
                .await
                .unwrap(),
            Spent::Refused,
            "{db}: refresh tokens are revoked"
        );
        assert_eq!(
            s.demote("a1@x.io", 7).await.unwrap(),
            Demoted::LastAdmin,
            "{db}"
        );
        assert_eq!(
            s.user_access("a1").await.unwrap().unwrap().role,
            "admin",
            "{db}"
        );
        assert_eq!(
            s.demote("nobody@x.io", 7).await.unwrap(),
            Demoted::NoSuchUser,
            "{db}"
        );
    }
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    for (db, s, _d) in stores().await {
        for round in 0..5 {
            let (a, b) = (format!("a{round}@x.io"), format!("b{round}@x.io"));
            s.insert_user(&admin(&format!("a{round}"), &a), "h")
                .await
                .unwrap();
            s.insert_user(&admin(&format!("b{round}"), &b), "h")
                .await
                .unwrap();
            // the previous round's survivor steps down: these two are the last admins
            if round > 0 {
                for prev in [
                    format!("a{}@x.io", round - 1),
                    format!("b{}@x.io", round - 1),
                ] {
                    s.demote(&prev, 1).await.unwrap();
                }
            }
            let (s1, s2) = (s.clone(), s.clone());
            let (x, y) = tokio::join!(
                tokio::spawn(async move { s1.demote(&a, 1).await.unwrap() }),
                tokio::spawn(async move { s2.demote(&b, 1).await.unwrap() })
            );
            let outcomes = [x.unwrap(), y.unwrap()];
            let demoted = outcomes
                .iter()
                .filter(|o| matches!(o, Demoted::Done(_)))
                .count();
            assert_eq!(demoted, 1, "{db} round {round}: {outcomes:?}");
        }
    }
}

#[tokio::test]
async fn workspaces_need_an_existing_creator_and_at_least_one_seat() {
    for (db, s, _d) in stores().await {
        assert!(
            s.insert_workspace(&workspace("w0", 3)).await.is_err(),
            "{db}: creator u1 does not exist yet"
        );
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        assert!(
            s.insert_workspace(&workspace("w1", 0)).await.is_err(),
            "{db}: capacity 0"
        );
        s.insert_workspace(&workspace("w2", 3)).await.unwrap();
        s.insert_workspace(&workspace("w2", 3)).await.unwrap(); // a retried step: no-op
        let all = s.active_workspaces().await.unwrap();
        assert_eq!(
            all.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            vec!["w2"],
            "{db}"
        );
        assert_eq!(
            s.workspace("w2").await.unwrap().unwrap(),
            workspace("w2", 3),
            "{db}"
        );
    }
}

#[tokio::test]
async fn the_capacity_guard_refuses_a_booking_that_does_not_fit_at_its_peak() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 2)).await.unwrap();
        s.insert_booking(&booking("a", "w", 9, 11, 1))
            .await
            .unwrap();
        s.insert_booking(&booking("b", "w", 10, 12, 1))
            .await
            .unwrap();
        let err = s
            .insert_booking(&booking("c", "w", 10, 11, 1))
            .await
            .unwrap_err();
        assert!(matches!(err, InfraError::CapacityExceeded), "{db}: {err}");
        // 11-12: "a" has ended, only "b" holds a seat
        s.insert_booking(&booking("d", "w", 11, 12, 1))
            .await
            .unwrap();
        // a booking that frees its seat makes room
        s.set_booking_status("a", "cancelled", Some("test"), 2)
            .await
            .unwrap();
        s.insert_booking(&booking("e", "w", 9, 10, 2))
            .await
            .unwrap();
        let held = s.occupied("w", 0, 24 * 3_600_000).await.unwrap();
        assert_eq!(held.len(), 3, "{db}: b, d, e");
        assert!(
            s.booking("c").await.unwrap().is_none(),
            "{db}: the refused booking wrote nothing"
        );
    }
}

#[tokio::test]
async fn a_seat_plan_reads_the_workspace_and_the_other_overlapping_bookings_at_once() {
    const H: i64 = 3_600_000;
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        assert_eq!(
            s.seat_plan("nowhere", 0, H, "x").await.unwrap(),
            None,
            "{db}"
        );
        s.insert_workspace(&workspace("w", 4)).await.unwrap();
        let empty = s.seat_plan("w", 9 * H, 10 * H, "x").await.unwrap().unwrap();
        assert!(empty.active && empty.capacity == 4, "{db}: {empty:?}");
        assert!(empty.occupied.is_empty(), "{db}: {empty:?}");
        s.insert_booking(&booking("a", "w", 9, 11, 1))
            .await
            .unwrap();
        s.insert_booking(&booking("b", "w", 10, 12, 2))
            .await
            .unwrap();
        s.insert_booking(&booking("late", "w", 12, 13, 1))
            .await
            .unwrap();
        s.insert_booking(&booking("gone", "w", 9, 12, 1))
            .await
            .unwrap();
        s.set_booking_status("gone", "cancelled", None, 2)
            .await
            .unwrap();
        let mut plan = s.seat_plan("w", 9 * H, 12 * H, "x").await.unwrap().unwrap();
        plan.occupied.sort();
        assert_eq!(
            plan.occupied,
            vec![(9 * H, 11 * H, 1), (10 * H, 12 * H, 2)],
            "{db}: overlapping seat-holding bookings only"
        );
        // a hold asking again for its own booking does not count that booking against itself
        let own = s.seat_plan("w", 9 * H, 12 * H, "a").await.unwrap().unwrap();
        assert_eq!(own.occupied, vec![(10 * H, 12 * H, 2)], "{db}");
    }
}

#[tokio::test]
async fn inserting_a_booking_again_is_a_no_op_even_when_it_took_the_last_seat() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 1)).await.unwrap();
        s.insert_booking(&booking("a", "w", 9, 11, 1))
            .await
            .unwrap();
        // the capacity guard counts the row itself, yet the retried insert still succeeds
        s.insert_booking(&booking("a", "w", 9, 11, 1))
            .await
            .unwrap_or_else(|e| panic!("{db}: {e}"));
        let err = s
            .insert_booking(&booking("b", "w", 10, 11, 1))
            .await
            .unwrap_err();
        assert!(matches!(err, InfraError::CapacityExceeded), "{db}: {err}");
        assert_eq!(s.occupied("w", 0, 24 * 3_600_000).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn twenty_concurrent_bookings_for_the_last_seat_leave_exactly_one() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 1)).await.unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.insert_booking(&booking(&format!("b{i}"), "w", 9, 10, 1))
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(InfraError::CapacityExceeded) => {}
                Err(e) => panic!("{db}: unexpected {e}"),
            }
        }
        assert_eq!(ok, 1, "{db}");
        assert_eq!(
            s.occupied("w", 0, 24 * 3_600_000).await.unwrap().len(),
            1,
            "{db}"
        );
    }
}

#[tokio::test]
async fn notifications_are_recorded_once_and_count_their_attempts() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let n = NotificationRow {
            id: "welcome:u1".into(),
            user_id: Some("u1".into()),
            kind: "welcome".into(),
            recipient: "ann@x.io".into(),
            subject: "Welcome".into(),
            body: "Hi".into(),
            status: "pending".into(),
            attempts: 0,
            last_error: None,
            created_at: 5,
            sent_at: None,
        };
        s.insert_notification(&n).await.unwrap();
        s.insert_notification(&n).await.unwrap();
        assert!(s.count_notification_attempt(&n.id).await.unwrap(), "{db}");
        s.note_notification_error(&n.id, "connection refused")
            .await
            .unwrap();
        assert!(s.count_notification_attempt(&n.id).await.unwrap(), "{db}");
        s.mark_notification_sent(&n.id, 9).await.unwrap();
        // a retried step after the send: nothing to count, the caller must not send again
        assert!(!s.count_notification_attempt(&n.id).await.unwrap(), "{db}");
        let got = s.notifications_of_user("u1").await.unwrap();
        assert_eq!(got.len(), 1, "{db}");
        assert_eq!(
            (
                got[0].status.as_str(),
                got[0].attempts,
                got[0].sent_at,
                got[0].last_error.clone()
            ),
            ("sent", 2, Some(9), None),
            "{db}"
        );
    }
}

#[tokio::test]
async fn activity_is_recorded_once_per_origin_and_summarised() {
    for (db, s, _d) in stores().await {
        let a = Activity {
            origin_key: "user_registered:u1".into(),
            kind: "user_registered".into(),
            user_id: Some("u1".into()),
            workspace_id: None,
            booking_id: None,
            amount_cents: None,
            at: 7,
        };
        assert!(s.record_activity(&a).await.unwrap(), "{db}");
        assert!(
            !s.record_activity(&a).await.unwrap(),
            "{db}: the second record is a no-op"
        );
        assert_eq!(
            s.activity("user_registered:u1").await.unwrap(),
            Some(a),
            "{db}"
        );

        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 5)).await.unwrap();
        s.insert_booking(&booking("b1", "w", 9, 11, 2))
            .await
            .unwrap();
        s.set_booking_status("b1", "confirmed", None, 3)
            .await
            .unwrap();
        s.insert_booking(&booking("b2", "w", 9, 10, 1))
            .await
            .unwrap();
        s.set_booking_status("b2", "failed", Some("card declined"), 3)
            .await
            .unwrap();
        let sum = s.summary(0, 24 * 3_600_000).await.unwrap();
        let mut by = sum.bookings_by_status.clone();
        by.sort();
        assert_eq!(
            by,
            vec![("confirmed".to_string(), 1), ("failed".to_string(), 1)],
            "{db}"
        );
        assert_eq!(
            sum.booked_seat_ms,
            vec![("w".to_string(), 2 * 2 * 3_600_000)],
            "{db}"
        );
        assert_eq!((sum.revenue_cents, sum.refunded_cents), (0, 0), "{db}");
    }
}
