//! Money is integer minor units plus an ISO 4217 currency; floats never hold an amount.

use crate::DomainError;

/// ISO 4217 codes deskflow accepts (those Stripe charges in, with two-decimal minor units, plus
/// the zero-decimal JPY and KRW).
const CURRENCIES: &[&str] = &[
    "AUD", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "INR", "JPY", "KRW",
    "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD", "ZAR",
];

/// A currency deskflow can charge in, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let up = raw.trim().to_ascii_uppercase();
        if CURRENCIES.contains(&up.as_str()) {
            Ok(Currency(up))
        } else {
            Err(DomainError::UnknownCurrency(raw.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Minor units for people: `1500` -> `15.00`, `-5` -> `-0.05` (two-decimal currencies).
pub fn format_minor(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        cents.unsigned_abs() / 100,
        cents.unsigned_abs() % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_in_any_case_and_unknown_ones_are_refused() {
        assert_eq!(Currency::parse("eur").unwrap().as_str(), "EUR");
        assert!(Currency::parse("XYZ").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn minor_units_print_with_two_decimals() {
        assert_eq!(format_minor(1500), "15.00");
        assert_eq!(format_minor(5), "0.05");
        assert_eq!(format_minor(-5), "-0.05");
    }
}
