//! The investor's returns on a series of cash flows: XIRR, money multiple, net, payback date and
//! maximum loss.

use time::Date;

use super::{Cashflow, minor_to_decimal_i128, parse_cashflows_csv, year_fraction};
use crate::FieldError;
use crate::money::Currency;

/// What went wrong computing returns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReturnsError {
    /// The cash-flow file or an argument does not parse; names the line and column.
    #[error("{0}")]
    Input(#[from] FieldError),
    #[error("there are no cash flows")]
    NoCashflows,
    #[error(
        "the cash flows need at least one negative amount (paid out) and one positive amount (received), \
         but they are all {sign}"
    )]
    NoSignChange { sign: &'static str },
    #[error("all cash flows are on one date ({date}): an annual rate needs flows on at least two dates")]
    SingleDate { date: String },
    #[error(
        "no annual rate between -99.9999999999% and +100,000,000% makes the net present value of these cash flows zero"
    )]
    NoRate,
}

impl ReturnsError {
    /// A stable machine-readable code (`no_sign_change`, ...); for input errors, the field error's code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Input(e) => e.code,
            Self::NoCashflows => "no_cashflows",
            Self::NoSignChange { .. } => "no_sign_change",
            Self::SingleDate { .. } => "single_date",
            Self::NoRate => "no_rate",
        }
    }
}

/// The returns report the CLI prints with `--json`. Money is exact decimal strings at `scale`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Returns {
    /// Annual internal rate of return, Actual/365, as a spreadsheet's XIRR computes it
    /// (0.373362535 is 37.34% a year).
    pub xirr: f64,
    /// Money multiple: total received / total paid out.
    pub moic: f64,
    /// Sum of all flows (received − paid out), exact.
    pub net: String,
    /// First date on which the running total, in date order, is back at ≥ 0 after having been
    /// negative; `null` if it never is.
    #[serde(serialize_with = "super::serialize_opt_date")]
    pub payback_date: Option<Date>,
    /// The most the investor had at risk: the deepest negative running total (as a positive
    /// amount), `0` if the running total was never negative.
    pub max_loss: String,
    /// The date of the deepest negative running total (the first, if it happens more than once).
    #[serde(serialize_with = "super::serialize_opt_date")]
    pub max_loss_date: Option<Date>,
    /// Total paid out (sum of the negative flows, as a positive amount).
    pub paid_out: String,
    /// Total received (sum of the positive flows).
    pub received: String,
    #[serde(serialize_with = "super::serialize_date")]
    pub first_date: Date,
    #[serde(serialize_with = "super::serialize_date")]
    pub last_date: Date,
    /// Number of cash flows.
    pub flows: usize,
    /// Decimal places of the amounts.
    pub scale: u8,
    /// `true` when the flows, summed per date in date order, change sign exactly once, so the
    /// rate is the only one; `false` when more than one rate may make the NPV zero.
    pub xirr_unique: bool,
}

/// Parses a cash-flow CSV (see [`parse_cashflows_csv`]) and computes its returns: the one call
/// behind `koinon outcomes returns --cashflows FILE.csv --json`.
pub fn returns_from_csv(csv_text: &str, scale: Option<u8>) -> Result<Returns, ReturnsError> {
    let file = parse_cashflows_csv(csv_text, scale)?;
    returns(&file.flows, file.scale)
}

/// Returns on `flows` (negative = paid out, positive = received; any order) whose minor units
/// have `scale` decimals.
pub fn returns(flows: &[Cashflow], scale: u8) -> Result<Returns, ReturnsError> {
    if scale > Currency::MAX_SCALE {
        return Err(FieldError::new(
            "scale",
            "invalid_scale",
            format!("scale must be between 0 and {}", Currency::MAX_SCALE),
        )
        .into());
    }
    let solution = solve_xirr(flows)?;
    let paid_out: i128 = flows.iter().map(|f| i128::from(f.amount_minor.min(0))).sum::<i128>().abs();
    let received: i128 = flows.iter().map(|f| i128::from(f.amount_minor.max(0))).sum();
    let dated = sums_by_date(flows);

    let mut running: i128 = 0;
    let mut was_negative = false;
    let mut payback_date = None;
    let mut max_loss: i128 = 0;
    let mut max_loss_date = None;
    for &(date, amount) in &dated {
        running += amount;
        if running < 0 {
            was_negative = true;
            if -running > max_loss {
                max_loss = -running;
                max_loss_date = Some(date);
            }
        } else if was_negative && payback_date.is_none() {
            payback_date = Some(date);
        }
    }
    let (first_date, last_date) = match (dated.first(), dated.last()) {
        (Some(first), Some(last)) => (first.0, last.0),
        _ => return Err(ReturnsError::NoCashflows),
    };
    Ok(Returns {
        xirr: solution.rate,
        moic: received as f64 / paid_out as f64,
        net: minor_to_decimal_i128(received - paid_out, scale),
        payback_date,
        max_loss: minor_to_decimal_i128(max_loss, scale),
        max_loss_date,
        paid_out: minor_to_decimal_i128(paid_out, scale),
        received: minor_to_decimal_i128(received, scale),
        first_date,
        last_date,
        flows: flows.len(),
        scale,
        xirr_unique: solution.unique,
    })
}

/// The annual rate `r` at which the net present value of `flows` is zero, Actual/365:
/// `Σ amount_i / (1 + r)^((date_i − date_0) / 365) = 0`, as a spreadsheet's XIRR computes it.
pub fn xirr(flows: &[Cashflow]) -> Result<f64, ReturnsError> {
    solve_xirr(flows).map(|s| s.rate)
}

/// The flows summed exactly per date, in date order.
fn sums_by_date(flows: &[Cashflow]) -> Vec<(Date, i128)> {
    let mut sorted: Vec<Cashflow> = flows.to_vec();
    sorted.sort_by_key(|f| f.date);
    let mut out: Vec<(Date, i128)> = Vec::new();
    for f in sorted {
        match out.last_mut() {
            Some((date, sum)) if *date == f.date => *sum += i128::from(f.amount_minor),
            _ => out.push((f.date, i128::from(f.amount_minor))),
        }
    }
    out
}

struct XirrSolution {
    rate: f64,
    unique: bool,
}

/// The NPV as a function of `x = ln(1 + r)`: `f(x) = Σ a_i · exp(−t_i · x)`. Each term is kept as
/// `(t_i, ln |a_i|, sign a_i)` and evaluated relative to the largest term, so that neither very
/// low nor very high rates overflow; the sign of `f` and the ratio `f / f'` are exact in
/// direction and scale-free.
struct NpvCurve {
    terms: Vec<(f64, f64, f64)>,
}

impl NpvCurve {
    /// `(f, f', Σ |terms|)` at `x`, all divided by the same positive factor.
    fn eval(&self, x: f64) -> (f64, f64, f64) {
        let largest = self.terms.iter().map(|&(t, ln_a, _)| ln_a - t * x).fold(f64::NEG_INFINITY, f64::max);
        let (mut f, mut df, mut abs) = (0.0, 0.0, 0.0);
        for &(t, ln_a, sign) in &self.terms {
            let e = (ln_a - t * x - largest).exp();
            f += sign * e;
            df -= t * sign * e;
            abs += e;
        }
        (f, df, abs)
    }
}

/// Rates searched for a sign change of the NPV, from −99.9999999999% to +100,000,000%.
const RATE_GRID: &[f64] = &[
    -0.999_999_999_999,
    -0.999_999_999,
    -0.999_999,
    -0.9999,
    -0.999,
    -0.99,
    -0.95,
    -0.9,
    -0.8,
    -0.7,
    -0.6,
    -0.5,
    -0.4,
    -0.3,
    -0.2,
    -0.1,
    -0.05,
    0.0,
    0.05,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
    1e3,
    1e4,
    1e5,
    1e6,
];

/// The spreadsheet's starting guess, 10%.
const RATE_GUESS: f64 = 0.1;

fn solve_xirr(flows: &[Cashflow]) -> Result<XirrSolution, ReturnsError> {
    if flows.is_empty() {
        return Err(ReturnsError::NoCashflows);
    }
    let has_negative = flows.iter().any(|f| f.amount_minor < 0);
    let has_positive = flows.iter().any(|f| f.amount_minor > 0);
    if !(has_negative && has_positive) {
        let sign = if has_negative {
            "negative"
        } else if has_positive {
            "positive"
        } else {
            "zero"
        };
        return Err(ReturnsError::NoSignChange { sign });
    }
    let dated: Vec<(Date, i128)> = sums_by_date(flows).into_iter().filter(|&(_, a)| a != 0).collect();
    let (Some(&(first_date, _)), true) = (dated.first(), dated.len() >= 2) else {
        let date = flows.first().map(|f| super::format_date(f.date)).unwrap_or_default();
        return Err(ReturnsError::SingleDate { date });
    };
    let signs: Vec<bool> = dated.iter().map(|&(_, a)| a > 0).collect();
    let sign_changes = signs.windows(2).filter(|w| w[0] != w[1]).count();
    if sign_changes == 0 {
        // Flows of both signs on one date that net to one sign: no rate makes the NPV zero.
        return Err(ReturnsError::NoRate);
    }
    let curve = NpvCurve {
        terms: dated
            .iter()
            .map(|&(date, a)| {
                (year_fraction(first_date, date), (a.unsigned_abs() as f64).ln(), if a > 0 { 1.0 } else { -1.0 })
            })
            .collect(),
    };
    let x = find_root(&curve).ok_or(ReturnsError::NoRate)?;
    Ok(XirrSolution { rate: x.exp_m1(), unique: sign_changes == 1 })
}

/// A root of the NPV curve in `x = ln(1 + r)`: the sign change on the rate grid nearest to the
/// 10% guess, refined by Newton's method kept inside the bracket (bisection when a Newton step
/// would leave it); without a sign change on the grid, plain Newton from the guess (for a root
/// where the NPV touches zero without crossing it).
fn find_root(curve: &NpvCurve) -> Option<f64> {
    let x_guess = RATE_GUESS.ln_1p();
    let grid: Vec<(f64, f64)> = RATE_GRID
        .iter()
        .map(|r| {
            let x = r.ln_1p();
            (x, curve.eval(x).0)
        })
        .collect();
    let distance = |lo: f64, hi: f64| {
        if x_guess < lo {
            lo - x_guess
        } else if x_guess > hi {
            x_guess - hi
        } else {
            0.0
        }
    };
    let mut best: Option<(f64, f64, f64)> = None; // (distance, lo, hi)
    for (i, &(x, f)) in grid.iter().enumerate() {
        let candidate = if f == 0.0 {
            Some((x, x))
        } else {
            grid.get(i + 1)
                .filter(|&&(_, f_next)| f_next != 0.0 && (f < 0.0) != (f_next < 0.0))
                .map(|&(x_next, _)| (x, x_next))
        };
        if let Some((lo, hi)) = candidate {
            let d = distance(lo, hi);
            if best.is_none_or(|(best_d, _, _)| d < best_d) {
                best = Some((d, lo, hi));
            }
        }
    }
    match best {
        Some((_, lo, hi)) if lo == hi => Some(lo),
        Some((_, lo, hi)) => Some(bracketed_newton(curve, lo, hi, x_guess)),
        None => plain_newton(curve, x_guess),
    }
}

fn bracketed_newton(curve: &NpvCurve, mut lo: f64, mut hi: f64, x_guess: f64) -> f64 {
    let lo_negative = curve.eval(lo).0 < 0.0;
    let mut x = if x_guess > lo && x_guess < hi { x_guess } else { 0.5 * (lo + hi) };
    for _ in 0..300 {
        let (f, df, _) = curve.eval(x);
        if f == 0.0 {
            return x;
        }
        if (f < 0.0) == lo_negative {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - f / df;
        let next = if newton.is_finite() && newton > lo && newton < hi { newton } else { 0.5 * (lo + hi) };
        let tolerance = 1e-14 * (1.0 + next.abs());
        if (next - x).abs() <= tolerance || hi - lo <= tolerance {
            return next;
        }
        x = next;
    }
    x
}

fn plain_newton(curve: &NpvCurve, x_guess: f64) -> Option<f64> {
    let (x_min, x_max) = (RATE_GRID[0].ln_1p(), RATE_GRID[RATE_GRID.len() - 1].ln_1p());
    let mut x = x_guess;
    for _ in 0..300 {
        let (f, df, abs) = curve.eval(x);
        if f.abs() <= 1e-15 * abs {
            return Some(x);
        }
        let next = x - f / df;
        if !next.is_finite() || next < x_min || next > x_max {
            return None;
        }
        if (next - x).abs() <= 1e-14 * (1.0 + x.abs()) {
            let (f_next, _, abs_next) = curve.eval(next);
            return (f_next.abs() <= 1e-9 * abs_next).then_some(next);
        }
        x = next;
    }
    None
}
