//! The invariants of docs/design.md, checked against the database, the provider and the mailbox at
//! the end of every booking journey.

use crate::harness::TestStack;
use deskflow_domain::booking::BookingStatus;
use deskflow_infra::store::bookings::{BookingFilter, BookingRow};

/// Capacity: at no instant do seat-holding bookings of the workspace exceed its capacity.
pub async fn capacity_holds(s: &TestStack, workspace_id: &str) {
    let db = s.store().await;
    let ws = db
        .workspace(workspace_id)
        .await
        .unwrap()
        .expect("workspace");
    let rows = db
        .bookings_matching(&BookingFilter {
            workspace_id: Some(workspace_id.into()),
            ..BookingFilter::default()
        })
        .await
        .unwrap();
    let active: Vec<&BookingRow> = rows
        .iter()
        .filter(|b| BookingStatus::SEAT_HOLDING.contains(&b.status))
        .collect();
    for b in &active {
        let used: i64 = active
            .iter()
            .filter(|o| o.starts_at <= b.starts_at && o.ends_at > b.starts_at)
            .map(|o| o.seats)
            .sum();
        assert!(
            used <= ws.capacity,
            "capacity {} exceeded at {}: {used} seats held",
            ws.capacity,
            b.starts_at
        );
    }
}

/// Money and finality of one booking: its row is in `status` with a reason when it did not go
/// through; its payment rows and the provider agree, and over all of them `captured` was taken
/// and `refunded` given back (a reschedule adds a payment); no authorization is left open.
pub async fn booking_settled(
    s: &TestStack,
    booking_id: &str,
    status: &str,
    captured: i64,
    refunded: i64,
) {
    let db = s.store().await;
    let b = db
        .booking(booking_id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row for booking {booking_id}"));
    assert_eq!(b.status.as_str(), status, "booking row {b:?}");
    if !matches!(status, "confirmed" | "completed") {
        assert!(
            b.reason.as_deref().is_some_and(|r| !r.is_empty()),
            "a {status} booking needs a reason: {b:?}"
        );
    }
    // the booking's payments: its first, then one per reschedule that cost more; each row
    // agrees with the provider, and together they took `captured` and gave back `refunded`
    let payments = db.payments_of_booking(booking_id).await.unwrap();
    let (mut sum_captured, mut sum_refunded) = (0, 0);
    for p in &payments {
        sum_captured += p.captured_cents;
        sum_refunded += p.refunded_cents;
        if let Some(pi) = &p.provider_ref {
            let m = s.provider().money(pi).await;
            assert_eq!(
                (m.captured, m.refunded),
                (p.captured_cents, p.refunded_cents),
                "provider's PaymentIntent {pi} is {} for payment row {p:?}",
                m.status
            );
            if !matches!(status, "confirmed" | "completed") || p.captured_cents == 0 {
                assert_ne!(
                    m.status, "requires_capture",
                    "an authorization that was not taken was left open: {p:?}"
                );
            }
        }
    }
    assert_eq!(
        (sum_captured, sum_refunded),
        (captured, refunded),
        "payments of {booking_id}: {payments:?}"
    );
    capacity_holds(s, &b.workspace_id).await;
}

/// `Admin/reconcile` for these bookings finds nothing (one call for all: it logs in as the
/// admin and reads every settled booking): their payments equal the provider's
/// state and what their final status says, and their workspaces' seats fit.
pub async fn reconciled(s: &TestStack, booking_ids: &[String]) {
    let c = s.client();
    let admin = c.admin_token().await;
    let report = c
        .post(
            "Admin/reconcile",
            serde_json::json!({ "booking_ids": booking_ids }),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        report["differences"],
        serde_json::json!([]),
        "reconciliation of {booking_ids:?}: {report}"
    );
}
