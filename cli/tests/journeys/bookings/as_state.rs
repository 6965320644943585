//! Bookings confirmed as state (the default shape, `DESKFLOW_CONFIRMED_AS_STATE`): the
//! saga's `run` ends at the confirmation and the booking lives on in its `ConfirmedBooking`
//! object, with nothing in flight at restate-server while it waits but its delayed calls. The
//! reminder and the completion come as those calls; a member's, an admin's, an operator's, a
//! closure's and a deletion's cancel settle every payment as before; a cancel racing the
//! confirmation takes effect; a timer of a booking that ended does nothing.

use super::wait_subject;
use crate::harness::{
    Client, Outage, TestStack, day_slot, eventually, in_secs, open_workspace, stack,
};
use crate::invariants::{booking_settled, reconciled};
use crate::surface::{cli, json_of, sessions};
use serde_json::{Value, json};
use std::time::Duration;

/// Statuses of the invocations restate-server holds for the booking `id`, by target.
pub(super) async fn invocations_of(s: &TestStack, id: &str) -> Vec<(String, String)> {
    s.restate_sql(&format!(
        "SELECT target, status FROM sys_invocation WHERE target_service_key = '{id}'"
    ))
    .await
    .iter()
    .map(|r| {
        let f = |k: &str| r[k].as_str().unwrap_or_default().to_string();
        (f("target"), f("status"))
    })
    .collect()
}

/// The state the booking's `ConfirmedBooking` object keeps (its keys).
pub(super) async fn object_state(s: &TestStack, id: &str) -> Vec<String> {
    s.restate_sql(&format!(
        "SELECT key FROM state WHERE service_name = 'ConfirmedBooking' AND service_key = '{id}'"
    ))
    .await
    .iter()
    .map(|r| r["key"].as_str().unwrap_or_default().to_string())
    .collect()
}

/// The object of the final booking `id` keeps no state (within seconds).
async fn object_cleared(s: &TestStack, id: &str) {
    let cleared = eventually(Duration::from_secs(10), || async {
        object_state(s, id).await.is_empty().then_some(())
    })
    .await;
    assert!(
        cleared.is_some(),
        "the object keeps no state once the booking is final"
    );
}

/// A booking of one seat in `[starts, ends)`, once confirmed: its id and amount.
pub(super) async fn confirmed(
    c: &Client,
    token: &str,
    ws: &str,
    starts: &str,
    ends: &str,
) -> (String, i64) {
    let id = c.book(token, ws, starts, ends, 1, "pm_card_visa").await;
    let amount = c.wait_status(token, &id, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    (id, amount)
}

#[tokio::test]
async fn a_booking_confirmed_as_state_waits_with_nothing_in_flight_and_is_reminded_and_completed() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Stella").await;
    // the reminder is due 3 s before the start
    let (id, amount) = confirmed(&c, &token, &ws, &in_secs(10), &in_secs(13)).await;

    // run has ended at the confirmation; the object's reminder and completion are scheduled
    let waiting = eventually(Duration::from_secs(8), || async {
        let all = invocations_of(s, &id).await;
        let run_done = all
            .iter()
            .any(|(t, st)| t.ends_with("/run") && st == "completed");
        let pending: Vec<_> = all.iter().filter(|(_, st)| st != "completed").collect();
        (run_done && !pending.is_empty()).then(|| all.clone())
    })
    .await
    .expect("run completes at the confirmation");
    for (target, status) in &waiting {
        assert!(
            status == "completed" || status == "scheduled",
            "{target} is {status} while the booking waits: {waiting:?}"
        );
    }
    assert_eq!(object_state(s, &id).await, ["snapshot"]);
    assert_eq!(c.status(&token, &id).await["status"], "confirmed");

    wait_subject(&c, &mail, "Reminder").await;
    c.wait_status(&token, &id, "completed").await;
    booking_settled(s, &id, "completed", amount, 0).await;
    object_cleared(s, &id).await;
    let reminders = c
        .subjects(&mail)
        .await
        .into_iter()
        .filter(|m| m.starts_with("Reminder"))
        .count();
    assert_eq!(reminders, 1);

    // later calls answer from the record; a reschedule of a final booking is refused
    let r = c
        .post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
        .await;
    assert_eq!(
        (r.status, r.message()),
        (
            409,
            "the booking is completed: it can no longer be cancelled".to_string()
        )
    );
}

#[tokio::test]
async fn every_cancel_of_a_booking_confirmed_as_state_settles_as_before() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Carl").await;

    // the member, days ahead: everything back; a second cancel answers the same
    let (s1, e1) = day_slot(11, 10 * 3600, 3600);
    let (early, amount) = confirmed(&c, &token, &ws, &s1, &e1).await;
    let path = format!("Booking/{early}/cancel");
    let r = c.post(&path, json!({}), Some(&token)).await.ok();
    assert_eq!(r, json!({"status": "cancelled", "refund_cents": amount}));
    assert_eq!(c.post(&path, json!({}), Some(&token)).await.ok(), r);
    booking_settled(s, &early, "cancelled", amount, amount).await;
    wait_subject(&c, &mail, "Booking cancelled").await;

    // the member, within a day of the start: half back
    let (late, late_amount) = confirmed(&c, &token, &ws, &in_secs(7200), &in_secs(10800)).await;
    let r = c
        .post(&format!("Booking/{late}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": late_amount / 2})
    );
    booking_settled(s, &late, "cancelled", late_amount, late_amount / 2).await;

    // an admin: everything back, whenever
    let (by_admin, admin_amount) = confirmed(&c, &token, &ws, &in_secs(7200), &in_secs(9000)).await;
    let r = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": by_admin, "reason": "the room floods"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": admin_amount})
    );
    booking_settled(s, &by_admin, "cancelled", admin_amount, admin_amount).await;
    assert_eq!(
        c.status(&token, &by_admin).await["reason"],
        "the room floods"
    );

    // an operator: no invocation left to cancel, so `--force` goes through the admin path
    let dir = tempfile::tempdir().unwrap();
    let (admin_session, _) = sessions(s, &dir, "Olga");
    let (s2, e2) = day_slot(12, 10 * 3600, 3600);
    let (forced, forced_amount) = confirmed(&c, &token, &ws, &s2, &e2).await;
    let out = json_of(cli(
        s,
        &admin_session,
        &["--json", "bookings", "cancel", &forced, "--force"],
    ));
    assert_eq!(
        (
            out["cancelled"].clone(),
            out["status"].clone(),
            out["refund_cents"].clone()
        ),
        (json!(true), json!("cancelled"), json!(forced_amount)),
        "{out}"
    );
    booking_settled(s, &forced, "cancelled", forced_amount, forced_amount).await;
    assert_eq!(
        c.status(&token, &forced).await["reason"],
        "cancelled by an operator"
    );

    // a cancel before the reminder is due: the reminder's timer finds nothing to do
    let (soon, soon_amount) = confirmed(&c, &token, &ws, &in_secs(8), &in_secs(11)).await;
    let r = c
        .post(&format!("Booking/{soon}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(r["status"], "cancelled");
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert!(
        !c.subjects(&mail)
            .await
            .iter()
            .any(|m| m.starts_with("Reminder")),
        "a cancelled booking was reminded"
    );
    assert_eq!(c.status(&token, &soon).await["status"], "cancelled");
    let kept = r["refund_cents"].as_i64().unwrap();
    booking_settled(s, &soon, "cancelled", soon_amount, kept).await;
    for id in [&early, &late, &by_admin, &forced, &soon] {
        let state = object_state(s, id).await;
        assert!(
            state.iter().all(|k| k == "cancelled"),
            "{id} keeps {state:?}"
        );
    }
    reconciled(s, &[early, late, by_admin, forced, soon]).await;
}

#[tokio::test]
async fn a_closure_and_a_deletion_cancel_bookings_confirmed_as_state() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, ann, _) = c.new_member("Ann").await;
    let (_, bob, bob_mail) = c.new_member("Bob").await;
    let (s1, e1) = day_slot(13, 10 * 3600, 3600);
    let (one, a1) = confirmed(&c, &ann, &ws, &s1, &e1).await;
    let (two, a2) = confirmed(&c, &bob, &ws, &s1, &e1).await;
    let r = c
        .post(
            "Workspaces/close",
            json!({"workspace_id": ws, "reason": "renovation"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        (r["cancelled_bookings"].clone(), r["refunded_cents"].clone()),
        (json!(2), json!(a1 + a2)),
        "{r}"
    );
    booking_settled(s, &one, "cancelled", a1, a1).await;
    booking_settled(s, &two, "cancelled", a2, a2).await;

    let ws2 = open_workspace(&c, &admin, 5).await;
    let (s2, e2) = day_slot(14, 10 * 3600, 3600);
    let (three, a3) = confirmed(&c, &bob, &ws2, &s2, &e2).await;
    let r = c
        .post(
            "Users/delete",
            json!({"password": "password-123"}),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(
        (r["cancelled_bookings"].clone(), r["refunded_cents"].clone()),
        (json!(1), json!(a3)),
        "{r}"
    );
    booking_settled(s, &three, "cancelled", a3, a3).await;
    c.wait_texts(&bob_mail, "Your deskflow account was deleted", 1)
        .await;
    reconciled(s, &[one, two, three]).await;
}

#[tokio::test]
async fn a_cancel_racing_the_confirmation_takes_effect() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 20).await;
    let (_, token, _) = c.new_member("Rita").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let (starts, ends) = day_slot(15, 10 * 3600 + i * 60, 3600);
        let id = c.book(&token, &ws, &starts, &ends, 1, "pm_card_visa").await;
        // at a different moment of the saga each time
        tokio::time::sleep(Duration::from_millis(40 * i as u64)).await;
        let r = c
            .post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "cancelled");
        ids.push(id);
    }
    for id in &ids {
        let v: Value = c.wait_status(&token, id, "final").await;
        assert_eq!(v["status"], "cancelled", "{v}");
        let p = &v["payment"];
        // fifteen days ahead: a cancel before or after the confirmation keeps nothing
        assert_eq!(p["captured_cents"], p["refunded_cents"], "{v}");
        let captured = p["captured_cents"].as_i64().unwrap();
        booking_settled(s, id, "cancelled", captured, captured).await;
    }
    reconciled(s, &ids).await;
}

/// `Booking/{id}/reschedule` of `id` to `[starts, ends)`.
pub(super) async fn reschedule(
    c: &Client,
    token: &str,
    id: &str,
    starts: &str,
    ends: &str,
) -> crate::harness::Reply {
    c.post(
        &format!("Booking/{id}/reschedule"),
        json!({"starts_at": starts, "ends_at": ends}),
        Some(token),
    )
    .await
}

#[tokio::test]
async fn a_booking_confirmed_as_state_moves_up_and_down_and_its_timers_follow_it() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Mona").await;
    let (s1, e1) = day_slot(11, 10 * 3600, 3600);
    let (id, amount) = confirmed(&c, &token, &ws, &s1, &e1).await;

    // up: one more hour, charged as a payment of its own
    let (s2, e2) = day_slot(11, 10 * 3600, 7200);
    let up = reschedule(&c, &token, &id, &s2, &e2).await.ok();
    assert_eq!(
        (
            up["status"].clone(),
            up["amount_cents"].clone(),
            up["charged_cents"].clone(),
            up["refunded_cents"].clone()
        ),
        (
            json!("confirmed"),
            json!(2 * amount),
            json!(amount),
            json!(0)
        ),
        "{up}"
    );
    let v = c.status(&token, &id).await;
    assert_eq!(
        (v["starts_at"].clone(), v["ends_at"].clone()),
        (json!(s2), json!(e2))
    );

    // down, to seconds from now: refunded down to the new price; the reminder and the
    // completion follow the new slot (the old slot's timers find it gone)
    let (s3, e3) = (in_secs(10), in_secs(13));
    let down = reschedule(&c, &token, &id, &s3, &e3).await.ok();
    let now_amount = down["amount_cents"].as_i64().unwrap();
    assert_eq!(
        down["refunded_cents"],
        json!(2 * amount - now_amount),
        "{down}"
    );
    wait_subject(&c, &mail, "Reminder").await;
    c.wait_status(&token, &id, "completed").await;
    booking_settled(s, &id, "completed", 2 * amount, 2 * amount - now_amount).await;
    object_cleared(s, &id).await;
    reconciled(s, std::slice::from_ref(&id)).await;
}

/// The reschedule of `id` to a longer slot, sent while the provider is down (its difference's
/// authorization retries), and the moment its invocation is running on the object.
async fn stuck_reschedule(
    s: &'static TestStack,
    token: &str,
    id: &str,
) -> tokio::task::JoinHandle<crate::harness::Reply> {
    let (s2, e2) = day_slot(17, 10 * 3600, 7200);
    let (c, token, id2) = (s.client(), token.to_string(), id.to_string());
    let moving = tokio::spawn(async move { reschedule(&c, &token, &id2, &s2, &e2).await });
    let running = eventually(Duration::from_secs(10), || async {
        object_state(s, id)
            .await
            .contains(&"rescheduling".to_string())
            .then_some(())
    })
    .await;
    assert!(
        running.is_some(),
        "the reschedule of {id} is not running on its object"
    );
    moving
}

/// A confirmed booking of `name`'s `day` days ahead whose reschedule is stuck at the provider
/// (it is down: the outage lasts until [`Stuck::interrupted`]).
struct Stuck {
    c: Client,
    token: String,
    id: String,
    amount: i64,
    slot: (String, String),
    moving: tokio::task::JoinHandle<crate::harness::Reply>,
    outage: Outage<'static>,
}

async fn stuck(s: &'static TestStack, name: &str, day: i64) -> Stuck {
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, _) = c.new_member(name).await;
    let slot = day_slot(day, 10 * 3600, 3600);
    let (id, amount) = confirmed(&c, &token, &ws, &slot.0, &slot.1).await;
    let outage = s.outage("localstripe");
    let moving = stuck_reschedule(s, &token, &id).await;
    Stuck {
        c,
        token,
        id,
        amount,
        slot,
        moving,
        outage,
    }
}

impl Stuck {
    /// The provider back a second later, before the reschedule's payment would give up (had
    /// nothing interrupted it, it would move the booking then): its answer, a 409 saying the
    /// booking is unchanged.
    async fn interrupted(self) -> (Client, String, String, i64, (String, String)) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.outage.end();
        let moved = self.moving.await.unwrap();
        assert_eq!(moved.status, 409, "{}", moved.body);
        assert!(
            moved.message().contains("interrupted") && moved.message().contains("unchanged"),
            "{}",
            moved.body
        );
        (self.c, self.token, self.id, self.amount, self.slot)
    }
}

#[tokio::test]
async fn a_cancel_interrupts_a_reschedule_and_the_booking_is_cancelled_as_it_was() {
    let s = stack();
    let _g = s.exclusive().await;
    let stuck = stuck(s, "Iona", 17).await;
    let (c2, token2, id2) = (stuck.c.clone(), stuck.token.clone(), stuck.id.clone());
    let cancelling = tokio::spawn(async move {
        c2.post(&format!("Booking/{id2}/cancel"), json!({}), Some(&token2))
            .await
    });
    let (c, token, id, amount, (s1, e1)) = stuck.interrupted().await;
    let r = cancelling.await.unwrap().ok();
    assert_eq!(r, json!({"status": "cancelled", "refund_cents": amount}));
    let v = c.status(&token, &id).await;
    assert_eq!(
        (v["starts_at"].clone(), v["ends_at"].clone()),
        (json!(s1), json!(e1)),
        "{v}"
    );
    booking_settled(s, &id, "cancelled", amount, amount).await;
    reconciled(s, std::slice::from_ref(&id)).await;
}

#[tokio::test]
async fn an_operator_cancelling_a_reschedule_leaves_the_booking_as_it_was() {
    let s = stack();
    let _g = s.exclusive().await;
    let stuck = stuck(s, "Otis", 18).await;
    let running = s
        .restate_sql(&format!(
            "SELECT id FROM sys_invocation WHERE target = 'ConfirmedBooking/{}/reschedule' AND status <> 'completed'",
            stuck.id
        ))
        .await;
    let inv = running[0]["id"].as_str().unwrap().to_string();
    s.restate_cli(&["invocations", "cancel", &inv]);
    let (c, token, id, amount, (s1, e1)) = stuck.interrupted().await;
    let v = c.status(&token, &id).await;
    assert_eq!(
        (
            v["status"].clone(),
            v["starts_at"].clone(),
            v["ends_at"].clone(),
            v["amount_cents"].clone()
        ),
        (json!("confirmed"), json!(s1), json!(e1), json!(amount)),
        "{v}"
    );
    booking_settled(s, &id, "confirmed", amount, 0).await;
    // and it moves afterwards as any other
    let (s3, e3) = day_slot(18, 12 * 3600, 3600);
    let r = reschedule(&c, &token, &id, &s3, &e3).await.ok();
    assert_eq!(r["charged_cents"], json!(0), "{r}");
    assert_eq!(c.status(&token, &id).await["starts_at"], json!(s3));
}
