//! An email address that has been checked once at the edge, so no invalid address reaches the
//! store or the mailer.

use crate::DomainError;

/// A syntactically plausible, lower-cased email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` with no spaces and at most 254 characters; lower-cases it so
    /// that the unique constraint on users treats `Ann@X.io` and `ann@x.io` as one address.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.trim().chars().count() > crate::limits::MAX_EMAIL_CHARS {
            // named as too long, without echoing a huge input back
            return Err(DomainError::TooLong {
                field: "email",
                max: crate::limits::MAX_EMAIL_CHARS,
            });
        }
        let s = raw.trim().to_lowercase();
        let bad = || DomainError::InvalidEmail(raw.to_string());
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.contains('@') || local.len() > 64 {
            return Err(bad());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        {
            return Err(bad());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases_a_plain_address() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn an_address_over_254_characters_is_too_long_and_says_email() {
        let long = format!("{}@example.com", "a".repeat(250));
        let e = Email::parse(&long).unwrap_err();
        assert!(e.to_string().starts_with("email is too long"), "{e}");
    }

    #[test]
    fn refuses_addresses_without_at_domain_or_tld() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.io",
            "ann@x",
            "ann@@x.io",
            "a n@x.io",
            "ann@x..io",
            "ann@-x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
