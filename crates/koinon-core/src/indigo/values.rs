//! The value types of the INDIGO export: exact decimals, ISO 4217 codes normalised from the
//! free text INDIGO's currency columns hold, and partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An exact decimal: `units / 10^scale`. Never floating point. Parsed from the plain decimals
/// INDIGO writes (`227000`, `1245496.654657746`) and summed without loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    units: i128,
    scale: u8,
}

impl Decimal {
    /// Most fraction digits accepted (INDIGO's USD conversions carry up to 15).
    pub const SCALE_MAX: u8 = 18;
    /// Most digits in all.
    pub const DIGITS_MAX: usize = 30;
    pub const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    /// Parses `123`, `-4.5`, `0.066`; refuses exponents, separators, empty text.
    pub fn parse(raw: &str) -> Option<Decimal> {
        let s = raw.trim();
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || (digits.contains('.') && frac.is_empty())
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > usize::from(Self::SCALE_MAX)
            || whole.len() + frac.len() > Self::DIGITS_MAX
        {
            return None;
        }
        let mut units: i128 = 0;
        for b in whole.bytes().chain(frac.bytes()) {
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        let scale = u8::try_from(frac.len()).ok()?;
        Some(Decimal { units: if negative { -units } else { units }, scale }.normalised())
    }

    /// The same value with trailing fraction zeros dropped (`1.50` → `1.5`, `2.0` → `2`).
    fn normalised(mut self) -> Decimal {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        if self.units == 0 {
            self.scale = 0;
        }
        self
    }

    fn rescaled(self, scale: u8) -> Option<i128> {
        let mut units = self.units;
        for _ in self.scale..scale {
            units = units.checked_mul(10)?;
        }
        Some(units)
    }

    /// The exact sum, or `None` on overflow (far beyond any real amount).
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let units = self.rescaled(scale)?.checked_add(other.rescaled(scale)?)?;
        Some(Decimal { units, scale }.normalised())
    }

    /// `|self - other|`, or `None` on overflow.
    pub fn abs_diff(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let units = self.rescaled(scale)?.checked_sub(other.rescaled(scale)?)?.checked_abs()?;
        Some(Decimal { units, scale }.normalised())
    }

    /// Integer minor units at `scale` when the value has no more decimals than that.
    pub fn to_minor(self, scale: u8) -> Option<i64> {
        if self.scale > scale {
            return None;
        }
        i64::try_from(self.rescaled(scale)?).ok()
    }

    /// Integer minor units at `scale`, finer decimals rounded half away from zero (for charts
    /// beside a koinon amount; the stored value stays exact).
    pub fn to_minor_rounded(self, scale: u8) -> Option<i64> {
        if self.scale <= scale {
            return self.to_minor(scale);
        }
        let divisor = 10i128.checked_pow(u32::from(self.scale - scale))?;
        let (q, r) = (self.units / divisor, self.units % divisor);
        let away = if 2 * r.abs() >= divisor { self.units.signum() } else { 0 };
        i64::try_from(q + away).ok()
    }

    pub fn is_negative(self) -> bool {
        self.units < 0
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.rescaled(scale), other.rescaled(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Only reachable near i128::MAX: compare the whole parts.
            _ => (self.units / 10i128.pow(u32::from(self.scale)))
                .cmp(&(other.units / 10i128.pow(u32::from(other.scale)))),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.units.unsigned_abs().to_string();
        let sign = if self.units < 0 { "-" } else { "" };
        let scale = usize::from(self.scale);
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{frac}")
    }
}

impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Decimal::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a decimal: {s:?}")))
    }
}

/// Exact sums per ISO currency code, in code order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CurrencyTotals(pub BTreeMap<String, Decimal>);

impl CurrencyTotals {
    /// Adds `amount` to the total for `currency`; `false` on overflow (the total is kept).
    pub fn add(&mut self, currency: &str, amount: Decimal) -> bool {
        let total = self.0.entry(currency.to_string()).or_insert(Decimal::ZERO);
        match total.checked_add(amount) {
            Some(sum) => {
                *total = sum;
                true
            }
            None => false,
        }
    }
}

/// ISO 4217 codes that appear in impact bonds, and then some.
pub const ISO_CODES: &[&str] = &[
    "AED", "ARS", "AUD", "BGN", "BRL", "CAD", "CHF", "CLP", "CNY", "COP", "CZK", "DKK", "EGP", "EUR", "GBP", "GHS",
    "HKD", "HUF", "IDR", "ILS", "INR", "JOD", "JPY", "KES", "KHR", "KRW", "MXN", "NGN", "NOK", "NZD", "PEN", "PHP",
    "PKR", "PLN", "RON", "RUB", "RWF", "SEK", "SGD", "THB", "TND", "TRY", "UAH", "UGX", "USD", "UYU", "XAF", "XOF",
    "ZAR",
];

/// Free-text currency names seen in INDIGO exports (compared case-insensitively, spaces
/// trimmed and runs of spaces collapsed) and the ISO 4217 code each one means.
pub const CURRENCY_NAMES: &[(&str, &str)] = &[
    ("swiss francs", "CHF"),
    ("swiss franc", "CHF"),
    ("nz dollar", "NZD"),
    ("nz dollars", "NZD"),
    ("new zealand dollar", "NZD"),
    ("russian ruble", "RUB"),
    ("russian rubles", "RUB"),
    ("russian rouble", "RUB"),
    ("swedish", "SEK"),
    ("swedish krona", "SEK"),
    ("swedish kronor", "SEK"),
    ("israeli new shekels", "ILS"),
    ("israeli new shekel", "ILS"),
    ("japanese yen", "JPY"),
    ("south african rand", "ZAR"),
    ("south korean won", "KRW"),
    ("pound sterling", "GBP"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("us dollar", "USD"),
    ("us dollars", "USD"),
];

/// The ISO 4217 code a currency cell means, or `None` when it is neither a known code nor a
/// known name (the importer reports it; it never guesses).
pub fn normalise_currency(raw: &str) -> Option<&'static str> {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = text.to_ascii_uppercase();
    if let Some(code) = ISO_CODES.iter().find(|c| **c == upper) {
        return Some(code);
    }
    let lower = text.to_lowercase();
    CURRENCY_NAMES.iter().find(|(name, _)| *name == lower).map(|(_, code)| *code)
}

/// A date INDIGO knows to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (years 1900–2199, real months and days).
    pub fn parse(raw: &str) -> Option<PartialDate> {
        let s = raw.trim();
        let mut parts = s.split('-');
        let year_text = parts.next()?;
        if year_text.len() != 4 {
            return None;
        }
        let year: u16 = year_text.parse().ok().filter(|y| (1900..=2199).contains(y))?;
        let two = |t: Option<&str>| -> Option<Option<u8>> {
            match t {
                None => Some(None),
                Some(t) if t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()) => t.parse().ok().map(Some),
                Some(_) => None,
            }
        };
        let month = two(parts.next())?;
        let day = two(parts.next())?;
        if parts.next().is_some() || month.is_some_and(|m| !(1..=12).contains(&m)) {
            return None;
        }
        if let (Some(m), Some(d)) = (month, day) {
            let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
            let days = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if !(1..=days).contains(&d) {
                return None;
            }
        }
        Some(PartialDate { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PartialDate::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rounds_to_minor_units_half_away_from_zero() {
        let minor = |t: &str| Decimal::parse(t).and_then(|d| d.to_minor_rounded(2));
        assert_eq!(minor("1234.5"), Some(123_450));
        assert_eq!(minor("0.125"), Some(13));
        assert_eq!(minor("0.1249"), Some(12));
        assert_eq!(minor("-0.125"), Some(-13));
        assert_eq!(minor("7"), Some(700));
    }

    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).expect(s)
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(d("227000").to_string(), "227000");
        assert_eq!(d("1245496.654657746").to_string(), "1245496.654657746");
        assert_eq!(d("0.066").to_string(), "0.066");
        assert_eq!(d("1.50").to_string(), "1.5");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(d("0.1").checked_add(d("0.2")).map(|x| x.to_string()), Some("0.3".into()));
        assert_eq!(d("12.5").to_minor(2), Some(1250));
        assert_eq!(d("12.505").to_minor(2), None);
        for bad in ["", "1.", ".5", "1,5", "1e3", "--1", "1.2.3", "£5", "1 000", "nan"] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
        assert!(d("2") > d("1.999"));
        assert_eq!(d("1.5").abs_diff(d("3")).map(|x| x.to_string()), Some("1.5".into()));
    }

    #[test]
    fn currencies_normalise_to_iso_codes() {
        for (raw, code) in [
            ("GBP", "GBP"),
            ("AUD ", "AUD"),
            ("eur", "EUR"),
            ("Swiss Francs", "CHF"),
            ("NZ dollar", "NZD"),
            ("Russian Ruble", "RUB"),
            ("Russian rubles", "RUB"),
            ("Swedish", "SEK"),
            ("Israeli new shekels", "ILS"),
            ("Japanese Yen", "JPY"),
            ("South African Rand", "ZAR"),
            ("South Korean  Won", "KRW"),
        ] {
            assert_eq!(normalise_currency(raw), Some(code), "{raw:?}");
        }
        for unknown in ["Dollars", "XXX", "Bitcoin", "£"] {
            assert_eq!(normalise_currency(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn partial_dates() {
        assert_eq!(PartialDate::parse("2018").map(|x| x.to_string()), Some("2018".into()));
        assert_eq!(PartialDate::parse("2018-12").map(|x| x.to_string()), Some("2018-12".into()));
        assert_eq!(PartialDate::parse("2020-02-29").map(|x| x.to_string()), Some("2020-02-29".into()));
        for bad in ["", "18", "2018-13", "2019-02-29", "2018/12", "2018-1", "x2018", "2018-12-01-01"] {
            assert!(PartialDate::parse(bad).is_none(), "{bad:?}");
        }
        assert!(PartialDate::parse("2018") < PartialDate::parse("2018-01"));
    }

    proptest! {
        #[test]
        fn decimal_text_round_trips(units in -1_000_000_000_000_000i64..1_000_000_000_000_000, scale in 0u8..=8) {
            let text = crate::money::minor_to_decimal(units, scale);
            let parsed = Decimal::parse(&text).expect("valid");
            prop_assert_eq!(parsed.to_minor(scale), Some(units));
        }

        #[test]
        fn sums_are_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let x = Decimal::parse(&crate::money::minor_to_decimal(a, 2)).expect("a");
            let y = Decimal::parse(&crate::money::minor_to_decimal(b, 3)).expect("b");
            prop_assert_eq!(x.checked_add(y).and_then(|s| s.to_minor(3)), Some(a * 10 + b));
        }
    }
}
