//! What the member is told is what moved. After a reschedule down (half of a booking's money
//! back), a member's cancel, duplicate cancels racing, an admin's cancel, a workspace's closure
//! and an account's deletion each answer and email what *they* refunded, which the provider's
//! refunds show; and a reschedule prices its new slot at the booking's own rate after the
//! workspace's rate went up, a free booking's included.

use super::reschedule::{money, reschedule, utc_workspace};
use crate::harness::{Client, day_slot, stack};
use crate::invariants::{booking_settled, reconciled};
use serde_json::json;

/// A confirmed booking of two hours at 09:00 UTC `days` ahead (7200 at the test workspace's
/// 3600 an hour), then moved down to one hour from the same start: 3600 refunded.
async fn booked_then_moved_down(c: &Client, token: &str, ws: &str, days: i64, hour: i64) -> String {
    let (s1, e1) = day_slot(days, hour * 3600, 7200);
    let id = c.book(token, ws, &s1, &e1, 1, "pm_card_visa").await;
    c.wait_status(token, &id, "confirmed").await;
    let (s2, e2) = day_slot(days, hour * 3600, 3600);
    let r = reschedule(c, token, &id, json!({"starts_at": s2, "ends_at": e2}))
        .await
        .ok();
    assert_eq!(money(&r), (json!(3600), json!(0), json!(3600)), "{r}");
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
    let move_to = |from: i64, len: i64| {
        let (st, en) = day_slot(3, from, len);
        reschedule(&c, &ana, &id, json!({"starts_at": st, "ends_at": en}))
    };
    // the same length elsewhere costs nothing more
    let r = move_to(14 * 3600, 3600).await.ok();
    assert_eq!(money(&r), (json!(3600), json!(0), json!(0)), "{r}");
    // an hour more costs an hour at the booking's rate
    let r = move_to(14 * 3600, 7200).await.ok();
    assert_eq!(money(&r), (json!(7200), json!(3600), json!(0)), "{r}");
    booking_settled(s, &id, "confirmed", 7200, 0).await;
    // and a new booking pays the new rate
    let (s2, e2) = day_slot(4, 9 * 3600, 3600);
    let new = c.book(&ana, &ws, &s2, &e2, 1, "pm_card_visa").await;
    let st = c.wait_status(&ana, &new, "confirmed").await;
    assert_eq!(st["amount_cents"], 7200, "{st}");
    reconciled(s, &[id, new]).await;
}

#[tokio::test]
async fn a_free_booking_stays_free_when_moved_after_the_rate_went_up() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 3).await;
    let set_rate = |cents: i64| {
        c.post(
            "Workspaces/update",
            json!({"workspace_id": ws, "hourly_rate_cents": cents}),
            Some(&admin),
        )
    };
    set_rate(0).await.ok();
    let (_, ana, ana_mail) = c.new_member("Ana").await;
    let (s1, e1) = day_slot(3, 9 * 3600, 3600);
    let id = c.book(&ana, &ws, &s1, &e1, 1, "pm_card_visa").await;
    let st = c.wait_status(&ana, &id, "confirmed").await;
    assert_eq!(st["amount_cents"], 0, "{st}");
    assert_eq!(
        s.store()
            .await
            .booking(&id)
            .await
            .unwrap()
            .unwrap()
            .hourly_rate_cents,
        Some(0)
    );

    set_rate(1500).await.ok();
    let (s2, e2) = day_slot(3, 14 * 3600, 3600);
    let r = reschedule(&c, &ana, &id, json!({"starts_at": s2, "ends_at": e2}))
        .await
        .ok();
    assert_eq!(money(&r), (json!(0), json!(0), json!(0)), "{r}");
    let st = c.status(&ana, &id).await;
    assert_eq!(
        (st["starts_at"].as_str(), st["amount_cents"].clone()),
        (Some(s2.as_str()), json!(0)),
        "{st}"
    );
    // nothing went to the provider: the booking has no payment at all
    assert!(
        s.store()
            .await
            .payments_of_booking(&id)
            .await
            .unwrap()
            .is_empty(),
        "a free booking was charged"
    );
    let moved = c.wait_texts(&ana_mail, "Booking rescheduled", 1).await;
    assert!(moved[0].contains("The price is unchanged."), "{moved:?}");
    reconciled(s, &[id]).await;
}
