//! `Notifications`: the emails deskflow sends and what a member sees of them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// (internal) Input of `Notifications/send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SendNotification {
    /// derived from the event, e.g. `welcome:<user id>`: sending twice is a no-op
    pub id: String,
    pub user_id: Option<String>,
    /// e.g. `welcome`, `booking_confirmed`
    pub kind: String,
    /// The address, when the sender has it in hand (the welcome, a password change). `None`:
    /// the member's (`user_id`) current address, read when the email is recorded, so that
    /// flows which live for days (a booking, a payment) never keep an address in their journal
    /// or state; nothing is sent to a closed or deleted account then.
    #[serde(default)]
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// One email sent (or being sent) to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotificationView {
    /// What it is about, e.g. `welcome`, `booking_confirmed`.
    pub kind: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When it was delivered (RFC 3339), `null` until then.
    #[schemars(extend("format" = "date-time"))]
    pub sent_at: Option<String>,
}
