//! Sessions: register, login, refresh and validate hand out short access tokens and rotating
//! refresh tokens; wrong passwords delay the next login; the CLI refreshes an expired token and
//! keeps its session file owner-only.

use super::{cli, mode, s_of, unique_email};
use crate::harness::{JWT_SECRET, LOGIN_BACKOFF_MAX_SECS, LOGIN_FREE_FAILURES, stack};
use deskflow_infra::jwt::TokenKeys;
use serde_json::{Value, json};
use std::time::Duration;

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

    // a fresh failure opens a whole backoff window (the longest by now): the right password is
    // tried at once inside it, however slowly the calls above went on a busy machine
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = c.post("Auth/login", wrong.clone(), None).await;
        assert!(matches!(r.status, 401 | 429), "{} {}", r.status, r.body);
        if r.status == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the backoff did not end within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
