//! Designing an outcomes contract in the browser, one step per page: the answers are kept
//! server-side between steps (a design), each step checks its own fields, and the contract is
//! created from the TOML written from the answers, which the core's parser checks as for any
//! contract file. A refused step changes nothing.
//!
//! Every function checks the one policy (`ManageOutcomeContracts`), runs in one transaction and
//! appends its audit entry in it. Another tenant's design is "not found".

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::money::{Currency, minor_to_decimal, parse_minor};
use koinon_core::outcomes::{Contract, limits, parse_iso_date};
use koinon_store::outcome_designs::DesignRow;
use serde::{Deserialize, Serialize};

use crate::outcomes::ContractView;
use crate::{Actor, App, AppError, audit};

/// Designs in progress in one tenant.
pub const DESIGNS_MAX: i64 = 100;
/// Parties of a designed contract.
pub const PARTIES_MAX: usize = 50;
/// Cohorts of a designed contract.
pub const COHORTS_MAX: usize = 50;
/// Outcome metrics of a designed contract.
pub const METRICS_MAX: usize = 50;
/// Fixed targets of a designed contract.
pub const TARGETS_MAX: usize = limits::TARGETS_MAX;
/// Size of the stored answers (JSON), in bytes.
pub const ANSWERS_BYTES_MAX: usize = 512 * 1024;
/// Any one text field of a step, in characters (longer input is refused, not cut).
pub const INPUT_CHARS_MAX: usize = limits::TEXT_CHARS_MAX;

/// The steps of the designer, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignStep {
    Basics,
    Parties,
    Cohorts,
    Caps,
    Metrics,
    Mechanism,
    MechanismDetails,
}

impl DesignStep {
    pub const ALL: [DesignStep; 7] = [
        DesignStep::Basics,
        DesignStep::Parties,
        DesignStep::Cohorts,
        DesignStep::Caps,
        DesignStep::Metrics,
        DesignStep::Mechanism,
        DesignStep::MechanismDetails,
    ];

    /// The step's path segment (`/outcomes/designs/{id}/{slug}`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Basics => "basics",
            Self::Parties => "parties",
            Self::Cohorts => "cohorts",
            Self::Caps => "caps",
            Self::Metrics => "metrics",
            Self::Mechanism => "mechanism",
            Self::MechanismDetails => "mechanism-details",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The step where the contract file's `field` (`metrics[2].price`, `mechanism.share_bp`) is
    /// answered.
    pub fn of_field(field: &str) -> Self {
        let head = field.split(['.', '[']).next().unwrap_or("");
        match head {
            "parties" => Self::Parties,
            "cohorts" => Self::Cohorts,
            "contract_cap" | "participant_cap" | "period_cap" => Self::Caps,
            "metrics" => Self::Metrics,
            "mechanism" if field == "mechanism" || field == "mechanism.type" => Self::Mechanism,
            "mechanism" => Self::MechanismDetails,
            _ => Self::Basics,
        }
    }
}

// ---- the answers ----

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesignAnswers {
    #[serde(default)]
    pub basics: Option<BasicsAnswer>,
    #[serde(default)]
    pub parties: Vec<PartyAnswer>,
    #[serde(default)]
    pub cohorts: Vec<CohortAnswer>,
    #[serde(default)]
    pub caps: Option<CapsAnswer>,
    #[serde(default)]
    pub metrics: Vec<MetricAnswer>,
    #[serde(default)]
    pub mechanism: MechanismAnswer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicsAnswer {
    pub name: String,
    pub policy_area: String,
    pub currency: String,
    pub start_on: String,
    pub end_on: String,
    pub period: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyAnswer {
    pub name: String,
    pub role: String,
    /// Investors only: a decimal amount of the contract currency.
    pub commitment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortAnswer {
    pub code: String,
    pub name: String,
    pub target_size: u32,
    pub start_on: String,
    pub end_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapsAnswer {
    pub contract_cap: String,
    pub participant_cap: Option<String>,
    pub period_cap: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricAnswer {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub evidence: String,
    pub verification_window_days: u16,
    pub claim_window_days: u16,
    pub once_per_participant: bool,
    pub prerequisites: Vec<String>,
    pub price: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MechanismAnswer {
    /// `rate_card`, `comparison_threshold`, `savings_share` or `fixed_targets`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub comparison: Option<ComparisonAnswer>,
    #[serde(default)]
    pub share_bp: Option<u16>,
    #[serde(default)]
    pub targets: Vec<TargetAnswer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonAnswer {
    pub metric: String,
    pub cohort_threshold_bp: u16,
    pub overall_threshold_bp: u16,
    pub price_per_event_avoided: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetAnswer {
    pub code: String,
    pub name: String,
    pub metric: String,
    pub threshold_bp: u16,
    pub payment: String,
}

pub const POLICY_AREAS: [&str; 9] = [
    "employment",
    "ageing",
    "immigration",
    "homelessness",
    "health",
    "education",
    "criminal_justice",
    "child_and_family",
    "other",
];
pub const PERIODS: [&str; 3] = ["month", "quarter", "year"];
pub const PARTY_ROLES: [&str; 6] = ["outcome_payer", "provider", "investor", "intermediary", "spv", "evaluator"];
pub const MECHANISMS: [&str; 4] = ["rate_card", "comparison_threshold", "savings_share", "fixed_targets"];

impl DesignAnswers {
    /// The scale of the chosen currency (2 until one is chosen).
    pub fn scale(&self) -> u8 {
        self.basics.as_ref().and_then(|b| Currency::iso(&b.currency).ok()).map_or(2, |c| c.scale())
    }

    /// Whether the step has an answer (for the task list and check your answers).
    pub fn answered(&self, step: DesignStep) -> bool {
        match step {
            DesignStep::Basics => self.basics.is_some(),
            DesignStep::Parties => !self.parties.is_empty(),
            DesignStep::Cohorts => !self.cohorts.is_empty(),
            DesignStep::Caps => self.caps.is_some(),
            DesignStep::Metrics => !self.metrics.is_empty(),
            DesignStep::Mechanism => self.mechanism.kind.is_some(),
            DesignStep::MechanismDetails => match self.mechanism.kind.as_deref() {
                Some("rate_card") => true,
                Some("comparison_threshold") => self.mechanism.comparison.is_some(),
                Some("savings_share") => self.mechanism.share_bp.is_some(),
                Some("fixed_targets") => !self.mechanism.targets.is_empty(),
                _ => false,
            },
        }
    }

    /// The first step without an answer.
    pub fn next_unanswered(&self) -> Option<DesignStep> {
        DesignStep::ALL.into_iter().find(|s| !self.answered(*s))
    }

    /// The steps that need an answer before the contract can be written, as errors that name
    /// the step (field = the step's slug).
    pub fn missing(&self) -> Vec<FieldError> {
        DesignStep::ALL
            .into_iter()
            .filter(|s| !self.answered(*s))
            .map(|s| FieldError::new(s.slug(), "design_step_missing", "Answer this step"))
            .collect()
    }

    /// The contract file (TOML) written from the answers. Money is written as quoted decimals,
    /// dates as quoted ISO dates, basis points as integers; the core's parser checks it.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let kv = |out: &mut String, key: &str, value: &str| {
            out.push_str(key);
            out.push_str(" = ");
            out.push_str(&toml_string(value));
            out.push('\n');
        };
        if let Some(b) = &self.basics {
            kv(&mut out, "name", &b.name);
            kv(&mut out, "policy_area", &b.policy_area);
            kv(&mut out, "currency", &b.currency);
            kv(&mut out, "start_on", &b.start_on);
            kv(&mut out, "end_on", &b.end_on);
            kv(&mut out, "period", &b.period);
        }
        if let Some(c) = &self.caps {
            kv(&mut out, "contract_cap", &c.contract_cap);
            if let Some(v) = &c.participant_cap {
                kv(&mut out, "participant_cap", v);
            }
            if let Some(v) = &c.period_cap {
                kv(&mut out, "period_cap", v);
            }
        }
        for p in &self.parties {
            out.push_str("\n[[parties]]\n");
            kv(&mut out, "name", &p.name);
            kv(&mut out, "role", &p.role);
            if let Some(c) = &p.commitment {
                kv(&mut out, "commitment", c);
            }
        }
        for c in &self.cohorts {
            out.push_str("\n[[cohorts]]\n");
            kv(&mut out, "code", &c.code);
            kv(&mut out, "name", &c.name);
            out.push_str(&format!("target_size = {}\n", c.target_size));
            kv(&mut out, "start_on", &c.start_on);
            kv(&mut out, "end_on", &c.end_on);
        }
        let kind = self.mechanism.kind.as_deref().unwrap_or("");
        for m in &self.metrics {
            out.push_str("\n[[metrics]]\n");
            kv(&mut out, "code", &m.code);
            kv(&mut out, "name", &m.name);
            kv(&mut out, "definition", &m.definition);
            kv(&mut out, "evidence", &m.evidence);
            out.push_str(&format!("verification_window_days = {}\n", m.verification_window_days));
            out.push_str(&format!("claim_window_days = {}\n", m.claim_window_days));
            out.push_str(&format!("once_per_participant = {}\n", m.once_per_participant));
            if !m.prerequisites.is_empty() {
                let list: Vec<String> = m.prerequisites.iter().map(|p| toml_string(p)).collect();
                out.push_str(&format!("prerequisites = [{}]\n", list.join(", ")));
            }
            // Prices belong to rate cards and savings-share fees; the other mechanisms pay on
            // results, so a price typed before the mechanism was chosen is left out for them.
            if let Some(price) = &m.price
                && matches!(kind, "rate_card" | "savings_share")
            {
                kv(&mut out, "price", price);
            }
        }
        if let Some(kind) = &self.mechanism.kind {
            out.push_str("\n[mechanism]\n");
            kv(&mut out, "type", kind);
            match kind.as_str() {
                "comparison_threshold" => {
                    if let Some(c) = &self.mechanism.comparison {
                        kv(&mut out, "metric", &c.metric);
                        out.push_str(&format!("cohort_threshold_bp = {}\n", c.cohort_threshold_bp));
                        out.push_str(&format!("overall_threshold_bp = {}\n", c.overall_threshold_bp));
                        kv(&mut out, "price_per_event_avoided", &c.price_per_event_avoided);
                    }
                }
                "savings_share" => {
                    if let Some(bp) = self.mechanism.share_bp {
                        out.push_str(&format!("share_bp = {bp}\n"));
                    }
                }
                "fixed_targets" => {
                    for t in &self.mechanism.targets {
                        out.push_str("\n[[mechanism.targets]]\n");
                        kv(&mut out, "code", &t.code);
                        kv(&mut out, "name", &t.name);
                        kv(&mut out, "metric", &t.metric);
                        out.push_str(&format!("threshold_bp = {}\n", t.threshold_bp));
                        kv(&mut out, "payment", &t.payment);
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The contract, or every problem: first the steps not yet answered, then the core
    /// parser's errors (each naming the contract file's field, see [`DesignStep::of_field`]).
    pub fn check(&self) -> Result<(String, Contract), Vec<FieldError>> {
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(missing);
        }
        let toml = self.to_toml();
        match Contract::from_toml(&toml) {
            Ok(c) => Ok((toml, c)),
            Err(errors) => Err(errors.0.into_iter().map(|e| FieldError::new(e.field, e.code, e.message)).collect()),
        }
    }
}

/// A TOML basic string, with every character that needs it escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---- the steps' inputs, as typed ----

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BasicsInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub policy_area: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub start_on: String,
    #[serde(default)]
    pub end_on: String,
    #[serde(default)]
    pub period: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartyInput {
    #[serde(default)]
    pub party_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub commitment: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CohortInput {
    #[serde(default)]
    pub cohort_code: String,
    #[serde(default)]
    pub cohort_name: String,
    #[serde(default)]
    pub target_size: String,
    #[serde(default)]
    pub cohort_start_on: String,
    #[serde(default)]
    pub cohort_end_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CapsInput {
    #[serde(default)]
    pub contract_cap: String,
    #[serde(default)]
    pub participant_cap: String,
    #[serde(default)]
    pub period_cap: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricInput {
    #[serde(default)]
    pub metric_code: String,
    #[serde(default)]
    pub metric_name: String,
    #[serde(default)]
    pub definition: String,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub verification_window_days: String,
    #[serde(default)]
    pub claim_window_days: String,
    /// `once` or `repeatable`.
    #[serde(default)]
    pub repeat: String,
    /// Metric codes separated by commas or spaces.
    #[serde(default)]
    pub prerequisites: String,
    #[serde(default)]
    pub price: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MechanismDetailsInput {
    #[serde(default)]
    pub comparison_metric: String,
    /// Percentages, as typed (`10`, `7.5`).
    #[serde(default)]
    pub cohort_threshold: String,
    #[serde(default)]
    pub overall_threshold: String,
    #[serde(default)]
    pub price_per_event_avoided: String,
    #[serde(default)]
    pub share: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetInput {
    #[serde(default)]
    pub target_code: String,
    #[serde(default)]
    pub target_name: String,
    #[serde(default)]
    pub target_metric: String,
    #[serde(default)]
    pub target_threshold: String,
    #[serde(default)]
    pub target_payment: String,
}

/// One change to a design: a step's answers, or adding to or removing from one of its lists.
#[derive(Debug, Clone)]
pub enum DesignChange {
    Basics(BasicsInput),
    AddParty(PartyInput),
    RemoveParty(usize),
    AddCohort(CohortInput),
    RemoveCohort(usize),
    Caps(CapsInput),
    /// Adds a metric (`index` None) or replaces the one at `index`.
    SaveMetric {
        index: Option<usize>,
        input: MetricInput,
    },
    RemoveMetric(usize),
    Mechanism(String),
    MechanismDetails(MechanismDetailsInput),
    AddTarget(TargetInput),
    RemoveTarget(usize),
}

impl DesignChange {
    pub fn step(&self) -> DesignStep {
        match self {
            Self::Basics(_) => DesignStep::Basics,
            Self::AddParty(_) | Self::RemoveParty(_) => DesignStep::Parties,
            Self::AddCohort(_) | Self::RemoveCohort(_) => DesignStep::Cohorts,
            Self::Caps(_) => DesignStep::Caps,
            Self::SaveMetric { .. } | Self::RemoveMetric(_) => DesignStep::Metrics,
            Self::Mechanism(_) => DesignStep::Mechanism,
            Self::MechanismDetails(_) | Self::AddTarget(_) | Self::RemoveTarget(_) => DesignStep::MechanismDetails,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Self::Basics(_) => "basics",
            Self::AddParty(_) => "add_party",
            Self::RemoveParty(_) => "remove_party",
            Self::AddCohort(_) => "add_cohort",
            Self::RemoveCohort(_) => "remove_cohort",
            Self::Caps(_) => "caps",
            Self::SaveMetric { index: None, .. } => "add_metric",
            Self::SaveMetric { index: Some(_), .. } => "change_metric",
            Self::RemoveMetric(_) => "remove_metric",
            Self::Mechanism(_) => "mechanism",
            Self::MechanismDetails(_) => "mechanism_details",
            Self::AddTarget(_) => "add_target",
            Self::RemoveTarget(_) => "remove_target",
        }
    }
}

// ---- checking one step ----

/// Collects a step's field errors.
#[derive(Default)]
struct Errs(Vec<FieldError>);

impl Errs {
    fn push(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// A required text of at most `max` characters, trimmed.
    fn text(&mut self, field: &str, raw: &str, max: usize, missing: &'static str, message: &str) -> String {
        let v = raw.trim();
        if v.is_empty() {
            self.push(field, missing, message);
        } else if v.chars().count() > max {
            self.push(field, "design_too_long", format!("{field} must be {max} characters or fewer"));
        }
        v.to_string()
    }

    fn code(&mut self, field: &str, raw: &str, missing: &'static str, message: &str) -> String {
        let v = raw.trim();
        if v.is_empty() {
            self.push(field, missing, message);
        } else if !valid_code(v) {
            self.push(
                field,
                "design_invalid_code",
                "Use 1 to 64 characters of a-z, 0-9, _ and -, starting with a letter or digit",
            );
        }
        v.to_string()
    }

    fn date(&mut self, field: &str, raw: &str, missing: &'static str, message: &str) -> Option<String> {
        let v = raw.trim();
        if v.is_empty() {
            self.push(field, missing, message);
            return None;
        }
        match parse_iso_date(v.as_bytes()) {
            Some(_) => Some(v.to_string()),
            None => {
                self.push(field, "design_invalid_date", "Enter a real date like 2024-01-31");
                None
            }
        }
    }

    /// A positive amount in the currency, written back as a normalised decimal.
    fn amount(&mut self, field: &str, raw: &str, scale: u8, missing: Option<(&'static str, &str)>) -> Option<String> {
        let v: String = raw.trim().chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
        if v.is_empty() {
            if let Some((code, message)) = missing {
                self.push(field, code, message);
            }
            return None;
        }
        if v.len() > 32 {
            self.push(field, "design_invalid_amount", "Enter an amount like 1300 or 1300.00");
            return None;
        }
        match parse_minor(field, &v, scale) {
            Ok(m) if m > 0 && m <= limits::AMOUNT_MINOR_MAX => Some(minor_to_decimal(m, scale)),
            Ok(_) => {
                self.push(
                    field,
                    "design_amount_out_of_range",
                    format!(
                        "Enter an amount more than 0 and at most {}",
                        minor_to_decimal(limits::AMOUNT_MINOR_MAX, scale)
                    ),
                );
                None
            }
            Err(e) if e.code == "too_many_decimals" => {
                self.push(field, "design_too_many_decimals", format!("Use at most {scale} decimal places"));
                None
            }
            Err(_) => {
                self.push(field, "design_invalid_amount", "Enter an amount like 1300 or 1300.00");
                None
            }
        }
    }

    fn whole(
        &mut self,
        field: &str,
        raw: &str,
        min: i64,
        max: i64,
        missing: &'static str,
        message: &str,
    ) -> Option<i64> {
        let v = raw.trim();
        if v.is_empty() {
            self.push(field, missing, message);
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.push(field, "design_out_of_range", format!("Enter a whole number from {min} to {max}"));
                None
            }
        }
    }

    /// A percentage (`10`, `7.5`, `12.25`) as basis points, more than 0 and at most 100%.
    fn percent(&mut self, field: &str, raw: &str, missing: &'static str, message: &str) -> Option<u16> {
        let v = raw.trim().trim_end_matches('%').trim();
        if v.is_empty() {
            self.push(field, missing, message);
            return None;
        }
        let bp = parse_minor(field, v, 2).ok().filter(|bp| (1..=10_000).contains(bp));
        match bp.and_then(|bp| u16::try_from(bp).ok()) {
            Some(bp) => Some(bp),
            None => {
                self.push(field, "design_invalid_percent", "Enter a percentage more than 0 and at most 100, like 7.5");
                None
            }
        }
    }

    fn choice(&mut self, field: &str, raw: &str, allowed: &[&str], code: &'static str, message: &str) -> String {
        let v = raw.trim();
        if !allowed.contains(&v) {
            self.push(field, code, message);
        }
        v.to_string()
    }

    fn done<T>(self, value: T) -> Result<T, AppError> {
        if self.0.is_empty() { Ok(value) } else { Err(AppError::Invalid(self.0)) }
    }
}

fn valid_code(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= limits::CODE_CHARS_MAX
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
}

/// Applies one change to the answers, or returns every problem with the step's fields (the
/// answers are then unchanged).
pub fn apply(answers: &DesignAnswers, change: &DesignChange) -> Result<DesignAnswers, AppError> {
    let mut next = answers.clone();
    let scale = answers.scale();
    let mut e = Errs::default();
    match change {
        DesignChange::Basics(i) => {
            let name =
                e.text("name", &i.name, limits::NAME_CHARS_MAX, "design_name_required", "Enter the contract's name");
            let policy_area = e.choice(
                "policy_area",
                &i.policy_area,
                &POLICY_AREAS,
                "design_policy_area_required",
                "Select the policy area",
            );
            let currency = i.currency.trim().to_ascii_uppercase();
            if currency.is_empty() {
                e.push("currency", "design_currency_required", "Enter the currency, like EUR");
            } else if Currency::iso(&currency).is_err() {
                e.push(
                    "currency",
                    "design_unknown_currency",
                    "Enter an ISO 4217 currency code koinon knows, like EUR, GBP or BGN",
                );
            }
            let start = e.date("start_on", &i.start_on, "design_start_required", "Enter the start date");
            let end = e.date("end_on", &i.end_on, "design_end_required", "Enter the end date");
            if let (Some(s), Some(en)) = (&start, &end)
                && let (Some(sd), Some(ed)) = (parse_iso_date(s.as_bytes()), parse_iso_date(en.as_bytes()))
            {
                let days = (ed - sd).whole_days();
                if days < 1 {
                    e.push("end_on", "design_end_before_start", "End date must be after the start date");
                } else if days > limits::CONTRACT_DAYS_MAX {
                    e.push("end_on", "design_too_long_contract", "A contract can run at most 25 years");
                }
            }
            let period =
                e.choice("period", &i.period, &PERIODS, "design_period_required", "Select how often outcomes are paid");
            next.basics = e.done(Some(BasicsAnswer {
                name,
                policy_area,
                currency,
                start_on: start.unwrap_or_default(),
                end_on: end.unwrap_or_default(),
                period,
            }))?;
        }
        DesignChange::AddParty(i) => {
            if answers.parties.len() >= PARTIES_MAX {
                e.push(
                    "party_name",
                    "design_too_many_parties",
                    format!("A contract can have at most {PARTIES_MAX} parties"),
                );
            }
            let name = e.text(
                "party_name",
                &i.party_name,
                limits::NAME_CHARS_MAX,
                "design_party_name_required",
                "Enter the party's name",
            );
            let role = e.choice("role", &i.role, &PARTY_ROLES, "design_role_required", "Select the party's role");
            let commitment = if role == "investor" {
                e.amount(
                    "commitment",
                    &i.commitment,
                    scale,
                    Some(("design_commitment_required", "Enter the investor's commitment")),
                )
            } else {
                if !i.commitment.trim().is_empty() && PARTY_ROLES.contains(&role.as_str()) {
                    e.push(
                        "commitment",
                        "design_commitment_not_allowed",
                        "Leave the commitment empty: only investors commit capital",
                    );
                }
                None
            };
            if ["evaluator", "intermediary", "spv"].contains(&role.as_str())
                && answers.parties.iter().any(|p| p.role == role)
            {
                e.push(
                    "role",
                    "design_role_taken",
                    "The contract already has a party with this role: it can have only one",
                );
            }
            next.parties.push(PartyAnswer { name, role, commitment });
            next = e.done(next)?;
        }
        DesignChange::RemoveParty(n) => {
            if *n >= next.parties.len() {
                return Err(AppError::NotFound("party".into()));
            }
            next.parties.remove(*n);
        }
        DesignChange::AddCohort(i) => {
            if answers.cohorts.len() >= COHORTS_MAX {
                e.push(
                    "cohort_code",
                    "design_too_many_cohorts",
                    format!("A contract can have at most {COHORTS_MAX} cohorts"),
                );
            }
            let code =
                e.code("cohort_code", &i.cohort_code, "design_cohort_code_required", "Enter a code for the cohort");
            if answers.cohorts.iter().any(|c| c.code == code) {
                e.push("cohort_code", "design_duplicate_code", "This code is already used: choose another");
            }
            let name = e.text(
                "cohort_name",
                &i.cohort_name,
                limits::NAME_CHARS_MAX,
                "design_cohort_name_required",
                "Enter the cohort's name",
            );
            let size = e.whole(
                "target_size",
                &i.target_size,
                1,
                limits::COHORT_TARGET_SIZE_MAX,
                "design_target_size_required",
                "Enter the cohort's target size",
            );
            let start = e.date("cohort_start_on", &i.cohort_start_on, "design_start_required", "Enter the start date");
            let end = e.date("cohort_end_on", &i.cohort_end_on, "design_end_required", "Enter the end date");
            if let (Some(s), Some(en)) = (&start, &end) {
                if en < s {
                    e.push(
                        "cohort_end_on",
                        "design_cohort_end_before_start",
                        "End date must not be before the start date",
                    );
                } else if let Some(b) = &answers.basics
                    && (s.as_str() < b.start_on.as_str() || en.as_str() > b.end_on.as_str())
                {
                    e.push(
                        "cohort_start_on",
                        "design_cohort_outside_contract",
                        format!(
                            "The cohort's dates must lie within the contract's dates ({} to {})",
                            b.start_on, b.end_on
                        ),
                    );
                }
            }
            next.cohorts.push(CohortAnswer {
                code,
                name,
                target_size: size.and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
                start_on: start.unwrap_or_default(),
                end_on: end.unwrap_or_default(),
            });
            next = e.done(next)?;
        }
        DesignChange::RemoveCohort(n) => {
            if *n >= next.cohorts.len() {
                return Err(AppError::NotFound("cohort".into()));
            }
            next.cohorts.remove(*n);
        }
        DesignChange::Caps(i) => {
            let cap = e.amount(
                "contract_cap",
                &i.contract_cap,
                scale,
                Some(("design_contract_cap_required", "Enter a contract cap")),
            );
            let participant = e.amount("participant_cap", &i.participant_cap, scale, None);
            let period = e.amount("period_cap", &i.period_cap, scale, None);
            if let Some(cap_minor) = cap.as_deref().and_then(|c| parse_minor("contract_cap", c, scale).ok()) {
                for (field, v, code, message) in [
                    (
                        "participant_cap",
                        &participant,
                        "design_participant_cap_above",
                        "The per-participant cap must not be more than the contract cap",
                    ),
                    (
                        "period_cap",
                        &period,
                        "design_period_cap_above",
                        "The period cap must not be more than the contract cap",
                    ),
                ] {
                    if v.as_deref().and_then(|v| parse_minor(field, v, scale).ok()).is_some_and(|m| m > cap_minor) {
                        e.push(field, code, message);
                    }
                }
            }
            next.caps = e.done(Some(CapsAnswer {
                contract_cap: cap.unwrap_or_default(),
                participant_cap: participant,
                period_cap: period,
            }))?;
        }
        DesignChange::SaveMetric { index, input: i } => {
            if let Some(n) = index
                && *n >= answers.metrics.len()
            {
                return Err(AppError::NotFound("metric".into()));
            }
            if index.is_none() && answers.metrics.len() >= METRICS_MAX {
                e.push(
                    "metric_code",
                    "design_too_many_metrics",
                    format!("A contract can have at most {METRICS_MAX} outcome metrics"),
                );
            }
            let code = e.code(
                "metric_code",
                &i.metric_code,
                "design_metric_code_required",
                "Enter a code for the outcome metric",
            );
            if answers.metrics.iter().enumerate().any(|(k, m)| m.code == code && Some(k) != *index) {
                e.push("metric_code", "design_duplicate_code", "This code is already used: choose another");
            }
            let name = e.text(
                "metric_name",
                &i.metric_name,
                limits::NAME_CHARS_MAX,
                "design_metric_name_required",
                "Enter the outcome metric's name",
            );
            let definition = e.text(
                "definition",
                &i.definition,
                limits::TEXT_CHARS_MAX,
                "design_definition_required",
                "Enter what counts as the outcome",
            );
            let evidence = e.text(
                "evidence",
                &i.evidence,
                limits::TEXT_CHARS_MAX,
                "design_evidence_required",
                "Enter the evidence the evaluator needs",
            );
            let verification = e.whole(
                "verification_window_days",
                &i.verification_window_days,
                1,
                limits::WINDOW_DAYS_MAX,
                "design_verification_window_required",
                "Enter the days the evaluator has to verify a claim",
            );
            let claim = e.whole(
                "claim_window_days",
                &i.claim_window_days,
                1,
                limits::WINDOW_DAYS_MAX,
                "design_claim_window_required",
                "Enter the days within which a claim must be made",
            );
            let once = match i.repeat.trim() {
                "once" => true,
                "repeatable" => false,
                _ => {
                    e.push(
                        "repeat",
                        "design_repeat_required",
                        "Select whether the outcome is paid once per participant or can repeat",
                    );
                    true
                }
            };
            let mut prerequisites: Vec<String> = Vec::new();
            if i.prerequisites.chars().count() > INPUT_CHARS_MAX {
                e.push("prerequisites", "design_too_long", "prerequisites must be 2000 characters or fewer");
            } else {
                for p in i.prerequisites.split([',', ' ', '\n', '\r', '\t', ';']).filter(|p| !p.is_empty()) {
                    if !valid_code(p) {
                        e.push("prerequisites", "design_invalid_prerequisite", format!("{p:?} is not a metric code"));
                        break;
                    }
                    if p == code {
                        e.push(
                            "prerequisites",
                            "design_self_prerequisite",
                            "An outcome metric cannot be its own prerequisite",
                        );
                        break;
                    }
                    if !answers.metrics.iter().any(|m| m.code == p) {
                        e.push(
                            "prerequisites",
                            "design_unknown_prerequisite",
                            format!("{p:?} is not an outcome metric of this contract: add it first"),
                        );
                        break;
                    }
                    if !prerequisites.iter().any(|q| q == p) {
                        prerequisites.push(p.to_string());
                    }
                }
                if prerequisites.len() > limits::PREREQUISITES_MAX {
                    e.push(
                        "prerequisites",
                        "design_too_many_prerequisites",
                        format!("At most {} prerequisites", limits::PREREQUISITES_MAX),
                    );
                }
            }
            let price = e.amount("price", &i.price, scale, None);
            let metric = MetricAnswer {
                code,
                name,
                definition,
                evidence,
                verification_window_days: verification.and_then(|v| u16::try_from(v).ok()).unwrap_or(1),
                claim_window_days: claim.and_then(|v| u16::try_from(v).ok()).unwrap_or(1),
                once_per_participant: once,
                prerequisites,
                price,
            };
            next = e.done(next)?;
            match index {
                Some(n) => {
                    let old = next.metrics[*n].code.clone();
                    // A renamed metric keeps its place in the others' prerequisites, the
                    // comparison and the targets.
                    if old != metric.code {
                        let renamed = |code: &mut String| {
                            if *code == old {
                                code.clone_from(&metric.code);
                            }
                        };
                        next.metrics.iter_mut().flat_map(|m| m.prerequisites.iter_mut()).for_each(renamed);
                        next.mechanism.comparison.iter_mut().map(|c| &mut c.metric).for_each(renamed);
                        next.mechanism.targets.iter_mut().map(|t| &mut t.metric).for_each(renamed);
                    }
                    next.metrics[*n] = metric;
                }
                None => next.metrics.push(metric),
            }
        }
        DesignChange::RemoveMetric(n) => {
            if *n >= next.metrics.len() {
                return Err(AppError::NotFound("metric".into()));
            }
            let gone = next.metrics.remove(*n).code;
            for m in &mut next.metrics {
                m.prerequisites.retain(|p| *p != gone);
            }
        }
        DesignChange::Mechanism(kind) => {
            let kind =
                e.choice("mechanism", kind, &MECHANISMS, "design_mechanism_required", "Select the payment mechanism");
            next.mechanism.kind = e.done(Some(kind))?;
        }
        DesignChange::MechanismDetails(i) => match answers.mechanism.kind.as_deref() {
            Some("comparison_threshold") => {
                let metric = e.code(
                    "comparison_metric",
                    &i.comparison_metric,
                    "design_comparison_metric_required",
                    "Select the outcome metric that is measured",
                );
                if !metric.is_empty() && !answers.metrics.iter().any(|m| m.code == metric) {
                    e.push(
                        "comparison_metric",
                        "design_unknown_metric",
                        "Select one of the contract's outcome metrics",
                    );
                }
                let cohort = e.percent(
                    "cohort_threshold",
                    &i.cohort_threshold,
                    "design_cohort_threshold_required",
                    "Enter the improvement a cohort must reach",
                );
                let overall = e.percent(
                    "overall_threshold",
                    &i.overall_threshold,
                    "design_overall_threshold_required",
                    "Enter the improvement all cohorts together must reach",
                );
                let price = e.amount(
                    "price_per_event_avoided",
                    &i.price_per_event_avoided,
                    scale,
                    Some(("design_price_per_event_required", "Enter the price per event avoided")),
                );
                next.mechanism.comparison = e.done(Some(ComparisonAnswer {
                    metric,
                    cohort_threshold_bp: cohort.unwrap_or(0),
                    overall_threshold_bp: overall.unwrap_or(0),
                    price_per_event_avoided: price.unwrap_or_default(),
                }))?;
            }
            Some("savings_share") => {
                let share = e.percent(
                    "share",
                    &i.share,
                    "design_share_required",
                    "Enter the share of the savings that is paid",
                );
                next.mechanism.share_bp = e.done(share)?;
            }
            _ => {
                e.push("mechanism", "design_mechanism_required", "Select the payment mechanism");
                return e.done(next);
            }
        },
        DesignChange::AddTarget(i) => {
            if answers.mechanism.kind.as_deref() != Some("fixed_targets") {
                e.push("mechanism", "design_mechanism_required", "Select the payment mechanism");
                return e.done(next);
            }
            if answers.mechanism.targets.len() >= TARGETS_MAX {
                e.push(
                    "target_code",
                    "design_too_many_targets",
                    format!("A contract can have at most {TARGETS_MAX} targets"),
                );
            }
            let code =
                e.code("target_code", &i.target_code, "design_target_code_required", "Enter a code for the target");
            if code == "participants" || answers.mechanism.targets.iter().any(|t| t.code == code) {
                e.push("target_code", "design_duplicate_code", "This code is already used: choose another");
            }
            let name = e.text(
                "target_name",
                &i.target_name,
                limits::NAME_CHARS_MAX,
                "design_target_name_required",
                "Enter the target's name",
            );
            let metric = e.code(
                "target_metric",
                &i.target_metric,
                "design_target_metric_required",
                "Select the outcome metric that counts towards the target",
            );
            if !metric.is_empty() && !answers.metrics.iter().any(|m| m.code == metric) {
                e.push("target_metric", "design_unknown_metric", "Select one of the contract's outcome metrics");
            }
            let threshold = e.percent(
                "target_threshold",
                &i.target_threshold,
                "design_target_threshold_required",
                "Enter the share of the cohort that must reach the outcome",
            );
            let payment = e.amount(
                "target_payment",
                &i.target_payment,
                scale,
                Some(("design_target_payment_required", "Enter the payment for each cohort that meets the target")),
            );
            next.mechanism.targets.push(TargetAnswer {
                code,
                name,
                metric,
                threshold_bp: threshold.unwrap_or(0),
                payment: payment.unwrap_or_default(),
            });
            next = e.done(next)?;
        }
        DesignChange::RemoveTarget(n) => {
            if *n >= next.mechanism.targets.len() {
                return Err(AppError::NotFound("target".into()));
            }
            next.mechanism.targets.remove(*n);
        }
    }
    Ok(next)
}

/// Checks that a list step can be left: the party roles hold, and at least one cohort, one
/// metric and (fixed targets) one target was added.
pub fn check_step(answers: &DesignAnswers, step: DesignStep) -> Result<(), AppError> {
    let mut e = Errs::default();
    match step {
        DesignStep::Parties => {
            let n = |role: &str| answers.parties.iter().filter(|p| p.role == role).count();
            if n("outcome_payer") == 0 {
                e.push("party_name", "design_needs_outcome_payer", "Add at least one outcome payer");
            }
            if n("provider") == 0 {
                e.push("party_name", "design_needs_provider", "Add at least one provider");
            }
            if n("evaluator") != 1 {
                e.push("party_name", "design_needs_evaluator", "Add exactly one evaluator");
            }
        }
        DesignStep::Cohorts if answers.cohorts.is_empty() => {
            e.push("cohort_code", "design_needs_cohort", "Add at least one cohort");
        }
        DesignStep::Metrics if answers.metrics.is_empty() => {
            e.push("metric_code", "design_needs_metric", "Add at least one outcome metric");
        }
        DesignStep::MechanismDetails
            if answers.mechanism.kind.as_deref() == Some("fixed_targets") && answers.mechanism.targets.is_empty() =>
        {
            e.push("target_code", "design_needs_target", "Add at least one target");
        }
        _ => {}
    }
    e.done(())
}

// ---- the use cases ----

/// A design in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DesignView {
    pub id: i64,
    pub name: String,
    /// Who started the design, as the audit log names them (`user:12`).
    pub created_by: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
    pub answers: DesignAnswers,
}

fn design_view(row: DesignRow) -> Result<DesignView, AppError> {
    let answers: DesignAnswers = serde_json::from_str(&row.answers)
        .map_err(|e| AppError::Internal(format!("design {} answers do not parse: {e}", row.id)))?;
    Ok(DesignView {
        id: row.id,
        name: row.name,
        created_by: row.created_by,
        created_at_us: row.created_at_us,
        updated_at_us: row.updated_at_us,
        answers,
    })
}

fn not_found() -> AppError {
    AppError::NotFound("contract design".into())
}

impl App {
    /// Starts an empty design.
    pub async fn create_design(&self, actor: &Actor, tenant_id: i64) -> Result<DesignView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let now = App::now_us();
        let answers =
            serde_json::to_string(&DesignAnswers::default()).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.count_outcome_designs(tenant_id).await? >= DESIGNS_MAX {
            return Err(AppError::invalid(
                "design",
                "design_too_many_designs",
                format!("At most {DESIGNS_MAX} designs can be in progress: delete one you no longer need"),
            ));
        }
        let id = db.insert_outcome_design(tenant_id, &actor.audit_name(), "", &answers, now).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.create_design",
            &format!("outcome_design:{id}"),
            serde_json::json!({"after": {"id": id}}),
        )
        .await?;
        let row = db.outcome_design(tenant_id, id).await?.ok_or_else(not_found)?;
        tx.commit().await?;
        design_view(row)
    }

    /// The tenant's designs in progress, the most recently changed first.
    pub async fn designs(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<DesignView>, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        db.list_outcome_designs(tenant_id, DESIGNS_MAX).await?.into_iter().map(design_view).collect()
    }

    pub async fn design(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<DesignView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        design_view(db.outcome_design(tenant_id, id).await?.ok_or_else(not_found)?)
    }

    /// Applies one step's answers (or a list change) to the design; a refused change leaves
    /// the design as it was.
    pub async fn change_design(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: i64,
        change: &DesignChange,
    ) -> Result<DesignView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let row = db.outcome_design(tenant_id, id).await?.ok_or_else(not_found)?;
        let before = design_view(row)?;
        let answers = apply(&before.answers, change)?;
        let json = serde_json::to_string(&answers).map_err(|e| AppError::Internal(e.to_string()))?;
        if json.len() > ANSWERS_BYTES_MAX {
            return Err(AppError::invalid(
                change.step().slug(),
                "design_too_large",
                "This design is too large: remove some entries",
            ));
        }
        let name = answers.basics.as_ref().map(|b| b.name.clone()).unwrap_or_default();
        let now = App::now_us();
        if !db.update_outcome_design(tenant_id, id, &name, &json, now).await? {
            return Err(not_found());
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.change_design",
            &format!("outcome_design:{id}"),
            serde_json::json!({"step": change.step().slug(), "change": change.what(),
                "after": {"name": name, "parties": answers.parties.len(), "cohorts": answers.cohorts.len(),
                "metrics": answers.metrics.len(), "mechanism": answers.mechanism.kind}}),
        )
        .await?;
        tx.commit().await?;
        Ok(DesignView { name, updated_at_us: now, answers, ..before })
    }

    pub async fn delete_design(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<(), AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let row = db.outcome_design(tenant_id, id).await?.ok_or_else(not_found)?;
        db.delete_outcome_design(tenant_id, id).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.delete_design",
            &format!("outcome_design:{id}"),
            serde_json::json!({"before": {"name": row.name}}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates the contract (in the draft state) from the design's answers and deletes the
    /// design, in one transaction: a design makes one contract, however often the button is
    /// pressed. Problems name the contract file's field; [`DesignStep::of_field`] gives the step
    /// to fix, and a step not yet answered is named by its slug.
    pub async fn create_contract_from_design(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: i64,
    ) -> Result<ContractView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let design = design_view(db.outcome_design(tenant_id, id).await?.ok_or_else(not_found)?)?;
        let (toml, contract) = design.answers.check().map_err(AppError::Invalid)?;
        if !db.delete_outcome_design(tenant_id, id).await? {
            return Err(not_found());
        }
        let view = crate::outcomes::insert_contract(&mut db, actor, tenant_id, &toml, &contract).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.delete_design",
            &format!("outcome_design:{id}"),
            serde_json::json!({"before": {"name": design.name}, "contract": view.id}),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c\\nd\"");
        assert_eq!(toml_string("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn a_renamed_metric_is_renamed_where_it_is_used() {
        let metric = |code: &str, prerequisites: &str| MetricInput {
            metric_code: code.into(),
            metric_name: "n".into(),
            definition: "d".into(),
            evidence: "e".into(),
            verification_window_days: "30".into(),
            claim_window_days: "30".into(),
            repeat: "once".into(),
            prerequisites: prerequisites.into(),
            price: String::new(),
        };
        let mut a = DesignAnswers::default();
        for change in [
            DesignChange::SaveMetric { index: None, input: metric("job", "") },
            DesignChange::SaveMetric { index: None, input: metric("kept", "job") },
            DesignChange::Mechanism("fixed_targets".into()),
            DesignChange::AddTarget(TargetInput {
                target_code: "t".into(),
                target_name: "t".into(),
                target_metric: "job".into(),
                target_threshold: "40".into(),
                target_payment: "10".into(),
            }),
            DesignChange::SaveMetric { index: Some(0), input: metric("work", "") },
        ] {
            a = apply(&a, &change).expect("applies");
        }
        assert_eq!(a.metrics[1].prerequisites, vec!["work".to_string()]);
        assert_eq!(a.mechanism.targets[0].metric, "work");
        // Removing it removes it from the prerequisites.
        a = apply(&a, &DesignChange::RemoveMetric(0)).expect("removes");
        assert!(a.metrics[0].prerequisites.is_empty());
    }

    #[test]
    fn fields_map_to_their_step() {
        assert_eq!(DesignStep::of_field("metrics[2].price"), DesignStep::Metrics);
        assert_eq!(DesignStep::of_field("mechanism.share_bp"), DesignStep::MechanismDetails);
        assert_eq!(DesignStep::of_field("mechanism"), DesignStep::Mechanism);
        assert_eq!(DesignStep::of_field("participant_cap"), DesignStep::Caps);
        assert_eq!(DesignStep::of_field("parties"), DesignStep::Parties);
        assert_eq!(DesignStep::of_field("end_on"), DesignStep::Basics);
    }
}
