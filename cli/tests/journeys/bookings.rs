//! The booking and payment journeys: every way a booking can go, on the real stack, each ending
//! with the invariants checked against the database, localstripe's records and the mailbox.

use crate::harness::{
    HOLD_EXPIRY_SECS, WEBHOOK_SECRET, eventually, in_secs, open_workspace, slot_in, stack,
};
use crate::invariants::{booking_settled, capacity_holds, reconciled};
use serde_json::json;
use std::time::Duration;

/// Subjects of the emails `to` received, sorted.
async fn subjects(c: &crate::harness::Client, to: &str) -> Vec<String> {
    let mut s: Vec<String> = c
        .mails_to(to)
        .await
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect();
    s.sort();
    s
}

async fn wait_subject(c: &crate::harness::Client, to: &str, prefix: &str) -> serde_json::Value {
    eventually(Duration::from_secs(60), || async {
        c.mails_to(to)
            .await
            .into_iter()
            .find(|m| m["subject"].as_str().is_some_and(|s| s.starts_with(prefix)))
    })
    .await
    .unwrap_or_else(|| panic!("{to} got no email starting with {prefix:?}"))
}

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
    let pi = secret.split("_secret_").next().unwrap().to_string();
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
    let pi = waiting["payment"]["client_secret"]
        .as_str()
        .unwrap()
        .split("_secret_")
        .next()
        .unwrap()
        .to_string();
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

#[tokio::test]
async fn a_provider_outage_shorter_than_the_retry_budget_still_confirms() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, _) = c.new_member("Patient").await;
    let outage = s.outage("localstripe");
    let id = c
        .book(
            &token,
            &ws,
            &in_secs(3600),
            &in_secs(5400),
            1,
            "pm_card_visa",
        )
        .await;
    // the authorize step is failing and retrying: the booking holds its seat meanwhile
    c.wait_status(&token, &id, "held").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(c.status(&token, &id).await["status"], "held");
    outage.end();
    let confirmed = c
        .wait_status_any(&token, &id, &["confirmed", "failed"])
        .await;
    assert_eq!(confirmed["status"], "confirmed", "{confirmed}");
    booking_settled(
        s,
        &id,
        "confirmed",
        confirmed["amount_cents"].as_i64().unwrap(),
        0,
    )
    .await;
}

#[tokio::test]
async fn a_provider_outage_longer_than_the_retry_budget_fails_and_compensates() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, email) = c.new_member("Unlucky").await;
    let outage = s.outage("localstripe");
    let (start, end) = (in_secs(3600), in_secs(5400));
    let id = c.book(&token, &ws, &start, &end, 1, "pm_card_visa").await;
    let failed = c.wait_status(&token, &id, "final").await;
    outage.end();
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["reason"].as_str().unwrap().contains("gave up"),
        "{failed}"
    );
    wait_subject(&c, &email, "Booking failed").await;
    booking_settled(s, &id, "failed", 0, 0).await;
    let (_, other, _) = c.new_member("After").await;
    let id2 = c.book(&other, &ws, &start, &end, 1, "pm_card_visa").await;
    c.wait_status(&other, &id2, "confirmed").await;
    reconciled(s, &[id, id2]).await;
}

/// What happens when a call the saga awaits is killed -- by an operator, as here, or by the
/// callee's retry policy after its last attempt (`on_max_attempts = "kill"`, the same signal):
/// the booking fails with a reason naming it, compensates, and frees the seat.
#[tokio::test]
async fn a_payment_call_killed_with_the_restate_cli_fails_the_booking_and_compensates() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, email) = c.new_member("Killed").await;
    // with the provider down, Payment/authorize keeps retrying inside its budget: time to kill it
    let outage = s.outage("localstripe");
    let (start, end) = (in_secs(7200), in_secs(9000));
    let id = c.book(&token, &ws, &start, &end, 1, "pm_card_visa").await;
    let target = format!("Payment/{id}/authorize");
    let invocation = eventually(Duration::from_secs(6), || async {
        s.open_invocations(&target).await.pop().map(|(id, _)| id)
    })
    .await
    .expect("Payment/authorize never showed up in sys_invocation");
    s.restate_cli(&["invocations", "cancel", "--kill", &invocation]);
    let done = c.wait_status(&token, &id, "final").await;
    outage.end();
    assert_eq!(done["status"], "failed", "{done}");
    let reason = done["reason"].as_str().unwrap();
    assert!(
        reason.contains("Payment/authorize") && reason.contains("killed"),
        "{done}"
    );
    wait_subject(&c, &email, "Booking failed").await;
    booking_settled(s, &id, "failed", 0, 0).await;
    // the seat is free again
    let (_, other, _) = c.new_member("Next").await;
    let id2 = c.book(&other, &ws, &start, &end, 1, "pm_card_visa").await;
    c.wait_status(&other, &id2, "confirmed").await;
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
    let again = c
        .post(&format!("Booking/{late}/cancel"), json!({}), Some(&token))
        .await;
    assert_eq!(again.status, 409, "cancelling twice: {}", again.body);

    let st = c.status(&token, &early).await;
    assert_eq!(
        (st["status"].as_str(), st["reason"].as_str()),
        (Some("cancelled"), Some("plans changed"))
    );
    booking_settled(s, &early, "cancelled", a, a).await;
    booking_settled(s, &late, "cancelled", b, b / 2).await;
    let got = eventually(Duration::from_secs(60), || async {
        let subs = subjects(&c, &email).await;
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
        subjects(&c, &email).await
    );
}

#[tokio::test]
async fn an_operator_cancel_through_the_restate_cli_compensates() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, email) = c.new_member("Operated").await;
    let id = c
        .book(
            &token,
            &ws,
            &in_secs(3 * 86400),
            &in_secs(3 * 86400 + 600),
            1,
            "pm_card_visa",
        )
        .await;
    let amount = c.wait_status(&token, &id, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    // a confirmed booking sleeps until its reminder: suspended, not holding one of the
    // invoker's concurrent-invocation slots (an open stream) while it waits
    let run = format!("Booking/{id}/run");
    let suspended = eventually(Duration::from_secs(20), || async {
        s.open_invocations(&run)
            .await
            .into_iter()
            .find(|(_, status)| status == "suspended")
    })
    .await;
    assert!(
        suspended.is_some(),
        "{run} is not suspended: {:?}",
        s.open_invocations(&run).await
    );
    s.restate_cli(&["invocations", "cancel", &run]);
    let done = c.wait_status(&token, &id, "final").await;
    assert_eq!(
        (done["status"].as_str(), done["reason"].as_str()),
        (Some("cancelled"), Some("cancelled by an operator")),
        "{done}"
    );
    wait_subject(&c, &email, "Booking cancelled").await;
    booking_settled(s, &id, "cancelled", amount, amount).await;
    reconciled(s, &[id]).await;
}

#[tokio::test]
async fn twenty_concurrent_bookings_for_the_last_seat_confirm_exactly_one() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (start, end) = (in_secs(3600), in_secs(5400));
    let mut members = Vec::new();
    for i in 0..20 {
        members.push(c.new_member(&format!("Racer{i}")).await);
    }
    let ids = join_all(
        members
            .iter()
            .map(|(_, t, _)| Box::pin(c.book(t, &ws, &start, &end, 1, "pm_card_visa")))
            .collect(),
    )
    .await;
    let mut confirmed = Vec::new();
    for ((_, t, _), id) in members.iter().zip(&ids) {
        let st = c.wait_status_any(t, id, &["confirmed", "rejected"]).await;
        if st["status"] == "confirmed" {
            confirmed.push(id.clone());
        } else {
            assert_eq!(st["status"], "rejected", "{st}");
            assert_eq!(st["payment"]["captured_cents"], 0);
            booking_settled(s, id, "rejected", 0, 0).await;
        }
    }
    assert_eq!(confirmed.len(), 1, "exactly one booking gets the last seat");
    let db = s.store().await;
    for id in &ids {
        let paid = db.payment(id).await.unwrap();
        assert_eq!(
            paid.is_some(),
            confirmed.contains(id),
            "only the winner reached the provider"
        );
    }
    capacity_holds(s, &ws).await;
}

/// Awaits all futures at once, in one task (the concurrent requests of one test).
async fn join_all<F: Future + Unpin>(mut futs: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut results: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if results[i].is_none() {
                match std::pin::Pin::new(f).poll(cx) {
                    Poll::Ready(v) => results[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(|r| r.unwrap()).collect()
}

#[tokio::test]
async fn the_endpoint_killed_in_mid_saga_finishes_each_booking_exactly_once() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, email) = c.new_member("Crash").await;

    // 1. killed while a booking waits on the member's authentication
    let pm = s.provider().three_d_secure_card().await;
    let waiting_id = c
        .book(&token, &ws, &in_secs(3600), &in_secs(5400), 1, &pm)
        .await;
    let waiting = c.wait_status(&token, &waiting_id, "awaiting_payment").await;
    // 2. killed right after a booking started, wherever its saga is
    let running_id = c
        .book(
            &token,
            &ws,
            &in_secs(7200),
            &in_secs(9000),
            1,
            "pm_card_visa",
        )
        .await;
    s.control("kill deskflow");
    s.control("start deskflow");

    let secret = waiting["payment"]["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let pi = secret.split("_secret_").next().unwrap().to_string();
    s.provider().authenticate(&secret, true).await;
    let event = json!({"id": format!("evt_{}", uuid::Uuid::new_v4().simple()), "type": "payment_intent.amount_capturable_updated",
                       "data": {"object": {"id": pi, "object": "payment_intent"}}});
    // the webhook may land while the booking is still replaying; the provider retries until 200
    let delivered = eventually(Duration::from_secs(30), || async {
        (s.send_webhook(&event, Some(WEBHOOK_SECRET)).await.0 == 200).then_some(())
    })
    .await;
    assert!(delivered.is_some());
    for id in [&waiting_id, &running_id] {
        let st = c.wait_status(&token, id, "confirmed").await;
        booking_settled(s, id, "confirmed", st["amount_cents"].as_i64().unwrap(), 0).await;
    }
    // exactly one confirmation and one payment email per booking, even after the crash
    tokio::time::sleep(Duration::from_secs(2)).await;
    let subs = subjects(&c, &email).await;
    assert_eq!(
        subs.iter()
            .filter(|s| s.starts_with("Booking confirmed"))
            .count(),
        2,
        "{subs:?}"
    );
    assert_eq!(
        subs.iter()
            .filter(|s| s.starts_with("Payment received"))
            .count(),
        2,
        "{subs:?}"
    );
    reconciled(s, &[waiting_id.clone(), running_id.clone()]).await;
}

#[tokio::test]
async fn the_same_create_twice_with_one_idempotency_key_makes_one_booking() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 3).await;
    let (user, token, _) = c.new_member("Twice").await;
    let body = json!({"workspace_id": ws, "starts_at": in_secs(3600), "ends_at": in_secs(5400), "seats": 1, "payment_method": "pm_card_visa"});
    let key = uuid::Uuid::new_v4().to_string();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = c
            .http
            .post(format!("{}/Bookings/create", s.info.ingress_url))
            .bearer_auth(&token)
            .header("idempotency-key", &key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        ids.push(v["booking_id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids[0], ids[1]);
    c.wait_status(&token, &ids[0], "confirmed").await;
    let rows = s
        .store()
        .await
        .bookings_matching(&deskflow_infra::store::bookings::BookingFilter {
            user_id: Some(user),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
}

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

#[tokio::test]
async fn bad_booking_requests_get_a_4xx_and_write_nothing() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (user, token, _) = c.new_member("Sloppy").await;
    let (_, stranger, _) = c.new_member("Stranger").await;
    let ok = |over: serde_json::Value| {
        let mut b = json!({"workspace_id": ws, "starts_at": in_secs(3600), "ends_at": in_secs(5400), "seats": 1, "payment_method": "pm_card_visa"});
        for (k, v) in over.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases = vec![
        (
            ok(json!({"workspace_id": "no-such-workspace"})),
            404,
            "not found",
        ),
        (
            ok(json!({"ends_at": in_secs(1800)})),
            400,
            "ends before it starts",
        ),
        (
            ok(json!({"starts_at": in_secs(-7200), "ends_at": in_secs(-3600)})),
            400,
            "in the past",
        ),
        (ok(json!({"seats": 0})), 400, "seats"),
        (ok(json!({"seats": 3})), 400, "seats"),
        (ok(json!({"seats": "one"})), 400, "invalid type"),
        (
            ok(json!({"payment_method": null})),
            400,
            "missing field `payment_method`",
        ),
        (ok(json!({"payment_method": " "})), 400, "payment_method"),
        (ok(json!({"starts_at": "tomorrow"})), 400, "RFC 3339"),
        (
            ok(json!({"ends_at": in_secs(3600 + 13 * 3600)})),
            400,
            "seconds",
        ),
    ];
    for (body, code, needle) in cases {
        let r = c.post("Bookings/create", body.clone(), Some(&token)).await;
        assert_eq!(r.status, code, "{body} -> {}", r.body);
        assert!(
            r.message().contains(needle),
            "{body}: {:?} should mention {needle:?}",
            r.message()
        );
    }
    let r = c.post("Bookings/create", ok(json!({})), None).await;
    assert_eq!(r.status, 401);
    let rows = s
        .store()
        .await
        .bookings_matching(&deskflow_infra::store::bookings::BookingFilter {
            user_id: Some(user),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(rows.is_empty(), "refused requests wrote {rows:?}");

    // someone else's booking is not there for a stranger
    let id = c
        .book(
            &token,
            &ws,
            &in_secs(3600),
            &in_secs(5400),
            1,
            "pm_card_visa",
        )
        .await;
    c.wait_status(&token, &id, "confirmed").await;
    for path in [
        format!("Booking/{id}/status"),
        format!("Booking/{id}/cancel"),
        format!("Payment/{id}/status"),
    ] {
        let r = c.post(&path, json!({}), Some(&stranger)).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    let r = c
        .post("Booking/unknown-id/status", json!({}), Some(&token))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        c.status(&token, &id).await["status"],
        "confirmed",
        "a stranger's cancel changed nothing"
    );
}
