//! Roles as the database says: a demoted admin is refused whatever the token claims, the last
//! admin stays, and `admin create` never promotes an existing account.

use super::{cli, s_of, unique_email};
use crate::harness::{ADMIN, JWT_SECRET, TestStack, stack};
use deskflow_infra::jwt::TokenKeys;
use serde_json::json;

#[tokio::test]
async fn a_demoted_admin_is_refused_on_the_next_admin_call_whatever_the_token_says() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let (user_id, _, email) = c.new_member("Fay").await;
    let p = c
        .post("Admin/promote", json!({"email": email}), Some(&admin))
        .await
        .ok();
    assert_eq!(p["role"], "admin");
    let login = c.login(&email, "password-123").await;
    let fay = s_of(&login, "token");
    let fay_refresh = s_of(&login, "refresh_token");
    let window = json!({"from": "2031-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"});
    c.post("Reporting/summary", window.clone(), Some(&fay))
        .await
        .ok();
    c.post("Admin/bookings", json!({}), Some(&fay)).await.ok();

    let d = c
        .post("Admin/demote", json!({"email": email}), Some(&admin))
        .await
        .ok();
    assert_eq!(
        (d["user_id"].as_str(), d["role"].as_str()),
        (Some(user_id.as_str()), Some("member"))
    );

    // the token issued before the demotion is refused at once, and so is its refresh token
    let ws = json!({"name": "Nope", "location": "x", "timezone": "UTC", "capacity": 1, "hourly_rate_cents": 1, "currency": "EUR", "opens_at": "08:00", "closes_at": "09:00"});
    for (path, body) in [
        ("Reporting/summary", window.clone()),
        ("Admin/bookings", json!({})),
        ("Workspaces/create", ws.clone()),
        ("Admin/promote", json!({"email": email})),
    ] {
        let r = c.post(path, body, Some(&fay)).await;
        assert!(
            matches!(r.status, 401 | 403),
            "{path} with the old token: {} {}",
            r.status,
            r.body
        );
    }
    let r = c
        .post("Auth/refresh", json!({"refresh_token": fay_refresh}), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    // logged in again: a member, whatever a token says
    let again = c.login(&email, "password-123").await;
    let member = s_of(&again, "token");
    let r = c.post("Reporting/summary", window, Some(&member)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let v = c.post("Auth/validate", json!({}), Some(&member)).await.ok();
    assert_eq!(v["role"], "member");
    let keys = TokenKeys::new(JWT_SECRET, 600);
    let (says_admin, _) = keys
        .issue(&user_id, "admin", 1, chrono::Utc::now().timestamp())
        .unwrap();
    let r = c.post("Workspaces/create", ws, Some(&says_admin)).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // unknown emails are 404; demoting a member again changes nothing
    let r = c
        .post(
            "Admin/demote",
            json!({"email": unique_email("nobody")}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = c
        .post("Admin/demote", json!({"email": email}), Some(&member))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    // a stack of its own: on the shared one other tests promote admins of their own
    let s = TestStack::fresh();
    let c = s.client();
    let admin = c.admin_token().await;
    let r = c
        .post("Admin/demote", json!({"email": ADMIN.0}), Some(&admin))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.message().contains("last admin"), "{}", r.body);
    c.post("Users/me", json!({}), Some(&admin)).await.ok();

    // with a second admin the first may go; then the second is the last one
    let (_, _, email) = c.new_member("Max").await;
    c.post("Admin/promote", json!({"email": email}), Some(&admin))
        .await
        .ok();
    let max = s_of(&c.login(&email, "password-123").await, "token");
    let d = c
        .post("Admin/demote", json!({"email": ADMIN.0}), Some(&max))
        .await
        .ok();
    assert_eq!(d["role"], "member");
    let r = c
        .post("Admin/demote", json!({"email": email}), Some(&max))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = c.post("Admin/bookings", json!({}), Some(&admin)).await;
    assert_eq!(r.status, 401, "the demoted admin's token: {}", r.body);
}

#[tokio::test]
async fn admin_create_stops_on_an_existing_account_instead_of_promoting_it() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let (user_id, _, email) = c.new_member("Lou").await;
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("cli.json");
    let sess = session.clone();
    let out = tokio::task::spawn_blocking(move || {
        let login = cli(
            s,
            &sess,
            &["auth", "login", "--email", ADMIN.0, "--password", ADMIN.1],
        );
        assert!(
            login.status.success(),
            "{}",
            String::from_utf8_lossy(&login.stderr)
        );
        cli(
            s,
            &sess,
            &[
                "admin",
                "create",
                "--email",
                &email,
                "--password",
                "another-password-1",
            ],
        )
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "admin create promoted an existing account: {text}"
    );
    assert!(text.contains("registered already"), "{text}");
    let db = s.store().await;
    assert_eq!(db.user(&user_id).await.unwrap().unwrap().role, "member");
}
