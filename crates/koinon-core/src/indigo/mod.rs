//! The INDIGO knowledge bank: GO Lab's open data on the world's impact bonds, read from
//! INDIGO's per-table CSV export ("all public data per data type": `projects.csv`,
//! `projects_delivery_locations.csv`, `organisations.csv`, `projects_investments.csv`,
//! `projects_outcome_metrics.csv`, `projects_outcome_pricings.csv`,
//! `projects_outcome_payments.csv`, `projects_results.csv`).
//!
//! Pure: [`parse_export`] turns the texts of those files into typed [`Project`]s and
//! [`Organisation`]s, or into errors that name the file, the line and the column. The traps of
//! the real export and how each is handled are described for users in `docs/indigo.md`:
//! free-text currencies are normalised to ISO 4217 codes ([`normalise_currency`]; unknown ones
//! are errors, never guesses), dates are `YYYY`, `YYYY-MM` or `YYYY-MM-DD` ([`PartialDate`]),
//! amounts are exact decimals ([`Decimal`]), a project delivered in several countries lists
//! each, planned payments are kept per plan revision ([`Project::latest_plan`]) apart from
//! actual ones, and rows are never deduplicated across projects.

mod parse;
mod summary;
mod values;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use parse::{FILES, parse_export};
pub use summary::{GroupBy, SummaryGroup, SummaryRow, summarise};
pub use values::{CURRENCY_NAMES, CurrencyTotals, Decimal, ISO_CODES, PartialDate, normalise_currency};

/// Limits on an export.
pub mod limits {
    /// One file, in bytes.
    pub const FILE_BYTES_MAX: usize = 32 * 1024 * 1024;
    /// Data rows in one file.
    pub const ROWS_MAX: usize = 200_000;
    /// Projects in one export.
    pub const PROJECTS_MAX: usize = 20_000;
    /// One cell, in bytes.
    pub const CELL_BYTES_MAX: usize = 64 * 1024;
    /// Errors reported before giving up.
    pub const ERRORS_MAX: usize = 100;
    /// Warnings listed one by one (all are counted).
    pub const WARNINGS_LISTED_MAX: usize = 100;
}

/// A problem in one place of the export: the file, the line (header = 1), the column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndigoError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl IndigoError {
    pub fn new(
        file: &str,
        line: Option<u64>,
        column: Option<&str>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self { file: file.to_string(), line, column: column.map(str::to_string), code, message: message.into() }
    }
}

impl fmt::Display for IndigoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, " column {column:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found; nothing is imported when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct IndigoErrors(pub Vec<IndigoError>);

impl fmt::Display for IndigoErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// An amount with its ISO 4217 currency; `currency` is `None` when the export gives an amount
/// but leaves the currency cell empty (kept, reported as a warning, never summed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyValue {
    pub currency: Option<String>,
    pub amount: Decimal,
}

/// An amount given as a minimum, an exact figure and/or a maximum, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountRange {
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Decimal>,
}

/// The dates of a project, each as precise as INDIGO knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes_contract_signed: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_contracts_signed: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anticipated_completion: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_completion: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_start: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anticipated_service_end: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_service_end: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anticipated_duration_months: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_duration_months: Option<Decimal>,
}

/// Where a project is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// An investor's commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Investment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<AmountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_potential_loss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_potential_return: Option<String>,
}

/// An outcome metric of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeMetric {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_population: Option<String>,
    /// As written: sometimes a number, sometimes a number with a comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeted_service_users: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sector: Option<String>,
}

/// The price of an outcome metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomePricing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_unit: Option<Decimal>,
    /// The maximum paid for this metric if all targets are achieved (its cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_if_all_targets_met: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Whether a payment row is planned (in a plan revision), actual, or left unspecified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Planned,
    Actual,
    /// The export's `Type` cell is empty: shown, never counted as planned or actual.
    Unspecified,
}

/// An outcome payment, planned or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomePayment {
    pub kind: PaymentKind,
    /// The plan revision (`plan1`, `plan2`, ...; lower case), for planned payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_start: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_end: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<MoneyValue>,
}

/// A result reported for a metric and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<String>,
    /// As written: real exports hold impossible months here (`2018-13`), kept and warned of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes_achieved: Option<String>,
    /// As written (often a number, sometimes with a comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_engaged: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_positive: Option<String>,
}

/// One impact bond.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// INDIGO's id (`INDIGO-POJ-0001`), the key a re-import updates by.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative_names: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default)]
    pub dates: ProjectDates,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// ISO 3166 codes of the delivery locations, sorted, each once.
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment_commitment: Option<AmountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_outcome_payment: Option<MoneyValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_payments_made: Option<MoneyValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_potential_return_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_potential_return: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracting_parties: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_sdg_goal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_population: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_service_users: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_service_users: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covid_changes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default)]
    pub delivery_locations: Vec<DeliveryLocation>,
    #[serde(default)]
    pub investments: Vec<Investment>,
    #[serde(default)]
    pub outcome_metrics: Vec<OutcomeMetric>,
    #[serde(default)]
    pub pricings: Vec<OutcomePricing>,
    #[serde(default)]
    pub payments: Vec<OutcomePayment>,
    #[serde(default)]
    pub results: Vec<OutcomeResult>,
}

impl Project {
    /// The exact total investment commitment with its ISO currency, when INDIGO gives both.
    pub fn investment_exact(&self) -> Option<(&str, Decimal)> {
        let ic = self.investment_commitment.as_ref()?;
        Some((ic.currency.as_deref()?, ic.exact?))
    }

    /// The latest plan revision (`plan3` after `plan2`; numbers compared as numbers) and the
    /// sum of its planned payments per currency. Earlier revisions are not added: each plan
    /// restates the whole schedule.
    pub fn latest_plan(&self) -> Option<(String, CurrencyTotals)> {
        let plan_number = |p: &str| p.trim_start_matches(|c: char| !c.is_ascii_digit()).parse::<u64>().unwrap_or(0);
        let latest = self
            .payments
            .iter()
            .filter(|p| p.kind == PaymentKind::Planned)
            .map(|p| p.plan.clone().unwrap_or_default())
            .max_by(|a, b| plan_number(a).cmp(&plan_number(b)).then_with(|| a.cmp(b)))?;
        let mut totals = CurrencyTotals::default();
        for p in &self.payments {
            if p.kind == PaymentKind::Planned
                && p.plan.clone().unwrap_or_default() == latest
                && let Some(MoneyValue { currency: Some(c), amount }) = &p.amount
            {
                totals.add(c, *amount);
            }
        }
        Some((latest, totals))
    }

    /// The sum of actual payments per currency.
    pub fn actual_payments(&self) -> CurrencyTotals {
        let mut totals = CurrencyTotals::default();
        for p in &self.payments {
            if p.kind == PaymentKind::Actual
                && let Some(MoneyValue { currency: Some(c), amount }) = &p.amount
            {
                totals.add(c, *amount);
            }
        }
        totals
    }

    /// Every value the project holds, by path (`investment_commitment.exact`,
    /// `investments.3.commitment.currency`): what a re-import compares to find values that
    /// were withdrawn.
    pub fn value_paths(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Ok(value) = serde_json::to_value(self) {
            flatten("", &value, &mut out);
        }
        out
    }
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    use serde_json::Value;
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&key(&i.to_string()), v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// How many values `old` held that `new` no longer holds (withdrawn from the public data).
pub fn withdrawn_values(old: &Project, new: &Project) -> usize {
    let new_paths = new.value_paths();
    old.value_paths().keys().filter(|k| !new_paths.contains_key(*k)).count()
}

/// An organisation that projects refer to (payers, investors, providers, intermediaries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// Something kept but worth knowing (an amount without a currency, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndigoWarning {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub code: &'static str,
    pub message: String,
}

/// A parsed export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Export {
    /// In INDIGO id order.
    pub projects: Vec<Project>,
    pub organisations: Vec<Organisation>,
    /// The first [`limits::WARNINGS_LISTED_MAX`] warnings.
    pub warnings: Vec<IndigoWarning>,
    pub warnings_total: usize,
    /// Payment rows whose `Type` is empty.
    pub payments_unspecified: usize,
    /// Currency cells normalised from free text to an ISO code (`"Swiss Francs" → CHF`).
    pub currencies_normalised: BTreeMap<String, String>,
}
