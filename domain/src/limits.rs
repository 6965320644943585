//! The size bounds of API.md's "Limits" table, checked at the edge so that an oversized or
//! out-of-range field is a 400 naming the field before anything is written.

use crate::DomainError;

/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Person names, workspace names and locations: 1 to 200 characters.
pub const MAX_NAME_CHARS: usize = 200;
/// A cancel reason ends up in the database, the workflow's state and an email: 500 characters.
pub const MAX_REASON_CHARS: usize = 500;
/// The most a seat-hour may cost, in minor units; with the other bounds it keeps every price
/// far inside `i64`.
pub const MAX_HOURLY_RATE_CENTS: i64 = 10_000_000;
/// `Admin/bookings`' `stuck_for_secs`: 1 second to 365 days.
pub const MAX_STUCK_FOR_SECS: i64 = 31_536_000;

/// An optional free-text reason: at most [`MAX_REASON_CHARS`] characters (blank counts as none).
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

/// A password given at login: not checked for strength (an old account may predate a rule),
/// only for the upper bound, so a megabyte "password" never reaches argon2.
pub fn check_login_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() > crate::password::MAX_PASSWORD_LEN {
        return Err(DomainError::TooLong {
            field: "password",
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
        assert!(check_login_password("short").is_ok());
        assert!(check_login_password(&"p".repeat(128)).is_ok());
        assert!(check_login_password(&"p".repeat(129)).is_err());
    }
}
