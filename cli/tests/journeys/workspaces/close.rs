//! `Workspaces/close` on the real stack: every booking of the workspace that has not ended
//! (one under way, one upcoming, one still waiting on the member's card) is cancelled with a
//! full refund and an email, a booking cancelled earlier is left as it was, the workspace
//! leaves `list` and refuses bookings, and a second close answers the same. With the endpoint
//! killed while the closure's cancels wait on the provider, each booking is still refunded
//! exactly once. Refusals (a member, an unknown id, bad input) write nothing.

use crate::harness::{Client, TestStack, eventually, in_secs, open_workspace, stack};
use crate::invariants::{booking_settled, reconciled};
use serde_json::{Value, json};
use std::time::Duration;

/// How many rows of `kind` the activity record has for the workspace.
async fn activity_of(s: &TestStack, ws: &str, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM activity WHERE workspace_id = $1 AND kind = $2")
        .bind(ws)
        .bind(kind)
        .fetch_one(s.store().await.pool())
        .await
        .unwrap()
}

/// Whether `Workspaces/list` shows the workspace.
async fn listed(c: &Client, token: &str, ws: &str) -> bool {
    let all = c.post("Workspaces/list", json!({}), Some(token)).await.ok();
    all.as_array()
        .unwrap()
        .iter()
        .any(|w| w["workspace_id"] == ws)
}

/// The provider's refunds of a booking's payment.
async fn refunds_of(s: &TestStack, booking: &str) -> Vec<i64> {
    let p = s.store().await.payment(booking).await.unwrap().unwrap();
    let pi = p.provider_ref.expect("a PaymentIntent");
    s.provider().refunds(&pi).await
}

#[tokio::test]
async fn closing_a_workspace_refunds_every_booking_not_ended_and_a_second_close_answers_the_same() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 4).await;
    let (_, ana, ana_mail) = c.new_member("Ana").await;
    let (_, ben, ben_mail) = c.new_member("Ben").await;

    // under way when the workspace closes: one seat-hour, 3600
    let under_way = c.book_hour(&ana, &ws, 5).await;
    // upcoming: two seats for two hours, 14400
    let upcoming = c
        .book(
            &ben,
            &ws,
            &in_secs(2 * 86_400),
            &in_secs(2 * 86_400 + 7200),
            2,
            "pm_card_visa",
        )
        .await;
    // waiting on the member's card: nothing charged yet
    let card = s.provider().three_d_secure_card().await;
    let waiting = c
        .book(&ana, &ws, &in_secs(86_400), &in_secs(90_000), 1, &card)
        .await;
    // cancelled by its member before: left as it was (half refunded, within a day of its start)
    let earlier = c.book_hour(&ben, &ws, 7200).await;
    for (token, id) in [(&ana, &under_way), (&ben, &upcoming), (&ben, &earlier)] {
        c.wait_status(token, id, "confirmed").await;
    }
    c.wait_status(&ana, &waiting, "awaiting_payment").await;
    let r = c
        .post(&format!("Booking/{earlier}/cancel"), json!({}), Some(&ben))
        .await
        .ok();
    assert_eq!(r["refund_cents"], 1800, "{r}");
    eventually(Duration::from_secs(20), || async {
        let started = c.status(&ana, &under_way).await["starts_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| t < chrono::Utc::now());
        started.then_some(())
    })
    .await
    .expect("the first booking started");

    // refusals write nothing
    let close = |body: Value, token: &str| {
        let (c, token) = (c.clone(), token.to_string());
        async move { c.post("Workspaces/close", body, Some(&token)).await }
    };
    let r = close(json!({"workspace_id": ws, "reason": "mine now"}), &ana).await;
    assert_eq!(r.status, 403, "a member closes: {}", r.body);
    let r = close(json!({"workspace_id": "no-such-workspace"}), &admin).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = close(json!({"reason": "no id"}), &admin).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.message().contains("workspace_id"), "{}", r.body);
    let r = close(json!({"workspace_id": ws, "why": "typo"}), &admin).await;
    assert_eq!(r.status, 400, "an unknown field: {}", r.body);
    let r = close(
        json!({"workspace_id": ws, "reason": "x".repeat(5000)}),
        &admin,
    )
    .await;
    assert_eq!(r.status, 400, "a reason too long: {}", r.body);
    assert!(r.message().contains("reason"), "{}", r.body);
    let r = c
        .post("Workspaces/close", json!({"workspace_id": ws}), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(listed(&c, &ana, &ws).await, "a refused close closed it");
    c.wait_status(&ana, &under_way, "confirmed").await;

    // the closure
    let closed = close(
        json!({"workspace_id": ws, "reason": "Water damage"}),
        &admin,
    )
    .await
    .ok();
    assert_eq!(
        closed,
        json!({"workspace_id": ws, "cancelled_bookings": 3, "refunded_cents": 3600 + 14_400}),
        "three bookings had not ended; the cancelled one is not counted again"
    );
    booking_settled(s, &under_way, "cancelled", 3600, 3600).await;
    booking_settled(s, &upcoming, "cancelled", 14_400, 14_400).await;
    booking_settled(s, &waiting, "cancelled", 0, 0).await;
    booking_settled(s, &earlier, "cancelled", 3600, 1800).await;
    for id in [&under_way, &upcoming, &earlier] {
        assert_eq!(refunds_of(s, id).await.len(), 1, "booking {id}: one refund");
    }
    let st = c.status(&ben, &upcoming).await;
    assert_eq!(st["reason"], "Water damage", "{st}");

    // each member is told, with the reason and the refund
    let ana_texts = c.wait_texts(&ana_mail, "Booking cancelled", 2).await;
    assert!(
        ana_texts.iter().all(|t| t.contains("Water damage")),
        "{ana_texts:?}"
    );
    assert!(
        ana_texts.iter().any(|t| t.contains("We refunded 36.00")),
        "{ana_texts:?}"
    );
    let ben_texts = c.wait_texts(&ben_mail, "Booking cancelled", 2).await;
    assert!(
        ben_texts
            .iter()
            .any(|t| t.contains("Water damage") && t.contains("We refunded 144.00")),
        "{ben_texts:?}"
    );

    // closed for good: not listed, no booking, get says so
    assert!(!listed(&c, &ana, &ws).await, "a closed workspace is listed");
    let got = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&ana))
        .await
        .ok();
    assert_eq!(got["status"], "closed", "{got}");
    let r = c
        .post(
            "Bookings/create",
            json!({"workspace_id": ws, "starts_at": in_secs(3 * 86_400), "ends_at": in_secs(3 * 86_400 + 3600),
                   "seats": 1, "payment_method": "pm_card_visa"}),
            Some(&ana),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.message().contains("closed"), "{}", r.body);

    // a second close answers the first one's result and cancels nothing more
    let again = close(json!({"workspace_id": ws, "reason": "again"}), &admin)
        .await
        .ok();
    assert_eq!(again, closed);
    eventually(Duration::from_secs(30), || async {
        (activity_of(s, &ws, "workspace_closed").await == 1).then_some(())
    })
    .await
    .expect("the closure is recorded once");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let subs = c.subjects(&ana_mail).await;
    assert_eq!(
        subs.iter()
            .filter(|s| s.starts_with("Booking cancelled"))
            .count(),
        2,
        "{subs:?}"
    );
    reconciled(s, &[under_way, upcoming, waiting, earlier]).await;
}

#[tokio::test]
async fn the_endpoint_killed_in_mid_close_refunds_each_booking_exactly_once() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 20).await;
    let mut booked = Vec::new();
    for i in 0..3 {
        let (_, token, email) = c.new_member(&format!("Kim{i}")).await;
        for j in 0..4 {
            let at = 86_400 + (i * 4 + j) * 3600;
            let id = c.book_hour(&token, &ws, at).await;
            booked.push((token.clone(), email.clone(), id));
        }
    }
    for (token, _, id) in &booked {
        c.wait_status(token, id, "confirmed").await;
    }

    // with the provider away, the closure's cancels wait on their refunds
    let outage = s.outage("localstripe");
    let closing = {
        let (c, admin, ws) = (c.clone(), admin.clone(), ws.clone());
        tokio::spawn(async move {
            c.post(
                "Workspaces/close",
                json!({"workspace_id": ws, "reason": "Lease ended"}),
                Some(&admin),
            )
            .await
        })
    };
    let in_flight = eventually(Duration::from_secs(30), || async {
        for (_, _, id) in &booked {
            if !s
                .open_invocations(&format!("Booking/{id}/admin_cancel"))
                .await
                .is_empty()
            {
                return Some(());
            }
        }
        None
    })
    .await;
    assert!(in_flight.is_some(), "no cancel of the closure started");
    s.control("kill deskflow");
    s.control("start deskflow");
    outage.end();

    let r = tokio::time::timeout(Duration::from_secs(180), closing)
        .await
        .expect("the close answered within 180 s")
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"workspace_id": ws, "cancelled_bookings": 12, "refunded_cents": 12 * 3600})
    );
    for (_, _, id) in &booked {
        booking_settled(s, id, "cancelled", 3600, 3600).await;
        assert_eq!(refunds_of(s, id).await, vec![3600], "booking {id}");
    }
    for (_, email, _) in booked.iter().step_by(4) {
        c.wait_texts(email, "Booking cancelled", 4).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (_, email, _) in booked.iter().step_by(4) {
        let subs = c.subjects(email).await;
        assert_eq!(
            subs.iter()
                .filter(|s| s.starts_with("Booking cancelled"))
                .count(),
            4,
            "{email}: one cancellation mail per booking: {subs:?}"
        );
    }
    let ids: Vec<String> = booked.into_iter().map(|(_, _, id)| id).collect();
    reconciled(s, &ids).await;
}
