//! The Limits table: requests outside it are refused with a 400 naming the field (or a 413 for
//! an oversized body) and write nothing.

use crate::harness::stack;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn requests_outside_the_limits_are_400_naming_the_field_and_write_nothing() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let db = s.store().await;
    let admin = c.admin_token().await;
    let (_, member, _) = c.new_member("Ida").await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let ws = |over: Value| {
        let mut base = json!({"name": format!("Lim {tag}"), "location": "x", "timezone": "UTC", "capacity": 2,
                              "hourly_rate_cents": 100, "currency": "EUR", "opens_at": "08:00", "closes_at": "20:00"});
        for (k, v) in over.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    };
    let long_email = format!("{}-{tag}@x.io", "a".repeat(250));
    let pw129 = "p".repeat(129);
    let cases: Vec<(&str, Value, Option<&str>, &str)> = vec![
        (
            "Auth/register",
            json!({"email": long_email, "password": "password-123", "name": "X"}),
            None,
            "email",
        ),
        (
            "Auth/register",
            json!({"email": format!("pw-{tag}@x.io"), "password": pw129, "name": "X"}),
            None,
            "password",
        ),
        (
            "Auth/register",
            json!({"email": format!("nm-{tag}@x.io"), "password": "password-123", "name": "n".repeat(201)}),
            None,
            "name",
        ),
        (
            "Auth/login",
            json!({"email": long_email, "password": "password-123"}),
            None,
            "email",
        ),
        (
            "Auth/login",
            json!({"email": format!("pw-{tag}@x.io"), "password": pw129}),
            None,
            "password",
        ),
        (
            "Workspaces/create",
            ws(json!({"name": format!("{tag}{}", "n".repeat(200))})),
            Some(&admin),
            "name",
        ),
        (
            "Workspaces/create",
            ws(json!({"location": "l".repeat(201)})),
            Some(&admin),
            "location",
        ),
        (
            "Workspaces/create",
            ws(json!({"capacity": 10_001})),
            Some(&admin),
            "capacity",
        ),
        (
            "Workspaces/create",
            ws(json!({"hourly_rate_cents": 10_000_001})),
            Some(&admin),
            "hourly_rate_cents",
        ),
        (
            "Workspaces/create",
            ws(json!({"hourly_rate_cents": -1})),
            Some(&admin),
            "hourly_rate_cents",
        ),
        (
            "Reporting/summary",
            json!({"from": "2031-01-01T00:00:00Z", "to": "2031-02-02T00:00:00Z"}),
            Some(&admin),
            "from..to",
        ),
        (
            "Admin/bookings",
            json!({"stuck_for_secs": 0}),
            Some(&admin),
            "stuck_for_secs",
        ),
        (
            "Admin/bookings",
            json!({"stuck_for_secs": 31_536_001}),
            Some(&admin),
            "stuck_for_secs",
        ),
        (
            "Admin/cancel_booking",
            json!({"booking_id": format!("b-{tag}"), "reason": "r".repeat(501)}),
            Some(&admin),
            "reason",
        ),
    ];
    for (path, body, token, field) in cases {
        let r = c.post(path, body.clone(), token).await;
        assert_eq!(r.status, 400, "{path} -> {} {}", r.status, r.body);
        assert!(
            r.message().contains(field),
            "{path}: {:?} should name {field}",
            r.message()
        );
    }
    // the bounds themselves are allowed; a rate of 0 is a free workspace
    let ok = c
        .post("Workspaces/create", ws(json!({"name": format!("Free {tag}"), "capacity": 10_000, "hourly_rate_cents": 0, "location": "l".repeat(200)})), Some(&admin))
        .await
        .ok();
    assert!(ok["workspace_id"].as_str().is_some());
    c.post(
        "Admin/bookings",
        json!({"stuck_for_secs": 31_536_000}),
        Some(&admin),
    )
    .await
    .ok();
    for email in [
        long_email.clone(),
        format!("pw-{tag}@x.io"),
        format!("nm-{tag}@x.io"),
    ] {
        assert!(
            db.user_credentials(&email).await.unwrap().is_none(),
            "{email} was written"
        );
    }
    let written: Vec<String> = db
        .active_workspaces()
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.name.contains(&tag))
        .map(|w| w.name)
        .collect();
    assert_eq!(written, vec![format!("Free {tag}")]);

    // a body over 64 KiB is refused by the ingress (413 Payload Too Large) before any handler
    // runs: no invocation, no journal, no retry
    let big = json!({"booking_id": format!("b-{tag}"), "reason": "r".repeat(100 * 1024)});
    assert_refused_as_too_large(&s.info.ingress_url, "Admin/cancel_booking", &big, &admin).await;
    let big = json!({"name": format!("Big {tag}"), "location": "l".repeat(100 * 1024), "timezone": "UTC", "capacity": 1,
                     "hourly_rate_cents": 1, "currency": "EUR", "opens_at": "08:00", "closes_at": "20:00"});
    assert_refused_as_too_large(&s.info.ingress_url, "Workspaces/create", &big, &member).await;
    assert!(
        !db.active_workspaces()
            .await
            .unwrap()
            .iter()
            .any(|w| w.name == format!("Big {tag}"))
    );
}

/// Posts an oversized body: the ingress answers 413 at once. It may also close the connection
/// before the client has sent the whole body (the client then sees a reset, not the answer);
/// that is a refusal too, so it is tried again until the 413 itself is seen.
async fn assert_refused_as_too_large(ingress: &str, path: &str, body: &Value, token: &str) {
    let http = reqwest::Client::new();
    for _ in 0..5 {
        let started = Instant::now();
        let sent = http
            .post(format!("{ingress}/{path}"))
            .header("content-type", "application/json")
            .bearer_auth(token)
            .body(body.to_string())
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path}: answered at once, not retried"
        );
        match sent {
            Ok(r) => {
                assert_eq!(
                    r.status().as_u16(),
                    413,
                    "{path}: {}",
                    r.text().await.unwrap_or_default()
                );
                return;
            }
            Err(e) => eprintln!("{path}: the ingress closed the connection early ({e}); again"),
        }
    }
    panic!("{path}: never saw the ingress's 413");
}
