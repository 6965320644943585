//! How the booking API treats its requests: twenty racing for the last seat, the same create
//! sent twice with one idempotency key, and malformed or foreign ones refused.

use crate::harness::{in_secs, open_workspace, stack};
use crate::invariants::{booking_settled, capacity_holds};
use serde_json::json;

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

    // the shared input rules (`domain::limits`) answer in the same words wherever they are met
    let payment_method =
        "payment_method must name a payment method, e.g. pm_card_visa (at most 200 characters)";
    let exact = vec![
        (
            "Bookings/create".to_string(),
            ok(json!({"payment_method": " "})),
            payment_method,
        ),
        (
            "Bookings/create".to_string(),
            ok(json!({"payment_method": "p".repeat(201)})),
            payment_method,
        ),
        (
            "Bookings/create".to_string(),
            ok(json!({"workspace_id": "w".repeat(101)})),
            "workspace_id is too long: at most 100 characters",
        ),
        (
            format!("Booking/{id}/reschedule"),
            json!({"starts_at": in_secs(7200), "ends_at": in_secs(9000), "payment_method": "  "}),
            payment_method,
        ),
        (
            format!("Booking/{id}/cancel"),
            json!({"reason": "r".repeat(501)}),
            "reason is too long: at most 500 characters",
        ),
    ];
    for (path, body, message) in exact {
        let r = c.post(&path, body.clone(), Some(&token)).await;
        assert_eq!(
            (r.status, r.message()),
            (400, message.to_string()),
            "{path} {body}"
        );
    }
    assert_eq!(c.status(&token, &id).await["status"], "confirmed");

    // a cancel's reason is trimmed before it is counted and kept (as every reason is)
    let padded = format!("  {}  ", "r".repeat(500));
    let r = c
        .post(
            &format!("Booking/{id}/cancel"),
            json!({"reason": padded}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(r["status"], "cancelled", "{r}");
    let row = s.store().await.booking(&id).await.unwrap().unwrap();
    assert_eq!(row.reason, Some("r".repeat(500)));
}
