//! Reading the server's raw JSON answers. The CLI keeps each answer as the server sent it (that
//! is what `--json` prints, and scripts depend on it); what it decides on is read out of it as
//! the domain's types, so a status is a [`BookingStatus`], not a string compared by hand.

use deskflow_domain::booking::BookingStatus;
use serde_json::Value;

/// A field as text for people: a string as it is, null as nothing, anything else as JSON.
pub(super) fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| {
        if v.is_null() {
            String::new()
        } else {
            v.to_string()
        }
    })
}

/// The booking status an answer's `status` field holds; `None` when it holds none the domain
/// knows.
pub(super) fn booking_status(answer: &Value) -> Option<BookingStatus> {
    serde_json::from_value(answer["status"].clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_are_read_as_the_domain_spells_them() {
        assert_eq!(
            booking_status(&json!({"status": "awaiting_payment"})),
            Some(BookingStatus::AwaitingPayment)
        );
        assert_eq!(booking_status(&json!({"status": "paid"})), None);
        assert_eq!(booking_status(&json!({})), None);
    }

    #[test]
    fn text_shows_strings_bare_and_null_as_nothing() {
        assert_eq!(text(&json!("x")), "x");
        assert_eq!(text(&Value::Null), "");
        assert_eq!(text(&json!(3)), "3");
    }
}
