//! The foundation's journeys: registration, login, workspaces, availability, notifications,
//! reporting records, and every way a caller can be refused.

use crate::harness::{ADMIN, JWT_SECRET, TestStack, eventually, postgres_stack, stack};
use deskflow_infra::jwt::TokenKeys;
use serde_json::json;
use std::time::Duration;

/// registration -> login -> admin creates a workspace -> list -> availability, on one stack.
async fn foundation_journey(s: &TestStack) {
    let c = s.client();
    let db = s.store().await;

    let (user_id, _token, email) = c.new_member("Ann").await;
    let login = c
        .post(
            "Auth/login",
            json!({"email": email.to_uppercase(), "password": "password-123"}),
            None,
        )
        .await
        .ok();
    let token = login["token"].as_str().unwrap().to_string();
    assert!(login["expires_at"].as_str().unwrap().ends_with('Z'));
    let me = c.post("Users/me", json!({}), Some(&token)).await.ok();
    assert_eq!(
        (
            me["user_id"].as_str(),
            me["email"].as_str(),
            me["role"].as_str()
        ),
        (Some(user_id.as_str()), Some(email.as_str()), Some("member"))
    );

    let admin = c.admin_token().await;
    let name = format!("Loft {}", uuid::Uuid::new_v4().simple());
    let ws = c.new_workspace(&admin, &name, 3).await;
    let listed = c
        .post("Workspaces/list", json!({}), Some(&token))
        .await
        .ok();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workspace_id"] == ws.as_str())
        .expect("new workspace listed");
    assert_eq!(
        (
            mine["name"].as_str(),
            mine["capacity"].as_i64(),
            mine["currency"].as_str()
        ),
        (Some(name.as_str()), Some(3), Some("EUR"))
    );

    let avail = c
        .post("Workspaces/availability", json!({"workspace_id": ws, "from": "2031-03-03T00:00:00+01:00", "to": "2031-03-04T00:00:00+01:00"}), Some(&token))
        .await
        .ok();
    let intervals = avail["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 12, "08:00-20:00 Berlin in hours: {avail}");
    assert_eq!(intervals[0]["starts_at"], "2031-03-03T07:00:00Z");
    assert!(intervals.iter().all(|i| i["free_seats"] == 3));

    // the welcome email reached the member, the availability email the admin
    let welcome = c.wait_for_mails(&email, 1).await;
    assert_eq!(welcome[0]["subject"], "Welcome to deskflow");
    assert!(welcome[0]["text"].as_str().unwrap().contains("Hello Ann"));
    let opened = eventually(Duration::from_secs(60), || async {
        c.mails_to(ADMIN.0).await.into_iter().find(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|sub| sub.starts_with(&name))
        })
    })
    .await
    .expect("availability email to the admin");
    assert!(opened["text"].as_str().unwrap().contains(&ws));

    // rows: the user, the workspace, two sent notifications, two activity records
    let u = db.user(&user_id).await.unwrap().unwrap();
    assert_eq!(
        (u.email.as_str(), u.role.as_str()),
        (email.as_str(), "member")
    );
    let w = db.workspace(&ws).await.unwrap().unwrap();
    assert_eq!(
        (w.capacity, w.opens_at.as_str(), w.timezone.as_str()),
        (3, "08:00", "Europe/Berlin")
    );
    let sent = eventually(Duration::from_secs(30), || async {
        let n = db
            .notification(&format!("welcome:{user_id}"))
            .await
            .unwrap()?;
        (n.status == "sent").then_some(n)
    })
    .await
    .expect("welcome notification recorded as sent");
    assert_eq!(sent.attempts, 1);
    let listed = c
        .post("Notifications/list", json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(listed[0]["kind"], "welcome");
    assert_eq!(listed[0]["status"], "sent");
    let reg = eventually(Duration::from_secs(30), || async {
        db.activity(&format!("user_registered:{user_id}"))
            .await
            .unwrap()
    })
    .await;
    assert_eq!(
        reg.expect("registration recorded").user_id.as_deref(),
        Some(user_id.as_str())
    );
    let created = eventually(Duration::from_secs(30), || async {
        db.activity(&format!("workspace_created:{ws}"))
            .await
            .unwrap()
    })
    .await;
    assert_eq!(
        created
            .expect("workspace creation recorded")
            .workspace_id
            .as_deref(),
        Some(ws.as_str())
    );

    // the summary sees the workspace and no bookings yet
    let sum = c
        .post(
            "Reporting/summary",
            json!({"from": "2031-03-03T00:00:00Z", "to": "2031-03-04T00:00:00Z"}),
            Some(&admin),
        )
        .await
        .ok();
    let occ = sum["occupancy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["workspace_id"] == ws.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (occ["available_seat_hours"].as_f64(), occ["ratio"].as_f64()),
        (Some(36.0), Some(0.0))
    );
}

#[tokio::test]
async fn register_login_create_workspace_list_and_availability_on_sqlite() {
    let s = stack();
    let _g = s.shared().await;
    foundation_journey(s).await;
}

#[tokio::test]
async fn register_login_create_workspace_list_and_availability_on_postgres() {
    match postgres_stack() {
        Some(s) => {
            let _g = s.shared().await;
            foundation_journey(s).await
        }
        None => eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL journey is SKIPPED"),
    }
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_message_and_writes_nothing() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let db = s.store().await;
    let (_, member, _) = c.new_member("Bo").await;
    let admin = c.admin_token().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let ws = |over: serde_json::Value| {
        let mut base = json!({"name": format!("Bad {tag}"), "location": "x", "timezone": "Europe/Berlin", "capacity": 2,
                              "hourly_rate_cents": 100, "currency": "EUR", "opens_at": "08:00", "closes_at": "20:00"});
        for (k, v) in over.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base.to_string()
    };
    let bad_email = format!("not-an-email-{tag}");
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        ("Auth/register", "{\"email\":".into(), None, 400, "Cannot decode"),
        ("Auth/register", json!({"email": bad_email, "password": "password-123", "name": "X"}).to_string(), None, 400, "invalid email"),
        ("Auth/register", json!({"email": format!("short-{tag}@x.io"), "password": "short", "name": "X"}).to_string(), None, 400, "at least 8"),
        ("Auth/register", json!({"email": format!("noname-{tag}@x.io"), "password": "password-123"}).to_string(), None, 400, "missing field `name`"),
        ("Auth/register", json!({"email": 5, "password": "password-123", "name": "X"}).to_string(), None, 400, "invalid type"),
        ("Auth/login", json!({"email": format!("nobody-{tag}@x.io"), "password": "password-123"}).to_string(), None, 401, "wrong email or password"),
        ("Workspaces/create", ws(json!({"capacity": 0})), Some(&admin), 400, "capacity must be at least 1"),
        ("Workspaces/create", ws(json!({"opens_at": "20:00", "closes_at": "08:00"})), Some(&admin), 400, "closes_at"),
        ("Workspaces/create", ws(json!({"currency": "ABC"})), Some(&admin), 400, "unknown currency"),
        ("Workspaces/create", ws(json!({"timezone": "Mars/Olympus"})), Some(&admin), 400, "unknown timezone"),
        ("Workspaces/create", ws(json!({"capacity": "two"})), Some(&admin), 400, "invalid type"),
        ("Workspaces/create", ws(json!({"name": null})), Some(&admin), 400, "missing field `name`"),
        ("Workspaces/create", ws(json!({"opens_at": "8am"})), Some(&admin), 400, "HH:MM"),
        ("Workspaces/availability", json!({"workspace_id": "nope", "from": "2031-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"}).to_string(), Some(&member), 404, "not found"),
        ("Workspaces/availability", json!({"workspace_id": "nope", "from": "2031-01-02T00:00:00Z", "to": "2031-01-01T00:00:00Z"}).to_string(), Some(&member), 400, "ends before it starts"),
        ("Workspaces/availability", json!({"workspace_id": "nope", "from": "tomorrow", "to": "2031-01-01T00:00:00Z"}).to_string(), Some(&member), 400, "RFC 3339"),
        ("Reporting/summary", json!({"from": "2031-01-01", "to": "2031-01-02"}).to_string(), Some(&admin), 400, "RFC 3339"),
        ("Users/me", "[1,2".into(), Some(&member), 400, "Cannot decode"),
    ];
    for (path, body, token, code, needle) in cases {
        let r = c.post_raw(path, &body, token).await;
        assert_eq!(r.status, code, "{path} {body} -> {} {}", r.status, r.body);
        assert!(
            r.message().contains(needle),
            "{path} {body}: message {:?} should mention {needle:?}",
            r.message()
        );
    }
    // nothing was written: no user with the refused emails, no workspace with the tag
    for email in [
        bad_email,
        format!("short-{tag}@x.io"),
        format!("noname-{tag}@x.io"),
    ] {
        assert!(
            db.user_credentials(&email).await.unwrap().is_none(),
            "{email} was written"
        );
    }
    let all = db.active_workspaces().await.unwrap();
    assert!(
        !all.iter().any(|w| w.name.contains(&tag)),
        "a refused workspace was written"
    );
}

#[tokio::test]
async fn callers_without_a_valid_token_or_role_are_refused() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let (user_id, member, _) = c.new_member("Cy").await;
    let keys = TokenKeys::new(JWT_SECRET, 3600);
    let now = chrono::Utc::now().timestamp();
    let (expired, _) = keys.issue(&user_id, "member", 0, now - 7200).unwrap();
    let (foreign, _) = TokenKeys::new("another-secret-of-someone-else", 3600)
        .issue(&user_id, "admin", 0, now)
        .unwrap();
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&format!(
            r#"{{"sub":"{user_id}","role":"admin","iat":{now},"exp":{}}}"#,
            now + 600
        ))
    );
    for (label, token) in [
        ("no token", None),
        ("expired", Some(expired.as_str())),
        ("foreign key", Some(foreign.as_str())),
        ("alg none", Some(none.as_str())),
        ("garbage", Some("abc")),
    ] {
        for path in [
            "Users/me",
            "Users/bookings",
            "Workspaces/list",
            "Notifications/list",
        ] {
            let r = c.post(path, json!({}), token).await;
            assert_eq!(r.status, 401, "{label} on {path}: {}", r.body);
        }
    }
    let ws = json!({"name": "Nope", "location": "x", "timezone": "UTC", "capacity": 1, "hourly_rate_cents": 1, "currency": "EUR", "opens_at": "08:00", "closes_at": "09:00"});
    let r = c.post("Workspaces/create", ws, Some(&member)).await;
    assert_eq!(
        (r.status, r.message().contains("admin")),
        (403, true),
        "{}",
        r.body
    );
    let r = c
        .post(
            "Reporting/summary",
            json!({"from": "2031-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"}),
            Some(&member),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let ws = json!({"name": "Nope", "location": "x", "timezone": "UTC", "capacity": 1, "hourly_rate_cents": 1, "currency": "EUR", "opens_at": "08:00", "closes_at": "09:00"});
    let r = c.post("Workspaces/create", ws.clone(), Some(&none)).await;
    assert_eq!(r.status, 401, "alg none must not pass as admin: {}", r.body);
    // a well-signed token that says "admin" for a member: the database's role decides
    let (says_admin, _) = keys.issue(&user_id, "admin", 0, now).unwrap();
    let r = c.post("Workspaces/create", ws, Some(&says_admin)).await;
    assert_eq!(
        r.status, 403,
        "the token's role must not make an admin: {}",
        r.body
    );
    let r = c.post("Admin/bookings", json!({}), Some(&says_admin)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

#[tokio::test]
async fn internal_handlers_and_unsigned_requests_are_refused() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let (user_id, _, email) = c.new_member("Di").await;
    let send = json!({"id": format!("forged:{user_id}"), "user_id": user_id, "kind": "forged", "to": email, "subject": "forged", "body": "x"});
    let r = c.post("Notifications/send", send, None).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.message().contains("not public"), "{}", r.body);
    let rec = json!({"origin_key": format!("forged:{user_id}"), "kind": "forged", "user_id": null, "workspace_id": null, "booking_id": null, "amount_cents": null});
    let r = c.post("Reporting/record", rec, None).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let db = s.store().await;
    assert!(
        db.notification(&format!("forged:{user_id}"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.activity(&format!("forged:{user_id}"))
            .await
            .unwrap()
            .is_none()
    );

    // straight to the endpoint, not through restate-server: no signature, no entry
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for path in ["discover", "invoke/Users/me"] {
        let r = h2
            .post(format!("{}/{path}", s.info.endpoint_url))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "unsigned /{path}");
    }
}

#[tokio::test]
async fn an_smtp_outage_delays_the_welcome_email_but_neither_loses_it_nor_blocks_registration() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let db = s.store().await;
    let outage = s.outage("maildev");
    let (user_id, token, email) = c.new_member("Eve").await;
    assert!(
        db.user(&user_id).await.unwrap().is_some(),
        "registration finished while SMTP was down"
    );
    let id = format!("welcome:{user_id}");
    let waiting = eventually(Duration::from_secs(60), || async {
        let n = db.notification(&id).await.unwrap()?;
        (n.attempts >= 2).then_some(n)
    })
    .await
    .expect("the send step retried while SMTP was down");
    assert_eq!(waiting.status, "pending");
    assert!(
        waiting.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{waiting:?}"
    );

    outage.end();
    let sent = eventually(Duration::from_secs(60), || async {
        let n = db.notification(&id).await.unwrap()?;
        (n.status == "sent").then_some(n)
    })
    .await
    .expect("delivered once SMTP was back");
    assert!(sent.attempts >= 2 && sent.last_error.is_none(), "{sent:?}");
    let mails = c.wait_for_mails(&email, 1).await;
    assert_eq!(mails.len(), 1, "exactly one welcome email");
    let listed = c
        .post("Notifications/list", json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(
        (listed[0]["status"].as_str(), listed[0]["attempts"].as_i64()),
        (Some("sent"), Some(sent.attempts))
    );
}
