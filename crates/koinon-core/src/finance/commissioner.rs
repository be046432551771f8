//! The commissioner's figures: net present value, net savings, benefit–cost ratio and the
//! break-even outcome rate.

use time::Date;

use super::{CASHFLOW_ROWS_MAX, Cashflow, year_fraction};
use crate::FieldError;

/// The largest cohort the break-even model takes.
pub const COHORT_SIZE_MAX: u32 = 10_000_000;

/// What went wrong computing the commissioner's figures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommissionerError {
    /// An input is out of range; names the field.
    #[error("{0}")]
    Input(#[from] FieldError),
    /// A present value or a sum does not fit in an amount (`i64` minor units).
    #[error("{what} is too large to be an amount")]
    TooLarge { what: &'static str },
}

impl CommissionerError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Input(e) => e.code,
            Self::TooLarge { .. } => "amount_too_large",
        }
    }
}

/// The net present value of `flows` at `as_of`, Actual/365:
/// `Σ amount_i / (1 + rate)^((date_i − as_of) / 365)`, rounded once, at the end, to the nearest
/// minor unit (halves away from zero). Flows before `as_of` are compounded forward at the same
/// rate; flows on `as_of` (and all flows at a rate of 0) count at their exact amount.
pub fn npv(flows: &[Cashflow], annual_discount_rate: f64, as_of: Date) -> Result<i64, CommissionerError> {
    check_rate(annual_discount_rate)?;
    check_len("flows", flows)?;
    let ln_growth = annual_discount_rate.ln_1p();
    let mut exact: i128 = 0;
    let (mut sum, mut compensation) = (0.0_f64, 0.0_f64);
    for flow in flows {
        let t = year_fraction(as_of, flow.date);
        if t == 0.0 || annual_discount_rate == 0.0 {
            exact += i128::from(flow.amount_minor);
            continue;
        }
        let term = flow.amount_minor as f64 * (-t * ln_growth).exp();
        // Neumaier's compensated sum: the rounding of many terms does not add up.
        let next = sum + term;
        compensation += if sum.abs() >= term.abs() { (sum - next) + term } else { (term - next) + sum };
        sum = next;
    }
    let discounted = (sum + compensation).round();
    if !discounted.is_finite() || discounted.abs() >= 9.0e18 {
        return Err(CommissionerError::TooLarge { what: "the present value" });
    }
    let total = exact + discounted as i128;
    i64::try_from(total).map_err(|_| CommissionerError::TooLarge { what: "the present value" })
}

/// The commissioner's money in one scenario: what it pays for outcomes and what it saves.
#[derive(Debug, Clone, PartialEq)]
pub struct CommissionerFlows {
    /// Outcome payments the commissioner makes, as positive amounts in minor units, by date.
    pub outcome_payments: Vec<Cashflow>,
    /// Public savings the commissioner expects or has measured (benefits not paid, costs
    /// avoided, taxes received), as positive amounts in minor units, by date.
    pub public_savings: Vec<Cashflow>,
    /// The annual discount rate (0.035 for 3.5%), Actual/365.
    pub annual_discount_rate: f64,
    /// The date the present values are taken at.
    pub as_of: Date,
}

/// The commissioner's figures. Amounts are minor units; present values are rounded to the
/// nearest minor unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CommissionerFigures {
    /// Sum of the outcome payments, undiscounted, exact.
    pub outcome_payments_minor: i64,
    /// Sum of the public savings, undiscounted, exact.
    pub public_savings_minor: i64,
    /// Savings − payments, undiscounted, exact.
    pub net_savings_minor: i64,
    /// Present value of the outcome payments at `as_of`.
    pub pv_outcome_payments_minor: i64,
    /// Present value of the public savings at `as_of`.
    pub pv_public_savings_minor: i64,
    /// The commissioner's net present value: `pv_public_savings − pv_outcome_payments`.
    pub npv_minor: i64,
    /// Benefit–cost ratio: `pv_public_savings / pv_outcome_payments`; `None` when nothing is paid.
    pub benefit_cost_ratio: Option<f64>,
}

/// Net savings, present values and benefit–cost ratio of one scenario.
pub fn commissioner_figures(input: &CommissionerFlows) -> Result<CommissionerFigures, CommissionerError> {
    check_non_negative("outcome_payments", &input.outcome_payments)?;
    check_non_negative("public_savings", &input.public_savings)?;
    let outcome_payments_minor = exact_sum("the sum of the outcome payments", &input.outcome_payments)?;
    let public_savings_minor = exact_sum("the sum of the public savings", &input.public_savings)?;
    let pv_outcome_payments_minor = npv(&input.outcome_payments, input.annual_discount_rate, input.as_of)?;
    let pv_public_savings_minor = npv(&input.public_savings, input.annual_discount_rate, input.as_of)?;
    let too_large = |what| CommissionerError::TooLarge { what };
    Ok(CommissionerFigures {
        outcome_payments_minor,
        public_savings_minor,
        net_savings_minor: public_savings_minor
            .checked_sub(outcome_payments_minor)
            .ok_or_else(|| too_large("the net savings"))?,
        pv_outcome_payments_minor,
        pv_public_savings_minor,
        npv_minor: pv_public_savings_minor
            .checked_sub(pv_outcome_payments_minor)
            .ok_or_else(|| too_large("the net present value"))?,
        benefit_cost_ratio: (pv_outcome_payments_minor != 0)
            .then(|| pv_public_savings_minor as f64 / pv_outcome_payments_minor as f64),
    })
}

/// A cohort model for the break-even outcome rate. The success rate `s` is the share of the
/// cohort that achieves the paid outcomes. The commissioner pays the price schedule for every
/// participant who succeeds (`s · cohort_size` participants), but saves only for those who
/// succeed beyond the baseline (the share who would have succeeded anyway, as in a comparison
/// group): `(s − baseline) · cohort_size` participants.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRateModel {
    /// Participants in the cohort (1 to 10,000,000).
    pub cohort_size: u32,
    /// The share of the cohort that would achieve the outcomes without the service, in basis
    /// points (2000 = 20%).
    pub baseline_rate_bp: u32,
    /// What the commissioner pays for one participant who achieves the paid outcomes, by date
    /// (a rate card: 2,600 on entry to employment, 1,000 more at 26 weeks).
    pub payments_per_success: Vec<Cashflow>,
    /// The public savings from one participant who achieves the outcomes beyond the baseline,
    /// by date.
    pub savings_per_success: Vec<Cashflow>,
    /// The capital investors put in, in minor units, undiscounted.
    pub investor_capital_minor: i64,
    /// The commissioner's annual discount rate (0.035 for 3.5%), Actual/365.
    pub annual_discount_rate: f64,
    /// The date the present values are taken at.
    pub as_of: Date,
}

/// The break-even outcome rates of a cohort model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BreakEven {
    /// Present value of the payments for one successful participant (`P`), unrounded.
    pub pv_payment_per_success: f64,
    /// Present value of the savings from one successful participant beyond the baseline (`V`),
    /// unrounded.
    pub pv_saving_per_success: f64,
    /// The commissioner's break-even success rate `s_c = b · V / (V − P)`: at `s_c` the
    /// discounted savings equal the discounted outcome payments, above it the commissioner
    /// saves more than it pays. `None` when no success rate up to 100% gets there (`V ≤ P`,
    /// or `s_c > 1`).
    pub commissioner_break_even_rate: Option<f64>,
    /// The success rate at which the undiscounted outcome payments equal the investors'
    /// capital (`K / (N · p)`, `p` the undiscounted payments per success), so that investors
    /// get their capital back if all outcome payments reach them. `None` when no success rate
    /// up to 100% pays that much.
    pub investor_capital_back_rate: Option<f64>,
}

/// The break-even outcome rates of `model` (see [`BreakEven`] and `docs/finance.md`).
pub fn break_even(model: &OutcomeRateModel) -> Result<BreakEven, CommissionerError> {
    if model.cohort_size == 0 || model.cohort_size > COHORT_SIZE_MAX {
        return Err(FieldError::new(
            "cohort_size",
            "out_of_range",
            format!("the cohort must have 1 to {COHORT_SIZE_MAX} participants"),
        )
        .into());
    }
    if model.baseline_rate_bp > 10_000 {
        return Err(FieldError::new(
            "baseline_rate_bp",
            "out_of_range",
            "the baseline rate must be 0 to 10000 basis points",
        )
        .into());
    }
    if model.investor_capital_minor < 0 {
        return Err(FieldError::new(
            "investor_capital_minor",
            "negative_amount",
            "the investors' capital cannot be negative",
        )
        .into());
    }
    check_rate(model.annual_discount_rate)?;
    check_non_negative("payments_per_success", &model.payments_per_success)?;
    check_non_negative("savings_per_success", &model.savings_per_success)?;
    check_len("payments_per_success", &model.payments_per_success)?;
    check_len("savings_per_success", &model.savings_per_success)?;

    let pv = |flows: &[Cashflow]| -> f64 {
        let ln_growth = model.annual_discount_rate.ln_1p();
        flows.iter().map(|f| f.amount_minor as f64 * (-year_fraction(model.as_of, f.date) * ln_growth).exp()).sum()
    };
    let payment = pv(&model.payments_per_success);
    let saving = pv(&model.savings_per_success);
    let baseline = f64::from(model.baseline_rate_bp) / 10_000.0;
    let commissioner_break_even_rate =
        (saving > payment).then(|| baseline * saving / (saving - payment)).filter(|s| *s <= 1.0);

    let nominal_payment: i128 = model.payments_per_success.iter().map(|f| i128::from(f.amount_minor)).sum();
    let full_cohort_payments = nominal_payment * i128::from(model.cohort_size);
    let capital = i128::from(model.investor_capital_minor);
    let investor_capital_back_rate = (full_cohort_payments > 0 && capital <= full_cohort_payments)
        .then(|| capital as f64 / full_cohort_payments as f64);

    Ok(BreakEven {
        pv_payment_per_success: payment,
        pv_saving_per_success: saving,
        commissioner_break_even_rate,
        investor_capital_back_rate,
    })
}

fn check_rate(rate: f64) -> Result<(), FieldError> {
    if rate.is_finite() && rate > -1.0 && rate <= 100.0 {
        Ok(())
    } else {
        Err(FieldError::new(
            "annual_discount_rate",
            "out_of_range",
            format!("the annual discount rate must be above -100% and at most 10000%, got {rate}"),
        ))
    }
}

fn check_len(field: &str, flows: &[Cashflow]) -> Result<(), FieldError> {
    if flows.len() > CASHFLOW_ROWS_MAX {
        return Err(FieldError::new(field, "too_many_rows", format!("at most {CASHFLOW_ROWS_MAX} flows")));
    }
    Ok(())
}

fn check_non_negative(field: &str, flows: &[Cashflow]) -> Result<(), FieldError> {
    match flows.iter().position(|f| f.amount_minor < 0) {
        Some(i) => Err(FieldError::new(
            format!("{field}[{i}]"),
            "negative_amount",
            "amounts here are positive: what is paid, or what is saved",
        )),
        None => Ok(()),
    }
}

fn exact_sum(what: &'static str, flows: &[Cashflow]) -> Result<i64, CommissionerError> {
    let sum: i128 = flows.iter().map(|f| i128::from(f.amount_minor)).sum();
    i64::try_from(sum).map_err(|_| CommissionerError::TooLarge { what })
}
