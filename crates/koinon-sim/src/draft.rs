//! A feasibility model that starts from an outcomes contract: the contract gives the currency,
//! the periods, the caps, the metrics with their prices and prerequisites, and the investors'
//! capital; the officer's assumptions give the rest. The model is written out as the TOML of
//! `docs/outcomes.md` and read back, so it is checked by the same rules as a model file and
//! can be downloaded and run with `koinon outcomes simulate`.

use koinon_core::money::minor_to_decimal;
use koinon_core::outcomes::Contract;
use serde::{Deserialize, Serialize};

use crate::model::{Model, ModelErrors, limits};

/// What the officer expects of one metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricAssumption {
    pub code: String,
    pub success_bp: i64,
    pub uncertainty_bp: i64,
    pub lag_periods: i64,
    pub public_saving_minor: i64,
}

/// What the contract does not say and the model needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assumptions {
    /// Referrals in each period from the contract's first.
    pub referrals: Vec<i64>,
    pub engagement_bp: i64,
    pub attrition_bp: i64,
    pub metrics: Vec<MetricAssumption>,
    pub cost_per_participant_minor: i64,
    pub cost_per_period_minor: i64,
    pub discount_rate_bp: i64,
    /// The investors' return cap (money multiple in basis points), if any.
    pub return_cap_bp: Option<i64>,
    /// Periods between an outcome and its payment (claim, verification, payment run).
    #[serde(default = "one_period")]
    pub payment_delay_periods: i64,
}

fn one_period() -> i64 {
    1
}

/// Payment periods from the contract's start to its end, at most [`limits::PERIODS_MAX`].
pub fn contract_periods(contract: &Contract) -> i64 {
    let first = contract.period.index_of(contract.start_on);
    let last = contract.period.index_of(contract.end_on);
    (i64::from(last) - i64::from(first) + 1).clamp(1, limits::PERIODS_MAX)
}

impl Assumptions {
    /// A starting point: the cohorts' target sizes spread over the periods they enrol in, 85%
    /// starting, 5% leaving a period, every metric a 50% chance give or take 10 points, one
    /// period after its prerequisite, no savings, no costs, 3.5% discount rate, payments a
    /// period after the outcome.
    pub fn starting_point(contract: &Contract, return_cap_bp: Option<i64>) -> Self {
        let periods = usize::try_from(contract_periods(contract)).unwrap_or(1);
        let first = contract.period.index_of(contract.start_on);
        let mut referrals = vec![0i64; periods];
        for cohort in &contract.cohorts {
            let from = i64::from(contract.period.index_of(cohort.start_on) - first).clamp(0, periods as i64 - 1);
            let to = i64::from(contract.period.index_of(cohort.end_on) - first).clamp(from, periods as i64 - 1);
            let span = to - from + 1;
            // Enough referrals that 85% of them fill the target.
            let total = (i64::from(cohort.target_size) * 100 + 84) / 85;
            for (k, p) in (from..=to).enumerate() {
                let share = total / span + i64::from((k as i64) < total % span);
                referrals[usize::try_from(p).unwrap_or(0)] += share;
            }
        }
        while referrals.len() > 1 && referrals.last() == Some(&0) {
            referrals.pop();
        }
        let mut lags: Vec<i64> = Vec::with_capacity(contract.metrics.len());
        for m in &contract.metrics {
            let after = m
                .prerequisites
                .iter()
                .filter_map(|p| contract.metric_index(p).and_then(|i| lags.get(i)).copied())
                .max();
            lags.push(after.map_or(0, |l| l + 1));
        }
        Assumptions {
            referrals,
            engagement_bp: 8_500,
            attrition_bp: 500,
            metrics: contract
                .metrics
                .iter()
                .zip(&lags)
                .map(|(m, lag)| MetricAssumption {
                    code: m.code.clone(),
                    success_bp: 5_000,
                    uncertainty_bp: 1_000,
                    lag_periods: *lag,
                    public_saving_minor: 0,
                })
                .collect(),
            cost_per_participant_minor: 0,
            cost_per_period_minor: 0,
            discount_rate_bp: 350,
            return_cap_bp,
            payment_delay_periods: 1,
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The model file of a contract with these assumptions. A metric's prerequisite is the one of
/// its prerequisites that comes last in the contract (the model takes one).
pub fn model_toml(contract: &Contract, a: &Assumptions) -> String {
    let scale = contract.currency.scale();
    let money = |minor: i64| quote(&minor_to_decimal(minor, scale));
    let mut t = String::new();
    t.push_str(&format!("name = {}\n", quote(&format!("{} — feasibility", contract.name))));
    t.push_str(&format!("currency = {}\n", quote(contract.currency.code())));
    let period = match contract.period {
        koinon_core::outcomes::PaymentPeriod::Month => "month",
        koinon_core::outcomes::PaymentPeriod::Quarter => "quarter",
        koinon_core::outcomes::PaymentPeriod::Year => "year",
    };
    t.push_str(&format!("period = \"{period}\"\n"));
    t.push_str(&format!("start_on = \"{}\"\n", koinon_core::finance::format_date(contract.start_on)));
    t.push_str(&format!("periods = {}\n", contract_periods(contract)));
    t.push_str(&format!("payment_delay_periods = {}\n", a.payment_delay_periods));
    t.push_str(&format!("discount_rate_bp = {}\n", a.discount_rate_bp));
    t.push_str(&format!("contract_cap = {}\n", money(contract.contract_cap_minor)));
    if let Some(cap) = contract.participant_cap_minor {
        t.push_str(&format!("participant_cap = {}\n", money(cap)));
    }
    t.push_str("\n[referrals]\n");
    let referrals: Vec<String> = a.referrals.iter().map(i64::to_string).collect();
    t.push_str(&format!("per_period = [{}]\n", referrals.join(", ")));
    t.push_str(&format!("engagement_bp = {}\nattrition_bp = {}\n", a.engagement_bp, a.attrition_bp));
    for m in &contract.metrics {
        let Some(assumed) = a.metrics.iter().find(|x| x.code == m.code) else { continue };
        t.push_str("\n[[metrics]]\n");
        t.push_str(&format!("code = {}\n", quote(&m.code)));
        t.push_str(&format!("price = {}\n", money(m.price_minor.unwrap_or(0))));
        t.push_str(&format!("lag_periods = {}\n", assumed.lag_periods));
        t.push_str(&format!("success_bp = {}\n", assumed.success_bp));
        t.push_str(&format!("uncertainty_bp = {}\n", assumed.uncertainty_bp));
        let prerequisite = m.prerequisites.iter().max_by_key(|p| contract.metric_index(p));
        if let Some(p) = prerequisite {
            t.push_str(&format!("prerequisite = {}\n", quote(p)));
        }
        t.push_str(&format!("public_saving = {}\n", money(assumed.public_saving_minor)));
    }
    t.push_str("\n[costs]\n");
    t.push_str(&format!("per_participant = {}\n", money(a.cost_per_participant_minor)));
    t.push_str(&format!("per_period = {}\n", money(a.cost_per_period_minor)));
    let capital = contract.investor_commitments_minor();
    if capital > 0 {
        t.push_str("\n[investors]\n");
        t.push_str(&format!("capital = {}\n", money(capital)));
        if let Some(cap) = a.return_cap_bp {
            t.push_str(&format!("return_cap_bp = {cap}\n"));
        }
    }
    t
}

/// The checked model of a contract with these assumptions.
pub fn model_from_contract(contract: &Contract, a: &Assumptions) -> Result<(Model, String), ModelErrors> {
    let toml = model_toml(contract, a);
    Model::from_toml(&toml).map(|m| (m, toml))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEERLEN: &str = include_str!("../../../examples/outcomes/heerlen-employment-sib.toml");

    #[test]
    fn the_demo_contract_gives_a_model_that_runs() -> Result<(), Box<dyn std::error::Error>> {
        let contract = Contract::from_toml(HEERLEN)?;
        let a = Assumptions::starting_point(&contract, Some(15_000));
        // 2025-07-01 to 2028-06-30 by quarter: 12 periods. Two cohorts of 60, each enrolling
        // over two quarters: 71 referrals a cohort (60 / 0.85 rounded up), 36 + 35.
        assert_eq!(contract_periods(&contract), 12);
        assert_eq!(a.referrals, vec![36, 35, 36, 35]);
        assert_eq!(a.metrics.iter().map(|m| m.lag_periods).collect::<Vec<_>>(), vec![0, 1, 2]);
        let (model, toml) = model_from_contract(&contract, &a)?;
        assert_eq!(model.metrics[1].prerequisite, Some(0));
        assert_eq!(model.metrics[2].price_minor, 300_000);
        assert_eq!(model.capital_minor, 25_000_000);
        assert_eq!(model.participant_cap_minor, Some(600_000));
        assert_eq!(model.return_cap_bp, Some(15_000));
        assert!(toml.contains("name = \"Parkstad Werkt — employment SIB Heerlen — feasibility\""), "{toml}");
        // What an officer types wrong is named by the model's field.
        let mut bad = a.clone();
        bad.metrics[0].success_bp = 12_000;
        let errors = model_from_contract(&contract, &bad).err().ok_or("should fail")?;
        assert_eq!(errors.0[0].field, "metrics[0].success_bp");
        Ok(())
    }
}
