//! Reconciliation's rules: what a settled booking's payment must look like at the provider,
//! given its final status and what its payment row says, and which differences an unwind may
//! settle. Pure, so every case is a unit test.

use crate::booking::BookingStatus;
use crate::payment::PaymentStatus;
use crate::saga::ProviderState;

/// One way a booking's money is not as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// an authorization (or an open PaymentIntent) of a booking that is over or never happened
    AuthorizationOpen { found: &'static str },
    /// captured minus refunded at the provider is not what the booking's state says
    ProviderNet { expected: i64, found: i64 },
    /// the payments row disagrees with the provider's figures
    PaymentRow {
        expected: (i64, i64),
        found: (i64, i64),
    },
}

impl Finding {
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::AuthorizationOpen { .. } => "authorization_open",
            Finding::ProviderNet { .. } => "provider_net",
            Finding::PaymentRow { .. } => "payment_row",
        }
    }

    pub fn expected(&self) -> String {
        match self {
            Finding::AuthorizationOpen { .. } => "nothing authorized".into(),
            Finding::ProviderNet { expected, .. } => format!("net {expected}"),
            Finding::PaymentRow { expected, .. } => {
                format!("captured {} refunded {}", expected.0, expected.1)
            }
        }
    }

    pub fn found(&self) -> String {
        match self {
            Finding::AuthorizationOpen { found } => (*found).into(),
            Finding::ProviderNet { found, .. } => format!("net {found}"),
            Finding::PaymentRow { found, .. } => {
                format!("captured {} refunded {}", found.0, found.1)
            }
        }
    }
}

/// The verdict on one booking: what differs, and, when an unwind may settle it, the amount the
/// business keeps (what `Payment/settle` is asked for).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    pub findings: Vec<Finding>,
    pub settle_retaining: Option<i64>,
}

/// Compares a booking that is no longer in flight with its payment at the provider.
///
/// - A booking that never went through (`rejected`, `expired`, `failed`) keeps nothing.
/// - A `cancelled` one keeps what its payment row says was kept (the unwind recorded the
///   policy's decision there); a row that says less than the provider kept is settled down to
///   the row.
/// - A `confirmed` or `completed` one keeps its captured amount; a capture missing at the
///   provider is reported, never "fixed" by charging.
/// - Nothing is ever left authorized once the booking is over.
pub fn compare(
    status: BookingStatus,
    row_captured: i64,
    row_refunded: i64,
    provider: ProviderState,
) -> Verdict {
    let mut v = Verdict::default();
    let (p_captured, p_refunded) = match provider {
        ProviderState::Captured { captured, refunded } => (captured, refunded),
        _ => (0, 0),
    };
    let kept_per_row = (row_captured - row_refunded).max(0);
    let expected_net = match status {
        // a waitlisted booking holds no seat and owes nothing
        BookingStatus::Waitlisted
        | BookingStatus::Rejected
        | BookingStatus::Expired
        | BookingStatus::Failed => 0,
        BookingStatus::Cancelled => kept_per_row,
        BookingStatus::Confirmed | BookingStatus::Completed => kept_per_row,
        // in flight: their flow still decides
        BookingStatus::Pending | BookingStatus::Held | BookingStatus::AwaitingPayment => return v,
    };
    let settled_status = !matches!(status, BookingStatus::Confirmed);
    let open = matches!(provider, ProviderState::Authorized | ProviderState::Open);
    if open && settled_status {
        v.findings.push(Finding::AuthorizationOpen {
            found: match provider {
                ProviderState::Authorized => "requires_capture",
                _ => "open",
            },
        });
    }
    let found_net = p_captured - p_refunded;
    if found_net != expected_net {
        v.findings.push(Finding::ProviderNet {
            expected: expected_net,
            found: found_net,
        });
    }
    if (row_captured, row_refunded) != (p_captured, p_refunded) {
        v.findings.push(Finding::PaymentRow {
            expected: (p_captured, p_refunded),
            found: (row_captured, row_refunded),
        });
    }
    if v.findings.is_empty() {
        return v;
    }
    let confirmed = matches!(status, BookingStatus::Confirmed | BookingStatus::Completed);
    v.settle_retaining = if !confirmed {
        // settle down to what the booking keeps (money never goes back up by a refund)
        Some(expected_net)
    } else if matches!(provider, ProviderState::Captured { .. }) {
        // only the row is behind: a settle that keeps what the provider holds rewrites it
        Some(found_net)
    } else {
        None
    };
    v
}

/// A confirmed or completed booking's payments together hold its price: the first payment
/// plus one per reschedule that cost more, minus the refunds of those that cost less. `nets`
/// are the provider's captured-minus-refunded of each payment. `Some((expected, found))` when
/// they do not add up; other statuses are [`compare`]'s business, payment by payment.
pub fn booking_net(status: BookingStatus, amount_cents: i64, nets: &[i64]) -> Option<(i64, i64)> {
    if !matches!(status, BookingStatus::Confirmed | BookingStatus::Completed) {
        return None;
    }
    let found: i64 = nets.iter().sum();
    (found != amount_cents).then_some((amount_cents, found))
}

/// A PaymentIntent that carries deskflow's marks but that no payment row names (an
/// authorization step retried after the provider had answered it, or one made by hand): what
/// it still holds on the member's card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orphan {
    /// open or authorized: a hold on the card (`orphan_authorization`); settled by cancelling it
    Authorization,
    /// money taken and not all given back (`orphan_charge`); settled by refunding `net`
    Charge { net: i64 },
}

impl Orphan {
    pub fn kind(&self) -> &'static str {
        match self {
            Orphan::Authorization => "orphan_authorization",
            Orphan::Charge { .. } => "orphan_charge",
        }
    }

    pub fn found(&self) -> String {
        match self {
            Orphan::Authorization => "an open authorization".into(),
            Orphan::Charge { net } => format!("net {net} charged"),
        }
    }
}

/// What an unnamed PaymentIntent in the provider's `status` holds, with the amount it
/// captured and what of it was refunded: an orphan, or `None` when it holds nothing. An
/// authorization (`requires_capture`), one the member may still authenticate
/// (`requires_action`) or one being processed holds the card; a captured one holds money until
/// refunded in full. A declined attempt (`requires_payment_method`: every declined card leaves
/// one), an unconfirmed or a cancelled one holds nothing.
pub fn orphan(status: &str, captured: i64, refunded: i64) -> Option<Orphan> {
    match status {
        "requires_capture" | "requires_action" | "processing" => Some(Orphan::Authorization),
        "succeeded" if captured > refunded => Some(Orphan::Charge {
            net: captured - refunded,
        }),
        _ => None,
    }
}

/// Whether an unnamed PaymentIntent may still become its payment's: the payment's row (by the
/// PaymentIntent's `payment_id` mark, or its booking's id on older ones) is pending without a
/// PaymentIntent, so its authorization is in flight. Such a PaymentIntent is never an orphan.
pub fn authorizing(payment: Option<(PaymentStatus, bool)>) -> bool {
    matches!(payment, Some((PaymentStatus::Pending, false)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_booking_holds_its_price_over_all_its_payments() {
        use super::{BookingStatus as S, booking_net};
        // booked at 3600, rescheduled up to 7200 (a second payment), then down to 1800
        assert_eq!(booking_net(S::Confirmed, 7200, &[3600, 3600]), None);
        assert_eq!(booking_net(S::Confirmed, 1800, &[0, 1800]), None);
        assert_eq!(booking_net(S::Completed, 1800, &[1800]), None);
        // a difference refunded twice, or a capture missing at the provider
        assert_eq!(
            booking_net(S::Confirmed, 7200, &[3600, 0]),
            Some((7200, 3600))
        );
        assert_eq!(
            booking_net(S::Completed, 3600, &[3600, 3600]),
            Some((3600, 7200))
        );
        // a cancelled booking's payments are compared one by one, against what each kept
        assert_eq!(booking_net(S::Cancelled, 3600, &[0, 0]), None);
    }

    use super::*;
    use BookingStatus as S;
    use ProviderState as P;

    fn captured(c: i64, r: i64) -> ProviderState {
        P::Captured {
            captured: c,
            refunded: r,
        }
    }

    #[test]
    fn a_booking_that_is_as_it_should_be_has_no_findings() {
        assert_eq!(
            compare(S::Confirmed, 1000, 0, captured(1000, 0)),
            Verdict::default()
        );
        assert_eq!(
            compare(S::Cancelled, 1000, 500, captured(1000, 500)),
            Verdict::default()
        );
        assert_eq!(compare(S::Cancelled, 0, 0, P::Closed), Verdict::default());
        assert_eq!(compare(S::Failed, 0, 0, P::Closed), Verdict::default());
        assert_eq!(compare(S::Rejected, 0, 0, P::Absent), Verdict::default());
    }

    #[test]
    fn a_cancelled_booking_charged_behind_the_sagas_back_is_refunded_in_full() {
        // the cancel landed while Payment/capture ran: the row says voided, the provider took it
        let v = compare(S::Cancelled, 0, 0, captured(1000, 0));
        assert_eq!(v.settle_retaining, Some(0));
        let kinds: Vec<_> = v.findings.iter().map(Finding::kind).collect();
        assert_eq!(kinds, ["provider_net", "payment_row"]);
    }

    #[test]
    fn an_open_authorization_of_a_finished_booking_is_voided() {
        for s in [
            S::Cancelled,
            S::Failed,
            S::Expired,
            S::Rejected,
            S::Completed,
        ] {
            let v = compare(s, 0, 0, P::Authorized);
            assert_eq!(v.findings[0].kind(), "authorization_open", "{s:?}");
        }
        assert_eq!(compare(S::Expired, 0, 0, P::Open).settle_retaining, Some(0));
    }

    #[test]
    fn a_confirmed_booking_is_never_charged_or_voided_by_a_fix() {
        // not captured at the provider: reported, not fixed
        let v = compare(S::Confirmed, 1000, 0, P::Authorized);
        assert_eq!(v.settle_retaining, None);
        assert!(!v.findings.is_empty());
        // only the row is behind: the fix keeps what the provider has
        let v = compare(S::Confirmed, 0, 0, captured(1000, 0));
        assert_eq!(v.settle_retaining, Some(1000));
    }

    #[test]
    fn bookings_in_flight_are_skipped() {
        for s in [S::Pending, S::Held, S::AwaitingPayment] {
            assert_eq!(compare(s, 0, 0, P::Authorized), Verdict::default());
        }
    }

    #[test]
    fn an_unnamed_payment_intent_is_an_orphan_while_it_holds_something() {
        assert_eq!(
            orphan("requires_capture", 0, 0),
            Some(Orphan::Authorization)
        );
        assert_eq!(orphan("requires_action", 0, 0), Some(Orphan::Authorization));
        assert_eq!(orphan("processing", 0, 0), Some(Orphan::Authorization));
        assert_eq!(
            orphan("succeeded", 1500, 500),
            Some(Orphan::Charge { net: 1000 })
        );
        assert_eq!(orphan("succeeded", 1500, 1500), None);
        // a declined card's attempt, an unconfirmed one, a cancelled one: nothing held
        assert_eq!(orphan("requires_payment_method", 0, 0), None);
        assert_eq!(orphan("requires_confirmation", 0, 0), None);
        assert_eq!(orphan("canceled", 0, 0), None);
        assert_eq!(Orphan::Authorization.kind(), "orphan_authorization");
        assert_eq!(Orphan::Charge { net: 1 }.kind(), "orphan_charge");
    }

    #[test]
    fn a_payment_whose_authorization_is_in_flight_keeps_its_payment_intent() {
        assert!(authorizing(Some((PaymentStatus::Pending, false))));
        assert!(!authorizing(Some((PaymentStatus::Pending, true))));
        assert!(!authorizing(Some((PaymentStatus::Captured, true))));
        assert!(!authorizing(Some((PaymentStatus::Declined, false))));
        assert!(!authorizing(None));
    }
}
