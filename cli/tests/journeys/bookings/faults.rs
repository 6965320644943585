//! Faults in mid-saga: provider outages shorter and longer than the retry budget, a payment
//! call killed and a booking cancelled by an operator through the `restate` CLI, and the
//! endpoint killed while bookings are under way.

use super::wait_subject;
use crate::harness::{
    WEBHOOK_SECRET, eventually, in_secs, open_workspace, payment_intent_of, stack,
};
use crate::invariants::{booking_settled, reconciled};
use serde_json::json;
use std::time::Duration;

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
async fn an_operator_cancel_through_the_restate_cli_compensates() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, email) = c.new_member("Operated").await;
    // a booking whose run waits on the member's authentication (3-D Secure): the invocation an
    // operator can cancel (a confirmed booking has none left: `--force` cancels it as an admin)
    let pm = s.provider().three_d_secure_card().await;
    let (start, end) = (in_secs(3 * 86400), in_secs(3 * 86400 + 600));
    let id = c.book(&token, &ws, &start, &end, 1, &pm).await;
    let waiting = c.wait_status(&token, &id, "awaiting_payment").await;
    let pi = payment_intent_of(waiting["payment"]["client_secret"].as_str().unwrap()).to_string();
    let run = format!("Booking/{id}/run");
    s.restate_cli(&["invocations", "cancel", &run]);
    let done = c.wait_status(&token, &id, "final").await;
    assert_eq!(
        (done["status"].as_str(), done["reason"].as_str()),
        (Some("cancelled"), Some("cancelled by an operator")),
        "{done}"
    );
    wait_subject(&c, &email, "Booking cancelled").await;
    // the authorization the member never completed is cancelled at the provider, not left open
    assert_eq!(s.provider().money(&pi).await.status, "canceled");
    booking_settled(s, &id, "cancelled", 0, 0).await;
    reconciled(s, std::slice::from_ref(&id)).await;
    // the seat is free again
    let (_, other, _) = c.new_member("Next").await;
    let id2 = c.book(&other, &ws, &start, &end, 1, "pm_card_visa").await;
    c.wait_status(&other, &id2, "confirmed").await;
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
    let subs = c.subjects(&email).await;
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

/// restate-server, then the endpoint, killed while bookings are being authorized: a step
/// retried after the provider answered its first attempt takes that attempt's PaymentIntent, so
/// the reconciliation finds no PaymentIntent of these bookings open that no payment names.
#[tokio::test]
async fn processes_killed_in_mid_authorize_leave_no_payment_intent_unnamed() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 20).await;
    let (_, token, _) = c.new_member("Twice").await;
    let mut ids = Vec::new();
    for (round, process) in ["restate", "deskflow"].into_iter().enumerate() {
        let books: Vec<_> = (0..4)
            .map(|i| {
                let (c, token, ws) = (c.clone(), token.clone(), ws.clone());
                let from = 3600 * (1 + 8 * round as i64 + 2 * i);
                tokio::spawn(async move {
                    c.book(
                        &token,
                        &ws,
                        &in_secs(from),
                        &in_secs(from + 1800),
                        1,
                        "pm_card_visa",
                    )
                    .await
                })
            })
            .collect();
        for b in books {
            ids.push(b.await.unwrap());
        }
        s.control(&format!("kill {process}"));
        s.control(&format!("start {process}"));
        let first = ids[0].clone();
        let back = eventually(Duration::from_secs(60), || async {
            let r = c
                .try_post(&format!("Booking/{first}/status"), json!({}), Some(&token))
                .await?;
            (r.status == 200).then_some(())
        })
        .await;
        assert!(
            back.is_some(),
            "the stack answers again after {process} was killed"
        );
    }
    for id in &ids {
        let st = eventually(Duration::from_secs(120), || async {
            let r = c
                .try_post(&format!("Booking/{id}/status"), json!({}), Some(&token))
                .await?;
            (r.status == 200 && r.body["status"] == "confirmed").then_some(r.body)
        })
        .await
        .unwrap_or_else(|| panic!("{id} was not confirmed after the kills"));
        booking_settled(s, id, "confirmed", st["amount_cents"].as_i64().unwrap(), 0).await;
    }
    reconciled(s, &ids).await;
}
