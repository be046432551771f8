//! Investor and commissioner figures for outcomes contracts: XIRR, money multiple, payback,
//! maximum loss, NPV, benefit–cost ratio, break-even outcome rate, and the distribution
//! waterfall. Amounts are integer minor units.
//!
//! Money is never floating point here: amounts are `i64` minor units, sums are `i128`, and
//! every amount a user sees is an exact decimal string. Only rates (IRR, discount rates,
//! success rates) and ratios (money multiple, benefit–cost ratio) are `f64`.
//!
//! The formulas and conventions, with worked examples, are in `docs/finance.md`.

pub mod cashflow;
pub mod commissioner;
pub mod returns;
pub mod waterfall;

pub use cashflow::{CASHFLOW_CSV_BYTES_MAX, CASHFLOW_ROWS_MAX, Cashflow, CashflowFile, parse_cashflows_csv};
pub use commissioner::{
    BreakEven, COHORT_SIZE_MAX, CommissionerError, CommissionerFigures, CommissionerFlows, OutcomeRateModel,
    break_even, commissioner_figures, npv,
};
pub use returns::{Returns, ReturnsError, returns, returns_from_csv, xirr};
pub use waterfall::{
    Distribution, INVESTORS_MAX, InvestorDistribution, InvestorPosition, ResidualRule, ReturnCap, distribute,
    return_cap_minor,
};

use time::Date;
use time::macros::format_description;

/// Days in the year of the Actual/365 (Fixed) day count used by every rate in this module.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Minor units at `scale` as an exact decimal string, for sums that may not fit in `i64`
/// (`-123456`, 2 → `-1234.56`).
pub fn minor_to_decimal_i128(amount_minor: i128, scale: u8) -> String {
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

/// A date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]")).unwrap_or_else(|_| date.to_string())
}

/// Parses a strict ISO date `YYYY-MM-DD` (four-digit year, two-digit month and day).
pub fn parse_date(raw: &str) -> Option<Date> {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0_u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Days from `from` to `to` as a fraction of a 365-day year (negative when `to` is earlier).
pub fn year_fraction(from: Date, to: Date) -> f64 {
    (to - from).whole_days() as f64 / DAYS_PER_YEAR
}

pub(crate) fn serialize_date<S: serde::Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*date))
}

pub(crate) fn serialize_opt_date<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.serialize_some(&format_date(*d)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_sums_print_exactly() {
        assert_eq!(minor_to_decimal_i128(-123_456, 2), "-1234.56");
        assert_eq!(minor_to_decimal_i128(5, 3), "0.005");
        assert_eq!(minor_to_decimal_i128(i128::from(i64::MAX) * 10, 0), "92233720368547758070");
    }

    #[test]
    fn dates_are_strict_iso() {
        assert!(parse_date("2008-01-01").is_some());
        for bad in [
            "2008-1-01",
            "08-01-01",
            "2008/01/01",
            "2008-02-30",
            "2008-13-01",
            "2008-00-10",
            "+008-01-01",
            "2008-01-01T00",
            "２008-01-01",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_date("2009-04-01").map(format_date).as_deref(), Some("2009-04-01"));
    }
}
