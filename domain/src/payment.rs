//! Where a booking's payment stands, as the `Payment` object, the booking's `status.payment`
//! and the `payments` table say it. The serde names are the wire and storage format.

use serde::{Deserialize, Serialize};

/// A payment's state. `none`: no payment was started (a free workspace, or a booking that
/// ended before paying).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// no payment was started (a free workspace, or the booking ended before paying)
    #[serde(rename = "none")]
    NotStarted,
    /// asked of the provider, no answer yet
    #[default]
    Pending,
    /// the member must authenticate (3-D Secure) with `client_secret`
    RequiresAction,
    /// the amount is reserved on the card, not yet taken
    Authorized,
    /// the provider refused the card
    Declined,
    /// the amount was taken
    Captured,
    /// the authorization was released; nothing was taken
    Voided,
    /// everything taken was given back
    Refunded,
    /// part of what was taken was given back
    PartiallyRefunded,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 9] = [
        Self::NotStarted,
        Self::Pending,
        Self::RequiresAction,
        Self::Authorized,
        Self::Declined,
        Self::Captured,
        Self::Voided,
        Self::Refunded,
        Self::PartiallyRefunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "none",
            Self::Pending => "pending",
            Self::RequiresAction => "requires_action",
            Self::Authorized => "authorized",
            Self::Declined => "declined",
            Self::Captured => "captured",
            Self::Voided => "voided",
            Self::Refunded => "refunded",
            Self::PartiallyRefunded => "partially_refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The state after the provider reports `captured` with `refunded` of it given back.
    pub fn after_capture(captured: i64, refunded: i64) -> Self {
        if refunded == 0 {
            Self::Captured
        } else if refunded >= captured {
            Self::Refunded
        } else {
            Self::PartiallyRefunded
        }
    }
}

impl std::fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_strings() {
        for p in PaymentStatus::ALL {
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::Value::String(p.as_str().into())
            );
            assert_eq!(PaymentStatus::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn refunds_after_capture_are_named_by_how_much() {
        assert_eq!(
            PaymentStatus::after_capture(1200, 0),
            PaymentStatus::Captured
        );
        assert_eq!(
            PaymentStatus::after_capture(1200, 600),
            PaymentStatus::PartiallyRefunded
        );
        assert_eq!(
            PaymentStatus::after_capture(1200, 1200),
            PaymentStatus::Refunded
        );
    }
}
