//! The domain's one error type. Every variant describes input the caller can fix, so the
//! boundary maps all of them to a terminal 400 with the message as written here.

use thiserror::Error;

/// Why a piece of input was refused; the message tells the caller what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid email address {0:?}: expected something like name@example.com")]
    InvalidEmail(String),
    #[error("{field} too short: it needs at least {min} characters")]
    PasswordTooShort { field: &'static str, min: usize },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    /// `payment_method` blank or longer than [`crate::limits::MAX_PAYMENT_METHOD_CHARS`].
    #[error(
        "payment_method must name a payment method, e.g. pm_card_visa (at most {max} characters)"
    )]
    PaymentMethod { max: usize },
    #[error("unknown currency {0:?}: use an ISO 4217 code such as EUR or USD")]
    UnknownCurrency(String),
    #[error("invalid time of day {0:?}: expected HH:MM, e.g. 08:00")]
    InvalidTimeOfDay(String),
    #[error("opening hours are empty: closes_at ({closes}) must be after opens_at ({opens})")]
    ClosesBeforeOpens { opens: String, closes: String },
    #[error("capacity must be at least 1 seat (got {0})")]
    CapacityTooSmall(i64),
    #[error("capacity of {0} seats is more than the {max} a workspace may have", max = crate::workspace::MAX_CAPACITY)]
    CapacityTooLarge(i64),
    #[error("hourly_rate_cents must be between 0 and {max} (got {0})", max = crate::limits::MAX_HOURLY_RATE_CENTS)]
    RateOutOfRange(i64),
    /// A stored rate below zero reaching the price rule (the edge refuses it as out of range).
    #[error("hourly_rate_cents must not be negative (got {0})")]
    NegativeRate(i64),
    #[error("{field} must be between {min} and {max} (got {got})")]
    OutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
        got: i64,
    },
    #[error("unknown timezone {0:?}: use an IANA name such as Europe/Berlin")]
    UnknownTimezone(String),
    #[error(
        "invalid timestamp {value:?} for {field}: expected RFC 3339 with offset, e.g. 2030-01-01T09:00:00Z"
    )]
    InvalidTimestamp { field: &'static str, value: String },
    #[error("the slot ends before it starts: ends_at must be after starts_at")]
    EndsBeforeStart,
    #[error("seats must be between 1 and {max} (got {seats})")]
    BadSeats { seats: i64, max: i64 },
    #[error("the slot starts in the past: book a slot that starts later")]
    SlotInPast,
    #[error("a booking lasts between {min_secs} and {max_secs} seconds ({} minutes to {} hours)", min_secs / 60, max_secs / 3600)]
    SlotLength { min_secs: i64, max_secs: i64 },
    #[error("the price of this booking is too large to charge: book fewer seats or a shorter slot")]
    PriceTooLarge,
    #[error("the slot is outside the opening hours {opens}-{closes} ({tz}) of one day")]
    OutsideOpeningHours {
        opens: String,
        closes: String,
        tz: String,
    },
    #[error("the window from..to is too long: at most {max_days} days")]
    WindowTooLong { max_days: i64 },
    /// A field inside a structure (`hours.tue`, `closures[2]`), named by its path.
    #[error("{field}: {problem}")]
    Field { field: String, problem: String },
    #[error("the workspace is closed on {day}")]
    ClosedWeekday { day: String },
    #[error("the workspace is closed on {day} (a closure date)")]
    ClosureDate { day: String },
}

impl DomainError {
    /// A [`DomainError::Field`]: `problem` with the field at `field`.
    pub fn field(field: String, problem: impl Into<String>) -> DomainError {
        DomainError::Field {
            field,
            problem: problem.into(),
        }
    }
}
