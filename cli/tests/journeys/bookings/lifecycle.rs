//! A booking's life: paid, confirmed, reminded and completed, and the member's own cancel with
//! its refund on either side of the 24-hour line.

use super::wait_subject;
use crate::harness::{eventually, in_secs, open_workspace, slot_in, stack};
use crate::invariants::booking_settled;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_paid_booking_is_confirmed_reminded_and_completed() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 3).await;
    let (user, token, email) = c.new_member("Happy").await;
    let (start, end) = slot_in(5, 4);
    let id = c.book(&token, &ws, &start, &end, 2, "pm_card_visa").await;

    let confirmed = c.wait_status(&token, &id, "confirmed").await;
    assert_eq!(confirmed["user_id"], user.as_str());
    assert_eq!(confirmed["seats"], 2);
    let amount = confirmed["amount_cents"].as_i64().unwrap();
    assert_eq!(
        amount,
        2 * 4,
        "3600 cents per seat-hour is 1 cent per seat-second: 2 seats x 4 s"
    );
    assert_eq!(confirmed["payment"]["status"], "captured");
    assert_eq!(confirmed["payment"]["captured_cents"], amount);
    let pay = c
        .post(&format!("Payment/{id}/status"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(
        (pay["status"].as_str(), pay["captured_cents"].as_i64()),
        (Some("captured"), Some(amount))
    );
    let pi = pay["provider_ref"].as_str().unwrap().to_string();
    assert_eq!(
        s.provider().payment_intent(&pi).await["status"],
        "succeeded"
    );

    let done = c.wait_status(&token, &id, "completed").await;
    assert_eq!(done["payment"]["captured_cents"], amount);
    wait_subject(&c, &email, "Reminder:").await;
    wait_subject(&c, &email, "Booking confirmed").await;
    wait_subject(&c, &email, "Payment received").await;
    let db = s.store().await;
    for origin in [
        format!("booking_confirmed:{id}"),
        format!("payment_captured:{id}"),
        format!("booking_completed:{id}"),
    ] {
        let a = eventually(Duration::from_secs(30), || async {
            db.activity(&origin).await.unwrap()
        })
        .await;
        assert!(a.is_some(), "activity {origin} recorded");
    }
    let mine = c.post("Users/bookings", json!({}), Some(&token)).await.ok();
    assert_eq!(mine[0]["booking_id"], id.as_str());
    assert_eq!(mine[0]["status"], "completed");
    booking_settled(s, &id, "completed", amount, 0).await;
}

#[tokio::test]
async fn a_member_cancel_refunds_everything_before_the_24_hour_line_and_half_after_it() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (_, token, email) = c.new_member("Canceller").await;
    // 3 days ahead: full refund
    let early = c
        .book(
            &token,
            &ws,
            &in_secs(3 * 86400),
            &in_secs(3 * 86400 + 600),
            1,
            "pm_card_visa",
        )
        .await;
    // 2 hours ahead: half
    let late = c
        .book(
            &token,
            &ws,
            &in_secs(7200),
            &in_secs(7200 + 600),
            1,
            "pm_card_visa",
        )
        .await;
    let a = c.wait_status(&token, &early, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    let b = c.wait_status(&token, &late, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();

    let r = c
        .post(
            &format!("Booking/{early}/cancel"),
            json!({"reason": "plans changed"}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(
        (r["status"].as_str(), r["refund_cents"].as_i64()),
        (Some("cancelled"), Some(a))
    );
    let r = c
        .post(&format!("Booking/{late}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(
        (r["status"].as_str(), r["refund_cents"].as_i64()),
        (Some("cancelled"), Some(b / 2))
    );
    // a second cancel answers the same, and moves nothing
    let again = c
        .post(&format!("Booking/{late}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(again, r, "cancelling twice");

    let st = c.status(&token, &early).await;
    assert_eq!(
        (st["status"].as_str(), st["reason"].as_str()),
        (Some("cancelled"), Some("plans changed"))
    );
    booking_settled(s, &early, "cancelled", a, a).await;
    booking_settled(s, &late, "cancelled", b, b / 2).await;
    let got = eventually(Duration::from_secs(60), || async {
        let subs = c.subjects(&email).await;
        (subs
            .iter()
            .filter(|s| s.starts_with("Refund issued"))
            .count()
            == 2
            && subs
                .iter()
                .filter(|s| s.starts_with("Booking cancelled"))
                .count()
                == 2)
            .then_some(subs)
    })
    .await;
    assert!(
        got.is_some(),
        "two refund and two cancellation emails: {:?}",
        c.subjects(&email).await
    );
}
