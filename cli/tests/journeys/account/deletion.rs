//! `Users/delete` on the real stack: a wrong password or bad input deletes nothing; a deletion
//! cancels the member's bookings that have not started as their own cancels (the refund
//! policy applies: all of it more than a day ahead, half within a day) and leaves the one under
//! way; one email tells what was cancelled and refunded (the cancels' own emails are not sent);
//! every token, refresh token and the login are refused afterwards; name, email, password hash
//! and the notifications' addresses and texts are erased while bookings, payments and activity
//! keep their amounts; the email registers again; neither the password nor the address or the
//! name stays readable in Restate.

use super::{activity_count, s_of, wait_for_activity};
use crate::harness::{eventually, open_workspace, stack};
use crate::invariants::{booking_settled, reconciled};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn deleting_an_account_cancels_its_upcoming_bookings_erases_it_and_frees_the_email() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 4).await;
    let email = format!("dana-{}@journeys.test", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let reg = c
        .post(
            "Auth/register",
            json!({"email": email, "password": password, "name": "Dana Deleted"}),
            None,
        )
        .await
        .ok();
    let user_id = s_of(&reg, "user_id");
    let login = c.login(&email, &password).await;
    let (token, refresh) = (s_of(&login, "token"), s_of(&login, "refresh_token"));

    // under way at the deletion: stays, for accounting
    let under_way = c.book_hour(&token, &ws, 5).await;
    // more than a day ahead: all of it back
    let far = c.book_hour(&token, &ws, 3 * 86_400).await;
    // within a day: half back
    let near = c.book_hour(&token, &ws, 7200).await;
    for id in [&under_way, &far, &near] {
        c.wait_status(&token, id, "confirmed").await;
    }
    eventually(Duration::from_secs(20), || async {
        let st = c.status(&token, &under_way).await;
        let start = chrono::DateTime::parse_from_rfc3339(st["starts_at"].as_str()?).ok()?;
        (start < chrono::Utc::now()).then_some(())
    })
    .await
    .expect("the first booking started");

    // refusals delete nothing
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let r = c
        .post("Users/delete", json!({"password": wrong}), Some(&token))
        .await;
    assert_eq!(r.status, 401, "a wrong password: {}", r.body);
    assert!(r.message().contains("password"), "{}", r.body);
    let r = c.post("Users/delete", json!({}), Some(&token)).await;
    assert_eq!(r.status, 400, "no password: {}", r.body);
    let r = c
        .post(
            "Users/delete",
            json!({"password": password, "user_id": "someone-else"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 400, "an unknown field: {}", r.body);
    let r = c
        .post("Users/delete", json!({"password": password}), None)
        .await;
    assert_eq!(r.status, 401, "no token: {}", r.body);
    let me = c.post("Users/me", json!({}), Some(&token)).await.ok();
    assert_eq!(
        me["email"],
        email.as_str(),
        "a refused delete changed the account"
    );
    c.wait_status(&token, &far, "confirmed").await;

    // the deletion
    let done = c
        .post("Users/delete", json!({"password": password}), Some(&token))
        .await
        .ok();
    assert_eq!(
        done,
        json!({"cancelled_bookings": 2, "refunded_cents": 3600 + 1800})
    );
    booking_settled(s, &far, "cancelled", 3600, 3600).await;
    booking_settled(s, &near, "cancelled", 3600, 1800).await;
    booking_settled(s, &under_way, "confirmed", 3600, 0).await;

    // nothing of the account works any more
    let r = c.post("Users/me", json!({}), Some(&token)).await;
    assert_eq!(r.status, 401, "the access token: {}", r.body);
    let r = c
        .post("Auth/refresh", json!({"refresh_token": refresh}), None)
        .await;
    assert_eq!(r.status, 401, "the refresh token: {}", r.body);
    let r = c
        .post(
            "Auth/login",
            json!({"email": email, "password": password}),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "the login: {}", r.body);

    // one email says it all, delivered before the answer; the cancels' own emails are not sent
    let notice: Vec<String> = c
        .mails_to(&email)
        .await
        .iter()
        .filter(|m| m["subject"] == "Your deskflow account was deleted")
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(notice.len(), 1, "{:?}", c.subjects(&email).await);
    assert!(
        notice[0].contains("2 booking(s)") && notice[0].contains("54.00"),
        "{}",
        notice[0]
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after: Vec<String> = c
        .subjects(&email)
        .await
        .into_iter()
        .filter(|s| s.starts_with("Booking cancelled") || s.starts_with("Refund issued"))
        .collect();
    assert!(after.is_empty(), "mails to a deleted account: {after:?}");

    // personal data erased; amounts kept
    let db = s.store().await;
    let (row_email, name, hash): (String, String, String) =
        sqlx::query_as("SELECT email, name, password_hash FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(!row_email.contains("dana"), "email kept: {row_email}");
    assert_eq!((name.as_str(), hash.as_str()), ("deleted", ""));
    let kept = eventually(Duration::from_secs(60), || async {
        let (all, readable): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN recipient <> '' OR body <> '' THEN 1 ELSE 0 END), 0) AS BIGINT)
               FROM notifications WHERE user_id = $1",
        )
        .bind(&user_id)
        .fetch_one(db.pool())
        .await
        .unwrap();
        // the confirmations before, the cancellations not sent and the deletion notice
        (all >= 9 && readable == 0).then_some(all)
    })
    .await;
    assert!(
        kept.is_some(),
        "the member's notifications are not all erased"
    );
    wait_for_activity(s, &user_id, "account_deleted", 1).await;
    assert!(
        activity_count(s, &user_id, "booking_confirmed").await >= 3,
        "the reports lost the member's bookings"
    );
    let searchable: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1 OR name = 'Dana Deleted'")
            .bind(&email)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(searchable, 0);

    // neither the password nor the address or the name is readable in Restate
    s.assert_no_secret_in_restate(&[&password, &wrong, &email, "Dana Deleted"])
        .await;

    // the email registers again, as a new account
    let again = c
        .post(
            "Auth/register",
            json!({"email": email, "password": password, "name": "Dana Again"}),
            None,
        )
        .await
        .ok();
    assert_ne!(s_of(&again, "user_id"), user_id);
    c.login(&email, &password).await;

    reconciled(s, &[far, near, under_way]).await;
}

#[tokio::test]
async fn a_deletion_during_an_smtp_outage_erases_on_time_and_sends_nothing_afterwards() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (user_id, token, email) = c.new_member("Sol").await;
    let far = c.book_hour(&token, &ws, 3 * 86_400).await;
    c.wait_status(&token, &far, "confirmed").await;
    c.wait_for_mails(&email, 3).await;
    let before = c.mails_to(&email).await.len();

    let outage = s.outage("maildev");
    let done = c
        .post(
            "Users/delete",
            json!({"password": "password-123"}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(
        done,
        json!({"cancelled_bookings": 1, "refunded_cents": 3600})
    );
    booking_settled(s, &far, "cancelled", 3600, 3600).await;
    let db = s.store().await;
    let erased: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_ne!(erased, email, "the erasure waited for the SMTP outage");
    outage.end();

    // the notice, still being retried when the address was erased, is given up, never sent
    let notice = format!("account_deleted:{user_id}");
    let given_up = eventually(Duration::from_secs(90), || async {
        let n = db.notification(&notice).await.unwrap()?;
        (n.status == "failed").then_some(n)
    })
    .await
    .expect("the deletion notice was given up");
    assert_eq!(given_up.recipient, "", "{given_up:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        c.mails_to(&email).await.len(),
        before,
        "a mail reached the deleted account"
    );
}
