//! The booking-status lists the store's queries filter on, as SQL. They are built from the
//! domain's lists ([`BookingStatus::SEAT_HOLDING`], [`BookingStatus::IN_FLIGHT`]), so a query
//! cannot disagree with the domain about which bookings hold seats; the migrations, which are
//! fixed once applied, are pinned to the same lists by the store tests.

use deskflow_domain::booking::BookingStatus;
use deskflow_domain::payment::PaymentStatus;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::sync::LazyLock;

/// Column `i` of `r` as a booking status; a name the domain does not know is a decode error
/// (the CHECK constraint admits only the domain's names).
pub(crate) fn booking_status(r: &AnyRow, i: usize) -> Result<BookingStatus, sqlx::Error> {
    let name: String = r.try_get(i)?;
    BookingStatus::parse(&name).ok_or_else(|| unknown(i, "booking status", name))
}

/// Column `i` of `r` as a payment status.
pub(crate) fn payment_status(r: &AnyRow, i: usize) -> Result<PaymentStatus, sqlx::Error> {
    let name: String = r.try_get(i)?;
    PaymentStatus::parse(&name).ok_or_else(|| unknown(i, "payment status", name))
}

fn unknown(i: usize, what: &str, name: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: i.to_string(),
        source: format!("unknown {what} {name:?}").into(),
    }
}

/// `('pending', 'held', ...)`: the stored names of `statuses`, as the right side of `IN`.
fn sql_list(statuses: &[BookingStatus]) -> String {
    let names: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("({})", names.join(", "))
}

/// Statuses whose seats count against capacity, written as the capacity triggers and the
/// partial index `bookings_seat_holding` write them (SQLite uses that index only then).
pub(crate) fn seat_holding() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| sql_list(&BookingStatus::SEAT_HOLDING));
    &LIST
}

/// Statuses a booking's flow may still change (seat-holding, and waitlisted).
pub(crate) fn open() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| sql_list(&BookingStatus::OPEN));
    &LIST
}

/// Statuses whose flow has not decided the outcome yet.
pub(crate) fn in_flight() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| sql_list(&BookingStatus::IN_FLIGHT));
    &LIST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_the_ones_the_migrations_and_the_queries_always_used() {
        assert_eq!(
            seat_holding(),
            "('pending', 'held', 'awaiting_payment', 'confirmed')"
        );
        assert_eq!(in_flight(), "('pending', 'held', 'awaiting_payment')");
    }

    #[test]
    fn stored_names_need_no_quoting() {
        // the names go into the SQL text as they are: nothing in them may end a literal
        for s in BookingStatus::ALL {
            assert!(
                s.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s:?}"
            );
        }
    }
}
