//! `Booking/{id}/reschedule` on the real stack: up (a payment of its own for the difference),
//! down (a refund), to a full slot and with a declined card for the difference (the booking
//! exactly as it was), the rules and refusals, and a reschedule racing a cancel (one
//! consistent outcome). Every case ends with the money checked over all of the booking's
//! payments, at the provider, in the database and in the mailbox.

use crate::harness::{Client, day_slot, eventually, stack};
use crate::invariants::{booking_settled, capacity_holds, reconciled};
use serde_json::{Value, json};
use std::time::Duration;

pub(super) async fn reschedule(
    c: &Client,
    token: &str,
    id: &str,
    body: Value,
) -> crate::harness::Reply {
    c.post(&format!("Booking/{id}/reschedule"), body, Some(token))
        .await
}

/// A workspace open 07:00-20:00 UTC every day at 36.00 an hour: the days-ahead slots of these
/// tests are inside its hours whatever the hour of the run.
pub(super) async fn utc_workspace(c: &Client, admin: &str, capacity: i64) -> String {
    let r = c
        .post(
            "Workspaces/create",
            json!({"name": format!("Moves {}", uuid::Uuid::new_v4().simple()), "location": "Lab", "timezone": "UTC",
                   "capacity": capacity, "hourly_rate_cents": 3600, "currency": "EUR", "opens_at": "07:00", "closes_at": "20:00"}),
            Some(admin),
        )
        .await
        .ok();
    r["workspace_id"].as_str().unwrap().into()
}

/// What a reschedule's answer says it moved: `(amount_cents, charged_cents, refunded_cents)`.
pub(super) fn money(r: &Value) -> (Value, Value, Value) {
    (
        r["amount_cents"].clone(),
        r["charged_cents"].clone(),
        r["refunded_cents"].clone(),
    )
}

/// The slot, seats and price `status` shows.
fn shape(v: &Value) -> (Value, Value, Value, Value) {
    (
        v["starts_at"].clone(),
        v["ends_at"].clone(),
        v["seats"].clone(),
        v["amount_cents"].clone(),
    )
}

#[tokio::test]
async fn a_booking_moves_up_down_and_not_into_a_full_slot_with_the_money_exact() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 1).await;
    let (_, ana, ana_mail) = c.new_member("Ana").await;
    let (_, ben, _) = c.new_member("Ben").await;

    let (s1, e1) = day_slot(3, 9 * 3600, 3600);
    let id = c.book(&ana, &ws, &s1, &e1, 1, "pm_card_visa").await;
    let (s_full, e_full) = day_slot(4, 9 * 3600, 3600);
    let other = c.book(&ben, &ws, &s_full, &e_full, 1, "pm_card_visa").await;
    c.wait_status(&ana, &id, "confirmed").await;
    c.wait_status(&ben, &other, "confirmed").await;

    // up: two hours from the same start, 7200; the difference is a payment of its own
    let (s2, e2) = day_slot(3, 9 * 3600, 7200);
    let r = reschedule(&c, &ana, &id, json!({"starts_at": s2, "ends_at": e2}))
        .await
        .ok();
    assert_eq!(
        (
            r["status"].clone(),
            r["amount_cents"].clone(),
            r["charged_cents"].clone(),
            r["refunded_cents"].clone()
        ),
        (json!("confirmed"), json!(7200), json!(3600), json!(0)),
        "{r}"
    );
    let st = c.status(&ana, &id).await;
    assert_eq!(
        (st["starts_at"].as_str(), st["ends_at"].as_str()),
        (Some(s2.as_str()), Some(e2.as_str())),
        "{st}"
    );
    assert_eq!(
        (
            st["payment"]["captured_cents"].clone(),
            st["payment"]["refunded_cents"].clone()
        ),
        (json!(7200), json!(0)),
        "{st}"
    );
    // `wait` of a settled booking answers where it stands now, not where it was confirmed
    let waited = c
        .post(&format!("Booking/{id}/wait"), json!({}), Some(&ana))
        .await
        .ok();
    assert_eq!(shape(&waited), shape(&st), "{waited}");
    let payments = s.store().await.payments_of_booking(&id).await.unwrap();
    assert_eq!(payments.len(), 2, "{payments:?}");
    assert_eq!(payments[1].amount_cents, 3600, "{payments:?}");
    booking_settled(s, &id, "confirmed", 7200, 0).await;
    let row = s.store().await.booking(&id).await.unwrap().unwrap();
    assert_eq!(
        (row.amount_cents, row.ends_at - row.starts_at),
        (7200, 7_200_000),
        "{row:?}"
    );

    // down: half an hour, 1800; 5400 goes back over the two payments
    let (s3, e3) = day_slot(3, 10 * 3600, 1800);
    let r = reschedule(&c, &ana, &id, json!({"starts_at": s3, "ends_at": e3}))
        .await
        .ok();
    assert_eq!(money(&r), (json!(1800), json!(0), json!(5400)), "{r}");
    booking_settled(s, &id, "confirmed", 7200, 5400).await;

    // the same slot again: nothing happens
    let r = reschedule(&c, &ana, &id, json!({"starts_at": s3, "ends_at": e3}))
        .await
        .ok();
    assert_eq!(
        (r["charged_cents"].clone(), r["refunded_cents"].clone()),
        (json!(0), json!(0)),
        "{r}"
    );

    // into Ben's full slot: 409, and the booking exactly as it was
    let before = c.status(&ana, &id).await;
    let r = reschedule(
        &c,
        &ana,
        &id,
        json!({"starts_at": s_full, "ends_at": e_full}),
    )
    .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.message().contains("unchanged"), "{}", r.message());
    let after = c.status(&ana, &id).await;
    assert_eq!(shape(&before), shape(&after));
    assert_eq!(before["payment"], after["payment"]);
    booking_settled(s, &id, "confirmed", 7200, 5400).await;

    // refusals that change nothing: the rules, bad input, somebody else's booking
    for (body, code) in [
        (json!({"starts_at": e3, "ends_at": s3}), 400),
        (json!({"starts_at": s3, "ends_at": e3, "seats": 2}), 400),
        (
            json!({"starts_at": s3, "ends_at": e3, "colour": "red"}),
            400,
        ),
        (json!({"ends_at": e3}), 400),
    ] {
        let r = reschedule(&c, &ana, &id, body.clone()).await;
        assert_eq!(r.status, code, "{body}: {:?}", r.body);
        assert!(!r.message().is_empty(), "{body}");
    }
    let r = reschedule(&c, &ben, &id, json!({"starts_at": s2, "ends_at": e2})).await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert_eq!(shape(&c.status(&ana, &id).await), shape(&after));

    // the old slot came free when the booking moved: Ben can book it
    let freed = c.book(&ben, &ws, &s1, &e1, 1, "pm_card_visa").await;
    c.wait_status(&ben, &freed, "confirmed").await;
    capacity_holds(s, &ws).await;

    // one email per reschedule that moved it, saying what was charged or refunded; no
    // separate payment emails for the differences
    let subjects = c.wait_texts(&ana_mail, "Booking rescheduled", 2).await;
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.iter().any(|t| t.contains("we charged 36.00")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|t| t.contains("we refunded 54.00")),
        "{subjects:?}"
    );
    let all = c.subjects(&ana_mail).await;
    assert_eq!(
        all.iter()
            .filter(|t| t.starts_with("Payment received"))
            .count(),
        1,
        "{all:?}"
    );
    assert_eq!(
        all.iter()
            .filter(|t| t.starts_with("Refund issued"))
            .count(),
        0,
        "{all:?}"
    );

    // a cancel afterwards refunds what is left, over both payments (3 days ahead: in full)
    let r = c
        .post(&format!("Booking/{id}/cancel"), json!({}), Some(&ana))
        .await
        .ok();
    assert_eq!(r["status"], "cancelled", "{r}");
    booking_settled(s, &id, "cancelled", 7200, 7200).await;
    let r = reschedule(&c, &ana, &id, json!({"starts_at": s2, "ends_at": e2})).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    reconciled(s, &[id.clone(), other.clone(), freed.clone()]).await;
}

#[tokio::test]
async fn a_declined_difference_leaves_the_booking_exactly_as_it_was() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 1).await;
    let (_, ana, _) = c.new_member("Ana").await;
    let (_, ben, _) = c.new_member("Ben").await;
    let (s1, e1) = day_slot(5, 9 * 3600, 3600);
    let id = c.book(&ana, &ws, &s1, &e1, 1, "pm_card_visa").await;
    let before = c.wait_status(&ana, &id, "confirmed").await;

    let (s2, e2) = day_slot(5, 14 * 3600, 3 * 3600);
    let r = reschedule(
        &c,
        &ana,
        &id,
        json!({"starts_at": s2, "ends_at": e2, "payment_method": "pm_card_visa_chargeDeclined"}),
    )
    .await;
    assert_eq!(r.status, 402, "{:?}", r.body);
    assert!(r.message().contains("declined"), "{}", r.message());
    let after = c.status(&ana, &id).await;
    assert_eq!(shape(&before), shape(&after));
    assert_eq!(after["status"], "confirmed");
    // the declined difference took nothing and left nothing open
    booking_settled(s, &id, "confirmed", 3600, 0).await;
    let payments = s.store().await.payments_of_booking(&id).await.unwrap();
    assert_eq!(payments.len(), 2, "{payments:?}");

    // the old slot is still the booking's; the held new one was let go
    let taken = c.book(&ben, &ws, &s1, &e1, 1, "pm_card_visa").await;
    c.wait_status(&ben, &taken, "rejected").await;
    let new_slot = c.book(&ben, &ws, &s2, &e2, 1, "pm_card_visa").await;
    c.wait_status(&ben, &new_slot, "confirmed").await;
    capacity_holds(s, &ws).await;
    reconciled(s, &[id.clone(), new_slot.clone()]).await;
}

#[tokio::test]
async fn a_reschedule_racing_a_cancel_ends_in_one_consistent_outcome() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = utc_workspace(&c, &admin, 1).await;
    let (_, ana, _) = c.new_member("Ana").await;
    let (_, ben, _) = c.new_member("Ben").await;
    for (day, delay_ms) in [(6, 0u64), (7, 30), (8, 150)] {
        let (s1, e1) = day_slot(day, 9 * 3600, 3600);
        let id = c.book(&ana, &ws, &s1, &e1, 1, "pm_card_visa").await;
        c.wait_status(&ana, &id, "confirmed").await;
        let (s2, e2) = day_slot(day, 12 * 3600, 7200);
        let moved = reschedule(&c, &ana, &id, json!({"starts_at": s2, "ends_at": e2}));
        let cancel = async {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            c.post(&format!("Booking/{id}/cancel"), json!({}), Some(&ana))
                .await
        };
        let (moved, cancelled) = tokio::join!(moved, cancel);
        let cancelled = cancelled.ok();
        assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
        // either the reschedule went first (and the cancel refunded both payments) or the
        // cancel did (and the reschedule was refused): never half of each
        let charged = match moved.status {
            200 => {
                assert_eq!(moved.body["charged_cents"], 3600, "{:?}", moved.body);
                7200
            }
            409 => {
                let p = s.store().await.payments_of_booking(&id).await.unwrap();
                p.iter().map(|p| p.captured_cents).sum()
            }
            other => panic!("reschedule answered {other}: {:?}", moved.body),
        };
        // three days and more ahead: everything goes back
        booking_settled(s, &id, "cancelled", charged, charged).await;
        // both slots are free again
        for (from, to) in [(&s1, &e1), (&s2, &e2)] {
            let b = c.book(&ben, &ws, from, to, 1, "pm_card_visa").await;
            c.wait_status(&ben, &b, "confirmed").await;
            c.post(&format!("Booking/{b}/cancel"), json!({}), Some(&ben))
                .await
                .ok();
        }
        let settled = eventually(Duration::from_secs(10), || async {
            (c.status(&ana, &id).await["status"] == "cancelled").then_some(())
        })
        .await;
        assert!(settled.is_some());
        reconciled(s, std::slice::from_ref(&id)).await;
    }
}
