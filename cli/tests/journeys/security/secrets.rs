//! Secrets kept: no password or token in Restate's journal or state, owner-only files after
//! `up`, no serving with the development secret outside a dev stack, and an owner-only identity
//! key.

use super::{mode, s_of, unique_email};
use crate::harness::stack;
use serde_json::json;
use std::path::Path;

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
