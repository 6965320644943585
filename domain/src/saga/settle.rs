//! Settling a payment from what the provider says now, not from what the saga remembers: an
//! operator's cancel may stop the saga's listening while a capture still lands at the
//! provider, so the only safe input to "what must be undone" is the provider's current state.

/// A PaymentIntent's state as far as settling it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderState {
    /// no PaymentIntent exists for the payment
    Absent,
    /// created but not authorized: waiting for a payment method, a confirmation or the
    /// member's authentication, or processing
    Open,
    /// the amount is authorized on the card and can be captured
    Authorized,
    /// the money was taken; `refunded` of it was given back already
    Captured { captured: i64, refunded: i64 },
    /// cancelled, or failed for good: nothing is held and nothing was taken
    Closed,
}

impl ProviderState {
    /// Classifies a Stripe PaymentIntent status (with the captured amount and the sum of its
    /// refunds, which only matter once it succeeded).
    pub fn from_stripe(status: &str, amount: i64, refunded: i64) -> ProviderState {
        match status {
            "succeeded" => ProviderState::Captured {
                captured: amount,
                refunded,
            },
            "requires_capture" => ProviderState::Authorized,
            "canceled" => ProviderState::Closed,
            // requires_payment_method, requires_confirmation, requires_action, processing
            _ => ProviderState::Open,
        }
    }
}

/// What settling a payment must do at the provider so that the business keeps exactly
/// `retain_cents` (clamped to what was captured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleAction {
    /// the provider's state is already the settled one
    Nothing,
    /// cancel the PaymentIntent: releases an authorization, closes an open one
    Void,
    /// refund this amount of the captured money
    Refund(i64),
}

/// The one rule of unwinding a payment, from the provider's current state rather than from
/// what any caller remembers: what is open or authorized is voided (nothing uncaptured is
/// ever kept), what was captured is refunded down to `retain_cents`, and a payment refunded
/// beyond that already is left alone (money is never taken back by a refund).
pub fn settle_action(state: ProviderState, retain_cents: i64) -> SettleAction {
    match state {
        ProviderState::Absent | ProviderState::Closed => SettleAction::Nothing,
        ProviderState::Open | ProviderState::Authorized => SettleAction::Void,
        ProviderState::Captured { captured, refunded } => {
            let keep = retain_cents.clamp(0, captured.max(0));
            let refund = captured - refunded - keep;
            if refund > 0 {
                SettleAction::Refund(refund)
            } else {
                SettleAction::Nothing
            }
        }
    }
}

/// How much each of a booking's payments keeps when the booking as a whole keeps
/// `retain_cents`: given to the payments oldest first, each up to what it holds now (`nets`:
/// captured minus refunded, as the booking knows it). A payment the booking knows nothing of
/// (its answer never came) holds 0 and so keeps nothing: what it took goes back.
pub fn allocate(retain_cents: i64, nets: &[i64]) -> Vec<i64> {
    let mut left = retain_cents.max(0);
    nets.iter()
        .map(|net| {
            let keep = left.min((*net).max(0));
            left -= keep;
            keep
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retained_amount_is_kept_by_the_oldest_payments_first() {
        // the booking's first payment, then a reschedule's difference
        assert_eq!(allocate(2700, &[3600, 1800]), [2700, 0]);
        assert_eq!(allocate(4000, &[3600, 1800]), [3600, 400]);
        assert_eq!(allocate(0, &[3600, 1800]), [0, 0]);
        // a first payment partly refunded by a reschedule down keeps only what it holds
        assert_eq!(allocate(1800, &[600, 3000]), [600, 1200]);
        // more retained than held: each keeps all it holds, never more
        assert_eq!(allocate(9999, &[100, 200]), [100, 200]);
        // an unknown outcome holds nothing and keeps nothing
        assert_eq!(allocate(500, &[0, 500]), [0, 500]);
        assert_eq!(allocate(-5, &[10]), [0]);
    }

    #[test]
    fn settling_follows_the_providers_state_not_the_callers_memory() {
        use ProviderState as P;
        use SettleAction as A;
        // nothing there, or closed already: nothing to do whatever is retained
        for keep in [0, 500] {
            assert_eq!(settle_action(P::Absent, keep), A::Nothing);
            assert_eq!(settle_action(P::Closed, keep), A::Nothing);
            // an authorization or an open intent is never kept: voided
            assert_eq!(settle_action(P::Authorized, keep), A::Void);
            assert_eq!(settle_action(P::Open, keep), A::Void);
        }
        // a capture the saga never saw (cancel while Payment/capture ran): refunded in full
        let captured = P::Captured {
            captured: 1000,
            refunded: 0,
        };
        assert_eq!(settle_action(captured, 0), A::Refund(1000));
        // the late-cancel policy keeps half
        assert_eq!(settle_action(captured, 500), A::Refund(500));
        // settled before (a second cancel, a replay): nothing more
        let half = P::Captured {
            captured: 1000,
            refunded: 500,
        };
        assert_eq!(settle_action(half, 500), A::Nothing);
        // a second settle asking for everything back refunds the rest only
        assert_eq!(settle_action(half, 0), A::Refund(500));
        // refunded beyond what is retained: money is never taken back
        assert_eq!(settle_action(half, 800), A::Nothing);
        // retaining more than was captured keeps what was captured
        assert_eq!(settle_action(captured, 5000), A::Nothing);
        assert_eq!(settle_action(captured, -5), A::Refund(1000));
    }

    #[test]
    fn stripe_statuses_classify() {
        use ProviderState as P;
        assert_eq!(
            P::from_stripe("succeeded", 700, 100),
            P::Captured {
                captured: 700,
                refunded: 100
            }
        );
        assert_eq!(P::from_stripe("requires_capture", 700, 0), P::Authorized);
        assert_eq!(P::from_stripe("canceled", 700, 0), P::Closed);
        for open in [
            "requires_payment_method",
            "requires_confirmation",
            "requires_action",
            "processing",
        ] {
            assert_eq!(P::from_stripe(open, 700, 0), P::Open, "{open}");
        }
    }
}
