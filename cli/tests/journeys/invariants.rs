//! The invariants of DESIGN.md, checked against the database, the provider and the mailbox at
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
/// through; the payment row and the provider agree that `captured` was taken and `refunded`
/// given back; nothing was captured for a booking that never confirmed.
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
    match db.payment(booking_id).await.unwrap() {
        Some(p) => {
            assert_eq!(
                (p.captured_cents, p.refunded_cents),
                (captured, refunded),
                "payment row {p:?}"
            );
            if let Some(pi) = &p.provider_ref {
                let m = s.provider().money(pi).await;
                assert_eq!(
                    (m.captured, m.refunded),
                    (captured, refunded),
                    "provider's PaymentIntent {pi} is {}",
                    m.status
                );
                if captured == 0 {
                    assert_ne!(
                        m.status, "requires_capture",
                        "an authorization of a booking that did not go through was left open"
                    );
                }
            }
        }
        None => assert_eq!(
            (captured, refunded),
            (0, 0),
            "no payment row, yet money was expected"
        ),
    }
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
