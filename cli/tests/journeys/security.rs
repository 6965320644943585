//! Safe to expose: sessions (short access tokens, rotating refresh tokens), roles as the
//! database says, login backoff, no secret left in Restate's storage, the Limits table, owner-only
//! files, and an endpoint that refuses to serve with development secrets.

use crate::harness::{
    ADMIN, JWT_SECRET, LOGIN_BACKOFF_MAX_SECS, LOGIN_FREE_FAILURES, TestStack, stack,
};
use deskflow_infra::jwt::TokenKeys;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn unique_email(name: &str) -> String {
    format!("{name}-{}@journeys.test", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn register_login_refresh_and_validate_hand_out_rotating_sessions() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let email = unique_email("eve");
    let reg = c
        .post(
            "Auth/register",
            json!({"email": email, "password": "password-123", "name": "Eve"}),
            None,
        )
        .await
        .ok();
    for field in ["user_id", "token", "expires_at", "refresh_token"] {
        assert!(
            reg[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {reg}"
        );
    }
    // access tokens are short-lived: 15 minutes by default
    let exp = chrono::DateTime::parse_from_rfc3339(reg["expires_at"].as_str().unwrap()).unwrap();
    let left = exp.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((800..=900).contains(&left), "expires in {left} s");

    let login = c.login(&email, "password-123").await;
    let (token, refresh) = (s_of(&login, "token"), s_of(&login, "refresh_token"));
    let v = c.post("Auth/validate", json!({}), Some(&token)).await.ok();
    assert_eq!(
        (v["user_id"].as_str(), v["role"].as_str()),
        (reg["user_id"].as_str(), Some("member"))
    );
    assert!(v["expires_at"].as_str().is_some(), "{v}");
    let r = c.post("Auth/validate", json!({}), Some("garbage")).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = c.post("Auth/validate", json!({}), None).await;
    assert_eq!(r.status, 401, "{}", r.body);

    // rotation: the old refresh token is spent, the new pair works
    let next = c
        .post("Auth/refresh", json!({"refresh_token": refresh}), None)
        .await
        .ok();
    let (token2, refresh2) = (s_of(&next, "token"), s_of(&next, "refresh_token"));
    assert_ne!(refresh2, refresh);
    c.post("Users/me", json!({}), Some(&token2)).await.ok();
    let r = c
        .post("Auth/refresh", json!({"refresh_token": refresh}), None)
        .await;
    assert_eq!(r.status, 401, "a spent refresh token: {}", r.body);
    // presenting a spent token revoked the chain: the new one is refused too
    let r = c
        .post("Auth/refresh", json!({"refresh_token": refresh2}), None)
        .await;
    assert_eq!(r.status, 401, "refresh after a replay: {}", r.body);
    for unknown in ["dfr_00", "", "x"] {
        let r = c
            .post("Auth/refresh", json!({"refresh_token": unknown}), None)
            .await;
        assert_eq!(r.status, 401, "{unknown:?}: {}", r.body);
    }
    // the session from registration is independent and still refreshes
    c.post(
        "Auth/refresh",
        json!({"refresh_token": reg["refresh_token"]}),
        None,
    )
    .await
    .ok();
}

fn s_of(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_string()
}

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
async fn twenty_wrong_passwords_delay_the_right_one_until_the_backoff_ends() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let (_, _, email) = c.new_member("Gus").await;
    let wrong = json!({"email": email, "password": "not-the-password"});
    let mut codes = Vec::new();
    for _ in 0..20 {
        let r = c.post("Auth/login", wrong.clone(), None).await;
        assert!(matches!(r.status, 401 | 429), "{} {}", r.status, r.body);
        codes.push(r.status);
    }
    let free = LOGIN_FREE_FAILURES as usize;
    assert!(codes[..free].iter().all(|c| *c == 401), "{codes:?}");
    assert!(codes.contains(&429), "{codes:?}");

    let right = json!({"email": email.to_uppercase(), "password": "password-123"});
    let r = c.post("Auth/login", right.clone(), None).await;
    assert_eq!(
        r.status, 429,
        "the right password during the backoff: {}",
        r.body
    );
    let secs: u64 = r
        .message()
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no seconds in {:?}", r.message()));
    assert!(
        (1..=LOGIN_BACKOFF_MAX_SECS).contains(&secs),
        "{}",
        r.message()
    );
    // an unknown email is not blocked by this account's failures, and costs a real check
    let r = c
        .post(
            "Auth/login",
            json!({"email": unique_email("ghost"), "password": "password-123"}),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);

    tokio::time::sleep(Duration::from_secs(secs) + Duration::from_millis(300)).await;
    let ok = c.post("Auth/login", right.clone(), None).await.ok();
    assert!(ok["token"].as_str().is_some(), "{ok}");
    // the success reset the counter: the next wrong password is a plain 401 again
    let r = c.post("Auth/login", wrong, None).await;
    assert_eq!(r.status, 401, "{}", r.body);
    c.post("Auth/login", right, None).await.ok();
}

#[tokio::test]
async fn no_password_or_token_stays_in_restates_journal_or_state() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let email = unique_email("hal");
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let reg = c
        .post(
            "Auth/register",
            json!({"email": email, "password": password, "name": "Hal"}),
            None,
        )
        .await
        .ok();
    let login = c.login(&email, &password).await;
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let r = c
        .post(
            "Auth/login",
            json!({"email": email, "password": wrong}),
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    let refreshed = c
        .post(
            "Auth/refresh",
            json!({"refresh_token": login["refresh_token"]}),
            None,
        )
        .await
        .ok();
    let token = s_of(&refreshed, "token");
    for path in [
        "Auth/validate",
        "Users/me",
        "Users/bookings",
        "Workspaces/list",
        "Notifications/list",
    ] {
        c.post(path, json!({}), Some(&token)).await.ok();
    }
    let admin = c.admin_token().await;
    let ws = crate::harness::open_workspace(&c, &admin, 2).await;
    c.post(
        "Workspaces/availability",
        json!({"workspace_id": ws, "from": "2031-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"}),
        Some(&token),
    )
    .await
    .ok();
    c.post("Admin/bookings", json!({}), Some(&admin)).await.ok();
    let secrets = [
        password.as_str(),
        wrong.as_str(),
        reg["token"].as_str().unwrap(),
        reg["refresh_token"].as_str().unwrap(),
        login["token"].as_str().unwrap(),
        login["refresh_token"].as_str().unwrap(),
        token.as_str(),
        refreshed["refresh_token"].as_str().unwrap(),
        admin.as_str(),
    ];
    s.assert_no_secret_in_restate(&secrets).await;
    // the search does find what is kept: the workspace's announcement email (a one-way call
    // with the default retention) holds its id
    let found = s.secrets_in_restate(&[ws.as_str()]).await;
    assert!(
        !found.is_empty(),
        "the journal search finds nothing: it would miss secrets too"
    );
}

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

#[tokio::test]
async fn files_with_secrets_are_owner_only_after_up() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    // a registration makes a welcome email, which maildev stores under the data dir
    let (_, _, email) = c.new_member("Jo").await;
    c.wait_for_mails(&email, 1).await;
    let data = Path::new(&s.info.data_dir);
    assert_eq!(mode(data), 0o700, "{}", data.display());
    assert_eq!(mode(&data.join("keys")), 0o700);
    assert_eq!(mode(&data.join("keys/restate-identity.pem")), 0o600);
    let db = data.join("deskflow.db");
    for f in [
        db.clone(),
        data.join("deskflow.db-wal"),
        data.join("deskflow.db-shm"),
    ] {
        if f.exists() || f == db {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
    let mail = data.join("mail");
    assert_eq!(mode(&mail), 0o700);
    let stored: Vec<_> = std::fs::read_dir(&mail).unwrap().flatten().collect();
    assert!(
        !stored.is_empty(),
        "maildev stored no message in {}",
        mail.display()
    );
    for e in stored {
        assert_eq!(
            mode(&e.path()) & 0o077,
            0,
            "{} is readable by others",
            e.path().display()
        );
    }
}

/// The deskflow CLI against the test stack, with `--json`, its own session file.
fn cli(s: &TestStack, session: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    crate::surface::cli(s, session, &all)
}

#[tokio::test]
async fn the_cli_refreshes_an_expired_token_and_keeps_its_session_owner_only() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let (user_id, _, email) = c.new_member("Kim").await;
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("conf/deskflow/cli.json");
    let s2 = s;
    let sess = session.clone();
    let em = email.clone();
    let out = tokio::task::spawn_blocking(move || {
        cli(
            s2,
            &sess,
            &[
                "auth",
                "login",
                "--email",
                &em,
                "--password",
                "password-123",
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&session), 0o600);
    assert_eq!(mode(session.parent().unwrap()), 0o700);

    // the stored access token has expired: the CLI refreshes it and stores the new pair
    let mut stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    let old_refresh = s_of(&stored, "refresh_token");
    let keys = TokenKeys::new(JWT_SECRET, 60);
    let (expired, _) = keys
        .issue(&user_id, "member", 0, chrono::Utc::now().timestamp() - 3600)
        .unwrap();
    stored["token"] = json!(expired);
    std::fs::write(&session, stored.to_string()).unwrap();
    let sess = session.clone();
    let out = tokio::task::spawn_blocking(move || cli(s2, &sess, &["workspaces", "list"]))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_ne!(s_of(&after, "token"), expired);
    assert_ne!(s_of(&after, "refresh_token"), old_refresh);
    assert_eq!(mode(&session), 0o600);
    c.post("Users/me", json!({}), Some(&s_of(&after, "token")))
        .await
        .ok();
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

#[test]
fn serve_refuses_the_development_secret_outside_a_dev_stack() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/x.db", dir.path().display()),
        )
        .env("DESKFLOW_ENDPOINT_ADDR", "127.0.0.1:0")
        .env("DESKFLOW_HTTP_ADDR", "127.0.0.1:0")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "serve started with the dev secret: {text}"
    );
    assert!(
        text.contains("DESKFLOW_JWT_SECRET") && text.contains("DESKFLOW_DEV_STACK"),
        "{text}"
    );
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing is opened before the check"
    );
}

#[test]
fn identity_key_makes_an_owner_only_private_key_and_prints_its_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = (dir.path().join("p/key.pem"), dir.path().join("pub/key.pub"));
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
            .arg("identity-key")
            .arg("--private")
            .arg(&private)
            .arg("--public")
            .arg(&public)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let key = run();
    assert!(key.starts_with("publickeyv1_"), "{key}");
    assert_eq!(std::fs::read_to_string(&public).unwrap().trim(), key);
    assert_eq!(mode(&private), 0o600);
    assert_eq!(mode(private.parent().unwrap()), 0o700);
    assert_eq!(run(), key, "an existing key is kept");
}
