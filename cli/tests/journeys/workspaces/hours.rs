//! Weekly hours and closures on the real stack: a booking on a closed weekday or a closure date
//! is 400 naming the day, availability shows nothing on a closed day, and the summary's
//! available seat-hours count only the hours the workspace was open.

use super::{date_in, slot_on, weekday_key, weekly_workspace};
use crate::harness::stack;
use crate::invariants::capacity_holds;
use serde_json::json;

#[tokio::test]
async fn a_closed_weekday_and_a_closure_date_refuse_bookings_and_show_no_availability() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, token, _) = c.new_member("Wes").await;
    let (closed_day, closure, open_day) = (date_in(3), date_in(4), date_in(5));
    let ws = weekly_workspace(
        &c,
        &admin,
        4,
        1500,
        Some(weekday_key(closed_day)),
        &[closure.to_string()],
    )
    .await;

    let book = |day, from, to| {
        let (starts, ends) = slot_on(day, from, to);
        json!({"workspace_id": ws, "starts_at": starts, "ends_at": ends, "seats": 1, "payment_method": "pm_card_visa"})
    };
    let r = c
        .post(
            "Bookings/create",
            book(closed_day, "10:00", "12:00"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "closed weekday: {}", r.body);
    let weekday = closed_day.format("%A").to_string();
    assert!(
        r.message()
            .contains(&format!("closed on {weekday} {closed_day}")),
        "names the day: {}",
        r.body
    );
    let r = c
        .post(
            "Bookings/create",
            book(closure, "10:00", "12:00"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "closure date: {}", r.body);
    assert!(
        r.message().contains(&closure.to_string()) && r.message().contains("closure"),
        "names the date: {}",
        r.body
    );
    let r = c
        .post(
            "Bookings/create",
            book(open_day, "19:00", "21:00"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "past closing on an open day: {}", r.body);
    assert!(r.message().contains("opening hours"), "{}", r.body);

    let availability = |day: chrono::NaiveDate| {
        let (from, _) = slot_on(day, "00:00", "00:00");
        let (to, _) = slot_on(day.succ_opt().unwrap(), "00:00", "00:00");
        json!({"workspace_id": ws, "from": from, "to": to})
    };
    for day in [closed_day, closure] {
        let a = c
            .post("Workspaces/availability", availability(day), Some(&token))
            .await
            .ok();
        assert_eq!(a["intervals"], json!([]), "{day}: {a}");
    }
    let a = c
        .post(
            "Workspaces/availability",
            availability(open_day),
            Some(&token),
        )
        .await
        .ok();
    let intervals = a["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 12, "08:00-20:00 by the hour: {a}");
    assert_eq!(intervals[0]["starts_at"], format!("{open_day}T08:00:00Z"));

    // the stored schedule reads back as given
    let got = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&token))
        .await
        .ok();
    assert_eq!(got["hours"][weekday_key(closed_day)], json!(null), "{got}");
    assert_eq!(
        got["hours"][weekday_key(open_day)],
        json!(["08:00", "20:00"])
    );
    assert_eq!(got["closures"], json!([closure.to_string()]));
    let listed = c
        .post("Workspaces/list", json!({}), Some(&token))
        .await
        .ok();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workspace_id"] == ws.as_str())
        .expect("listed");
    assert_eq!(
        (&mine["opens_at"], &mine["closes_at"], &mine["closures"]),
        (&json!("08:00"), &json!("20:00"), &got["closures"]),
        "list keeps opens_at/closes_at and adds hours and closures: {mine}"
    );
    assert_eq!(mine["hours"], got["hours"]);
}

#[tokio::test]
async fn the_summary_counts_only_the_hours_a_workspace_was_open() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, token, _) = c.new_member("Sam").await;
    // a week from tomorrow holds each weekday once: closed on one, a closure on another
    let (closed_day, closure, booked_day) = (date_in(2), date_in(3), date_in(4));
    let ws = weekly_workspace(
        &c,
        &admin,
        2,
        1500,
        Some(weekday_key(closed_day)),
        &[closure.to_string()],
    )
    .await;
    let (starts, ends) = slot_on(booked_day, "10:00", "12:00");
    let b = c.book(&token, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&token, &b, "confirmed").await;

    let (from, _) = slot_on(date_in(1), "00:00", "00:00");
    let (to, _) = slot_on(date_in(8), "00:00", "00:00");
    let sum = c
        .post(
            "Reporting/summary",
            json!({"from": from, "to": to}),
            Some(&admin),
        )
        .await
        .ok();
    let occ = sum["occupancy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["workspace_id"] == ws.as_str())
        .expect("the workspace's occupancy")
        .clone();
    // five open days of 12 hours, 2 seats
    assert_eq!(occ["available_seat_hours"].as_f64(), Some(120.0), "{occ}");
    assert_eq!(occ["booked_seat_hours"].as_f64(), Some(2.0), "{occ}");
    assert_eq!(occ["ratio"].as_f64(), Some(0.0167), "{occ}");
    capacity_holds(s, &ws).await;
}
