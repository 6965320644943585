//! Pure folds of the provider's answers into the payment's state, and what they mean for the
//! booking.

use super::*;

/// [`ProviderState`] as a journaled step's result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(super) enum StoredProviderState {
    Absent,
    Open,
    Authorized,
    Captured { captured: i64, refunded: i64 },
    Closed,
}

impl From<ProviderState> for StoredProviderState {
    fn from(s: ProviderState) -> Self {
        match s {
            ProviderState::Absent => Self::Absent,
            ProviderState::Open => Self::Open,
            ProviderState::Authorized => Self::Authorized,
            ProviderState::Captured { captured, refunded } => Self::Captured { captured, refunded },
            ProviderState::Closed => Self::Closed,
        }
    }
}

impl From<StoredProviderState> for ProviderState {
    fn from(s: StoredProviderState) -> Self {
        match s {
            StoredProviderState::Absent => Self::Absent,
            StoredProviderState::Open => Self::Open,
            StoredProviderState::Authorized => Self::Authorized,
            StoredProviderState::Captured { captured, refunded } => {
                Self::Captured { captured, refunded }
            }
            StoredProviderState::Closed => Self::Closed,
        }
    }
}

/// Takes the provider's figures into the state (the provider is the truth).
pub(super) fn mirror(st: &mut PaymentState, state: ProviderState) {
    match state {
        ProviderState::Captured { captured, refunded } => {
            st.captured_cents = captured;
            st.refunded_cents = refunded;
            st.status = PaymentStatus::after_capture(captured, refunded);
        }
        ProviderState::Closed => {
            st.captured_cents = 0;
            if st.status != PaymentStatus::Declined {
                st.status = PaymentStatus::Voided;
            }
        }
        ProviderState::Absent | ProviderState::Open | ProviderState::Authorized => {}
    }
}

pub(super) fn settlement(st: &PaymentState, refunded_now: i64) -> Settlement {
    Settlement {
        status: st.status,
        captured_cents: st.captured_cents,
        refunded_cents: st.refunded_cents,
        refunded_now_cents: refunded_now,
    }
}

/// What an authorization that already ran reports when asked again.
pub(super) fn outcome_of(st: &PaymentState) -> AuthOutcome {
    match (st.status, &st.provider_ref) {
        (PaymentStatus::Authorized | PaymentStatus::Captured, _) => AuthOutcome::Authorized,
        (PaymentStatus::RequiresAction, Some(pi)) => AuthOutcome::RequiresAction {
            payment_intent: pi.clone(),
        },
        _ => AuthOutcome::Declined {
            message: format!("the payment is {}", st.status),
        },
    }
}

/// A PaymentIntent as it may be journaled: without the card's client secret, which only the
/// member's client needs (the booking's `status` reads it from the provider for them).
pub(super) fn without_secret(mut pi: PaymentIntent) -> PaymentIntent {
    pi.client_secret = None;
    pi
}

/// Folds a provider answer into the state and says what it means for the booking.
pub(super) fn apply(st: &mut PaymentState, pi: Result<PaymentIntent, String>) -> AuthOutcome {
    match pi {
        Err(message) => {
            st.status = PaymentStatus::Declined;
            AuthOutcome::Declined { message }
        }
        Ok(pi) => {
            st.provider_ref = Some(pi.id.clone());
            match pi.status.as_str() {
                "requires_capture" | "succeeded" => {
                    st.status = PaymentStatus::Authorized;
                    AuthOutcome::Authorized
                }
                "requires_action" | "processing" | "requires_confirmation" => {
                    st.status = PaymentStatus::RequiresAction;
                    AuthOutcome::RequiresAction {
                        payment_intent: pi.id.clone(),
                    }
                }
                other => {
                    st.status = PaymentStatus::Declined;
                    AuthOutcome::Declined {
                        message: pi
                            .failure_message()
                            .unwrap_or_else(|| format!("the payment ended as {other}")),
                    }
                }
            }
        }
    }
}

pub fn view(st: &PaymentState) -> PaymentView {
    PaymentView {
        payment_id: st.payment_id.clone(),
        booking_id: st.booking_id.clone(),
        status: st.status,
        amount_cents: st.amount_cents,
        captured_cents: st.captured_cents,
        refunded_cents: st.refunded_cents,
        provider_ref: st.provider_ref.clone(),
    }
}

/// A provider failure that retrying may fix: retryable for Restate.
pub(super) fn transient(e: StripeError) -> Failure {
    tracing::warn!(error = %e, "payment provider call failed; will retry");
    deskflow_infra::metrics::inc(
        "deskflow_step_retries_total",
        &[("step", "payment provider")],
    );
    Failure::retryable(e)
}
