//! `Workspaces/get`, `update` and `bookings` on the real stack: who may call them, what they
//! answer, that a refused update writes nothing, that a capacity below the seats sold for a
//! future slot is 409 naming the slot, and that a new rate prices only new bookings.

use super::{date_in, slot_on, weekly_workspace};
use crate::harness::{TestStack, eventually, stack};
use crate::invariants::capacity_holds;
use serde_json::{Value, json};
use std::time::Duration;

/// How many `workspace_updated` activity rows the workspace has.
async fn updates_recorded(s: &TestStack, ws: &str) -> i64 {
    let store = s.store().await;
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM activity WHERE workspace_id = $1 AND kind = 'workspace_updated'",
    )
    .bind(ws)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

async fn deactivate(s: &TestStack, ws: &str) {
    let store = s.store().await;
    sqlx::query("UPDATE workspaces SET active = 0 WHERE id = $1")
        .bind(ws)
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn get_answers_any_member_and_404_for_an_unknown_id() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, token, _) = c.new_member("Gia").await;
    let ws = c.new_workspace(&admin, "Old Form", 3).await;
    let got = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&token))
        .await
        .ok();
    let every_day = json!(["08:00", "20:00"]);
    let want = json!({"workspace_id": ws, "name": "Old Form", "location": "Harbour 1, Hamburg",
        "timezone": "Europe/Berlin", "capacity": 3, "hourly_rate_cents": 1500, "currency": "EUR",
        "hours": {"mon": every_day, "tue": every_day, "wed": every_day, "thu": every_day,
                  "fri": every_day, "sat": every_day, "sun": every_day},
        "closures": [], "status": "open"});
    assert_eq!(got, want, "the old daily form is every weekday");
    let r = c
        .post(
            "Workspaces/get",
            json!({"workspace_id": "no-such-workspace"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = c
        .post("Workspaces/get", json!({"workspace_id": ws}), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    deactivate(s, &ws).await;
    let got = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&token))
        .await
        .ok();
    assert_eq!(got["status"], "closed", "{got}");
}

#[tokio::test]
async fn an_admin_updates_a_workspace_and_refusals_write_nothing() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, member, _) = c.new_member("Mo").await;
    let ws = weekly_workspace(&c, &admin, 3, 1500, None, &[]).await;

    let upd = |extra: Value| {
        let mut body = json!({"workspace_id": ws});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let done = c
        .post(
            "Workspaces/update",
            upd(
                json!({"name": "Quay Loft", "location": "Quay 4", "closures": ["2031-12-24"],
                       "hours": {"mon": ["07:00", "19:00"], "tue": ["08:00", "20:00"]}}),
            ),
            Some(&admin),
        )
        .await
        .ok();
    let got = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&member))
        .await
        .ok();
    assert_eq!(done, got, "update answers the workspace as get shows it");
    assert_eq!(
        (got["name"].as_str(), got["location"].as_str()),
        (Some("Quay Loft"), Some("Quay 4"))
    );
    assert_eq!(got["hours"]["mon"], json!(["07:00", "19:00"]));
    assert_eq!(
        got["hours"]["wed"],
        json!(null),
        "a day not given is closed"
    );
    assert_eq!(got["closures"], json!(["2031-12-24"]));
    eventually(Duration::from_secs(30), || async {
        (updates_recorded(s, &ws).await == 1).then_some(())
    })
    .await
    .expect("the change is recorded as activity");

    // refusals: each names the field, and nothing of the request is written
    let cases = [
        (
            json!({"name": "Sneaky", "hours": {"tue": ["20:00", "08:00"]}}),
            "hours.tue",
        ),
        (
            json!({"name": "Sneaky", "closures": ["2031-12-24", "2031-02-30"]}),
            "closures[1]",
        ),
        (json!({"name": "Sneaky", "capacity": 0}), "capacity"),
        (
            json!({"name": "Sneaky", "hourly_rate_cents": -1}),
            "hourly_rate_cents",
        ),
        (json!({"name": " "}), "name"),
        (json!({"name": "Sneaky", "opens_at": "08:00"}), "closes_at"),
    ];
    for (extra, field) in cases {
        let r = c
            .post("Workspaces/update", upd(extra.clone()), Some(&admin))
            .await;
        assert_eq!(r.status, 400, "{extra}: {}", r.body);
        assert!(
            r.message().contains(field),
            "{extra} names {field}: {}",
            r.body
        );
    }
    let r = c
        .post(
            "Workspaces/update",
            upd(json!({"name": "Mine"})),
            Some(&member),
        )
        .await;
    assert_eq!(r.status, 403, "a member: {}", r.body);
    let r = c
        .post(
            "Workspaces/update",
            json!({"workspace_id": "no-such-workspace", "name": "X"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let after = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&member))
        .await
        .ok();
    assert_eq!(after, got, "refused updates wrote nothing");

    // back to the daily form
    let daily = c
        .post(
            "Workspaces/update",
            upd(json!({"opens_at": "09:00", "closes_at": "17:00", "closures": []})),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(daily["hours"]["sun"], json!(["09:00", "17:00"]), "{daily}");
    assert_eq!(daily["closures"], json!([]));

    deactivate(s, &ws).await;
    let r = c
        .post(
            "Workspaces/update",
            upd(json!({"name": "Reopened?"})),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 409, "a closed workspace: {}", r.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        updates_recorded(s, &ws).await,
        2,
        "one record per change made"
    );
}

#[tokio::test]
async fn a_capacity_below_a_booked_future_slot_is_409_naming_it_and_a_raise_passes() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, token, _) = c.new_member("Cas").await;
    let ws = weekly_workspace(&c, &admin, 3, 1500, None, &[]).await;
    let (starts, ends) = slot_on(date_in(2), "10:00", "12:00");
    let b = c.book(&token, &ws, &starts, &ends, 2, "pm_card_visa").await;
    c.wait_status(&token, &b, "confirmed").await;

    let r = c
        .post(
            "Workspaces/update",
            json!({"workspace_id": ws, "capacity": 1}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let m = r.message();
    assert!(
        m.contains(&starts) && m.contains(&ends) && m.contains("2 seats"),
        "names the slot and the seats held: {m}"
    );
    let got = c
        .post("Workspaces/get", json!({"workspace_id": ws}), Some(&token))
        .await
        .ok();
    assert_eq!(got["capacity"], 3, "nothing written");

    for capacity in [2, 5] {
        let done = c
            .post(
                "Workspaces/update",
                json!({"workspace_id": ws, "capacity": capacity}),
                Some(&admin),
            )
            .await
            .ok();
        assert_eq!(done["capacity"], capacity, "{done}");
    }
    capacity_holds(s, &ws).await;
}

#[tokio::test]
async fn a_new_rate_prices_new_bookings_only_and_bookings_lists_them_by_start() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, token, _) = c.new_member("Rae").await;
    let ws = weekly_workspace(&c, &admin, 3, 1500, None, &[]).await;
    let (late_start, late_end) = slot_on(date_in(3), "10:00", "11:00");
    let old = c
        .book(&token, &ws, &late_start, &late_end, 1, "pm_card_visa")
        .await;
    c.wait_status(&token, &old, "confirmed").await;

    c.post(
        "Workspaces/update",
        json!({"workspace_id": ws, "hourly_rate_cents": 3000}),
        Some(&admin),
    )
    .await
    .ok();
    let (early_start, early_end) = slot_on(date_in(2), "10:00", "11:00");
    let new = c
        .book(&token, &ws, &early_start, &early_end, 1, "pm_card_visa")
        .await;
    let new_status = c.wait_status(&token, &new, "confirmed").await;
    assert_eq!(
        new_status["amount_cents"], 3000,
        "the new rate: {new_status}"
    );
    let old_status = c.status(&token, &old).await;
    assert_eq!(
        old_status["amount_cents"], 1500,
        "the stored booking keeps its price"
    );
    assert_eq!(old_status["payment"]["captured_cents"], 1500);

    let listed = c
        .post(
            "Workspaces/bookings",
            json!({"workspace_id": ws}),
            Some(&admin),
        )
        .await
        .ok();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["booking_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![new.as_str(), old.as_str()], "by start: {listed}");
    assert_eq!(listed[1]["amount_cents"], 1500);
    let later = c
        .post(
            "Workspaces/bookings",
            json!({"workspace_id": ws, "from": late_start}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(later.as_array().unwrap().len(), 1, "{later}");
    assert_eq!(later[0]["booking_id"], old.as_str());

    let r = c
        .post(
            "Workspaces/bookings",
            json!({"workspace_id": ws}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 403, "a member: {}", r.body);
    let r = c
        .post(
            "Workspaces/bookings",
            json!({"workspace_id": "no-such-workspace"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = c
        .post(
            "Workspaces/bookings",
            json!({"workspace_id": ws, "from": "yesterday"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.message().contains("from"), "{}", r.body);
    capacity_holds(s, &ws).await;
}
