//! The admins' side of bookings: filtering them, finding the stuck ones, and cancelling with a
//! full refund.

use crate::harness::{in_secs, open_workspace, stack};
use crate::invariants::booking_settled;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn admins_filter_bookings_find_stuck_ones_and_cancel_with_a_full_refund() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 3).await;
    let (user, token, _) = c.new_member("Watched").await;
    let soon = c
        .book(
            &token,
            &ws,
            &in_secs(7200),
            &in_secs(7800),
            1,
            "pm_card_visa",
        )
        .await;
    let amount = c.wait_status(&token, &soon, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    let pm = s.provider().three_d_secure_card().await;
    let stuck = c
        .book(&token, &ws, &in_secs(9000), &in_secs(9600), 1, &pm)
        .await;
    c.wait_status(&token, &stuck, "awaiting_payment").await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let by_ws = c
        .post("Admin/bookings", json!({"workspace_id": ws}), Some(&admin))
        .await
        .ok();
    assert_eq!(by_ws.as_array().unwrap().len(), 2);
    let confirmed = c
        .post(
            "Admin/bookings",
            json!({"workspace_id": ws, "status": "confirmed", "user_id": user}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        confirmed
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["booking_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![soon.as_str()]
    );
    let waiting = c
        .post(
            "Admin/bookings",
            json!({"workspace_id": ws, "stuck_for_secs": 1}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        waiting
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["booking_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![stuck.as_str()]
    );
    let r = c
        .post("Admin/bookings", json!({"status": "lost"}), Some(&admin))
        .await;
    assert_eq!(r.status, 400);
    let r = c.post("Admin/bookings", json!({}), Some(&token)).await;
    assert_eq!(r.status, 403);

    // 2 hours before the start a member would get half; the admin's cancel refunds everything
    let r = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": soon, "reason": "workspace flooded"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        (r["status"].as_str(), r["refund_cents"].as_i64()),
        (Some("cancelled"), Some(amount))
    );
    booking_settled(s, &soon, "cancelled", amount, amount).await;
    let r = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": "nope"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 404);
    c.wait_status(&token, &stuck, "expired").await;
}
