//! `deskflow bookings create --waitlist`, `watch` on a waitlisted booking and `bookings
//! reschedule`, end to end: a member waits for a full slot, the holder moves away (the
//! difference charged), the waiter is served, and a move back down is refunded.

use super::{cli, json_of, ok, run_cli, sessions, text};
use crate::harness::{open_workspace, slot_in, stack};
use crate::invariants::booking_settled;
use serde_json::json;

#[tokio::test]
async fn the_cli_waits_on_the_waitlist_and_reschedules() {
    let s = stack();
    let _g = s.shared().await;
    let dir = tempfile::tempdir().unwrap();
    let (admin, holder) = sessions(s, &dir, "Holder");
    let waiter = dir.path().join("waiter.json");
    let waiter_dir = tempfile::tempdir().unwrap();
    let (_, waiter_session) = sessions(s, &waiter_dir, "Waiter");
    std::fs::copy(&waiter_session, &waiter).unwrap();
    let admin_token = {
        let stored: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&admin).unwrap()).unwrap();
        stored["token"].as_str().unwrap().to_string()
    };
    let ws = open_workspace(&s.client(), &admin_token, 1).await;
    let (start, end) = slot_in(3600, 3600);
    let book = |session: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &start,
            "--ends-at",
            &end,
        ];
        args.extend_from_slice(extra);
        json_of(cli(s, session, &args))["booking_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let held = book(&holder, &[]);
    ok(run_cli(
        s,
        holder.clone(),
        vec!["bookings".into(), "watch".into(), held.clone()],
    )
    .await);

    // the slot is full: the waiter waits, and watch says so
    let waiting = book(&waiter, &["--waitlist"]);
    let out = run_cli(
        s,
        waiter.clone(),
        vec![
            "bookings".into(),
            "watch".into(),
            waiting.clone(),
            "--timeout".into(),
            "3".into(),
        ],
    )
    .await;
    assert!(!out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("waitlisted (no seat free"), "{t}");
    assert!(t.contains("still waitlisted after 3 s"), "{t}");

    // the holder moves to a longer slot later: the difference is charged, the seat freed
    let (later, later_end) = slot_in(3 * 3600, 2 * 3600);
    let moved = json_of(cli(
        s,
        &holder,
        &[
            "--json",
            "bookings",
            "reschedule",
            &held,
            "--starts-at",
            &later,
            "--ends-at",
            &later_end,
        ],
    ));
    assert_eq!(
        moved,
        json!({"status": "confirmed", "amount_cents": 7200, "charged_cents": 3600, "refunded_cents": 0})
    );
    // so the waiter is served
    let out = ok(run_cli(
        s,
        waiter.clone(),
        vec![
            "bookings".into(),
            "watch".into(),
            waiting.clone(),
            "--timeout".into(),
            "60".into(),
        ],
    )
    .await);
    assert!(out.contains("confirmed"), "{out}");
    booking_settled(s, &waiting, "confirmed", 3600, 0).await;

    // back down to one hour: refunded, and said so
    let short_end = (chrono::DateTime::parse_from_rfc3339(&later).unwrap()
        + chrono::Duration::hours(1))
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let out = ok(cli(
        s,
        &holder,
        &[
            "bookings",
            "reschedule",
            &held,
            "--starts-at",
            &later,
            "--ends-at",
            &short_end,
        ],
    ));
    assert!(
        out.contains(&format!(
            "booking {held} is confirmed in its new slot; it costs 36.00 (refunded 36.00)"
        )),
        "{out}"
    );
    booking_settled(s, &held, "confirmed", 7200, 3600).await;
    // a full slot is refused with the server's reason, the booking unchanged
    let out = cli(
        s,
        &holder,
        &[
            "bookings",
            "reschedule",
            &held,
            "--starts-at",
            &start,
            "--ends-at",
            &end,
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("unchanged"), "{}", text(&out));
}
