//! The size bounds of API.md's "Limits" table, checked at the edge so that an oversized or
//! out-of-range field is a 400 naming the field before anything is written.
//!
//! This is the one home of a bound on a free-text or numeric field that more than a single
//! parse type needs: each handler that takes the field calls the check here, and the request
//! bodies' published schemas (`deskflow_api`) name the same constants. Rules with a parse type
//! of their own live with it (`email::Email`, `password`, `slot::TimeSlot`, `workspace`).

use crate::DomainError;

/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Person names, workspace names and locations: 1 to 200 characters.
pub const MAX_NAME_CHARS: usize = 200;
/// A cancel reason ends up in the database, the workflow's state and an email: 500 characters.
pub const MAX_REASON_CHARS: usize = 500;
/// A payment method of the provider (`pm_card_visa`): 1 to 200 characters.
pub const MAX_PAYMENT_METHOD_CHARS: usize = 200;
/// A key given in a body (`workspace_id` of `Bookings/create`): our ids are UUIDs, so anything
/// longer than 100 characters is not one of ours and is refused before it reaches a query.
pub const MAX_KEY_CHARS: usize = 100;
/// A refresh token we issue is far shorter; a longer one is refused unread.
pub const MAX_REFRESH_TOKEN_CHARS: usize = 256;
/// `Admin/reconcile`'s `booking_ids`: at most 500 bookings per call.
pub const MAX_RECONCILE_BOOKINGS: usize = 500;
/// The most a seat-hour may cost, in minor units; with the other bounds it keeps every price
/// far inside `i64`.
pub const MAX_HOURLY_RATE_CENTS: i64 = 10_000_000;
/// `Admin/bookings`' `stuck_for_secs`: 1 second to 365 days.
pub const MAX_STUCK_FOR_SECS: i64 = 31_536_000;

/// An optional free-text reason (a cancel's, a closure's): surrounding blanks are trimmed, blank
/// counts as none, and what remains has at most [`MAX_REASON_CHARS`] characters.
pub fn check_reason(reason: Option<&str>) -> Result<Option<String>, DomainError> {
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) if r.chars().count() > MAX_REASON_CHARS => Err(DomainError::TooLong {
            field: "reason",
            max: MAX_REASON_CHARS,
        }),
        Some(r) => Ok(Some(r.to_string())),
    }
}

/// A payment method's id, trimmed: not blank, at most [`MAX_PAYMENT_METHOD_CHARS`] bytes (a
/// provider's ids are ASCII, so bytes are its characters).
pub fn check_payment_method(raw: &str) -> Result<String, DomainError> {
    let method = raw.trim();
    if method.is_empty() || method.len() > MAX_PAYMENT_METHOD_CHARS {
        return Err(DomainError::PaymentMethod {
            max: MAX_PAYMENT_METHOD_CHARS,
        });
    }
    Ok(method.to_string())
}

/// A key named by `field` of at most [`MAX_KEY_CHARS`] bytes.
pub fn check_key<'a>(field: &'static str, key: &'a str) -> Result<&'a str, DomainError> {
    if key.len() > MAX_KEY_CHARS {
        return Err(DomainError::TooLong {
            field,
            max: MAX_KEY_CHARS,
        });
    }
    Ok(key)
}

/// `stuck_for_secs` between 1 and [`MAX_STUCK_FOR_SECS`].
pub fn check_stuck_for_secs(secs: i64) -> Result<i64, DomainError> {
    check_range("stuck_for_secs", secs, 1, MAX_STUCK_FOR_SECS)
}

/// `value` within `[min, max]`, or an error naming `field`.
pub fn check_range(
    field: &'static str,
    value: i64,
    min: i64,
    max: i64,
) -> Result<i64, DomainError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::OutOfRange {
            field,
            min,
            max,
            got: value,
        })
    }
}

/// A password given to prove who one is (at login, or again before a change, in `field`): not
/// checked for strength (an old account may predate a rule), only for the upper bound, so a
/// megabyte "password" never reaches argon2.
pub fn check_login_password(field: &'static str, password: &str) -> Result<(), DomainError> {
    if password.chars().count() > crate::password::MAX_PASSWORD_LEN {
        return Err(DomainError::TooLong {
            field,
            max: crate::password::MAX_PASSWORD_LEN,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_of_500_characters_is_kept_and_501_are_refused_naming_the_field() {
        let ok = "r".repeat(500);
        assert_eq!(check_reason(Some(&ok)).unwrap(), Some(ok.clone()));
        let e = check_reason(Some(&"r".repeat(501))).unwrap_err();
        assert!(e.to_string().starts_with("reason"), "{e}");
        assert_eq!(check_reason(Some("  ")).unwrap(), None);
        assert_eq!(check_reason(None).unwrap(), None);
    }

    #[test]
    fn stuck_for_secs_is_between_one_second_and_a_year() {
        assert!(check_stuck_for_secs(0).is_err());
        assert!(check_stuck_for_secs(-5).is_err());
        assert_eq!(check_stuck_for_secs(1).unwrap(), 1);
        assert_eq!(check_stuck_for_secs(31_536_000).unwrap(), 31_536_000);
        let e = check_stuck_for_secs(31_536_001).unwrap_err();
        assert!(e.to_string().contains("stuck_for_secs"), "{e}");
    }

    #[test]
    fn a_login_password_over_128_characters_is_refused_before_hashing() {
        assert!(check_login_password("password", "short").is_ok());
        assert!(check_login_password("password", &"p".repeat(128)).is_ok());
        let e = check_login_password("current_password", &"p".repeat(129)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "current_password is too long: at most 128 characters"
        );
    }

    /// The messages a member reads; clients match on them, so they are pinned here.
    #[test]
    fn the_refusals_of_the_shared_rules_read_as_the_contract_says() {
        let reason = check_reason(Some(&"r".repeat(501))).unwrap_err();
        assert_eq!(
            reason.to_string(),
            "reason is too long: at most 500 characters"
        );
        let method =
            "payment_method must name a payment method, e.g. pm_card_visa (at most 200 characters)";
        assert_eq!(check_payment_method("  ").unwrap_err().to_string(), method);
        assert_eq!(
            check_payment_method(&"p".repeat(201))
                .unwrap_err()
                .to_string(),
            method
        );
        let key = check_key("workspace_id", &"w".repeat(101)).unwrap_err();
        assert_eq!(
            key.to_string(),
            "workspace_id is too long: at most 100 characters"
        );
    }

    #[test]
    fn a_reason_is_trimmed_before_it_is_counted_and_kept() {
        assert_eq!(
            check_reason(Some("  moved to Friday \n")).unwrap(),
            Some("moved to Friday".to_string())
        );
        let padded = format!("  {}  ", "r".repeat(500));
        assert_eq!(check_reason(Some(&padded)).unwrap(), Some("r".repeat(500)));
    }

    #[test]
    fn a_payment_method_is_trimmed_and_200_bytes_at_most() {
        assert_eq!(
            check_payment_method(" pm_card_visa ").unwrap(),
            "pm_card_visa"
        );
        assert!(check_payment_method(&"p".repeat(200)).is_ok());
        assert!(check_payment_method("").is_err());
    }

    #[test]
    fn a_key_of_100_bytes_is_kept_and_101_refused() {
        assert_eq!(
            check_key("workspace_id", &"w".repeat(100)).unwrap().len(),
            100
        );
        assert!(check_key("workspace_id", &"w".repeat(101)).is_err());
    }
}
