//! The booking-status lists the store's queries filter on, as SQL. They are built from the
//! domain's lists ([`BookingStatus::SEAT_HOLDING`], [`BookingStatus::IN_FLIGHT`]), so a query
//! cannot disagree with the domain about which bookings hold seats; the migrations, which are
//! fixed once applied, are pinned to the same lists by the store tests.

use deskflow_domain::booking::BookingStatus;
use std::sync::LazyLock;

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
