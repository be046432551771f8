//! A municipality's complementary e-currency (see DOMAIN.md, section 2): its definition and
//! rules, the euro backing it must never exceed, social-assistance programmes with their
//! allocation rule, the household lists they read, and the monthly issuance computation.
//!
//! Pure: plain functions of their inputs; every value parses at the edge and every error names
//! its field. Amounts are integer minor units (of the currency, or of euros where the name says
//! `eur`); rates are exact ratios and basis points; nothing is floating point. The format of
//! the files and the ledger conventions are described for users in `docs/currency.md`.

pub mod households;
pub mod issuance;
pub mod rules;

pub use households::{Household, HouseholdRow, parse_households};
pub use issuance::{AllocationRule, IssuanceLine, IssuancePlan, Month, PlanContext, plan_issuance};
pub use rules::{
    CurrencyRules, Decay, DemurrageCharge, FeeSplit, HolderRule, RedemptionFee, demurrage_charges,
    demurrage_charges_carried, expired_fifo, split_fee,
};

use crate::FieldError;
use crate::money::{Currency, ISO_CURRENCIES};

/// Limits on everything a currency, a programme and a household list may hold.
pub mod limits {
    /// Names of currencies and programmes, in characters.
    pub const NAME_CHARS_MAX: usize = 100;
    /// A currency's symbol, in characters.
    pub const SYMBOL_CHARS_MAX: usize = 8;
    /// A currency's scale (minor-unit digits): at most 4.
    pub const SCALE_MAX: u8 = 4;
    /// Either side of the exchange rate (`units : euros`).
    pub const RATE_PART_MAX: i64 = 1_000_000;
    /// Spending categories of one currency.
    pub const CATEGORIES_MAX: usize = 32;
    /// A category code, in characters (`a-z`, `0-9`, `_`).
    pub const CATEGORY_CHARS_MAX: usize = 32;
    /// Any basis-point rate (fees, demurrage): at most 100%.
    pub const BP_MAX: i64 = 10_000;
    /// The early-redemption window, in days.
    pub const EARLY_DAYS_MAX: i64 = 3_660;
    /// Months before units expire.
    pub const EXPIRY_MONTHS_MAX: i64 = 120;
    /// Any single amount (limits, allocations, budgets), in minor units.
    pub const AMOUNT_MINOR_MAX: i64 = 1_000_000_000_000;
    /// People in one household.
    pub const HOUSEHOLD_SIZE_MAX: i64 = 30;
    /// Households of one programme: one monthly run posts them in one ledger batch with its
    /// backing transfer (the ledger takes 8,190 transfers in a batch).
    pub const HOUSEHOLDS_MAX: usize = 8_000;
    /// A household's reference from the social services (pseudonymous), in characters.
    pub const HOUSEHOLD_REF_CHARS_MAX: usize = 64;
    /// A household's contact for notifications (a phone number or an email), in characters.
    pub const CONTACT_CHARS_MAX: usize = 200;
    /// Errors reported for one household file before giving up.
    pub const INPUT_ERRORS_MAX: usize = 100;
    /// Size of a household file, in bytes.
    pub const FILE_BYTES_MAX: usize = 4 * 1024 * 1024;
}

/// The documented spending categories; a currency may add custom ones (any code that parses).
pub const STANDARD_CATEGORIES: &[(&str, &str)] = &[
    ("food", "food and groceries"),
    ("hygiene", "personal hygiene"),
    ("cleaning", "household cleaning products"),
    ("school_supplies", "school supplies and books"),
    ("clothing", "clothing and shoes"),
    ("pharmacy", "non-prescription pharmacy products"),
    ("energy", "household energy bills"),
    ("transport", "local public transport"),
    ("culture", "culture and sport"),
];

/// The code of a municipal currency: 3 to 12 of `A-Z`, `0-9`, starting with a letter, and not
/// an ISO 4217 code koinon knows (those ledgers hold real money).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CurrencyCode(String);

impl CurrencyCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let c = Currency::new(raw, 0).map_err(|e| FieldError::new("code", e.code, e.message))?;
        if ISO_CURRENCIES.iter().any(|(iso, _)| *iso == c.code()) {
            return Err(FieldError::new(
                "code",
                "iso_currency_code",
                format!(
                    "{} is a national currency; a municipal currency needs a code of its own, like GRAMA",
                    c.code()
                ),
            ));
        }
        Ok(Self(c.code().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A spending category code: 1 to 32 of `a-z`, `0-9`, `_`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Category(String);

impl Category {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        let ok = (1..=limits::CATEGORY_CHARS_MAX).contains(&s.len())
            && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(FieldError::new(
                field,
                "invalid_category",
                format!(
                    "A category is 1 to {} of a-z, 0-9 and _, starting with a letter (like food or school_supplies)",
                    limits::CATEGORY_CHARS_MAX
                ),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is one of [`STANDARD_CATEGORIES`].
    pub fn is_standard(&self) -> bool {
        STANDARD_CATEGORIES.iter().any(|(c, _)| *c == self.0)
    }
}

/// Parses a list of categories (comma- or space-separated); at least one, no repeats.
pub fn parse_categories(field: &str, raw: &str) -> Result<Vec<Category>, FieldError> {
    let mut out: Vec<Category> = Vec::new();
    for part in raw.split([',', ' ', '\n', '\r', '\t']).filter(|p| !p.trim().is_empty()) {
        let c = Category::parse(field, part)?;
        if out.contains(&c) {
            return Err(FieldError::new(field, "duplicate_category", format!("Category {} is listed twice", c.0)));
        }
        out.push(c);
        if out.len() > limits::CATEGORIES_MAX {
            return Err(FieldError::new(
                field,
                "too_many_categories",
                format!("At most {} categories", limits::CATEGORIES_MAX),
            ));
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(field, "required", "Name at least one spending category, like food"));
    }
    Ok(out)
}

/// How many units are worth how many euros: `units` units of the currency = `euros` euros,
/// both whole numbers (1:1 by default). Exact: never a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExchangeRate {
    pub units: i64,
    pub euros: i64,
}

impl Default for ExchangeRate {
    fn default() -> Self {
        Self { units: 1, euros: 1 }
    }
}

impl ExchangeRate {
    pub fn new(units: i64, euros: i64) -> Result<Self, FieldError> {
        for (field, v) in [("rate_units", units), ("rate_euros", euros)] {
            if !(1..=limits::RATE_PART_MAX).contains(&v) {
                return Err(FieldError::new(
                    field,
                    "invalid_rate",
                    format!("{field} must be a whole number from 1 to {}", limits::RATE_PART_MAX),
                ));
            }
        }
        Ok(Self { units, euros })
    }

    /// Parses `units:euros` (`1:1`, `10:9`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new("rate", "invalid_rate", "The rate is written units:euros, like 1:1");
        let (u, e) = raw.trim().split_once(':').ok_or_else(bad)?;
        let u: i64 = u.trim().parse().map_err(|_| bad())?;
        let e: i64 = e.trim().parse().map_err(|_| bad())?;
        Self::new(u, e)
    }

    /// Whether `units_minor` units (at `scale`) are covered by `eur_minor` euro cents:
    /// `units_minor × 100 × euros ≤ eur_minor × 10^scale × units`, in 128-bit integers.
    pub fn covers(self, eur_minor: i64, units_minor: i64, scale: u8) -> bool {
        let lhs = i128::from(units_minor) * 100 * i128::from(self.euros);
        let rhs = i128::from(eur_minor) * 10_i128.pow(u32::from(scale)) * i128::from(self.units);
        lhs <= rhs
    }

    /// The fewest euro cents that cover `units_minor` units at `scale` (rounded up).
    pub fn euros_needed(self, units_minor: i64, scale: u8) -> i64 {
        if units_minor <= 0 {
            return 0;
        }
        let num = i128::from(units_minor) * 100 * i128::from(self.euros);
        let den = 10_i128.pow(u32::from(scale)) * i128::from(self.units);
        let q = (num + den - 1) / den;
        i64::try_from(q).unwrap_or(i64::MAX)
    }

    /// The most units (at `scale`) that `eur_minor` euro cents cover (rounded down).
    pub fn units_covered(self, eur_minor: i64, scale: u8) -> i64 {
        if eur_minor <= 0 {
            return 0;
        }
        let num = i128::from(eur_minor) * 10_i128.pow(u32::from(scale)) * i128::from(self.units);
        let den = 100 * i128::from(self.euros);
        i64::try_from(num / den).unwrap_or(i64::MAX)
    }
}

impl std::fmt::Display for ExchangeRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.units, self.euros)
    }
}

/// Checks an amount in minor units: 0 ..= [`limits::AMOUNT_MINOR_MAX`] (or from 1 when `positive`).
pub fn amount(field: &str, minor: i64, positive: bool) -> Result<i64, FieldError> {
    let low = i64::from(positive);
    if minor < low || minor > limits::AMOUNT_MINOR_MAX {
        return Err(FieldError::new(
            field,
            "invalid_amount",
            format!(
                "{field} must be {} and at most {}",
                if positive { "positive" } else { "zero or more" },
                limits::AMOUNT_MINOR_MAX
            ),
        ));
    }
    Ok(minor)
}

/// Checks a basis-point rate: 0 ..= 10,000.
pub fn basis_points(field: &str, bp: i64) -> Result<i64, FieldError> {
    if !(0..=limits::BP_MAX).contains(&bp) {
        return Err(FieldError::new(field, "invalid_rate", format!("{field} must be 0 to 10000 basis points")));
    }
    Ok(bp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_categories_parse() {
        assert_eq!(CurrencyCode::parse(" grama ").map(|c| c.0), Ok("GRAMA".into()));
        assert_eq!(CurrencyCode::parse("EUR").map_err(|e| e.code), Err("iso_currency_code"));
        assert_eq!(CurrencyCode::parse("G").map_err(|e| e.field), Err("code".into()));
        let cats = parse_categories("categories", "food, hygiene cleaning,my_shop1").expect("categories");
        assert_eq!(cats.len(), 4);
        assert!(cats[0].is_standard() && !cats[3].is_standard());
        assert_eq!(parse_categories("categories", "food,food").map_err(|e| e.code), Err("duplicate_category"));
        assert_eq!(parse_categories("categories", " ").map_err(|e| e.code), Err("required"));
        assert_eq!(parse_categories("categories", "Fo-od").map_err(|e| e.code), Err("invalid_category"));
    }

    #[test]
    fn rates_are_exact() {
        let one = ExchangeRate::default();
        assert!(one.covers(10_000, 10_000, 2));
        assert!(!one.covers(9_999, 10_000, 2));
        assert_eq!(one.euros_needed(10_001, 2), 10_001);
        // 10 units = 9 euros: 100.00 units need 90.00 euros; 1 unit-cent needs 0.9 cent → 1.
        let r = ExchangeRate::parse("10:9").expect("rate");
        assert_eq!(r.euros_needed(10_000, 2), 9_000);
        assert_eq!(r.euros_needed(1, 2), 1);
        assert_eq!(r.units_covered(9_000, 2), 10_000);
        // A currency without decimals: 5 units backed by 5.00 euros.
        assert!(one.covers(500, 5, 0));
        assert!(!one.covers(499, 5, 0));
        assert_eq!(ExchangeRate::parse("1").map_err(|e| e.code), Err("invalid_rate"));
        assert_eq!(ExchangeRate::parse("0:1").map_err(|e| e.field), Err("rate_units".into()));
    }
}
