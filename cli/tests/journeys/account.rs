//! A member's own account: `Users/update` changes the name (and nothing for a bad one);
//! `Users/change_password` refuses a wrong current password or a weak new one without writing
//! anything, and a change revokes every earlier access and refresh token while a login with the
//! new password works at once; the member is told by email; no password stays in Restate. The
//! same through `deskflow account`. Deleting an account is in [`deletion`].

mod deletion;

use crate::harness::{TestStack, eventually, stack};
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) fn s_of(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_string()
}

/// `(name, password_hash, token_version)` of a user, read from the stack's database.
pub(crate) async fn user_row(s: &TestStack, user_id: &str) -> (String, String, i64) {
    let store = s.store().await;
    let row: (String, String, i64) =
        sqlx::query_as("SELECT name, password_hash, token_version FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(store.pool())
            .await
            .unwrap();
    row
}

/// How many activity rows of `kind` the user has (recorded one-way, a moment after the call).
pub(crate) async fn activity_count(s: &TestStack, user_id: &str, kind: &str) -> i64 {
    let store = s.store().await;
    sqlx::query_scalar("SELECT COUNT(*) FROM activity WHERE user_id = $1 AND kind = $2")
        .bind(user_id)
        .bind(kind)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

pub(crate) async fn wait_for_activity(s: &TestStack, user_id: &str, kind: &str, n: i64) {
    eventually(Duration::from_secs(30), || async {
        (activity_count(s, user_id, kind).await >= n).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("no {kind} activity for {user_id} within 30 s"));
}

#[tokio::test]
async fn a_member_changes_their_name_and_a_bad_name_writes_nothing() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let (user_id, token, email) = c.new_member("Nia").await;

    let p = c
        .post(
            "Users/update",
            json!({"name": "  Nia Okafor "}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(p["name"], "Nia Okafor", "trimmed: {p}");
    assert_eq!(
        (p["user_id"].as_str(), p["email"].as_str()),
        (Some(user_id.as_str()), Some(email.as_str()))
    );
    assert_eq!(p["role"], "member");
    assert!(p["created_at"].as_str().is_some(), "{p}");
    let me = c.post("Users/me", json!({}), Some(&token)).await.ok();
    assert_eq!(me, p, "update answers the profile as Users/me shows it");
    assert_eq!(user_row(s, &user_id).await.0, "Nia Okafor");
    wait_for_activity(s, &user_id, "profile_updated", 1).await;

    for bad in [json!({"name": "   "}), json!({"name": "x".repeat(201)})] {
        let r = c.post("Users/update", bad.clone(), Some(&token)).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(
            r.message().contains("name"),
            "the message names the field: {}",
            r.body
        );
    }
    let r = c
        .post(
            "Users/update",
            json!({"name": "Eve", "role": "admin"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "an unknown field: {}", r.body);
    let r = c.post("Users/update", json!({"name": "Eve"}), None).await;
    assert_eq!(r.status, 401, "no token: {}", r.body);
    assert_eq!(
        user_row(s, &user_id).await.0,
        "Nia Okafor",
        "nothing written"
    );
    // give a stray one-way record the time it would need, then count again
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(activity_count(s, &user_id, "profile_updated").await, 1);
}

#[tokio::test]
async fn a_password_change_revokes_earlier_sessions_and_the_new_password_logs_in_at_once() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    // passwords of this test's own, so the search of Restate's storage cannot be confused by
    // another test's call in flight
    let email = format!("oda-{}@journeys.test", uuid::Uuid::new_v4().simple());
    let old_password = format!("old-{}", uuid::Uuid::new_v4().simple());
    let old_password = old_password.as_str();
    let reg = c
        .post(
            "Auth/register",
            json!({"email": email, "password": old_password, "name": "Oda"}),
            None,
        )
        .await
        .ok();
    let (user_id, reg_token) = (s_of(&reg, "user_id"), s_of(&reg, "token"));
    let login = c.login(&email, old_password).await;
    let (token, refresh) = (s_of(&login, "token"), s_of(&login, "refresh_token"));
    let before = user_row(s, &user_id).await;

    // refusals write nothing
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let new_password = format!("new-{}", uuid::Uuid::new_v4().simple());
    let r = c
        .post(
            "Users/change_password",
            json!({"current_password": wrong, "new_password": new_password}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 401, "wrong current password: {}", r.body);
    assert!(r.message().contains("current_password"), "{}", r.body);
    let r = c
        .post(
            "Users/change_password",
            json!({"current_password": old_password, "new_password": "short"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "weak new password: {}", r.body);
    assert!(r.message().contains("new_password"), "{}", r.body);
    let r = c
        .post(
            "Users/change_password",
            json!({"current_password": old_password, "new_password": "x".repeat(129)}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "too long: {}", r.body);
    let r = c
        .post(
            "Users/change_password",
            json!({"current_password": old_password, "new_password": new_password}),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "no token: {}", r.body);
    assert_eq!(
        user_row(s, &user_id).await,
        before,
        "refusals change nothing"
    );
    c.post("Users/me", json!({}), Some(&token)).await.ok();
    let still = c.login(&email, old_password).await;
    assert!(still["token"].as_str().is_some(), "{still}");

    // the change
    let done = c
        .post(
            "Users/change_password",
            json!({"current_password": old_password, "new_password": new_password}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(done, json!({}));
    let after = user_row(s, &user_id).await;
    assert_ne!(after.1, before.1, "a new hash is stored");
    assert!(
        !after.1.contains(&new_password),
        "the hash is not the password"
    );
    assert_eq!(after.2, before.2 + 1, "the token version moved on");

    // every token issued before is refused, refresh tokens included
    for (what, t) in [
        ("login", &token),
        ("registration", &reg_token),
        ("second login", &s_of(&still, "token")),
    ] {
        let r = c.post("Users/me", json!({}), Some(t)).await;
        assert_eq!(r.status, 401, "the {what} access token: {}", r.body);
    }
    for (what, rt) in [
        ("login", refresh.clone()),
        ("second login", s_of(&still, "refresh_token")),
    ] {
        let r = c
            .post("Auth/refresh", json!({"refresh_token": rt}), None)
            .await;
        assert_eq!(r.status, 401, "the {what} refresh token: {}", r.body);
    }
    // a login right after the change works, and so does its token and refresh token
    let fresh = c.login(&email, &new_password).await;
    let me = c
        .post("Users/me", json!({}), Some(&s_of(&fresh, "token")))
        .await
        .ok();
    assert_eq!(me["user_id"], user_id.as_str());
    let rotated = c
        .post(
            "Auth/refresh",
            json!({"refresh_token": s_of(&fresh, "refresh_token")}),
            None,
        )
        .await
        .ok();
    c.post("Users/me", json!({}), Some(&s_of(&rotated, "token")))
        .await
        .ok();
    // the old password no longer logs in
    let r = c
        .post(
            "Auth/login",
            json!({"email": email, "password": old_password}),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "the old password: {}", r.body);

    // the member is told, and the change is recorded
    let mails = c.wait_for_mails(&email, 2).await;
    assert!(
        mails
            .iter()
            .any(|m| m["subject"] == "Your deskflow password was changed"),
        "{mails:?}"
    );
    wait_for_activity(s, &user_id, "password_changed", 1).await;

    // no password stays in Restate's journal or state
    s.assert_no_secret_in_restate(&[old_password, &wrong, &new_password])
        .await;
}

#[tokio::test]
async fn the_cli_renames_and_changes_the_password_and_keeps_a_working_session() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let email = format!("acct-{}@journeys.test", uuid::Uuid::new_v4().simple());
    let (first, second) = (
        format!("first-{}", uuid::Uuid::new_v4().simple()),
        format!("second-{}", uuid::Uuid::new_v4().simple()),
    );
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("cli.json");
    // as `surface::cli`, plus environment variables for the passwords
    let run = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        let session = session.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"));
                cmd.args([
                    "--ingress",
                    &s.info.ingress_url,
                    "--admin-url",
                    &s.info.admin_url,
                ])
                .args(&a)
                .env("DESKFLOW_CLI_CONFIG", &session)
                .env("NO_COLOR", "1");
                for (k, v) in env {
                    cmd.env(k, v);
                }
                cmd.output().unwrap()
            })
            .await
            .unwrap()
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let ok = |o: std::process::Output| {
        assert!(
            o.status.success(),
            "exit {:?}: {}{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };

    ok(run(
        args(&[
            "auth",
            "register",
            "--email",
            &email,
            "--password",
            &first,
            "--name",
            "Pia",
        ]),
        vec![],
    )
    .await);
    let out = ok(run(
        args(&["--json", "account", "update", "--name", "Pia Lund"]),
        vec![],
    )
    .await);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        (v["name"].as_str(), v["email"].as_str()),
        (Some("Pia Lund"), Some(email.as_str()))
    );
    let out = ok(run(args(&["account", "update", "--name", "Pia Lund"]), vec![]).await);
    assert!(out.contains("is now called Pia Lund"), "{out}");

    // a wrong current password: refused, the session still works and was not spent
    let stored_before = std::fs::read_to_string(&session).unwrap();
    let o = run(
        args(&[
            "account",
            "password",
            "--current",
            "not-my-password",
            "--new",
            &second,
        ]),
        vec![],
    )
    .await;
    assert!(!o.status.success(), "a wrong current password succeeded");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("current_password"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(&session).unwrap(), stored_before);

    // the passwords from the environment; --json prints the server's answer
    let old: Value = serde_json::from_str(&stored_before).unwrap();
    let out = ok(run(
        args(&["--json", "account", "password"]),
        vec![
            ("DESKFLOW_CURRENT_PASSWORD", first.clone()),
            ("DESKFLOW_NEW_PASSWORD", second.clone()),
        ],
    )
    .await);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({}),
        "{out}"
    );
    // the stored session is a new login, and works; the one before is refused
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_ne!(stored["token"], old["token"]);
    let r = c.post("Users/me", json!({}), old["token"].as_str()).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let out = ok(run(
        args(&["--json", "account", "update", "--name", "Pia L."]),
        vec![],
    )
    .await);
    assert!(out.contains("Pia L."), "{out}");
    c.login(&email, &second).await;
    let r = c
        .post(
            "Auth/login",
            json!({"email": email, "password": first}),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    s.assert_no_secret_in_restate(&[&first, &second]).await;
}
