//! Exact money: integer minor units with a currency. Never floating point.

use crate::FieldError;

/// A currency: an ISO 4217 code (`EUR`, `GBP`, `BGN`, ...) or a municipal currency code
/// (`GRAMA`), with its scale (the number of minor-unit digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Currency {
    code: String,
    scale: u8,
}

/// ISO 4217 currencies koinon knows out of the box, with their minor-unit digits.
pub const ISO_CURRENCIES: &[(&str, u8)] = &[
    ("EUR", 2),
    ("GBP", 2),
    ("BGN", 2),
    ("HUF", 2),
    ("PLN", 2),
    ("RON", 2),
    ("DKK", 2),
    ("SEK", 2),
    ("CHF", 2),
    ("USD", 2),
    ("ILS", 2),
    ("TND", 3),
    ("JOD", 3),
    ("CZK", 2),
    ("NOK", 2),
    ("JPY", 0),
];

impl Currency {
    pub const MAX_SCALE: u8 = 8;

    /// A currency code with an explicit scale: 3 to 12 characters, `A`–`Z` and `0`–`9`,
    /// starting with a letter.
    pub fn new(code: &str, scale: u8) -> Result<Self, FieldError> {
        let code = code.trim().to_ascii_uppercase();
        let valid_chars = code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let starts_with_letter = code.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if !(3..=12).contains(&code.len()) || !valid_chars || !starts_with_letter {
            return Err(FieldError::new(
                "currency",
                "invalid_currency",
                "Currency must be a code of 3 to 12 letters or digits, like EUR or GRAMA",
            ));
        }
        if scale > Self::MAX_SCALE {
            return Err(FieldError::new(
                "scale",
                "invalid_scale",
                format!("Scale must be between 0 and {}", Self::MAX_SCALE),
            ));
        }
        Ok(Self { code, scale })
    }

    /// An ISO 4217 currency koinon knows (see [`ISO_CURRENCIES`]).
    pub fn iso(code: &str) -> Result<Self, FieldError> {
        let upper = code.trim().to_ascii_uppercase();
        ISO_CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|(c, scale)| Self { code: (*c).to_string(), scale: *scale })
            .ok_or_else(|| {
                FieldError::new(
                    "currency",
                    "unknown_currency",
                    format!("Unknown currency {upper:?}: use an ISO 4217 code such as EUR, GBP or BGN"),
                )
            })
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn scale(&self) -> u8 {
        self.scale
    }
}

/// An amount of money: integer minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self { amount_minor, currency }
    }

    /// Parses a plain decimal (`1234.56`, `-7`, `0.5`) into minor units of `currency`,
    /// refusing more decimals than the currency has and anything that would overflow.
    pub fn parse(field: &str, raw: &str, currency: &Currency) -> Result<Self, FieldError> {
        parse_minor(field, raw, currency.scale).map(|amount_minor| Self::new(amount_minor, currency.clone()))
    }

    /// The amount as a plain decimal string (`1234.56`), exact.
    pub fn to_decimal_string(&self) -> String {
        minor_to_decimal(self.amount_minor, self.currency.scale)
    }
}

/// Parses a plain decimal string into minor units at `scale`.
pub fn parse_minor(field: &str, raw: &str, scale: u8) -> Result<i64, FieldError> {
    let s = raw.trim();
    let invalid = || FieldError::new(field, "invalid_amount", format!("{field} must be an amount like 1234.56"));
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    if digits.contains('.') && frac.is_empty() {
        return Err(invalid());
    }
    if frac.len() > usize::from(scale) {
        return Err(FieldError::new(
            field,
            "too_many_decimals",
            format!("{field} can have at most {scale} decimal places"),
        ));
    }
    let too_large = || FieldError::new(field, "amount_too_large", format!("{field} is too large"));
    let mut value: i64 = 0;
    for b in whole.bytes().chain(frac.bytes()) {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))).ok_or_else(too_large)?;
    }
    for _ in frac.len()..usize::from(scale) {
        value = value.checked_mul(10).ok_or_else(too_large)?;
    }
    Ok(if negative { -value } else { value })
}

/// Minor units at `scale` as a plain decimal string, exact (`123456`, 2 → `1234.56`).
pub fn minor_to_decimal(amount_minor: i64, scale: u8) -> String {
    let negative = amount_minor < 0;
    let digits = amount_minor.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let body = if scale == 0 {
        digits
    } else {
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, frac) = padded.split_at(padded.len() - scale);
        format!("{whole}.{frac}")
    };
    if negative { format!("-{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::iso("eur").expect("EUR is known")
    }

    #[test]
    fn parses_exact_amounts() {
        assert_eq!(parse_minor("amount", "1234.56", 2), Ok(123_456));
        assert_eq!(parse_minor("amount", "0.5", 2), Ok(50));
        assert_eq!(parse_minor("amount", "-7", 2), Ok(-700));
        assert_eq!(parse_minor("amount", "42567.76", 2), Ok(4_256_776));
        for bad in ["", "1.", ".5", "1,5", "1e3", "--1", "1.2.3", " - 1"] {
            assert!(parse_minor("amount", bad, 2).is_err(), "{bad:?} must be refused");
        }
        let err = parse_minor("amount", "1.234", 2).expect_err("three decimals");
        assert_eq!(err.code, "too_many_decimals");
        let err = parse_minor("amount", "99999999999999999999", 2).expect_err("overflow");
        assert_eq!(err.code, "amount_too_large");
    }

    #[test]
    fn currencies_are_checked() {
        assert_eq!(eur().scale(), 2);
        assert!(Currency::iso("XXX").is_err());
        assert_eq!(Currency::new("grama", 2).map(|c| c.code().to_string()), Ok("GRAMA".into()));
        assert!(Currency::new("1AB", 2).is_err());
        assert!(Currency::new("EU", 2).is_err());
        assert!(Currency::new("EUR", 9).is_err());
    }

    #[test]
    fn money_round_trips_through_decimal() {
        let m = Money::parse("amount", "50079.72", &eur()).expect("valid");
        assert_eq!(m.amount_minor, 5_007_972);
        assert_eq!(m.to_decimal_string(), "50079.72");
        assert_eq!(minor_to_decimal(-5, 2), "-0.05");
        assert_eq!(minor_to_decimal(5, 0), "5");
    }

    proptest! {
        #[test]
        fn decimal_round_trip(amount in any::<i64>().prop_filter("not min", |a| *a != i64::MIN), scale in 0u8..=8) {
            let text = minor_to_decimal(amount, scale);
            prop_assert_eq!(parse_minor("amount", &text, scale), Ok(amount));
        }
    }
}
