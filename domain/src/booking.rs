//! Booking status names, shared by the store, the reports and the API.

use serde::{Deserialize, Serialize};

/// Where a booking stands. `confirmed` is not final (the booking may still be cancelled or
/// complete); the final states are `completed`, `cancelled`, `rejected`, `expired`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Pending,
    Held,
    AwaitingPayment,
    Confirmed,
    Completed,
    Cancelled,
    Rejected,
    Expired,
    Failed,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 9] = [
        Self::Pending,
        Self::Held,
        Self::AwaitingPayment,
        Self::Confirmed,
        Self::Completed,
        Self::Cancelled,
        Self::Rejected,
        Self::Expired,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Held => "held",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Confirmed => "confirmed",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Holds seats: counted against capacity and availability.
    pub fn occupies_seats(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Held | Self::AwaitingPayment | Self::Confirmed | Self::Completed
        )
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Cancelled | Self::Rejected | Self::Expired | Self::Failed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json_name(s), s.as_str());
        }
    }

    fn serde_json_name(s: BookingStatus) -> String {
        // serde's snake_case and as_str must agree: the store and the API use one spelling
        format!("{s:?}").chars().fold(String::new(), |mut acc, c| {
            if c.is_uppercase() && !acc.is_empty() {
                acc.push('_');
            }
            acc.push(c.to_ascii_lowercase());
            acc
        })
    }

    #[test]
    fn final_states_free_their_seats_except_completed() {
        for s in BookingStatus::ALL {
            if s.is_final() && s != BookingStatus::Completed {
                assert!(!s.occupies_seats(), "{s:?}");
            }
        }
    }
}
