//! What the flows record once per origin: notifications and activity, and the summary built
//! from activity and bookings.

use crate::support::{booking, stores, user, workspace};
use deskflow_domain::booking::BookingStatus;
use deskflow_infra::store::{activity::Activity, notifications::NotificationRow};

#[tokio::test]
async fn notifications_are_recorded_once_and_count_their_attempts() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        let n = NotificationRow {
            id: "welcome:u1".into(),
            user_id: Some("u1".into()),
            kind: "welcome".into(),
            recipient: "ann@x.io".into(),
            subject: "Welcome".into(),
            body: "Hi".into(),
            status: "pending".into(),
            attempts: 0,
            last_error: None,
            created_at: 5,
            sent_at: None,
        };
        s.insert_notification(&n).await.unwrap();
        s.insert_notification(&n).await.unwrap();
        assert!(s.count_notification_attempt(&n.id).await.unwrap(), "{db}");
        s.note_notification_error(&n.id, "connection refused")
            .await
            .unwrap();
        assert!(s.count_notification_attempt(&n.id).await.unwrap(), "{db}");
        s.mark_notification_sent(&n.id, 9).await.unwrap();
        // a retried step after the send: nothing to count, the caller must not send again
        assert!(!s.count_notification_attempt(&n.id).await.unwrap(), "{db}");
        let got = s.notifications_of_user("u1").await.unwrap();
        assert_eq!(got.len(), 1, "{db}");
        assert_eq!(
            (
                got[0].status.as_str(),
                got[0].attempts,
                got[0].sent_at,
                got[0].last_error.clone()
            ),
            ("sent", 2, Some(9), None),
            "{db}"
        );
    }
}

#[tokio::test]
async fn activity_is_recorded_once_per_origin_and_summarised() {
    for (db, s, _d) in stores().await {
        let a = Activity {
            origin_key: "user_registered:u1".into(),
            kind: "user_registered".into(),
            user_id: Some("u1".into()),
            workspace_id: None,
            booking_id: None,
            amount_cents: None,
            at: 7,
        };
        assert!(s.record_activity(&a).await.unwrap(), "{db}");
        assert!(
            !s.record_activity(&a).await.unwrap(),
            "{db}: the second record is a no-op"
        );
        assert_eq!(
            s.activity("user_registered:u1").await.unwrap(),
            Some(a),
            "{db}"
        );

        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 5)).await.unwrap();
        s.insert_booking(&booking("b1", "w", 9, 11, 2))
            .await
            .unwrap();
        s.set_booking_status("b1", BookingStatus::Confirmed, None, 3)
            .await
            .unwrap();
        s.insert_booking(&booking("b2", "w", 9, 10, 1))
            .await
            .unwrap();
        s.set_booking_status("b2", BookingStatus::Failed, Some("card declined"), 3)
            .await
            .unwrap();
        let sum = s.summary(0, 24 * 3_600_000).await.unwrap();
        let mut by = sum.bookings_by_status.clone();
        by.sort();
        assert_eq!(
            by,
            vec![("confirmed".to_string(), 1), ("failed".to_string(), 1)],
            "{db}"
        );
        assert_eq!(
            sum.booked_seat_ms,
            vec![("w".to_string(), 2 * 2 * 3_600_000)],
            "{db}"
        );
        assert_eq!((sum.revenue_cents, sum.refunded_cents), (0, 0), "{db}");
    }
}

/// How a booking ended stays its story: a final status is never changed into another (a late or
/// second run of its flow writes nothing over it), while the same final status may be written
/// again with its full reason.
#[tokio::test]
async fn a_final_status_is_never_changed_into_another() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 5)).await.unwrap();
        s.insert_booking(&booking("b1", "w", 9, 11, 1))
            .await
            .unwrap();
        assert!(
            s.update_booking_status("b1", BookingStatus::Cancelled, Some("by the member"), 3)
                .await
                .unwrap(),
            "{db}"
        );
        assert!(
            !s.update_booking_status("b1", BookingStatus::Rejected, Some("again"), 4)
                .await
                .unwrap(),
            "{db}"
        );
        assert!(
            s.update_booking_status(
                "b1",
                BookingStatus::Cancelled,
                Some("by the member (note)"),
                5
            )
            .await
            .unwrap(),
            "{db}"
        );
        let row = s.booking("b1").await.unwrap().unwrap();
        assert_eq!(
            (row.status, row.reason.as_deref(), row.updated_at),
            (BookingStatus::Cancelled, Some("by the member (note)"), 5),
            "{db}"
        );
        assert!(
            !s.update_booking_status("none", BookingStatus::Cancelled, None, 6)
                .await
                .unwrap(),
            "{db}: no row"
        );
    }
}

/// Each start of a payment's authorization step is counted, so a start after one that may
/// have reached the provider knows to look for that one's PaymentIntent first.
#[tokio::test]
async fn a_payments_authorization_attempts_are_counted() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 5)).await.unwrap();
        s.insert_booking(&booking("b1", "w", 9, 11, 1))
            .await
            .unwrap();
        s.insert_payment(&deskflow_infra::store::payments::PaymentRow {
            id: "b1".into(),
            booking_id: "b1".into(),
            provider_ref: None,
            status: deskflow_domain::payment::PaymentStatus::Pending,
            amount_cents: 100,
            captured_cents: 0,
            refunded_cents: 0,
            currency: "EUR".into(),
            created_at: 1,
            updated_at: 1,
        })
        .await
        .unwrap();
        assert_eq!(s.count_authorize_attempt("b1").await.unwrap(), 1, "{db}");
        assert_eq!(s.count_authorize_attempt("b1").await.unwrap(), 2, "{db}");
        assert_eq!(s.count_authorize_attempt("none").await.unwrap(), 1, "{db}");
    }
}
