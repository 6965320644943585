//! A booking's answers outlive its workflow. Restate forgets a finished `Booking` workflow's
//! state and promises after its completion retention; purging the finished run does the same at
//! once, which is how these journeys get there. The record answers from then on, as the
//! workflow did: `status` and `wait` as the booking ended; `cancel` and `Admin/cancel_booking`
//! as the cancel that ended it (its answer is kept an hour) or 409; `reschedule` 409; and
//! `Bookings/create` with the member's same key the same booking, with no second run, no
//! changed row or money and no "Booking rejected" email. A confirmed booking whose workflow
//! Restate forgot is moved and cancelled by its `ConfirmedBooking` object.

use crate::harness::{Client, TestStack, day_slot, eventually, in_secs, open_workspace, stack};
use crate::invariants::booking_settled;
use serde_json::{Value, json};
use std::time::Duration;

/// The JSON value restate-server keeps under `key` in the state of `service`'s `id`.
async fn state_value(s: &TestStack, service: &str, id: &str, key: &str) -> Option<Value> {
    let rows = s
        .restate_sql(&format!(
            "SELECT value_utf8 FROM state WHERE service_name = '{service}' AND service_key = '{id}' AND key = '{key}'"
        ))
        .await;
    rows.first()
        .and_then(|r| r["value_utf8"].as_str())
        .map(|v| serde_json::from_str(v).unwrap())
}

/// The workflow's own view of the booking (its `view` state), while Restate keeps it.
async fn kept_view(s: &TestStack, id: &str) -> Option<Value> {
    state_value(s, "Booking", id, "view").await
}

/// The view of the booking its `ConfirmedBooking` object keeps (in its snapshot), while the
/// booking is confirmed.
async fn object_view(s: &TestStack, id: &str) -> Option<Value> {
    state_value(s, "ConfirmedBooking", id, "snapshot")
        .await
        .map(|snapshot| snapshot["view"].clone())
}

/// The ids of the booking's `run` invocations Restate knows.
async fn runs(s: &TestStack, id: &str) -> Vec<String> {
    s.restate_sql(&format!(
        "SELECT id FROM sys_invocation WHERE target = 'Booking/{id}/run'"
    ))
    .await
    .iter()
    .map(|r| r["id"].as_str().unwrap().to_string())
    .collect()
}

/// Purges the booking's finished `run`, as its completion retention would: its state and
/// promises are gone afterwards.
async fn purge_run(s: &TestStack, id: &str) {
    let run = eventually(Duration::from_secs(30), || async {
        let rows = s
            .restate_sql(&format!(
                "SELECT id FROM sys_invocation WHERE target = 'Booking/{id}/run' AND status = 'completed'"
            ))
            .await;
        rows.first()
            .and_then(|r| r["id"].as_str())
            .map(str::to_string)
    })
    .await
    .unwrap_or_else(|| panic!("the run of {id} did not complete"));
    let r = reqwest::Client::new()
        .patch(format!("{}/invocations/{run}/purge", s.info.admin_url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "purge {run}: {}", r.status());
    let gone = eventually(Duration::from_secs(30), || async {
        (kept_view(s, id).await.is_none() && runs(s, id).await.is_empty()).then_some(())
    })
    .await;
    assert!(gone.is_some(), "the purged run of {id} left its state");
}

/// `Bookings/create` with `key`; the reply.
async fn create_with_key(c: &Client, token: &str, key: &str, body: &Value) -> Value {
    let r = c
        .http
        .post(format!("{}/Bookings/create", c.ingress))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "create with key {key}");
    r.json().await.unwrap()
}

/// What a member and an admin are answered about a booking Restate forgot: as it ended. A
/// cancel of a booking a cancel ended within the hour answers as that cancel did
/// (`cancelled`), of any other 409.
async fn answers_as_it_ended(
    c: &Client,
    token: &str,
    admin: &str,
    id: &str,
    ended: &Value,
    cancelled: Option<&Value>,
) {
    let status = ended["status"].as_str().unwrap();
    assert_eq!(&c.status(token, id).await, ended, "status after the purge");
    let waited = c
        .post(&format!("Booking/{id}/wait"), json!({}), Some(token))
        .await
        .ok();
    assert_eq!(&waited, ended, "wait after the purge");
    let refused = format!("the booking is {status}: it can no longer be cancelled");
    let member = c
        .post(&format!("Booking/{id}/cancel"), json!({}), Some(token))
        .await;
    let by_admin = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": id, "reason": "late"}),
            Some(admin),
        )
        .await;
    for (who, r) in [("member's cancel", member), ("admin's cancel", by_admin)] {
        match cancelled {
            Some(answer) => assert_eq!(&r.ok(), answer, "{who}"),
            None => assert_eq!((r.status, r.message()), (409, refused.clone()), "{who}"),
        }
    }
    let (s2, e2) = day_slot(20, 10 * 3600, 3600);
    let r = c
        .post(
            &format!("Booking/{id}/reschedule"),
            json!({"starts_at": s2, "ends_at": e2}),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 409, "reschedule: {}", r.message());
    // somebody else still learns nothing of it
    let (_, stranger, _) = c.new_member("Stranger").await;
    let r = c
        .post(&format!("Booking/{id}/status"), json!({}), Some(&stranger))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_booking_restate_forgot_answers_as_it_ended_and_its_key_starts_no_second_run() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Rhea").await;

    // a booking that ran its course: a slot of seconds, starting in seconds
    let short = json!({"workspace_id": ws, "starts_at": in_secs(6), "ends_at": in_secs(9), "seats": 1, "payment_method": "pm_card_visa"});
    let short_key = format!("receipt-{}", uuid::Uuid::new_v4().simple());
    let done = create_with_key(&c, &token, &short_key, &short).await["booking_id"]
        .as_str()
        .unwrap()
        .to_string();
    // a booking eleven days ahead, cancelled by its member: everything back
    let (s1, e1) = day_slot(11, 10 * 3600, 3600);
    let ahead = json!({"workspace_id": ws, "starts_at": s1, "ends_at": e1, "seats": 1, "payment_method": "pm_card_visa"});
    let ahead_key = format!("receipt-{}", uuid::Uuid::new_v4().simple());
    let cancelled = create_with_key(&c, &token, &ahead_key, &ahead).await["booking_id"]
        .as_str()
        .unwrap()
        .to_string();
    let amount = c.wait_status(&token, &cancelled, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    let r = c
        .post(
            &format!("Booking/{cancelled}/cancel"),
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(r, json!({"status": "cancelled", "refund_cents": amount}));
    let paid = c.wait_status(&token, &done, "completed").await["amount_cents"]
        .as_i64()
        .unwrap();
    let refunds_before = {
        let p = s
            .store()
            .await
            .payments_of_booking(&cancelled)
            .await
            .unwrap();
        s.provider()
            .refunds(p[0].provider_ref.as_deref().unwrap())
            .await
    };
    assert_eq!(refunds_before, vec![amount]);
    let mails_before = c.subjects(&mail).await;

    for (id, key, body, ended, answer) in [
        (&done, &short_key, &short, "completed", None),
        (&cancelled, &ahead_key, &ahead, "cancelled", Some(&r)),
    ] {
        let before = c.status(&token, id).await;
        assert_eq!(before["status"], ended);
        // handed on at its confirmation, the workflow keeps no view of the booking
        assert_eq!(kept_view(s, id).await, None);
        purge_run(s, id).await;
        answers_as_it_ended(&c, &token, &admin, id, &before, answer).await;

        // the member's same key again: the same booking as it stands, and no run starts
        // (Restate drops a finished call's key within seconds here: until then it answers the
        // first call's reply, `pending`)
        let again = eventually(Duration::from_secs(30), || async {
            let r = create_with_key(&c, &token, key, body).await;
            (r["status"] != "pending").then_some(r)
        })
        .await
        .expect("the key is answered from the record");
        assert_eq!(again, json!({"booking_id": id, "status": ended}));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(runs(s, id).await.is_empty(), "a second run of {id} started");
        assert_eq!(&c.status(&token, id).await, &before);
    }

    // rows, money and mailbox as they were
    booking_settled(s, &done, "completed", paid, 0).await;
    booking_settled(s, &cancelled, "cancelled", amount, amount).await;
    let p = s
        .store()
        .await
        .payments_of_booking(&cancelled)
        .await
        .unwrap();
    assert_eq!(
        s.provider()
            .refunds(p[0].provider_ref.as_deref().unwrap())
            .await,
        refunds_before
    );
    let mails = c.subjects(&mail).await;
    assert_eq!(mails, mails_before, "nothing more was sent");
    assert!(!mails.iter().any(|m| m.starts_with("Booking rejected")));
}

#[tokio::test]
async fn a_confirmed_booking_restate_forgot_the_workflow_of_is_moved_and_cancelled_all_the_same() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Vera").await;
    // confirmed weeks ahead: its workflow's completion retention (7 days) passes long before
    // the slot; purging the finished run gets there at once
    let (s1, e1) = day_slot(30, 10 * 3600, 3600);
    let id = c.book(&token, &ws, &s1, &e1, 1, "pm_card_visa").await;
    let amount = c.wait_status(&token, &id, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    purge_run(s, &id).await;
    assert_eq!(c.status(&token, &id).await["status"], "confirmed");

    // moved: one more hour, charged; then cancelled by its member, everything back
    let (s2, e2) = day_slot(30, 10 * 3600, 7200);
    let up = c
        .post(
            &format!("Booking/{id}/reschedule"),
            json!({"starts_at": s2, "ends_at": e2}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(
        (up["status"].clone(), up["charged_cents"].clone()),
        (json!("confirmed"), json!(amount)),
        "{up}"
    );
    let r = c
        .post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": 2 * amount})
    );
    booking_settled(s, &id, "cancelled", 2 * amount, 2 * amount).await;
    super::wait_subject(&c, &mail, "Booking cancelled").await;
    assert!(runs(s, &id).await.is_empty(), "a run of {id} started again");

    // an admin's cancel of another one, the same way
    let (s3, e3) = day_slot(31, 10 * 3600, 3600);
    let other = c.book(&token, &ws, &s3, &e3, 1, "pm_card_visa").await;
    let other_amount = c.wait_status(&token, &other, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    purge_run(s, &other).await;
    let r = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": other, "reason": "renovation"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": other_amount})
    );
    booking_settled(s, &other, "cancelled", other_amount, other_amount).await;
    crate::invariants::reconciled(s, &[id, other]).await;
}

#[tokio::test]
async fn the_record_answers_as_the_workflow_did_in_every_final_state_and_confirmed() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 1).await;
    let (_, token, _) = c.new_member("Iris").await;
    let (_, other, _) = c.new_member("Otto").await;

    // confirmed (then, for the others, its seat is taken: a second booking is rejected)
    let (s1, e1) = day_slot(12, 10 * 3600, 3600);
    let confirmed = c.book(&token, &ws, &s1, &e1, 1, "pm_card_visa").await;
    c.wait_status(&token, &confirmed, "confirmed").await;
    let rejected = c.book(&other, &ws, &s1, &e1, 1, "pm_card_visa").await;
    // cancelled by an admin, failed (a declined card), expired (3-D Secure never done), completed
    let (s2, e2) = day_slot(13, 10 * 3600, 3600);
    let by_admin = c.book(&token, &ws, &s2, &e2, 1, "pm_card_visa").await;
    c.wait_status(&token, &by_admin, "confirmed").await;
    c.post(
        "Admin/cancel_booking",
        json!({"booking_id": by_admin, "reason": "maintenance"}),
        Some(&admin),
    )
    .await
    .ok();
    let (s3, e3) = day_slot(14, 10 * 3600, 3600);
    let failed = c
        .book(&token, &ws, &s3, &e3, 1, "pm_card_visa_chargeDeclined")
        .await;
    let card = s.provider().three_d_secure_card().await;
    let (s4, e4) = day_slot(15, 10 * 3600, 3600);
    let expired = c.book(&token, &ws, &s4, &e4, 1, &card).await;
    let completed = c
        .book(&token, &ws, &in_secs(5), &in_secs(8), 1, "pm_card_visa")
        .await;

    // never confirmed: the workflow's own view, kept as it ended
    for id in [&rejected, &failed, &expired] {
        let who = if id == &rejected { &other } else { &token };
        let answered = c.wait_status(who, id, "final").await;
        let kept = kept_view(s, id).await.expect("Restate keeps the view");
        assert_eq!(answered, kept, "record and workflow disagree on {id}");
    }
    // confirmed: the view its `ConfirmedBooking` object keeps
    let answered = c.status(&token, &confirmed).await;
    let kept = object_view(s, &confirmed)
        .await
        .expect("the object keeps the booking");
    assert_eq!(answered, kept, "record and object disagree on {confirmed}");
    // ended after their confirmation: the record alone, as the flow ended them
    let mut statuses = Vec::new();
    for id in [&rejected, &by_admin, &failed, &expired, &completed] {
        let who = if id == &rejected { &other } else { &token };
        statuses.push(c.wait_status(who, id, "final").await["status"].clone());
    }
    assert_eq!(
        statuses,
        [
            json!("rejected"),
            json!("cancelled"),
            json!("failed"),
            json!("expired"),
            json!("completed")
        ]
    );
    assert_eq!(
        c.status(&token, &by_admin).await["reason"],
        json!("maintenance")
    );
    for id in [&by_admin, &completed] {
        assert_eq!(
            kept_view(s, id).await,
            None,
            "{id}: a view outlived the hand-on"
        );
        assert_eq!(
            object_view(s, id).await,
            None,
            "{id}: the object keeps an ended booking"
        );
    }
}
