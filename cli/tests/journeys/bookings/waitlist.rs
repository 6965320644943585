//! The waitlist on the real stack: ten members wait for a full slot; each time a seat frees up
//! (a member's cancel, a reschedule away, a raised capacity) exactly the next one in line is
//! served, held, charged and confirmed; the rest expire at the start with nothing charged. A
//! waiter can be cancelled, and one is served while the endpoint and restate-server are
//! killed around it, and a serving round is killed in its middle. A waiter passed over three
//! times keeps its reservation against a new plain booking, a reschedule and `availability`
//! until it is served or leaves.

use super::reschedule::{reschedule, utc_workspace};
use crate::harness::{Client, TestStack, day_slot, eventually, open_workspace, slot_in, stack};
use crate::invariants::{booking_settled, capacity_holds, reconciled};
use deskflow_domain::booking::BookingStatus;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `Bookings/create` with `"waitlist": true` for one seat of `[starts, ends)`.
async fn book_or_wait(c: &Client, token: &str, ws: &str, starts: &str, ends: &str) -> String {
    let r = c
        .post(
            "Bookings/create",
            json!({"workspace_id": ws, "starts_at": starts, "ends_at": ends, "seats": 1,
                   "payment_method": "pm_card_visa", "waitlist": true}),
            Some(token),
        )
        .await
        .ok();
    r["booking_id"].as_str().unwrap().into()
}

/// The booking's status once the stack answers again after a restart.
async fn answers_again(c: &Client, token: &str, id: &str) -> serde_json::Value {
    eventually(Duration::from_secs(60), || async {
        let r = c
            .try_post(&format!("Booking/{id}/status"), json!({}), Some(token))
            .await?;
        (r.status == 200).then_some(r.body)
    })
    .await
    .expect("the booking answers again")
}

/// The statuses of `ids`, in order.
async fn statuses(c: &Client, members: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (token, id) in members {
        out.push(
            c.status(token, id).await["status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    out
}

/// Waits until exactly the first `n` waiters are confirmed and the others still wait.
async fn served_so_far(c: &Client, waiters: &[(String, String)], n: usize) {
    let want: Vec<String> = (0..waiters.len())
        .map(|i| if i < n { "confirmed" } else { "waitlisted" }.to_string())
        .collect();
    let got = eventually(Duration::from_secs(60), || async {
        let now = statuses(c, waiters).await;
        (now == want).then_some(now)
    })
    .await;
    assert!(
        got.is_some(),
        "after {n} freed seats: {:?}",
        statuses(c, waiters).await
    );
    // and it stays so: nobody behind them jumps the queue
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(statuses(c, waiters).await, want);
}

#[tokio::test]
async fn ten_members_wait_for_a_full_slot_and_are_served_in_the_order_they_came() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    // the slot starts in 70 s: the waiters nobody serves expire then
    let (starts, ends) = slot_in(70, 3600);
    let (_, h1, _) = c.new_member("HolderOne").await;
    let (_, h2, _) = c.new_member("HolderTwo").await;
    let first = c.book(&h1, &ws, &starts, &ends, 1, "pm_card_visa").await;
    let second = c.book(&h2, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&h1, &first, "confirmed").await;
    c.wait_status(&h2, &second, "confirmed").await;

    let mut waiters = Vec::new();
    let mut mails = Vec::new();
    for i in 0..10 {
        let (_, token, mail) = c.new_member(&format!("Waiter{i}")).await;
        let id = book_or_wait(&c, &token, &ws, &starts, &ends).await;
        // one at a time: the creation order is the queue's order
        let st = c.wait_status(&token, &id, "waitlisted").await;
        assert!(
            st["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("waiting"),
            "{st}"
        );
        assert_eq!(st["payment"]["captured_cents"], 0, "{st}");
        waiters.push((token, id));
        mails.push(mail);
    }
    // a waitlisted booking holds no seat
    capacity_holds(s, &ws).await;
    // one that asked not to wait is rejected as before
    let (_, late, _) = c.new_member("Late").await;
    let rejected = c.book(&late, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&late, &rejected, "rejected").await;

    // a member's cancel frees a seat: the first waiter is served
    c.post(&format!("Booking/{first}/cancel"), json!({}), Some(&h1))
        .await
        .ok();
    served_so_far(&c, &waiters, 1).await;
    // the other holder moves to a later slot: the second
    let (later, later_end) = slot_in(3 * 3600, 3600);
    let moved = c
        .post(
            &format!("Booking/{second}/reschedule"),
            json!({"starts_at": later, "ends_at": later_end}),
            Some(&h2),
        )
        .await
        .ok();
    assert_eq!(moved["charged_cents"], 0, "{moved}");
    served_so_far(&c, &waiters, 2).await;
    // a raised capacity: the third
    c.post(
        "Workspaces/update",
        json!({"workspace_id": ws, "capacity": 3}),
        Some(&admin),
    )
    .await
    .ok();
    served_so_far(&c, &waiters, 3).await;
    capacity_holds(s, &ws).await;

    // the ninth member gives up waiting: cancelled, nothing charged
    let (t9, id9) = &waiters[8];
    let r = c
        .post(&format!("Booking/{id9}/cancel"), json!({}), Some(t9))
        .await
        .ok();
    assert_eq!(
        (r["status"].clone(), r["refund_cents"].clone()),
        (json!("cancelled"), json!(0)),
        "{r}"
    );

    // the slot starts: every booking still waiting expires, nothing charged
    for (i, (token, id)) in waiters.iter().enumerate() {
        let st = c
            .wait_status(
                token,
                id,
                if i < 3 {
                    "confirmed"
                } else if i == 8 {
                    "cancelled"
                } else {
                    "expired"
                },
            )
            .await;
        if i < 3 {
            booking_settled(s, id, "confirmed", 3600, 0).await;
        } else {
            booking_settled(s, id, st["status"].as_str().unwrap(), 0, 0).await;
            assert!(
                s.store()
                    .await
                    .payments_of_booking(id)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        if (3..8).contains(&i) || i == 9 {
            assert!(
                st["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("waitlisted"),
                "{st}"
            );
        }
    }
    // each was told it waits; the first three that they are confirmed, the others that they
    // expired (or were cancelled)
    for (i, mail) in mails.iter().enumerate() {
        let want = if i < 3 {
            "Booking confirmed"
        } else if i == 8 {
            "Booking cancelled"
        } else {
            "Booking expired"
        };
        c.wait_texts(mail, want, 1).await;
        let subjects = c.subjects(mail).await;
        assert_eq!(
            subjects
                .iter()
                .filter(|t| t.starts_with("On the waitlist"))
                .count(),
            1,
            "{subjects:?}"
        );
        assert_eq!(
            subjects
                .iter()
                .filter(|t| t.starts_with("Payment received"))
                .count(),
            usize::from(i < 3),
            "{subjects:?}"
        );
    }
    let ids: Vec<String> = waiters.iter().map(|(_, id)| id.clone()).collect();
    reconciled(s, &ids).await;
}

#[tokio::test]
async fn a_waiter_is_served_exactly_once_with_the_endpoint_and_the_server_killed_around_it() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (starts, ends) = slot_in(3 * 3600, 3600);
    let (_, holder, _) = c.new_member("Holder").await;
    let (_, waiter, waiter_mail) = c.new_member("Waiter").await;
    let held = c
        .book(&holder, &ws, &starts, &ends, 1, "pm_card_visa")
        .await;
    c.wait_status(&holder, &held, "confirmed").await;
    let id = book_or_wait(&c, &waiter, &ws, &starts, &ends).await;
    c.wait_status(&waiter, &id, "waitlisted").await;
    // its email out first: an email cut off between the relay's accept and its record is sent
    // again after a crash (at least once); that window is not what this test is about
    c.wait_texts(&waiter_mail, "On the waitlist", 1).await;

    // both killed while the booking waits: it still waits afterwards
    s.control("kill deskflow");
    s.control("kill restate");
    s.control("start restate");
    s.control("start deskflow");
    let still = answers_again(&c, &waiter, &id).await;
    assert_eq!(still["status"], "waitlisted", "{still}");

    // the holder cancels: the waiter is served; the endpoint is killed while it is charged
    c.post(&format!("Booking/{held}/cancel"), json!({}), Some(&holder))
        .await
        .ok();
    s.control("kill deskflow");
    s.control("start deskflow");
    // and restate-server, while the served booking may still be on its way to confirmed
    s.control("kill restate");
    s.control("start restate");
    answers_again(&c, &waiter, &id).await;
    c.wait_status(&waiter, &id, "confirmed").await;
    booking_settled(s, &id, "confirmed", 3600, 0).await;
    capacity_holds(s, &ws).await;
    // charged exactly once: one payment, one capture at the provider (checked above); the
    // emails of the serving went out (at least once: the processes were killed around them)
    assert_eq!(
        s.store()
            .await
            .payments_of_booking(&id)
            .await
            .unwrap()
            .len(),
        1
    );
    c.wait_texts(&waiter_mail, "Booking confirmed", 1).await;
    c.wait_texts(&waiter_mail, "Payment received", 1).await;
    let subjects = c.subjects(&waiter_mail).await;
    assert_eq!(
        subjects
            .iter()
            .filter(|t| t.starts_with("On the waitlist"))
            .count(),
        1,
        "{subjects:?}"
    );
    // cancelled as any booking: refunded per policy, the seat free again
    c.post(&format!("Booking/{id}/cancel"), json!({}), Some(&waiter))
        .await
        .ok();
    booking_settled(s, &id, "cancelled", 3600, 1800).await;
    reconciled(s, &[held.clone(), id.clone()]).await;
}

/// How long the crash stack's Calendar pauses after each waiter a round moves to `held`.
const SERVE_PAUSE: Duration = Duration::from_millis(1500);

/// A serving round killed between two waiters, once by killing the endpoint and once
/// restate-server: the retried round serves the waiters its first attempt already held instead
/// of counting their seats as taken, so every waiter whose seat fits ends confirmed, no row
/// stays `held` and the Calendar's queue is empty.
#[tokio::test]
async fn a_serving_round_killed_in_its_middle_strands_no_waiter() {
    let pause = SERVE_PAUSE.as_millis().to_string();
    let s = TestStack::fresh_with(&[("DESKFLOW_TEST_SERVE_PAUSE_MS", &pause)]);
    let c = s.client();
    let admin = c.admin_token().await;
    let store = s.store().await;
    for (round, process) in [(0, "deskflow"), (1, "restate")] {
        let ws = open_workspace(&c, &admin, 4).await;
        let (starts, ends) = slot_in((3 + round) * 3600, 3600);
        let (_, holder, _) = c.new_member("Holder").await;
        let held = c
            .book(&holder, &ws, &starts, &ends, 4, "pm_card_visa")
            .await;
        c.wait_status(&holder, &held, "confirmed").await;
        let mut waiters = Vec::new();
        for i in 0..4 {
            let (_, token, _) = c.new_member(&format!("Waiter{i}")).await;
            let id = book_or_wait(&c, &token, &ws, &starts, &ends).await;
            c.wait_status(&token, &id, "waitlisted").await;
            waiters.push((token, id));
        }
        let ids: Vec<String> = waiters.iter().map(|(_, id)| id.clone()).collect();
        let count = |rows: &[(String, BookingStatus)], want: BookingStatus| {
            rows.iter().filter(|(_, st)| *st == want).count()
        };

        // the holder's cancel frees 4 seats: one round serves all four, pausing after each.
        // The cancel answers only once its release (and so the round) is done: the rows are
        // watched, and the process killed, while it is on its way (Restate carries it on
        // without the caller, whose request is dropped with the kill).
        let path = format!("Booking/{held}/cancel");
        let cancel = c.try_post(&path, json!({}), Some(&holder));
        tokio::pin!(cancel);
        let kill_inside_the_round = async {
            let seen = eventually(Duration::from_secs(60), || async {
                let rows = store.statuses_of(&ids).await.unwrap();
                let n = count(&rows, BookingStatus::Held);
                (count(&rows, BookingStatus::Waitlisted) > 0 && n > 0).then_some(n)
            })
            .await
            .unwrap_or_else(|| panic!("{process}: the round moves a first waiter to held"));
            let observed = Instant::now();
            s.control(&format!("kill {process}"));
            (seen, observed.elapsed())
        };
        let (seen, landed) = tokio::select! {
            killed = kill_inside_the_round => killed,
            answer = &mut cancel => panic!("{process}: the cancel answered before the round was seen: {answer:?}"),
        };
        assert!(
            landed < SERVE_PAUSE,
            "the kill of {process} came {landed:?} after {seen} of 4 were held: not inside the round"
        );
        if process == "deskflow" {
            // the endpoint is gone, so the round is cut: some still wait in their rows
            let rows = store.statuses_of(&ids).await.unwrap();
            assert!(count(&rows, BookingStatus::Waitlisted) > 0, "{rows:?}");
        }
        s.control(&format!("start {process}"));

        answers_again(&c, &holder, &held).await;
        c.wait_status(&holder, &held, "cancelled").await;
        for (token, id) in &waiters {
            answers_again(&c, token, id).await;
            c.wait_status(token, id, "confirmed").await;
            booking_settled(&s, id, "confirmed", 3600, 0).await;
        }
        let rows = store.statuses_of(&ids).await.unwrap();
        assert_eq!(count(&rows, BookingStatus::Confirmed), 4, "{rows:?}");
        let queue = s
            .restate_sql(&format!(
                "SELECT key FROM state WHERE service_name = 'Calendar' \
                 AND service_key = '{ws}' AND key = 'waitlist'"
            ))
            .await;
        assert!(queue.is_empty(), "the Calendar still queues {queue:?}");
        capacity_holds(&s, &ws).await;
        let mut all = ids.clone();
        all.push(held);
        reconciled(&s, &all).await;
    }
}

/// `Workspaces/availability`'s free seats over `[from, to)` (the fewest of its intervals).
async fn free_in(c: &Client, token: &str, ws: &str, from: &str, to: &str) -> i64 {
    let r: Value = c
        .post(
            "Workspaces/availability",
            json!({"workspace_id": ws, "from": from, "to": to}),
            Some(token),
        )
        .await
        .ok();
    r["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["starts_at"].as_str() < Some(to) && i["ends_at"].as_str() > Some(from))
        .map(|i| i["free_seats"].as_i64().unwrap())
        .min()
        .unwrap_or_else(|| panic!("no interval in {r}"))
}

/// Books `seats` of `[starts, ends)` for `wes` with `"waitlist": true` (the slot has fewer free)
/// and has `xia` take the free seat and give it back three times, so the waiter is passed over
/// three times and reserves. Answers the waiter and `xia`'s three bookings.
async fn a_reserving_waiter(
    c: &Client,
    ws: &str,
    (starts, ends): (&str, &str),
    seats: i64,
    wes: &str,
    xia: &str,
) -> (String, Vec<String>) {
    let big = c
        .post(
            "Bookings/create",
            json!({"workspace_id": ws, "starts_at": starts, "ends_at": ends, "seats": seats,
                   "payment_method": "pm_card_visa", "waitlist": true}),
            Some(wes),
        )
        .await
        .ok()["booking_id"]
        .as_str()
        .unwrap()
        .to_string();
    c.wait_status(wes, &big, "waitlisted").await;
    let mut xs = Vec::new();
    for _ in 0..3 {
        assert_eq!(free_in(c, xia, ws, starts, ends).await, 1);
        let x = c.book(xia, ws, starts, ends, 1, "pm_card_visa").await;
        c.wait_status(xia, &x, "confirmed").await;
        c.post(&format!("Booking/{x}/cancel"), json!({}), Some(xia))
            .await
            .ok();
        c.wait_status(xia, &x, "cancelled").await;
        xs.push(x);
    }
    // now it reserves: the free seat is nobody else's
    let reserved = eventually(Duration::from_secs(20), || async {
        (free_in(c, xia, ws, starts, ends).await == 0).then_some(())
    })
    .await;
    assert!(
        reserved.is_some(),
        "availability does not count the reservation"
    );
    (big, xs)
}

/// Asks `Booking/{id}/reschedule` to move `id` into `[starts, ends)`: the HTTP status.
async fn move_into(c: &Client, token: &str, id: &str, starts: &str, ends: &str) -> u16 {
    reschedule(c, token, id, json!({"starts_at": starts, "ends_at": ends}))
        .await
        .status
}

#[tokio::test]
async fn a_waiter_passed_over_three_times_keeps_its_seats_from_everyone_else() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 3).await;
    let (starts, ends) = day_slot(3, 9 * 3600, 3600);
    let (_, ana, _) = c.new_member("Ana").await;
    let (_, ben, _) = c.new_member("Ben").await;
    let (_, wes, _) = c.new_member("Wes").await;
    let (_, xia, _) = c.new_member("Xia").await;
    let a = c.book(&ana, &ws, &starts, &ends, 1, "pm_card_visa").await;
    let b = c.book(&ben, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&ana, &a, "confirmed").await;
    c.wait_status(&ben, &b, "confirmed").await;
    // a three-seat waiter: one seat is free, it needs three
    let (big, xs) = a_reserving_waiter(&c, &ws, (&starts, &ends), 3, &wes, &xia).await;

    let plain = c.book(&xia, &ws, &starts, &ends, 1, "pm_card_visa").await;
    let st = c.wait_status(&xia, &plain, "rejected").await;
    assert!(
        st["reason"].as_str().unwrap_or_default().contains("seat"),
        "{st}"
    );
    // nor a reschedule's: a booking of another day may not move into the slot
    let (o1, o2) = day_slot(4, 9 * 3600, 3600);
    let other = c.book(&xia, &ws, &o1, &o2, 1, "pm_card_visa").await;
    c.wait_status(&xia, &other, "confirmed").await;
    assert_eq!(move_into(&c, &xia, &other, &starts, &ends).await, 409);
    assert_eq!(c.status(&xia, &other).await["starts_at"], o1.as_str());
    assert_eq!(c.status(&wes, &big).await["status"], "waitlisted");

    // the seats it waits for free up: it is served, with all three
    for (token, id) in [(&ana, &a), (&ben, &b)] {
        c.post(&format!("Booking/{id}/cancel"), json!({}), Some(token))
            .await
            .ok();
    }
    let st = c.wait_status(&wes, &big, "confirmed").await;
    assert_eq!(
        (st["seats"].clone(), st["amount_cents"].clone()),
        (json!(3), json!(10800))
    );
    booking_settled(s, &big, "confirmed", 10800, 0).await;

    // served, it holds its seats and reserves nothing more: a fourth seat is anyone's
    c.post(
        "Workspaces/update",
        json!({"workspace_id": ws, "capacity": 4}),
        Some(&admin),
    )
    .await
    .ok();
    assert_eq!(free_in(&c, &xia, &ws, &starts, &ends).await, 1);
    assert_eq!(move_into(&c, &xia, &other, &starts, &ends).await, 200);
    assert_eq!(c.status(&xia, &other).await["starts_at"], starts.as_str());
    capacity_holds(s, &ws).await;
    let mut all = xs;
    all.extend([a, b, big, plain, other]);
    reconciled(s, &all).await;
}

#[tokio::test]
async fn a_reservation_ends_when_its_waiter_leaves_the_waitlist() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 2).await;
    let (starts, ends) = day_slot(3, 10 * 3600, 3600);
    let (_, ana, _) = c.new_member("Ana").await;
    let (_, wes, _) = c.new_member("Wes").await;
    let (_, xia, _) = c.new_member("Xia").await;
    let a = c.book(&ana, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&ana, &a, "confirmed").await;
    let (big, xs) = a_reserving_waiter(&c, &ws, (&starts, &ends), 2, &wes, &xia).await;
    let plain = c.book(&xia, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&xia, &plain, "rejected").await;

    // the waiter gives up: its reservation goes with it, the free seat is anyone's again, for
    // a new booking and for a reschedule
    let r = c
        .post(&format!("Booking/{big}/cancel"), json!({}), Some(&wes))
        .await
        .ok();
    assert_eq!(r, json!({"status": "cancelled", "refund_cents": 0}));
    assert_eq!(free_in(&c, &xia, &ws, &starts, &ends).await, 1);
    let taken = c.book(&xia, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&xia, &taken, "confirmed").await;
    c.post(&format!("Booking/{taken}/cancel"), json!({}), Some(&xia))
        .await
        .ok();
    let (o1, o2) = day_slot(4, 10 * 3600, 3600);
    let other = c.book(&xia, &ws, &o1, &o2, 1, "pm_card_visa").await;
    c.wait_status(&xia, &other, "confirmed").await;
    assert_eq!(move_into(&c, &xia, &other, &starts, &ends).await, 200);
    let st = c.status(&xia, &other).await;
    assert_eq!(st["starts_at"], starts.as_str(), "{st}");
    capacity_holds(s, &ws).await;
    let mut all = xs;
    all.extend([a, big, plain, taken, other]);
    reconciled(s, &all).await;
}
