//! The end of an account's and a workspace's life: which bookings a closure or a deletion
//! cancels, closing an account (again: still revoking), the last-admin check, and erasing
//! personal data (only of a closed account; notifications delivered later are erased too).

use crate::support::{admin, booking, stores, user, workspace};
use deskflow_domain::booking::BookingStatus;
use deskflow_infra::store::notifications::NotificationRow;
use deskflow_infra::store::tokens::{NewRefreshToken, Spent};

const H: i64 = 3_600_000;

fn notification(id: &str, user_id: &str) -> NotificationRow {
    NotificationRow {
        id: id.into(),
        user_id: Some(user_id.into()),
        kind: "booking_cancelled".into(),
        recipient: "ann@x.io".into(),
        subject: "Booking cancelled: Loft".into(),
        body: "Hello Ann".into(),
        status: "pending".into(),
        attempts: 0,
        last_error: None,
        created_at: 1,
        sent_at: None,
    }
}

#[tokio::test]
async fn a_closure_lists_the_bookings_not_ended_and_a_deletion_those_not_started() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w1", 10)).await.unwrap();
        let now = 10 * H;
        for (id, from, to, status) in [
            ("over", 1, 2, BookingStatus::Confirmed),
            ("under-way", 9, 11, BookingStatus::Confirmed),
            ("ahead", 12, 13, BookingStatus::Held),
            ("paying", 14, 15, BookingStatus::AwaitingPayment),
            ("waiting", 16, 17, BookingStatus::Waitlisted),
            ("gone", 12, 13, BookingStatus::Cancelled),
        ] {
            s.insert_booking(&booking(id, "w1", from, to, 1))
                .await
                .unwrap();
            s.set_booking_status(id, status, None, 1).await.unwrap();
        }
        let closing = s.unfinished_bookings_of_workspace("w1", now).await.unwrap();
        assert_eq!(closing, ["under-way", "ahead", "paying", "waiting"], "{db}");
        let deleting = s.upcoming_bookings_of_user("u1", now).await.unwrap();
        assert_eq!(
            deleting,
            ["ahead", "paying", "waiting"],
            "{db}: the one under way stays"
        );
    }
}

#[tokio::test]
async fn closing_an_account_revokes_everything_also_when_run_again() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let token = |hash: &'static str, family: &'static str| NewRefreshToken {
            token_hash: hash,
            user_id: "u1",
            family_id: family,
            issued_by: family,
            now_ms: 1_000,
            expires_at_ms: 100_000,
        };
        s.insert_refresh_token(&token("a", "f1")).await.unwrap();
        let before = s.user_access("u1").await.unwrap().unwrap();
        s.close_account("u1", 2_000).await.unwrap();
        let after = s.user_access("u1").await.unwrap().unwrap();
        assert!(!after.active, "{db}");
        assert_eq!(after.token_version, before.token_version + 1, "{db}");
        // a token issued while the first run was cut off is revoked by the second
        s.insert_refresh_token(&token("b", "f2")).await.unwrap();
        s.close_account("u1", 3_000).await.unwrap();
        let again = s.user_access("u1").await.unwrap().unwrap();
        assert_eq!(again.token_version, after.token_version, "{db}: moved once");
        for hash in ["a", "b"] {
            let revoked: Option<i64> =
                sqlx::query_scalar("SELECT revoked_at FROM refresh_tokens WHERE token_hash = $1")
                    .bind(hash)
                    .fetch_one(s.pool())
                    .await
                    .unwrap();
            assert!(revoked.is_some(), "{db}: refresh token {hash} not revoked");
            let spent = s
                .rotate_refresh_token(hash, "new", 100_000, "r", 4_000)
                .await
                .unwrap();
            assert_eq!(spent, Spent::Refused, "{db}: refresh token {hash}");
        }
    }
}

#[tokio::test]
async fn only_the_last_active_admin_is_the_last_admin() {
    for (db, s, _d) in stores().await {
        s.insert_user(&admin("a1", "a1@x.io"), "h").await.unwrap();
        s.insert_user(&user("m1", "m1@x.io"), "h").await.unwrap();
        assert!(s.is_last_admin("a1").await.unwrap(), "{db}");
        assert!(!s.is_last_admin("m1").await.unwrap(), "{db}: a member");
        s.insert_user(&admin("a2", "a2@x.io"), "h").await.unwrap();
        assert!(!s.is_last_admin("a1").await.unwrap(), "{db}: two admins");
        s.close_account("a2", 1).await.unwrap();
        assert!(
            s.is_last_admin("a1").await.unwrap(),
            "{db}: a closed admin counts not"
        );
    }
}

#[tokio::test]
async fn erasing_keeps_amounts_and_frees_the_email_but_only_of_a_closed_account() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w1", 10)).await.unwrap();
        s.insert_booking(&booking("b1", "w1", 1, 2, 1))
            .await
            .unwrap();
        s.insert_notification(&notification("n-sent", "u1"))
            .await
            .unwrap();
        s.mark_notification_sent("n-sent", 5).await.unwrap();
        // an open account is not erased
        s.erase_account("u1").await.unwrap();
        assert_eq!(
            s.user("u1").await.unwrap().unwrap().email,
            "ann@x.io",
            "{db}"
        );

        s.close_account("u1", 10).await.unwrap();
        // recorded while the account was closing, delivered after it was erased
        s.insert_notification(&notification("n-late", "u1"))
            .await
            .unwrap();
        s.erase_account("u1").await.unwrap();
        let u = s.user("u1").await.unwrap().unwrap();
        assert_eq!(
            (u.email.as_str(), u.name.as_str()),
            ("deleted-u1@deleted.invalid", "deleted"),
            "{db}"
        );
        s.mark_notification_sent("n-late", 20).await.unwrap();
        for id in ["n-sent", "n-late"] {
            let n = s.notification(id).await.unwrap().unwrap();
            assert_eq!(
                (n.recipient.as_str(), n.subject.as_str(), n.body.as_str()),
                ("", "(erased)", ""),
                "{db}: {id}"
            );
            assert_eq!(n.status, "sent", "{db}: {id}");
        }
        let b = s.booking("b1").await.unwrap().unwrap();
        assert_eq!((b.user_id.as_str(), b.amount_cents), ("u1", 100), "{db}");
        // the address registers again
        s.insert_user(&user("u2", "ann@x.io"), "h2").await.unwrap();
    }
}
