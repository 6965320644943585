//! What the member is told is what moved. After a reschedule down (half of a booking's money
//! back), a member's cancel, duplicate cancels racing, an admin's cancel, a workspace's closure
//! and an account's deletion each answer and email what *they* refunded, which the provider's
//! refunds show; a reschedule prices its new slot at the booking's own rate after the
//! workspace's rate went up; and a waiter passed over three times keeps its reservation
//! against a new plain booking, a reschedule and `availability` until it is served.

use super::reschedule::utc_workspace;
use crate::harness::{Client, day_slot, stack};
use crate::invariants::{booking_settled, capacity_holds, reconciled};
use serde_json::{Value, json};

/// A confirmed booking of two hours at 09:00 UTC `days` ahead (7200 at the test workspace's
/// 3600 an hour), then moved down to one hour from the same start: 3600 refunded.
async fn booked_then_moved_down(c: &Client, token: &str, ws: &str, days: i64, hour: i64) -> String {
    let (s1, e1) = day_slot(days, hour * 3600, 7200);
    let id = c.book(token, ws, &s1, &e1, 1, "pm_card_visa").await;
    c.wait_status(token, &id, "confirmed").await;
    let (s2, e2) = day_slot(days, hour * 3600, 3600);
    let r = c
        .post(
            &format!("Booking/{id}/reschedule"),
            json!({"starts_at": s2, "ends_at": e2}),
            Some(token),
        )
        .await
        .ok();
    assert_eq!(
        (
            r["amount_cents"].clone(),
            r["charged_cents"].clone(),
            r["refunded_cents"].clone()
        ),
        (json!(3600), json!(0), json!(3600)),
        "{r}"
    );
    id
}

/// The refunds the provider holds for the booking's first payment, oldest first.
async fn provider_refunds(s: &crate::harness::TestStack, id: &str) -> Vec<i64> {
    let p = s.store().await.payments_of_booking(id).await.unwrap();
    let pi = p[0].provider_ref.clone().expect("a PaymentIntent");
    s.provider().refunds(&pi).await
}

#[tokio::test]
async fn every_refund_answered_or_mailed_is_what_that_operation_gave_back() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 5).await;
    let (_, ana, ana_mail) = c.new_member("Ana").await;

    // a member's cancel three days ahead: everything that is left, 3600, not 7200
    let one = booked_then_moved_down(&c, &ana, &ws, 3, 9).await;
    let r = c
        .post(&format!("Booking/{one}/cancel"), json!({}), Some(&ana))
        .await
        .ok();
    assert_eq!(r, json!({"status": "cancelled", "refund_cents": 3600}));
    booking_settled(s, &one, "cancelled", 7200, 7200).await;
    assert_eq!(provider_refunds(s, &one).await, vec![3600, 3600]);
    let st = c.status(&ana, &one).await;
    assert_eq!(
        st["payment"]["refunded_cents"], 7200,
        "status keeps the sum: {st}"
    );
    let mails = c.wait_texts(&ana_mail, "Booking cancelled", 1).await;
    assert!(
        mails[0].contains("We refunded 36.00 EUR") && !mails[0].contains("72.00"),
        "{mails:?}"
    );

    // two cancels racing: both answer the one cancel's refund
    let two = booked_then_moved_down(&c, &ana, &ws, 4, 9).await;
    let path = format!("Booking/{two}/cancel");
    let cancel = || c.post(&path, json!({}), Some(&ana));
    let (a, b) = tokio::join!(cancel(), cancel());
    let (a, b) = (a.ok(), b.ok());
    assert_eq!(a, json!({"status": "cancelled", "refund_cents": 3600}));
    assert_eq!(a, b);
    booking_settled(s, &two, "cancelled", 7200, 7200).await;

    // an admin's cancel: a full refund of what is left
    let three = booked_then_moved_down(&c, &ana, &ws, 5, 9).await;
    let r = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": three, "reason": "double booked"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(r, json!({"status": "cancelled", "refund_cents": 3600}));
    booking_settled(s, &three, "cancelled", 7200, 7200).await;
    assert_eq!(provider_refunds(s, &three).await, vec![3600, 3600]);

    // a closure: the sum of its cancels' refunds, each member told their own
    let ws2 = utc_workspace(&c, &admin, 5).await;
    let (_, cara, cara_mail) = c.new_member("Cara").await;
    let four = booked_then_moved_down(&c, &cara, &ws2, 3, 9).await;
    let five = booked_then_moved_down(&c, &cara, &ws2, 3, 12).await;
    let r = c
        .post(
            "Workspaces/close",
            json!({"workspace_id": ws2, "reason": "renovation"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        (r["cancelled_bookings"].clone(), r["refunded_cents"].clone()),
        (json!(2), json!(7200)),
        "{r}"
    );
    for id in [&four, &five] {
        booking_settled(s, id, "cancelled", 7200, 7200).await;
    }
    for text in c.wait_texts(&cara_mail, "Booking cancelled", 2).await {
        assert!(text.contains("We refunded 36.00 EUR"), "{text}");
    }

    // a deletion: what its cancel refunded, in the answer and in the last email
    let (_, dan, dan_mail) = c.new_member("Dan").await;
    let six = booked_then_moved_down(&c, &dan, &ws, 6, 9).await;
    let r = c
        .post(
            "Users/delete",
            json!({"password": "password-123"}),
            Some(&dan),
        )
        .await
        .ok();
    assert_eq!(
        (r["cancelled_bookings"].clone(), r["refunded_cents"].clone()),
        (json!(1), json!(3600)),
        "{r}"
    );
    booking_settled(s, &six, "cancelled", 7200, 7200).await;
    let last = c
        .wait_texts(&dan_mail, "Your deskflow account was deleted", 1)
        .await;
    assert!(last[0].contains("36.00 was refunded"), "{last:?}");
    reconciled(s, &[one, two, three, four, five, six]).await;
}

#[tokio::test]
async fn a_reschedule_prices_the_new_slot_at_the_rate_the_booking_was_made_at() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 3).await;
    let (_, ana, _) = c.new_member("Ana").await;
    let (s1, e1) = day_slot(3, 9 * 3600, 3600);
    let id = c.book(&ana, &ws, &s1, &e1, 1, "pm_card_visa").await;
    c.wait_status(&ana, &id, "confirmed").await;
    let row = s.store().await.booking(&id).await.unwrap().unwrap();
    assert_eq!(row.hourly_rate_cents, Some(3600), "{row:?}");

    // the rate doubles: new bookings pay it, this one keeps its own
    c.post(
        "Workspaces/update",
        json!({"workspace_id": ws, "hourly_rate_cents": 7200}),
        Some(&admin),
    )
    .await
    .ok();
    let path = format!("Booking/{id}/reschedule");
    let move_to = |from: i64, len: i64| {
        let (st, en) = day_slot(3, from, len);
        c.post(&path, json!({"starts_at": st, "ends_at": en}), Some(&ana))
    };
    // the same length elsewhere costs nothing more
    let r = move_to(14 * 3600, 3600).await.ok();
    assert_eq!(
        (
            r["amount_cents"].clone(),
            r["charged_cents"].clone(),
            r["refunded_cents"].clone()
        ),
        (json!(3600), json!(0), json!(0)),
        "{r}"
    );
    // an hour more costs an hour at the booking's rate
    let r = move_to(14 * 3600, 7200).await.ok();
    assert_eq!(
        (r["amount_cents"].clone(), r["charged_cents"].clone()),
        (json!(7200), json!(3600)),
        "{r}"
    );
    booking_settled(s, &id, "confirmed", 7200, 0).await;
    // and a new booking pays the new rate
    let (s2, e2) = day_slot(4, 9 * 3600, 3600);
    let new = c.book(&ana, &ws, &s2, &e2, 1, "pm_card_visa").await;
    let st = c.wait_status(&ana, &new, "confirmed").await;
    assert_eq!(st["amount_cents"], 7200, "{st}");
    reconciled(s, &[id, new]).await;
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
    let big = c
        .post(
            "Bookings/create",
            json!({"workspace_id": ws, "starts_at": starts, "ends_at": ends, "seats": 3,
                   "payment_method": "pm_card_visa", "waitlist": true}),
            Some(&wes),
        )
        .await
        .ok()["booking_id"]
        .as_str()
        .unwrap()
        .to_string();
    c.wait_status(&wes, &big, "waitlisted").await;

    // three times a member takes the free seat and gives it back: the waiter is passed over
    let mut xs = Vec::new();
    for _ in 0..3 {
        assert_eq!(free_in(&c, &xia, &ws, &starts, &ends).await, 1);
        let x = c.book(&xia, &ws, &starts, &ends, 1, "pm_card_visa").await;
        c.wait_status(&xia, &x, "confirmed").await;
        c.post(&format!("Booking/{x}/cancel"), json!({}), Some(&xia))
            .await
            .ok();
        c.wait_status(&xia, &x, "cancelled").await;
        xs.push(x);
    }
    // now it reserves: the free seat is nobody else's
    let reserved = crate::harness::eventually(std::time::Duration::from_secs(20), || async {
        (free_in(&c, &xia, &ws, &starts, &ends).await == 0).then_some(())
    })
    .await;
    assert!(
        reserved.is_some(),
        "availability does not count the reservation"
    );
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
    let r = c
        .post(
            &format!("Booking/{other}/reschedule"),
            json!({"starts_at": starts, "ends_at": ends}),
            Some(&xia),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
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
    capacity_holds(s, &ws).await;
    let mut all = xs;
    all.extend([a, b, big, plain, other]);
    reconciled(s, &all).await;
}
