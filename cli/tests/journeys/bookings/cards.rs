//! The card's answers: a declined card, and 3-D Secure (the signed webhook that completes it,
//! forged and replayed ones ignored, and an authentication never completed).

use super::wait_subject;
use crate::harness::{
    HOLD_EXPIRY_SECS, WEBHOOK_SECRET, in_secs, open_workspace, payment_intent_of, stack,
};
use crate::invariants::{booking_settled, capacity_holds};
use serde_json::json;

#[tokio::test]
async fn a_declined_card_fails_the_booking_frees_the_seat_and_tells_the_member_why() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, email) = c.new_member("Declined").await;
    let (start, end) = (in_secs(3600), in_secs(7200));
    let id = c
        .book(&token, &ws, &start, &end, 1, "pm_card_visa_chargeDeclined")
        .await;
    let failed = c.wait_status(&token, &id, "final").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["reason"].as_str().unwrap().contains("declined"),
        "{failed}"
    );
    let mail = wait_subject(&c, &email, "Booking failed").await;
    assert!(
        mail["text"].as_str().unwrap().contains("declined"),
        "the member is told why"
    );
    booking_settled(s, &id, "failed", 0, 0).await;

    // the seat is free again: another member books it
    let (_, other, _) = c.new_member("Next").await;
    let id2 = c.book(&other, &ws, &start, &end, 1, "pm_card_visa").await;
    c.wait_status(&other, &id2, "confirmed").await;
    capacity_holds(s, &ws).await;
}

#[tokio::test]
async fn three_d_secure_waits_for_the_signed_webhook_and_ignores_forged_and_replayed_ones() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (_, token, _) = c.new_member("Secure").await;
    let pm = s.provider().three_d_secure_card().await;
    let id = c
        .book(&token, &ws, &in_secs(3600), &in_secs(5400), 1, &pm)
        .await;
    let waiting = c.wait_status(&token, &id, "awaiting_payment").await;
    let secret = waiting["payment"]["client_secret"]
        .as_str()
        .expect("client_secret while awaiting payment")
        .to_string();
    let pi = payment_intent_of(&secret).to_string();
    assert_eq!(
        s.provider().authenticate(&secret, true).await["status"],
        "requires_capture"
    );

    let event = json!({"id": format!("evt_{}", uuid::Uuid::new_v4().simple()), "type": "payment_intent.amount_capturable_updated",
                       "data": {"object": {"id": pi, "object": "payment_intent"}}});
    let (code, _) = s.send_webhook(&event, None).await;
    assert_eq!(code, 400, "an unsigned webhook is refused");
    let (code, _) = s.send_webhook(&event, Some("whsec_someone_else")).await;
    assert_eq!(code, 400, "a webhook signed with another secret is refused");
    assert_eq!(
        c.status(&token, &id).await["status"],
        "awaiting_payment",
        "refused webhooks change nothing"
    );

    let (code, body) = s.send_webhook(&event, Some(WEBHOOK_SECRET)).await;
    assert_eq!((code, body.as_str()), (200, "ok"));
    let confirmed = c.wait_status(&token, &id, "confirmed").await;
    assert!(
        confirmed["payment"].get("client_secret").is_none(),
        "{confirmed}"
    );
    let (code, body) = s.send_webhook(&event, Some(WEBHOOK_SECRET)).await;
    assert_eq!((code, body.as_str()), (200, "duplicate event ignored"));
    let amount = confirmed["amount_cents"].as_i64().unwrap();
    booking_settled(s, &id, "confirmed", amount, 0).await;
}

#[tokio::test]
async fn three_d_secure_never_completed_expires_voids_the_authorization_and_frees_the_seat() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, email) = c.new_member("Slow").await;
    let pm = s.provider().three_d_secure_card().await;
    let (start, end) = (in_secs(3600), in_secs(5400));
    let id = c.book(&token, &ws, &start, &end, 1, &pm).await;
    let waiting = c.wait_status(&token, &id, "awaiting_payment").await;
    let pi = payment_intent_of(waiting["payment"]["client_secret"].as_str().unwrap()).to_string();
    let expired = c.wait_status(&token, &id, "final").await;
    assert_eq!(expired["status"], "expired", "{expired}");
    assert!(
        expired["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("{HOLD_EXPIRY_SECS} s")),
        "{expired}"
    );
    assert_eq!(
        s.provider().payment_intent(&pi).await["status"],
        "canceled",
        "the authorization is voided"
    );
    assert_eq!(expired["payment"]["status"], "voided");
    wait_subject(&c, &email, "Booking expired").await;
    booking_settled(s, &id, "expired", 0, 0).await;
    let (_, other, _) = c.new_member("Later").await;
    let id2 = c.book(&other, &ws, &start, &end, 1, "pm_card_visa").await;
    c.wait_status(&other, &id2, "confirmed").await;
}
