//! Releases, as an operator's weekly release meets bookings sold months ahead.
//!
//! Onto bookings made in the earlier shape: a stack whose endpoint starts them with
//! `DESKFLOW_CONFIRMED_AS_STATE=0` (their `run` sleeps until the booking's end, as every booking
//! did before the shape could be chosen); the endpoint stopped while they wait suspended, and
//! started again with the default. Each goes on in the shape its journal holds, to its end:
//! cancelled, rescheduled, reminded and completed; a booking made after the release lives on
//! as its object's state.
//!
//! Beside the old endpoint: a new endpoint registered as a new deployment and the old one
//! stopped for good; confirmed bookings are cancelled, moved, reminded and completed all the
//! same, and nothing is left waiting on the retired deployment.

use super::as_state::{confirmed, invocations_of, object_state, reschedule};
use super::wait_subject;
use crate::harness::{TestStack, day_slot, eventually, in_secs, open_workspace};
use crate::invariants::{booking_settled, reconciled};
use serde_json::json;
use std::time::Duration;

/// The status of the booking `id`'s `run` at restate-server.
async fn run_status(s: &TestStack, id: &str) -> Option<String> {
    invocations_of(s, id)
        .await
        .into_iter()
        .find(|(target, _)| target.ends_with("/run"))
        .map(|(_, status)| status)
}

#[tokio::test]
async fn bookings_made_in_the_earlier_shape_go_on_to_their_end_after_a_release() {
    let s = TestStack::fresh_with(&[("DESKFLOW_CONFIRMED_AS_STATE", "0")]);
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Ulla").await;

    // before the release: two bookings days ahead, one whose reminder is due within a minute
    let (s1, e1) = day_slot(11, 10 * 3600, 3600);
    let (to_cancel, cancel_amount) = confirmed(&c, &token, &ws, &s1, &e1).await;
    let (s2, e2) = day_slot(12, 10 * 3600, 3600);
    let (to_move, move_amount) = confirmed(&c, &token, &ws, &s2, &e2).await;
    let (soon, soon_amount) = confirmed(&c, &token, &ws, &in_secs(60), &in_secs(63)).await;
    let old = [&to_cancel, &to_move, &soon];
    for id in old {
        let suspended = eventually(Duration::from_secs(20), || async {
            (run_status(&s, id).await.as_deref() == Some("suspended")).then_some(())
        })
        .await;
        assert!(suspended.is_some(), "{id}'s run waits suspended");
        assert!(object_state(&s, id).await.is_empty());
    }

    // the release: the endpoint stops and comes back with the default shape
    s.control("stop deskflow");
    s.control("env DESKFLOW_CONFIRMED_AS_STATE=1");
    s.control("start deskflow");

    // cancelled: everything back (days ahead), by the run that waited
    let r = c
        .post(
            &format!("Booking/{to_cancel}/cancel"),
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": cancel_amount})
    );
    booking_settled(&s, &to_cancel, "cancelled", cancel_amount, cancel_amount).await;
    wait_subject(&c, &mail, "Booking cancelled").await;

    // rescheduled: one more hour, charged; the run still waits for the new slot
    let (s3, e3) = day_slot(12, 10 * 3600, 7200);
    let up = reschedule(&c, &token, &to_move, &s3, &e3).await.ok();
    assert_eq!(
        (
            up["status"].clone(),
            up["amount_cents"].clone(),
            up["charged_cents"].clone()
        ),
        (
            json!("confirmed"),
            json!(2 * move_amount),
            json!(move_amount)
        ),
        "{up}"
    );
    let v = c.status(&token, &to_move).await;
    assert_eq!(
        (v["starts_at"].clone(), v["ends_at"].clone()),
        (json!(s3), json!(e3))
    );
    booking_settled(&s, &to_move, "confirmed", 2 * move_amount, 0).await;

    // reminded and completed by the run's own timers
    wait_subject(&c, &mail, "Reminder").await;
    c.wait_status(&token, &soon, "completed").await;
    booking_settled(&s, &soon, "completed", soon_amount, 0).await;

    // each kept its shape: no object took them over; the waiting one's run still waits
    for id in old {
        assert!(
            object_state(&s, id).await.is_empty(),
            "{id} has object state"
        );
    }
    let still = eventually(Duration::from_secs(20), || async {
        (run_status(&s, &to_move).await.as_deref() == Some("suspended")).then_some(())
    })
    .await;
    assert!(
        still.is_some(),
        "the moved booking's run waits for its new slot"
    );

    // a booking made after the release: its run ends at the confirmation, its object keeps it
    let (s4, e4) = day_slot(13, 10 * 3600, 3600);
    let (new, _) = confirmed(&c, &token, &ws, &s4, &e4).await;
    let handed_on = eventually(Duration::from_secs(10), || async {
        (run_status(&s, &new).await.as_deref() == Some("completed")
            && object_state(&s, &new).await == ["snapshot"])
        .then_some(())
    })
    .await;
    assert!(handed_on.is_some(), "a new booking lives on as state");
    reconciled(&s, &[to_cancel, to_move, soon, new]).await;
}

#[tokio::test]
async fn confirmed_bookings_need_nothing_of_a_retired_endpoint() {
    let s = TestStack::fresh();
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, mail) = c.new_member("Rhea").await;

    // before the release: bookings days ahead, and one whose reminder is due within a minute
    let (s1, e1) = day_slot(11, 9 * 3600, 3600);
    let (to_cancel, cancel_amount) = confirmed(&c, &token, &ws, &s1, &e1).await;
    let (s2, e2) = day_slot(11, 11 * 3600, 3600);
    let (by_admin, admin_amount) = confirmed(&c, &token, &ws, &s2, &e2).await;
    let (s3, e3) = day_slot(12, 10 * 3600, 3600);
    let (to_move, move_amount) = confirmed(&c, &token, &ws, &s3, &e3).await;
    let (soon, soon_amount) = confirmed(&c, &token, &ws, &in_secs(45), &in_secs(48)).await;
    let before = [&to_cancel, &by_admin, &to_move, &soon];
    for id in before {
        // nothing in flight: the run completed, the object's delayed calls scheduled
        let waiting = eventually(Duration::from_secs(10), || async {
            let all = invocations_of(&s, id).await;
            let settled = all
                .iter()
                .all(|(_, st)| st == "completed" || st == "scheduled");
            (settled && all.iter().any(|(_, st)| st == "scheduled")).then_some(())
        })
        .await;
        assert!(
            waiting.is_some(),
            "{id}: {:?}",
            invocations_of(&s, id).await
        );
    }

    // the release: a new endpoint as a new deployment, the old one stopped for good
    s.control("release");
    let deployments = s.restate_sql("SELECT id FROM sys_deployment").await;
    assert_eq!(deployments.len(), 2, "{deployments:?}");

    // a member's cancel, an admin's, a reschedule: each answered by the new deployment
    let r = c
        .post(
            &format!("Booking/{to_cancel}/cancel"),
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": cancel_amount})
    );
    let r = c
        .post(
            "Admin/cancel_booking",
            json!({"booking_id": by_admin, "reason": "the release week"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        r,
        json!({"status": "cancelled", "refund_cents": admin_amount})
    );
    let (s4, e4) = day_slot(12, 10 * 3600, 7200);
    let up = reschedule(&c, &token, &to_move, &s4, &e4).await.ok();
    assert_eq!(
        (up["status"].clone(), up["charged_cents"].clone()),
        (json!("confirmed"), json!(move_amount)),
        "{up}"
    );
    // the reminder and the completion armed before the release come all the same
    wait_subject(&c, &mail, "Reminder").await;
    c.wait_status(&token, &soon, "completed").await;
    // and a booking made after it
    let (s5, e5) = day_slot(13, 10 * 3600, 3600);
    let (after, _) = confirmed(&c, &token, &ws, &s5, &e5).await;

    booking_settled(&s, &to_cancel, "cancelled", cancel_amount, cancel_amount).await;
    booking_settled(&s, &by_admin, "cancelled", admin_amount, admin_amount).await;
    booking_settled(&s, &to_move, "confirmed", 2 * move_amount, 0).await;
    booking_settled(&s, &soon, "completed", soon_amount, 0).await;
    // nothing waits on the retired deployment
    let idle = eventually(Duration::from_secs(20), || async {
        s.restate_sql(
            "SELECT id FROM sys_invocation WHERE status NOT IN ('completed', 'scheduled')",
        )
        .await
        .is_empty()
        .then_some(())
    })
    .await;
    assert!(idle.is_some(), "an invocation is left in flight");
    reconciled(&s, &[to_cancel, by_admin, to_move, soon, after]).await;
}
