//! Password rules at registration. Hashing is infrastructure (argon2 in `infra`); this only
//! decides what a member may choose.

use crate::DomainError;

/// The shortest password a member may choose.
pub const MIN_PASSWORD_LEN: usize = 8;
/// argon2 hashes any length, but a cap stops a megabyte "password" from burning CPU (API.md's
/// Limits table: 8 to 128 characters).
pub const MAX_PASSWORD_LEN: usize = 128;

/// Checks a new password against the length rules (counted in characters, not bytes).
pub fn check_new_password(password: &str) -> Result<(), DomainError> {
    check_password_field("password", password)
}

/// [`check_new_password`] for a request whose field has another name (`new_password` of a
/// password change): the error names that field.
pub fn check_password_field(field: &'static str, password: &str) -> Result<(), DomainError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(DomainError::PasswordTooShort {
            field,
            min: MIN_PASSWORD_LEN,
        });
    }
    if n > MAX_PASSWORD_LEN {
        return Err(DomainError::TooLong {
            field,
            max: MAX_PASSWORD_LEN,
        });
    }
    Ok(())
}

/// A person's display name: trimmed, not empty, at most 200 characters.
pub fn parse_name(field: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DomainError::Empty { field });
    }
    if s.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_characters_are_too_short_and_eight_are_enough() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
    }

    #[test]
    fn a_password_of_128_characters_is_accepted_and_129_are_too_long() {
        assert!(check_new_password(&"x".repeat(128)).is_ok());
        let e = check_new_password(&"x".repeat(129)).unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
    }

    #[test]
    fn a_weak_new_password_is_refused_naming_its_field() {
        let e = check_password_field("new_password", "short").unwrap_err();
        assert!(e.to_string().starts_with("new_password too short"), "{e}");
        let e = check_password_field("new_password", &"x".repeat(129)).unwrap_err();
        assert!(e.to_string().starts_with("new_password is too long"), "{e}");
        assert!(check_password_field("new_password", "12345678").is_ok());
        let e = check_new_password("1234567").unwrap_err();
        assert!(e.to_string().starts_with("password too short"), "{e}");
    }

    #[test]
    fn names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(parse_name("name", "  Ann ", 10).unwrap(), "Ann");
        assert!(parse_name("name", "   ", 10).is_err());
        assert!(parse_name("name", "abcdefghijk", 10).is_err());
    }
}
