//! Workspaces and the bookings that take their seats: the capacity guard, seat plans and
//! retried or concurrent inserts.

use crate::support::{booking, stores, user, workspace};
use deskflow_domain::booking::BookingStatus;
use deskflow_infra::InfraError;

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
        s.set_booking_status("a", BookingStatus::Cancelled, Some("test"), 2)
            .await
            .unwrap();
        s.insert_booking(&booking("e", "w", 9, 10, 2))
            .await
            .unwrap();
        let held = s.occupied("w", 0, 24 * 3_600_000, 0).await.unwrap();
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
            s.seat_plan("nowhere", 0, H, "x", Some(0)).await.unwrap(),
            None,
            "{db}"
        );
        s.insert_workspace(&workspace("w", 4)).await.unwrap();
        let empty = s
            .seat_plan("w", 9 * H, 10 * H, "x", Some(0))
            .await
            .unwrap()
            .unwrap();
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
        s.set_booking_status("gone", BookingStatus::Cancelled, None, 2)
            .await
            .unwrap();
        let mut plan = s
            .seat_plan("w", 9 * H, 12 * H, "x", Some(0))
            .await
            .unwrap()
            .unwrap();
        plan.occupied.sort();
        assert_eq!(
            plan.occupied,
            vec![(9 * H, 11 * H, 1), (10 * H, 12 * H, 2)],
            "{db}: overlapping seat-holding bookings only"
        );
        // a hold asking again for its own booking does not count that booking against itself
        let own = s
            .seat_plan("w", 9 * H, 12 * H, "a", Some(0))
            .await
            .unwrap()
            .unwrap();
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
        assert_eq!(
            s.occupied("w", 0, 24 * 3_600_000, 0).await.unwrap().len(),
            1
        );
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
            s.occupied("w", 0, 24 * 3_600_000, 0).await.unwrap().len(),
            1,
            "{db}"
        );
    }
}

#[tokio::test]
async fn a_waiter_is_served_only_while_it_waits_and_its_account_is_open() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_user(&user("u2", "bob@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 2)).await.unwrap();
        let mut waiting = booking("wait", "w", 9, 10, 1);
        waiting.status = BookingStatus::Waitlisted;
        s.insert_booking(&waiting).await.unwrap();
        let mut closed = booking("gone", "w", 9, 10, 1);
        closed.user_id = "u2".into();
        closed.status = BookingStatus::Waitlisted;
        s.insert_booking(&closed).await.unwrap();
        let mut second = booking("wait2", "w", 9, 10, 1);
        second.status = BookingStatus::Waitlisted;
        s.insert_booking(&second).await.unwrap();
        // waitlisted rows take no seat: one of the slot's two is still free
        s.insert_booking(&booking("held", "w", 9, 10, 1))
            .await
            .unwrap();
        s.close_account("u2", 1).await.unwrap();

        assert!(s.serve_waitlisted("wait", 2).await.unwrap(), "{db}");
        assert!(
            !s.serve_waitlisted("wait", 3).await.unwrap(),
            "{db}: served once"
        );
        assert!(
            !s.serve_waitlisted("gone", 3).await.unwrap(),
            "{db}: closed account"
        );
        assert!(
            !s.serve_waitlisted("held", 3).await.unwrap(),
            "{db}: not waiting"
        );
        let row = s.booking("wait").await.unwrap().unwrap();
        assert_eq!(row.status, BookingStatus::Held, "{db}");
        assert_eq!(
            s.booking("gone").await.unwrap().unwrap().status,
            BookingStatus::Waitlisted,
            "{db}"
        );
    }
}

#[tokio::test]
async fn a_move_changes_only_a_confirmed_booking_and_says_which_slot_it_left() {
    use deskflow_infra::store::bookings::BookingMove;
    const H: i64 = 3_600_000;
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 3)).await.unwrap();
        s.insert_booking(&booking("b", "w", 9, 10, 1))
            .await
            .unwrap();
        let to = BookingMove {
            starts_at: 12 * H,
            ends_at: 14 * H,
            seats: 2,
            amount_cents: 4800,
        };
        // held, not confirmed: nothing moves
        assert_eq!(s.move_booking("b", &to, 5).await.unwrap(), None, "{db}");
        s.set_booking_status("b", BookingStatus::Confirmed, None, 5)
            .await
            .unwrap();
        assert_eq!(
            s.move_booking("b", &to, 6).await.unwrap(),
            Some((9 * H, 10 * H)),
            "{db}"
        );
        let row = s.booking("b").await.unwrap().unwrap();
        assert_eq!(
            (row.starts_at, row.ends_at, row.seats, row.amount_cents),
            (12 * H, 14 * H, 2, 4800),
            "{db}"
        );
        // a retried step moves nothing more
        assert!(s.move_booking("b", &to, 7).await.unwrap().is_some(), "{db}");
        assert_eq!(s.booking("b").await.unwrap().unwrap(), row, "{db}");
        assert_eq!(
            s.move_booking("nobody", &to, 7).await.unwrap(),
            None,
            "{db}"
        );
        // a move into a slot without room is refused by the capacity guard, nothing changes
        let mut c = booking("c", "w", 9, 10, 1);
        c.status = BookingStatus::Confirmed;
        s.insert_booking(&c).await.unwrap();
        assert!(
            matches!(
                s.move_booking("c", &to, 8).await,
                Err(InfraError::CapacityExceeded)
            ),
            "{db}"
        );
        assert_eq!(
            s.booking("c").await.unwrap().unwrap().starts_at,
            9 * H,
            "{db}"
        );
    }
}

#[tokio::test]
async fn a_waiters_reservation_takes_seats_from_new_bookings_until_its_slot_starts() {
    const H: i64 = 3_600_000;
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 3)).await.unwrap();
        s.insert_booking(&booking("a", "w", 9, 11, 1))
            .await
            .unwrap();
        let mut w = booking("big", "w", 9, 11, 3);
        w.status = BookingStatus::Waitlisted;
        s.insert_booking(&w).await.unwrap();
        let seats = |plan: deskflow_infra::store::bookings::SeatPlan| {
            plan.occupied.iter().map(|o| o.2).sum::<i64>()
        };
        // waiting without a reservation takes nothing
        let plan = s
            .seat_plan("w", 9 * H, 10 * H, "x", Some(0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seats(plan), 1, "{db}");
        // reserving: its seats count for everybody else, not for itself, not for the round
        s.mark_reserving(&["big".to_string(), "a".to_string()])
            .await
            .unwrap();
        let plan = s
            .seat_plan("w", 9 * H, 10 * H, "x", Some(0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            seats(plan),
            4,
            "{db}: a held row is not marked; the waiter reserves 3"
        );
        let own = s
            .seat_plan("w", 9 * H, 10 * H, "big", Some(0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seats(own), 1, "{db}");
        let round = s
            .seat_plan("w", 9 * H, 10 * H, "", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seats(round), 1, "{db}");
        assert_eq!(
            s.occupied("w", 0, 24 * H, 0).await.unwrap().len(),
            2,
            "{db}: availability counts the reservation"
        );
        // from the slot's start on, the reservation no longer stands
        let later = s
            .seat_plan("w", 9 * H, 10 * H, "x", Some(9 * H))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seats(later), 1, "{db}");
        assert_eq!(
            s.occupied("w", 0, 24 * H, 9 * H).await.unwrap().len(),
            1,
            "{db}"
        );
        // served, it holds its seats as any booking
        assert!(
            s.serve_waitlisted("big", 5).await.is_err(),
            "{db}: 1 + 3 > 3"
        );
        s.set_booking_status("a", BookingStatus::Cancelled, None, 5)
            .await
            .unwrap();
        assert!(s.serve_waitlisted("big", 5).await.unwrap(), "{db}");
        let mut got = s
            .statuses_of(&["big".into(), "a".into(), "none".into()])
            .await
            .unwrap();
        got.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            got,
            vec![
                ("a".to_string(), BookingStatus::Cancelled),
                ("big".to_string(), BookingStatus::Held)
            ],
            "{db}"
        );
    }
}

#[tokio::test]
async fn a_booking_keeps_the_rate_it_was_booked_at() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 3)).await.unwrap();
        let mut b = booking("a", "w", 9, 11, 1);
        b.hourly_rate_cents = Some(0);
        s.insert_booking(&b).await.unwrap();
        let mut none = booking("n", "w", 9, 11, 1);
        none.hourly_rate_cents = None;
        s.insert_booking(&none).await.unwrap();
        assert_eq!(s.booking("a").await.unwrap().unwrap(), b, "{db}");
        // a row written without a rate (its journal priced it before the rate was kept)
        // takes the workspace's, as the upgrade gave older rows theirs
        assert_eq!(
            s.booking("n").await.unwrap().unwrap().hourly_rate_cents,
            Some(1000),
            "{db}"
        );
    }
}
