//! What the `Payment` object takes and answers, and the state it keeps: its callers (the
//! Booking workflow, `Admin/reconcile`) tell business outcomes apart by type.

use deskflow_domain::payment::PaymentStatus;
use serde::{Deserialize, Serialize};

/// What the Booking workflow asks to be authorized (its amount comes from the workflow's own
/// quote of the database's workspace, never from a client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuthorizeRequest {
    pub booking_id: String,
    pub user_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub payment_method: String,
    /// the booking tells the member about this charge itself (a reschedule's difference): no
    /// payment email of its own
    #[serde(default)]
    pub quiet: bool,
}

/// Where the authorization stands after a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuthOutcome {
    /// the amount is reserved on the card and can be captured
    Authorized,
    /// the member must authenticate (3-D Secure); the client secret is not passed around: the
    /// booking's `status` reads it from the provider while it is needed
    RequiresAction { payment_intent: String },
    /// declined, or authentication failed: why, in the provider's words
    Declined { message: String },
    /// the provider did not answer within the retry budget
    Unavailable { message: String },
}

/// The outcome of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CaptureOutcome {
    Captured {
        captured_cents: i64,
    },
    /// the provider refused (e.g. the authorization expired or was cancelled)
    Refused {
        message: String,
    },
    /// the provider did not answer within the retry budget
    Unavailable {
        message: String,
    },
}

/// `Payment/{id}/settle`: end the payment so that the business keeps exactly `retain_cents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SettleRequest {
    pub retain_cents: i64,
    /// the booking tells the member about this refund itself (a reschedule's difference): no
    /// refund email of its own
    #[serde(default)]
    pub quiet: bool,
}

/// The payment after settling, as the provider has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settlement {
    pub status: PaymentStatus,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    /// refunded by this settle (0 when it was settled before)
    pub refunded_now_cents: i64,
}

/// The payment's state, kept in the object and mirrored in the `payments` table. No secret
/// is kept here: the card's client secret stays with the provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    pub payment_id: String,
    pub booking_id: String,
    pub user_id: String,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub currency: String,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    pub provider_ref: Option<String>,
    pub refunds: i64,
    /// the booking tells the member about its charge itself (no payment email)
    #[serde(default)]
    pub quiet: bool,
    /// once settled, the payment takes no new authorization or capture (a late message of a
    /// unwound booking cannot charge the card again)
    #[serde(default)]
    pub settled: bool,
}

/// `Payment/{id}/status` as API.md defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaymentView {
    pub payment_id: String,
    pub booking_id: String,
    pub status: PaymentStatus,
    /// What was authorized, minor units of the booking's currency.
    pub amount_cents: i64,
    /// Taken so far, minor units.
    pub captured_cents: i64,
    /// Given back so far, minor units.
    pub refunded_cents: i64,
    /// The provider's id of the payment (a Stripe PaymentIntent `pi_...`), once it exists.
    pub provider_ref: Option<String>,
}
