//! Users, the first admin, demotion and refresh tokens.

use crate::support::{admin, stores, user};
use deskflow_infra::InfraError;
use deskflow_infra::store::tokens::{NewRefreshToken, Spent};
use deskflow_infra::store::users::{Bootstrap, Demoted};

#[tokio::test]
async fn a_second_user_with_the_same_email_is_refused() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let err = s
            .insert_user(&user("u2", "ann@x.io"), "h")
            .await
            .unwrap_err();
        assert!(matches!(err, InfraError::AlreadyExists(_)), "{db}: {err}");
        assert!(s.user("u2").await.unwrap().is_none(), "{db}");
        let (u, hash) = s.user_credentials("ann@x.io").await.unwrap().unwrap();
        assert_eq!((u.id.as_str(), hash.as_str()), ("u1", "h"), "{db}");
    }
}

#[tokio::test]
async fn ensure_admin_creates_once_and_promotes_only_an_account_with_the_configured_password() {
    for (db, s, _d) in stores().await {
        // someone registered the admin email first, with a password of their own
        s.insert_user(&user("squatter", "boss@x.io"), "their-hash")
            .await
            .unwrap();
        let got = s
            .ensure_admin(&admin("other", "boss@x.io"), "h2", |stored| stored == "h2")
            .await
            .unwrap();
        assert_eq!(got, Bootstrap::Refused, "{db}");
        assert_eq!(
            s.user("squatter").await.unwrap().unwrap().role,
            "member",
            "{db}"
        );
        assert!(s.user("other").await.unwrap().is_none(), "{db}");

        // an account made with the configured password is promoted, then stays admin
        s.insert_user(&user("mine", "chief@x.io"), "conf")
            .await
            .unwrap();
        let promote = |stored: &str| stored == "conf";
        let got = s
            .ensure_admin(&admin("x", "chief@x.io"), "conf2", promote)
            .await;
        assert_eq!(got.unwrap(), Bootstrap::Promoted, "{db}");
        let got = s
            .ensure_admin(&admin("x", "chief@x.io"), "conf2", promote)
            .await;
        assert_eq!(got.unwrap(), Bootstrap::AlreadyAdmin, "{db}");
        assert_eq!(s.user("mine").await.unwrap().unwrap().role, "admin", "{db}");

        // a fresh email is created as admin
        let got = s
            .ensure_admin(&admin("new", "new@x.io"), "h", |_| false)
            .await;
        assert_eq!(got.unwrap(), Bootstrap::Created, "{db}");
        assert_eq!(s.user("new").await.unwrap().unwrap().role, "admin", "{db}");
    }
}

#[tokio::test]
async fn a_refresh_token_rotates_once_and_a_replay_revokes_its_family() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let t = |hash: &'static str, by: &'static str| NewRefreshToken {
            token_hash: hash,
            user_id: "u1",
            family_id: "f1",
            issued_by: by,
            now_ms: 1_000,
            expires_at_ms: 100_000,
        };
        s.insert_refresh_token(&t("a", "login-1")).await.unwrap();
        // a retried issuing step replaces the token it issued before
        s.insert_refresh_token(&t("a2", "login-1")).await.unwrap();
        assert_eq!(
            s.rotate_refresh_token("a", "b", 100_000, "r1", 2_000)
                .await
                .unwrap(),
            Spent::Refused,
            "{db}: the replaced token is gone"
        );
        let first = s
            .rotate_refresh_token("a2", "b", 100_000, "r1", 2_000)
            .await
            .unwrap();
        assert!(
            matches!(first, Spent::Rotated { ref user_id, .. } if user_id == "u1"),
            "{db}: {first:?}"
        );
        // the same invocation again (a retried step) still gets its rotation
        let again = s
            .rotate_refresh_token("a2", "b", 100_000, "r1", 2_000)
            .await
            .unwrap();
        assert!(matches!(again, Spent::Rotated { .. }), "{db}: {again:?}");
        // another caller replaying the spent token: refused, and the new token dies with it
        let replay = s
            .rotate_refresh_token("a2", "c", 100_000, "r2", 3_000)
            .await
            .unwrap();
        assert_eq!(replay, Spent::Refused, "{db}");
        let after = s
            .rotate_refresh_token("b", "d", 100_000, "r3", 3_000)
            .await
            .unwrap();
        assert_eq!(after, Spent::Refused, "{db}: the family is revoked");
        // expired tokens are refused
        s.insert_refresh_token(&NewRefreshToken {
            token_hash: "e",
            family_id: "f2",
            issued_by: "login-2",
            ..t("e", "login-2")
        })
        .await
        .unwrap();
        let late = s
            .rotate_refresh_token("e", "g", 200_000, "r4", 100_000)
            .await
            .unwrap();
        assert_eq!(late, Spent::Refused, "{db}");
    }
}

#[tokio::test]
async fn demoting_bumps_the_token_version_revokes_sessions_and_spares_the_last_admin() {
    for (db, s, _d) in stores().await {
        s.insert_user(&admin("a1", "a1@x.io"), "h").await.unwrap();
        s.insert_user(&admin("a2", "a2@x.io"), "h").await.unwrap();
        s.insert_refresh_token(&NewRefreshToken {
            token_hash: "t",
            user_id: "a2",
            family_id: "f",
            issued_by: "i",
            now_ms: 1,
            expires_at_ms: i64::MAX,
        })
        .await
        .unwrap();
        let before = s.user_access("a2").await.unwrap().unwrap().token_version;
        let d = s.demote("a2@x.io", 5).await.unwrap();
        assert!(
            matches!(d, Demoted::Done(ref u) if u.role == "member"),
            "{db}: {d:?}"
        );
        let after = s.user_access("a2").await.unwrap().unwrap();
        assert_eq!(
            (after.role.as_str(), after.token_version),
            ("member", before + 1),
            "{db}"
        );
        assert_eq!(
            s.rotate_refresh_token("t", "u", i64::MAX, "r", 6)
                .await
                .unwrap(),
            Spent::Refused,
            "{db}: refresh tokens are revoked"
        );
        assert_eq!(
            s.demote("a1@x.io", 7).await.unwrap(),
            Demoted::LastAdmin,
            "{db}"
        );
        assert_eq!(
            s.user_access("a1").await.unwrap().unwrap().role,
            "admin",
            "{db}"
        );
        assert_eq!(
            s.demote("nobody@x.io", 7).await.unwrap(),
            Demoted::NoSuchUser,
            "{db}"
        );
    }
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    for (db, s, _d) in stores().await {
        for round in 0..5 {
            let (a, b) = (format!("a{round}@x.io"), format!("b{round}@x.io"));
            s.insert_user(&admin(&format!("a{round}"), &a), "h")
                .await
                .unwrap();
            s.insert_user(&admin(&format!("b{round}"), &b), "h")
                .await
                .unwrap();
            // the previous round's survivor steps down: these two are the last admins
            if round > 0 {
                for prev in [
                    format!("a{}@x.io", round - 1),
                    format!("b{}@x.io", round - 1),
                ] {
                    s.demote(&prev, 1).await.unwrap();
                }
            }
            let (s1, s2) = (s.clone(), s.clone());
            let (x, y) = tokio::join!(
                tokio::spawn(async move { s1.demote(&a, 1).await.unwrap() }),
                tokio::spawn(async move { s2.demote(&b, 1).await.unwrap() })
            );
            let outcomes = [x.unwrap(), y.unwrap()];
            let demoted = outcomes
                .iter()
                .filter(|o| matches!(o, Demoted::Done(_)))
                .count();
            assert_eq!(demoted, 1, "{db} round {round}: {outcomes:?}");
        }
    }
}

#[tokio::test]
async fn a_new_name_is_stored_and_an_inactive_or_unknown_user_is_not_changed() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let u = s.set_name("u1", "Ann Other").await.unwrap().unwrap();
        assert_eq!(u.name, "Ann Other", "{db}");
        assert_eq!(
            s.user("u1").await.unwrap().unwrap().name,
            "Ann Other",
            "{db}"
        );
        assert!(s.set_name("nobody", "X").await.unwrap().is_none(), "{db}");
    }
}

#[tokio::test]
async fn a_password_change_replaces_the_hash_bumps_the_version_and_revokes_refresh_tokens() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "old-hash")
            .await
            .unwrap();
        s.insert_refresh_token(&NewRefreshToken {
            token_hash: "r-old",
            user_id: "u1",
            family_id: "f1",
            issued_by: "login-1",
            now_ms: 1_000,
            expires_at_ms: 100_000,
        })
        .await
        .unwrap();
        assert_eq!(
            s.password_of("u1").await.unwrap(),
            Some(("old-hash".to_string(), 0)),
            "{db}"
        );
        // a stale expected version (another change came first) changes nothing
        assert!(
            !s.change_password("u1", "new-hash", 7, 2_000).await.unwrap(),
            "{db}"
        );
        assert_eq!(
            s.password_of("u1").await.unwrap().unwrap().0,
            "old-hash",
            "{db}"
        );

        assert!(
            s.change_password("u1", "new-hash", 0, 2_000).await.unwrap(),
            "{db}"
        );
        assert_eq!(
            s.password_of("u1").await.unwrap(),
            Some(("new-hash".to_string(), 1)),
            "{db}"
        );
        assert_eq!(s.user_access("u1").await.unwrap().unwrap().token_version, 1);
        let (_, hash) = s.user_credentials("ann@x.io").await.unwrap().unwrap();
        assert_eq!(hash, "new-hash", "{db}");
        // the refresh token issued before is refused
        assert_eq!(
            s.rotate_refresh_token("r-old", "r-next", 100_000, "refresh-1", 3_000)
                .await
                .unwrap(),
            Spent::Refused,
            "{db}"
        );
        // the same expected version again (a retry after the change) changes nothing more
        assert!(
            !s.change_password("u1", "newer", 0, 4_000).await.unwrap(),
            "{db}"
        );
        assert_eq!(
            s.password_of("u1").await.unwrap().unwrap(),
            ("new-hash".into(), 1)
        );
        assert!(
            !s.change_password("nobody", "h", 0, 4_000).await.unwrap(),
            "{db}"
        );
    }
}
