//! A confirmed booking as its later steps need it (a cancel, a reschedule, the reminder, the
//! completion), in one serializable value: what `run` holds in memory and no table holds whole.
//! The row has the slot, seats, price and rate; the payments' rows have their money; but the
//! payment method a reschedule charges with is in no table, nor which start the reminder went
//! out for. [`super::flow::Flow::snapshot`] takes it; [`super::flow::Flow::resume`] loads it on
//! any context with the step traits.
//!
//! It is meant to be kept (in a keyed object's state, or a call's journal): fields are only
//! ever added, with `#[serde(default)]` meaning what a snapshot written before them meant.

use super::flow::PaymentMemo;
use super::prepare::BookingStart;
use deskflow_api::BookingView;
use serde::{Deserialize, Serialize};

/// A confirmed booking's memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Snapshot {
    /// the booking as checked and priced, moved by each reschedule (its slot, seats, price and
    /// booked rate), with the payment method a reschedule's difference is charged with
    pub booking: BookingStart,
    /// the booking as `status` shows it
    pub view: BookingView,
    /// its payments, oldest first: the booking's own, then each reschedule's difference
    pub payments: Vec<PaymentMemo>,
    /// reschedules that moved it (numbers its rescheduled emails and records)
    pub moves: u32,
    /// the start of the slot the reminder went out for (none yet: `None`)
    #[serde(default)]
    pub reminded: Option<i64>,
    /// the index of the next reschedule order (the workflow's `reschedule.{n}` promises)
    #[serde(default)]
    pub reschedule_no: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::flow::Flow;
    use deskflow_api::{PaymentSummary, rfc3339};
    use deskflow_domain::booking::BookingStatus;
    use deskflow_domain::payment::PaymentStatus;
    use deskflow_domain::saga::Progress;
    use deskflow_handlers::deps::Deps;
    use deskflow_infra::config::Config;
    use deskflow_infra::store::Store;

    fn confirmed(payments: Vec<PaymentMemo>) -> Snapshot {
        let (starts, ends) = (1_900_000_000_000, 1_900_000_000_000 + 2 * 3_600_000);
        Snapshot {
            booking: BookingStart {
                booking_id: "b-1".into(),
                user_id: "u-1".into(),
                workspace_id: "w-1".into(),
                workspace_name: "Harbour".into(),
                starts_at_ms: starts,
                ends_at_ms: ends,
                seats: 2,
                amount_cents: 4000,
                currency: "EUR".into(),
                payment_method: "pm_card_visa".into(),
                hourly_rate_cents: Some(1000),
            },
            view: BookingView {
                booking_id: "b-1".into(),
                status: BookingStatus::Confirmed,
                reason: None,
                workspace_id: "w-1".into(),
                user_id: "u-1".into(),
                starts_at: rfc3339(starts),
                ends_at: rfc3339(ends),
                seats: 2,
                amount_cents: 4000,
                currency: "EUR".into(),
                payment: PaymentSummary {
                    status: PaymentStatus::Captured,
                    captured_cents: 4000,
                    ..PaymentSummary::default()
                },
            },
            payments,
            moves: 1,
            reminded: Some(starts),
            reschedule_no: 3,
        }
    }

    fn paid() -> Vec<PaymentMemo> {
        vec![PaymentMemo {
            id: "b-1".into(),
            captured: 4000,
            refunded: 0,
        }]
    }

    async fn deps() -> (std::sync::Arc<Deps>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
        let store = Store::connect(&url, 1).await.unwrap();
        (Deps::new(&Config::default(), store).unwrap(), dir)
    }

    #[test]
    fn a_snapshot_reads_back_what_was_written() {
        let s = confirmed(paid());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), s);
    }

    /// A snapshot kept before a field was added reads with that field's meaning of "not yet".
    #[test]
    fn a_snapshot_written_before_its_later_fields_reads_as_not_yet() {
        let mut json = serde_json::to_value(confirmed(paid())).unwrap();
        let fields = json.as_object_mut().unwrap();
        fields.remove("reminded");
        fields.remove("reschedule_no");
        let s: Snapshot = serde_json::from_value(json).unwrap();
        assert_eq!((s.reminded, s.reschedule_no), (None, 0));
    }

    #[tokio::test]
    async fn a_resumed_flow_hands_on_the_snapshot_it_was_loaded_from() {
        let (deps, _dir) = deps().await;
        let s = confirmed(paid());
        let flow = Flow::resume(deps, &(), (), s.clone());
        assert_eq!(flow.snapshot(), Some(s.clone()));
        assert_eq!(flow.booking_id, "b-1");
        assert_eq!(
            (
                flow.req.starts_at_ms,
                flow.req.seats,
                flow.req.payment_method.as_str()
            ),
            (s.booking.starts_at_ms, 2, "pm_card_visa")
        );
        assert!(flow.settled, "wait had its answer at the confirmation");
        assert_eq!(
            flow.progress,
            Progress {
                status: BookingStatus::Confirmed,
                hold_sent: true,
                payment_sent: true,
                confirmed: true,
            }
        );
    }

    #[tokio::test]
    async fn a_free_booking_resumes_with_no_payment_sent() {
        let (deps, _dir) = deps().await;
        let flow = Flow::resume(deps, &(), (), confirmed(Vec::new()));
        assert!(!flow.progress.payment_sent);
        assert!(flow.progress.confirmed);
    }

    #[tokio::test]
    async fn only_a_confirmed_booking_is_handed_on() {
        let (deps, _dir) = deps().await;
        let mut flow = Flow::resume(deps, &(), (), confirmed(paid()));
        flow.view.status = BookingStatus::Cancelled;
        assert_eq!(flow.snapshot(), None);
    }
}
