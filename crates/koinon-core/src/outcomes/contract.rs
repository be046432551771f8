//! The outcomes contract: parties, cohorts, outcome metrics, caps and exactly one payment
//! mechanism, parsed from TOML ("parse, don't validate"): a [`Contract`] only exists if every
//! rule below holds, so the claim rules and the payment engine can rely on it.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

use crate::FieldError;
use crate::money::{Currency, minor_to_decimal, parse_minor};

use super::limits;

/// The policy area of a contract, as DOMAIN.md names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyArea {
    Employment,
    Ageing,
    Immigration,
    Homelessness,
    Health,
    Education,
    CriminalJustice,
    ChildAndFamily,
    Other,
}

/// How outcome payments are grouped in time. Periods follow the calendar (months, quarters
/// January–March …, calendar years), not the contract's start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentPeriod {
    Month,
    Quarter,
    Year,
}

impl PaymentPeriod {
    /// A sortable number of the period a date falls in.
    pub fn index_of(self, date: Date) -> i32 {
        let month0 = i32::from(u8::from(date.month())) - 1;
        match self {
            Self::Month => date.year() * 12 + month0,
            Self::Quarter => date.year() * 4 + month0 / 3,
            Self::Year => date.year(),
        }
    }

    /// The label of the period with number `index` (`2024-03`, `2024-Q1`, `2024`).
    pub fn label(self, index: i32) -> String {
        match self {
            Self::Month => format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
            Self::Quarter => format!("{:04}-Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
            Self::Year => format!("{index:04}"),
        }
    }
}

/// The role of a party to the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// The commissioner who pays for outcomes (municipality, ministry, fund). One or more.
    OutcomePayer,
    /// Delivers the service (NGO, social enterprise). One or more.
    Provider,
    /// Funds the provider up front; has a commitment. Zero or more.
    Investor,
    /// Arranges and manages the contract. At most one.
    Intermediary,
    /// The special-purpose vehicle that holds the money. At most one.
    Spv,
    /// Verifies outcomes independently. Exactly one.
    Evaluator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub name: String,
    pub role: PartyRole,
    /// Investors only: the capital committed, in minor units of the contract currency.
    pub commitment_minor: Option<i64>,
    /// Outcome payers only: the share of each payment this payer pays, in basis points. Either
    /// every payer has one and they add up to 10,000, or none has and they pay equal shares.
    pub payment_share_bp: Option<u16>,
}

/// A group of participants enrolled in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    pub code: String,
    pub name: String,
    pub target_size: u32,
    /// Enrolment opens.
    #[serde(serialize_with = "ser_date")]
    pub start_on: Date,
    /// Enrolment closes; results-based payments for the cohort fall in the period of this date.
    #[serde(serialize_with = "ser_date")]
    pub end_on: Date,
}

/// An outcome that can be claimed for a participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeMetric {
    pub code: String,
    pub name: String,
    pub definition: String,
    /// The evidence the evaluator needs (payslip, certificate, register extract …).
    pub evidence: String,
    /// Days the evaluator has to verify a claim after it is made.
    pub verification_window_days: u16,
    /// Paid at most once per participant (the usual rate-card rule), or repeatable.
    pub once_per_participant: bool,
    /// Metrics that must have been verified for the same participant before this one.
    pub prerequisites: Vec<String>,
    /// Days after the event within which the claim must be made.
    pub claim_window_days: u16,
    /// Rate card: the price per verified outcome. Savings share: the fixed fee per completed
    /// outcome. Not allowed with the other mechanisms.
    pub price_minor: Option<i64>,
}

impl OutcomeMetric {
    /// The last day the evaluator may verify a claim made on `claimed_on`.
    pub fn verification_due_on(&self, claimed_on: Date) -> Option<Date> {
        claimed_on.checked_add(time::Duration::days(i64::from(self.verification_window_days)))
    }
}

/// A fixed target of the Faz-te Forward kind: a share of a cohort reaching an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixedTarget {
    pub code: String,
    pub name: String,
    /// The outcome metric that counts towards the target.
    pub metric: String,
    /// The share of the cohort that must reach it, in basis points (4000 = 40%).
    pub threshold_bp: u16,
    /// Released per cohort when the target is met.
    pub payment_minor: i64,
}

/// Exactly one payment mechanism per contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentMechanism {
    /// A price per verified outcome (metric `price`), with the caps.
    RateCard,
    /// Peterborough: pays per event avoided in a cohort whose improvement against the
    /// comparison group reaches `cohort_threshold_bp`, or across all cohorts when the overall
    /// improvement reaches `overall_threshold_bp`.
    ComparisonThreshold {
        metric: String,
        cohort_threshold_bp: u16,
        overall_threshold_bp: u16,
        price_per_event_avoided_minor: i64,
    },
    /// Koto-SIB: fixed fees (metric `price`) plus `share_bp` of the public savings per person
    /// against the control group, times the persons in the SIB group.
    SavingsShare { share_bp: u16 },
    /// Faz-te Forward: fixed payments per cohort for targets met.
    FixedTargets { targets: Vec<FixedTarget> },
}

impl PaymentMechanism {
    pub fn code(&self) -> &'static str {
        match self {
            Self::RateCard => "rate_card",
            Self::ComparisonThreshold { .. } => "comparison_threshold",
            Self::SavingsShare { .. } => "savings_share",
            Self::FixedTargets { .. } => "fixed_targets",
        }
    }
}

/// The commissioner's view of a contract (optional `[commissioner]` section): the public saving
/// each verified outcome brings, the discount rate for present values and the baseline rate
/// for the break-even outcome rate. Not used by the payment calculation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CommissionerTerms {
    /// The commissioner's annual discount rate in basis points (350 = 3.5% a year).
    pub discount_rate_bp: u32,
    /// The share of participants expected to reach the outcomes without the service, in basis
    /// points (2000 = 20%).
    pub baseline_rate_bp: u32,
    /// The public saving per verified outcome of a metric (benefits not paid, costs avoided,
    /// taxes received), in minor units of the contract currency.
    pub savings: Vec<MetricSaving>,
}

/// The public saving of one verified outcome of `metric`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricSaving {
    pub metric: String,
    pub amount_minor: i64,
}

impl CommissionerTerms {
    /// The saving per verified outcome of `metric` (0 when none is given).
    pub fn saving_of(&self, metric: &str) -> i64 {
        self.savings.iter().find(|s| s.metric == metric).map_or(0, |s| s.amount_minor)
    }
}

/// A valid outcomes contract. Only [`Contract::from_toml`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub name: String,
    pub policy_area: PolicyArea,
    pub currency: Currency,
    #[serde(serialize_with = "ser_date")]
    pub start_on: Date,
    #[serde(serialize_with = "ser_date")]
    pub end_on: Date,
    pub period: PaymentPeriod,
    /// The most the outcome payers pay in total.
    pub contract_cap_minor: i64,
    /// The most paid for one participant (claims-based payments).
    pub participant_cap_minor: Option<i64>,
    /// The most paid in one payment period.
    pub period_cap_minor: Option<i64>,
    pub parties: Vec<Party>,
    pub cohorts: Vec<Cohort>,
    pub metrics: Vec<OutcomeMetric>,
    pub mechanism: PaymentMechanism,
    /// The optional `[commissioner]` section: public savings per outcome, discount rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissioner: Option<CommissionerTerms>,
    #[serde(skip)]
    checked: Checked,
}

/// Marks a contract as built by the parser.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Checked {
    /// Metric indices in an order where prerequisites come first.
    metric_rank: Vec<u8>,
}

impl Contract {
    /// The index of the metric with `code`.
    pub fn metric_index(&self, code: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.code == code)
    }

    pub fn metric(&self, code: &str) -> Option<&OutcomeMetric> {
        self.metrics.iter().find(|m| m.code == code)
    }

    pub fn cohort_index(&self, code: &str) -> Option<usize> {
        self.cohorts.iter().position(|c| c.code == code)
    }

    /// For each metric (by index), its position in an order where every metric comes after its
    /// prerequisites. Claims on the same day are checked in this order.
    pub fn metric_rank(&self) -> &[u8] {
        &self.checked.metric_rank
    }

    /// Splits a payment among the outcome payers: `(party index, amount)` in the order of the
    /// parties, by their payment shares (equal shares when none is given). Each payer gets its
    /// share rounded down; the cents left over go one each to the payers that lost the most to
    /// rounding (the earlier payer on a tie), so the amounts add up to `amount_minor` exactly.
    pub fn split_among_payers(&self, amount_minor: i64) -> Vec<(usize, i64)> {
        let payers: Vec<(usize, i128)> = self
            .parties
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role == PartyRole::OutcomePayer)
            .map(|(i, p)| (i, p.payment_share_bp.map_or(1, i128::from)))
            .collect();
        let weights: i128 = payers.iter().map(|(_, w)| w).sum();
        if weights == 0 {
            return Vec::new();
        }
        let amount = i128::from(amount_minor);
        let mut split: Vec<(usize, i128, i128)> =
            payers.iter().map(|&(i, w)| (i, amount * w / weights, amount * w % weights)).collect();
        let mut left = amount - split.iter().map(|(_, a, _)| a).sum::<i128>();
        let mut order: Vec<usize> = (0..split.len()).collect();
        order.sort_by(|&a, &b| split[b].2.cmp(&split[a].2).then(a.cmp(&b)));
        for k in order {
            if left <= 0 {
                break;
            }
            split[k].1 += 1;
            left -= 1;
        }
        split.into_iter().map(|(i, a, _)| (i, i64::try_from(a).unwrap_or(i64::MAX))).collect()
    }

    /// The total committed by investors.
    pub fn investor_commitments_minor(&self) -> i64 {
        self.parties.iter().filter_map(|p| p.commitment_minor).sum()
    }

    /// Formats minor units of this contract's currency as a decimal string.
    pub fn format_minor(&self, amount_minor: i64) -> String {
        minor_to_decimal(amount_minor, self.currency.scale())
    }

    /// Parses and checks a contract written in the TOML format of `docs/outcomes.md`. All
    /// problems found are returned together (up to [`limits::ERRORS_MAX`]), each naming the
    /// field path and the line.
    pub fn from_toml(source: &str) -> Result<Contract, ContractErrors> {
        if source.len() > limits::SOURCE_BYTES_MAX {
            return Err(ContractErrors(vec![ContractError {
                field: "contract".into(),
                line: None,
                code: "too_large",
                message: format!("A contract file must be {} bytes or fewer", limits::SOURCE_BYTES_MAX),
            }]));
        }
        let raw: RawContract = toml::from_str(source).map_err(|e| {
            let line = e.span().map(|s| line_of(source, s.start));
            let field = e.span().map(|s| key_near(source, s.start)).unwrap_or_default();
            ContractErrors(vec![ContractError {
                field: if field.is_empty() { "contract".into() } else { field },
                line,
                code: "invalid_toml",
                message: e.message().to_string(),
            }])
        })?;
        let mut p = Parser { source, errors: Vec::new() };
        let contract = p.contract(raw);
        match contract {
            Some(c) if p.errors.is_empty() => Ok(c),
            _ => {
                p.errors.truncate(limits::ERRORS_MAX);
                Err(ContractErrors(p.errors))
            }
        }
    }
}

/// One problem in a contract: the field path (`metrics[2].prerequisites`), the line when known,
/// a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractError {
    pub field: String,
    pub line: Option<usize>,
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

/// Every problem found in a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ContractErrors(pub Vec<ContractError>);

impl ContractErrors {
    /// Whether some error is about `field` with `code`.
    pub fn has(&self, field: &str, code: &str) -> bool {
        self.0.iter().any(|e| e.field == field && e.code == code)
    }
}

impl fmt::Display for ContractErrors {
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

pub(crate) fn ser_date<S: serde::Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}

/// Parses a strict ISO date `YYYY-MM-DD`.
pub fn parse_iso_date(raw: &[u8]) -> Option<Date> {
    if raw.len() != 10 || raw[4] != b'-' || raw[7] != b'-' {
        return None;
    }
    let num = |r: &[u8]| -> Option<u32> {
        r.iter().try_fold(0u32, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
    };
    let year = i32::try_from(num(&raw[0..4])?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(&raw[5..7])?).ok()?).ok()?;
    let day = u8::try_from(num(&raw[8..10])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// The 1-based line of a byte offset of a source text.
pub fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

/// The key on the line at `offset` (`price` for `price = 22.0`), for TOML errors.
fn key_near(source: &str, offset: usize) -> String {
    let before = source.get(..offset).unwrap_or(source);
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = source.get(start..).and_then(|rest| rest.lines().next()).unwrap_or("");
    match line.split_once('=') {
        Some((key, _)) => key.trim().trim_matches('"').to_string(),
        None => line.trim().trim_matches(|c| c == '[' || c == ']').to_string(),
    }
}

// ---- the TOML shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    name: Spanned<String>,
    policy_area: Spanned<PolicyArea>,
    currency: Spanned<String>,
    start_on: Spanned<String>,
    end_on: Spanned<String>,
    period: Spanned<PaymentPeriod>,
    contract_cap: Spanned<String>,
    participant_cap: Option<Spanned<String>>,
    period_cap: Option<Spanned<String>>,
    #[serde(default)]
    parties: Vec<Spanned<RawParty>>,
    #[serde(default)]
    cohorts: Vec<Spanned<RawCohort>>,
    #[serde(default)]
    metrics: Vec<Spanned<RawMetric>>,
    mechanism: Spanned<RawMechanism>,
    #[serde(default)]
    commissioner: Option<Spanned<RawCommissioner>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommissioner {
    discount_rate: Option<Spanned<String>>,
    baseline_rate: Option<Spanned<String>>,
    #[serde(default)]
    savings: Vec<Spanned<RawSaving>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSaving {
    metric: Spanned<String>,
    amount: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParty {
    name: Spanned<String>,
    role: Spanned<PartyRole>,
    commitment: Option<Spanned<String>>,
    payment_share_bp: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohort {
    code: Spanned<String>,
    name: Spanned<String>,
    target_size: Spanned<i64>,
    start_on: Spanned<String>,
    end_on: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    code: Spanned<String>,
    name: Spanned<String>,
    definition: Spanned<String>,
    evidence: Spanned<String>,
    verification_window_days: Spanned<i64>,
    #[serde(default = "yes")]
    once_per_participant: bool,
    prerequisites: Option<Spanned<Vec<String>>>,
    claim_window_days: Spanned<i64>,
    price: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum MechanismKind {
    RateCard,
    ComparisonThreshold,
    SavingsShare,
    FixedTargets,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMechanism {
    #[serde(rename = "type")]
    kind: Spanned<MechanismKind>,
    metric: Option<Spanned<String>>,
    cohort_threshold_bp: Option<Spanned<i64>>,
    overall_threshold_bp: Option<Spanned<i64>>,
    price_per_event_avoided: Option<Spanned<String>>,
    share_bp: Option<Spanned<i64>>,
    targets: Option<Vec<Spanned<RawTarget>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    code: Spanned<String>,
    name: Spanned<String>,
    metric: Spanned<String>,
    threshold_bp: Spanned<i64>,
    payment: Spanned<String>,
}

// ---- checking ----

struct Parser<'s> {
    source: &'s str,
    errors: Vec<ContractError>,
}

impl Parser<'_> {
    fn err(&mut self, field: impl Into<String>, offset: usize, code: &'static str, message: impl Into<String>) {
        let line = Some(line_of(self.source, offset));
        self.errors.push(ContractError { field: field.into(), line, code, message: message.into() });
    }

    fn field_err(&mut self, offset: usize, e: FieldError) {
        self.err(e.field, offset, e.code, e.message);
    }

    fn text(&mut self, field: &str, raw: &Spanned<String>, max_chars: usize) -> String {
        match crate::text::required(field, raw.get_ref(), max_chars) {
            Ok(v) => v,
            Err(e) => {
                self.field_err(raw.span().start, e);
                String::new()
            }
        }
    }

    fn code(&mut self, field: &str, raw: &Spanned<String>) -> String {
        let v = raw.get_ref().trim();
        let ok = !v.is_empty()
            && v.len() <= limits::CODE_CHARS_MAX
            && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if !ok {
            self.err(
                field,
                raw.span().start,
                "invalid_code",
                format!(
                    "{field} must be 1 to {} characters of a-z, 0-9, _ and -, starting with a letter or digit",
                    limits::CODE_CHARS_MAX
                ),
            );
        }
        v.to_string()
    }

    fn date(&mut self, field: &str, raw: &Spanned<String>) -> Option<Date> {
        let d = parse_iso_date(raw.get_ref().trim().as_bytes());
        if d.is_none() {
            self.err(field, raw.span().start, "invalid_date", format!("{field} must be a date like 2024-01-31"));
        }
        d
    }

    /// A positive amount no larger than the limit.
    fn amount(&mut self, field: &str, raw: &Spanned<String>, scale: u8) -> Option<i64> {
        match parse_minor(field, raw.get_ref(), scale) {
            Ok(v) if v > 0 && v <= limits::AMOUNT_MINOR_MAX => Some(v),
            Ok(_) => {
                self.err(
                    field,
                    raw.span().start,
                    "out_of_range",
                    format!(
                        "{field} must be more than 0 and at most {}",
                        minor_to_decimal(limits::AMOUNT_MINOR_MAX, scale)
                    ),
                );
                None
            }
            Err(e) => {
                self.field_err(raw.span().start, e);
                None
            }
        }
    }

    fn int(&mut self, field: &str, raw: &Spanned<i64>, min: i64, max: i64) -> Option<i64> {
        let v = *raw.get_ref();
        if (min..=max).contains(&v) {
            Some(v)
        } else {
            self.err(field, raw.span().start, "out_of_range", format!("{field} must be between {min} and {max}"));
            None
        }
    }

    fn count(&mut self, field: &str, offset: usize, n: usize, min: usize, max: usize) {
        if n < min || n > max {
            self.err(
                field,
                offset,
                "wrong_count",
                format!("{field} must have between {min} and {max} entries (it has {n})"),
            );
        }
    }

    fn contract(&mut self, raw: RawContract) -> Option<Contract> {
        let name = self.text("name", &raw.name, limits::NAME_CHARS_MAX);
        let currency = match Currency::iso(raw.currency.get_ref()) {
            Ok(c) => c,
            Err(e) => {
                self.field_err(raw.currency.span().start, e);
                Currency::iso("EUR").ok()?
            }
        };
        let scale = currency.scale();
        let start_on = self.date("start_on", &raw.start_on);
        let end_on = self.date("end_on", &raw.end_on);
        if let (Some(s), Some(e)) = (start_on, end_on) {
            let days = (e - s).whole_days();
            if days < 1 {
                self.err("end_on", raw.end_on.span().start, "dates_out_of_order", "end_on must be after start_on");
            } else if days > limits::CONTRACT_DAYS_MAX {
                self.err(
                    "end_on",
                    raw.end_on.span().start,
                    "too_long",
                    format!("A contract can run at most {} days", limits::CONTRACT_DAYS_MAX),
                );
            }
        }
        let contract_cap_minor = self.amount("contract_cap", &raw.contract_cap, scale);
        let participant_cap_minor = raw.participant_cap.as_ref().and_then(|c| self.amount("participant_cap", c, scale));
        let period_cap_minor = raw.period_cap.as_ref().and_then(|c| self.amount("period_cap", c, scale));
        if let Some(cap) = contract_cap_minor {
            for (field, value, raw_value) in [
                ("participant_cap", participant_cap_minor, &raw.participant_cap),
                ("period_cap", period_cap_minor, &raw.period_cap),
            ] {
                if let (Some(v), Some(r)) = (value, raw_value)
                    && v > cap
                {
                    self.err(
                        field,
                        r.span().start,
                        "above_contract_cap",
                        format!("{field} must not exceed contract_cap"),
                    );
                }
            }
        }

        let parties = self.parties(&raw.parties, raw.mechanism.span().start.min(raw.name.span().start), scale);
        let cohorts = self.cohorts(&raw.cohorts, raw.name.span().start, start_on, end_on);
        let (metrics, metric_rank) = self.metrics(&raw.metrics, raw.name.span().start, scale);
        let mechanism = self.mechanism(&raw.mechanism, &metrics, &raw.metrics, scale);
        let commissioner = raw.commissioner.as_ref().map(|c| self.commissioner(c, &metrics, scale));

        Some(Contract {
            name,
            policy_area: *raw.policy_area.get_ref(),
            currency,
            start_on: start_on?,
            end_on: end_on?,
            period: *raw.period.get_ref(),
            contract_cap_minor: contract_cap_minor?,
            participant_cap_minor,
            period_cap_minor,
            parties,
            cohorts,
            metrics,
            mechanism: mechanism?,
            commissioner,
            checked: Checked { metric_rank },
        })
    }

    fn parties(&mut self, raw: &[Spanned<RawParty>], offset: usize, scale: u8) -> Vec<Party> {
        self.count("parties", offset, raw.len(), 1, limits::PARTIES_MAX);
        let mut parties = Vec::with_capacity(raw.len());
        for (i, rp) in raw.iter().enumerate() {
            let p = rp.get_ref();
            let name = self.text(&format!("parties[{i}].name"), &p.name, limits::NAME_CHARS_MAX);
            let role = *p.role.get_ref();
            let commitment_minor = match (&p.commitment, role) {
                (Some(c), PartyRole::Investor) => self.amount(&format!("parties[{i}].commitment"), c, scale),
                (None, PartyRole::Investor) => {
                    self.err(
                        format!("parties[{i}].commitment"),
                        rp.span().start,
                        "required",
                        "An investor needs a commitment",
                    );
                    None
                }
                (Some(c), _) => {
                    self.err(
                        format!("parties[{i}].commitment"),
                        c.span().start,
                        "not_allowed",
                        "Only investors have a commitment",
                    );
                    None
                }
                (None, _) => None,
            };
            let payment_share_bp = match (&p.payment_share_bp, role) {
                (Some(bp), PartyRole::OutcomePayer) => self
                    .int(&format!("parties[{i}].payment_share_bp"), bp, 1, 10_000)
                    .and_then(|v| u16::try_from(v).ok()),
                (Some(bp), _) => {
                    self.err(
                        format!("parties[{i}].payment_share_bp"),
                        bp.span().start,
                        "not_allowed",
                        "Only outcome payers have a payment share",
                    );
                    None
                }
                (None, _) => None,
            };
            parties.push(Party { name, role, commitment_minor, payment_share_bp });
        }
        let payers: Vec<(usize, Option<u16>)> = raw
            .iter()
            .enumerate()
            .filter(|(_, rp)| *rp.get_ref().role.get_ref() == PartyRole::OutcomePayer)
            .map(|(i, _)| (i, parties[i].payment_share_bp))
            .collect();
        let with_share = raw
            .iter()
            .filter(|rp| {
                *rp.get_ref().role.get_ref() == PartyRole::OutcomePayer && rp.get_ref().payment_share_bp.is_some()
            })
            .count();
        if with_share > 0 && with_share < payers.len() {
            let (i, _) =
                payers.iter().find(|(i, _)| raw[*i].get_ref().payment_share_bp.is_none()).copied().unwrap_or((0, None));
            self.err(
                format!("parties[{i}].payment_share_bp"),
                raw[i].span().start,
                "required",
                "When one outcome payer has a payment share, every outcome payer needs one",
            );
        } else if with_share > 0 && payers.iter().all(|(_, bp)| bp.is_some()) {
            let total: u32 = payers.iter().filter_map(|(_, bp)| bp.map(u32::from)).sum();
            if total != 10_000 {
                let (i, _) = payers[0];
                let offset =
                    raw[i].get_ref().payment_share_bp.as_ref().map_or(raw[i].span().start, |bp| bp.span().start);
                self.err(
                    format!("parties[{i}].payment_share_bp"),
                    offset,
                    "shares_total",
                    format!("The outcome payers' payment shares must add up to 10000 (100%); they add up to {total}"),
                );
            }
        }
        let n = |role: PartyRole| parties.iter().filter(|p| p.role == role).count();
        let rules = [
            (PartyRole::OutcomePayer, "outcome_payer", 1, usize::MAX),
            (PartyRole::Provider, "provider", 1, usize::MAX),
            (PartyRole::Evaluator, "evaluator", 1, 1),
            (PartyRole::Intermediary, "intermediary", 0, 1),
            (PartyRole::Spv, "spv", 0, 1),
        ];
        for (role, label, min, max) in rules {
            let have = n(role);
            if have < min || have > max {
                let message = match (min, max) {
                    (1, 1) => format!("A contract needs exactly one {label} (it has {have})"),
                    (1, _) => format!("A contract needs at least one {label}"),
                    _ => format!("A contract can have at most one {label} (it has {have})"),
                };
                self.err("parties", raw.first().map_or(offset, |p| p.span().start), "party_roles", message);
            }
        }
        parties
    }

    fn cohorts(
        &mut self,
        raw: &[Spanned<RawCohort>],
        offset: usize,
        start: Option<Date>,
        end: Option<Date>,
    ) -> Vec<Cohort> {
        self.count("cohorts", offset, raw.len(), 1, limits::COHORTS_MAX);
        let mut cohorts: Vec<Cohort> = Vec::with_capacity(raw.len());
        for (i, rc) in raw.iter().enumerate() {
            let c = rc.get_ref();
            let code = self.code(&format!("cohorts[{i}].code"), &c.code);
            if cohorts.iter().any(|o| o.code == code) {
                self.err(
                    format!("cohorts[{i}].code"),
                    c.code.span().start,
                    "duplicate_code",
                    format!("Cohort code {code:?} is used twice"),
                );
            }
            let name = self.text(&format!("cohorts[{i}].name"), &c.name, limits::NAME_CHARS_MAX);
            let size =
                self.int(&format!("cohorts[{i}].target_size"), &c.target_size, 1, limits::COHORT_TARGET_SIZE_MAX);
            let s = self.date(&format!("cohorts[{i}].start_on"), &c.start_on);
            let e = self.date(&format!("cohorts[{i}].end_on"), &c.end_on);
            if let (Some(s), Some(e)) = (s, e) {
                if e < s {
                    self.err(
                        format!("cohorts[{i}].end_on"),
                        c.end_on.span().start,
                        "dates_out_of_order",
                        "A cohort's end_on must not be before its start_on",
                    );
                }
                if start.is_some_and(|cs| s < cs) || end.is_some_and(|ce| e > ce) {
                    self.err(
                        format!("cohorts[{i}]"),
                        rc.span().start,
                        "outside_contract_dates",
                        "A cohort's dates must lie within the contract's dates",
                    );
                }
            }
            if let (Some(size), Some(s), Some(e)) = (size, s, e) {
                cohorts.push(Cohort {
                    code,
                    name,
                    target_size: u32::try_from(size).unwrap_or(u32::MAX),
                    start_on: s,
                    end_on: e,
                });
            }
        }
        cohorts
    }

    fn metrics(&mut self, raw: &[Spanned<RawMetric>], offset: usize, scale: u8) -> (Vec<OutcomeMetric>, Vec<u8>) {
        self.count("metrics", offset, raw.len(), 1, limits::METRICS_MAX);
        let mut metrics: Vec<OutcomeMetric> = Vec::with_capacity(raw.len());
        for (i, rm) in raw.iter().enumerate() {
            let m = rm.get_ref();
            let f = |name: &str| format!("metrics[{i}].{name}");
            let code = self.code(&f("code"), &m.code);
            if metrics.iter().any(|o| o.code == code) {
                self.err(
                    f("code"),
                    m.code.span().start,
                    "duplicate_code",
                    format!("Metric code {code:?} is used twice"),
                );
            }
            let name = self.text(&f("name"), &m.name, limits::NAME_CHARS_MAX);
            let definition = self.text(&f("definition"), &m.definition, limits::TEXT_CHARS_MAX);
            let evidence = self.text(&f("evidence"), &m.evidence, limits::TEXT_CHARS_MAX);
            let verification =
                self.int(&f("verification_window_days"), &m.verification_window_days, 1, limits::WINDOW_DAYS_MAX);
            let claim = self.int(&f("claim_window_days"), &m.claim_window_days, 1, limits::WINDOW_DAYS_MAX);
            let price_minor = m.price.as_ref().and_then(|p| self.amount(&f("price"), p, scale));
            let prerequisites: Vec<String> = m
                .prerequisites
                .as_ref()
                .map(|p| p.get_ref().iter().map(|s| s.trim().to_string()).collect())
                .unwrap_or_default();
            let prerequisites_at = m.prerequisites.as_ref().map_or(rm.span().start, |p| p.span().start);
            if prerequisites.len() > limits::PREREQUISITES_MAX {
                self.err(
                    f("prerequisites"),
                    prerequisites_at,
                    "wrong_count",
                    format!("A metric can have at most {} prerequisites", limits::PREREQUISITES_MAX),
                );
            }
            metrics.push(OutcomeMetric {
                code,
                name,
                definition,
                evidence,
                verification_window_days: u16::try_from(verification.unwrap_or(1)).unwrap_or(u16::MAX),
                once_per_participant: m.once_per_participant,
                prerequisites,
                claim_window_days: u16::try_from(claim.unwrap_or(1)).unwrap_or(u16::MAX),
                price_minor,
            });
        }
        // Prerequisites: known, not itself, not twice, no cycles.
        let index: HashMap<&str, usize> = metrics.iter().enumerate().map(|(i, m)| (m.code.as_str(), i)).collect();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); metrics.len()];
        let mut problems = Vec::new();
        for (i, m) in metrics.iter().enumerate() {
            let offset = raw[i].get_ref().prerequisites.as_ref().map_or(raw[i].span().start, |p| p.span().start);
            for (j, p) in m.prerequisites.iter().enumerate() {
                match index.get(p.as_str()) {
                    None => problems.push((
                        i,
                        offset,
                        "unknown_metric",
                        format!("Prerequisite {p:?} is not a metric of this contract"),
                    )),
                    Some(&k) if k == i => problems.push((
                        i,
                        offset,
                        "self_prerequisite",
                        format!("Metric {p:?} cannot be its own prerequisite"),
                    )),
                    Some(&k) if edges[i].contains(&k) => problems.push((
                        i,
                        offset,
                        "duplicate_prerequisite",
                        format!("Prerequisite {p:?} is listed twice"),
                    )),
                    Some(&k) => edges[i].push(k),
                }
                let _ = j;
            }
        }
        for (i, offset, code, message) in problems {
            self.err(format!("metrics[{i}].prerequisites"), offset, code, message);
        }
        // Kahn's algorithm: rank = position in an order where prerequisites come first.
        let n = metrics.len();
        let mut pending: Vec<usize> = edges.iter().map(Vec::len).collect();
        let mut rank = vec![u8::MAX; n];
        let mut next = 0u8;
        let mut ready: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
        ready.reverse();
        while let Some(i) = ready.pop() {
            rank[i] = next;
            next = next.saturating_add(1);
            for (j, e) in edges.iter().enumerate() {
                if e.contains(&i) {
                    pending[j] -= 1;
                    if pending[j] == 0 {
                        ready.insert(0, j);
                    }
                }
            }
        }
        for i in 0..n {
            if rank[i] == u8::MAX {
                let cycle: Vec<&str> =
                    (0..n).filter(|&j| rank[j] == u8::MAX).map(|j| metrics[j].code.as_str()).collect();
                self.err(
                    format!("metrics[{i}].prerequisites"),
                    raw[i].get_ref().prerequisites.as_ref().map_or(raw[i].span().start, |p| p.span().start),
                    "prerequisite_cycle",
                    format!("Prerequisites form a cycle among {}", cycle.join(", ")),
                );
                break;
            }
        }
        (metrics, rank)
    }

    /// A percentage written as a decimal string with at most two decimals (`"3.5"`), in basis
    /// points, from 0 to `max_bp`.
    fn percent_bp(&mut self, field: &str, raw: &Spanned<String>, max_bp: i64) -> Option<u32> {
        match parse_minor(field, raw.get_ref(), 2) {
            Ok(v) if (0..=max_bp).contains(&v) => u32::try_from(v).ok(),
            Ok(_) => {
                self.err(
                    field,
                    raw.span().start,
                    "out_of_range",
                    format!("{field} must be a percentage from 0 to {}", minor_to_decimal(max_bp, 2)),
                );
                None
            }
            Err(e) => {
                self.field_err(raw.span().start, FieldError { code: "invalid_percent", ..e });
                None
            }
        }
    }

    fn commissioner(
        &mut self,
        raw: &Spanned<RawCommissioner>,
        metrics: &[OutcomeMetric],
        scale: u8,
    ) -> CommissionerTerms {
        let c = raw.get_ref();
        let discount_rate_bp = c
            .discount_rate
            .as_ref()
            .and_then(|r| self.percent_bp("commissioner.discount_rate", r, limits::DISCOUNT_RATE_BP_MAX))
            .unwrap_or(0);
        let baseline_rate_bp = c
            .baseline_rate
            .as_ref()
            .and_then(|r| self.percent_bp("commissioner.baseline_rate", r, 10_000))
            .unwrap_or(0);
        if c.savings.len() > limits::METRICS_MAX {
            self.err(
                "commissioner.savings",
                raw.span().start,
                "wrong_count",
                format!("commissioner.savings can have at most {} entries", limits::METRICS_MAX),
            );
        }
        let mut savings: Vec<MetricSaving> = Vec::new();
        for (i, rs) in c.savings.iter().enumerate().take(limits::METRICS_MAX) {
            let s = rs.get_ref();
            let f = |name: &str| format!("commissioner.savings[{i}].{name}");
            let metric = s.metric.get_ref().trim().to_string();
            if !metrics.iter().any(|m| m.code == metric) {
                self.err(
                    f("metric"),
                    s.metric.span().start,
                    "unknown_metric",
                    format!("{metric:?} is not a metric of this contract"),
                );
            } else if savings.iter().any(|o| o.metric == metric) {
                self.err(
                    f("metric"),
                    s.metric.span().start,
                    "duplicate_code",
                    format!("The saving of metric {metric:?} is given twice"),
                );
            }
            if let Some(amount_minor) = self.amount(&f("amount"), &s.amount, scale) {
                savings.push(MetricSaving { metric, amount_minor });
            }
        }
        CommissionerTerms { discount_rate_bp, baseline_rate_bp, savings }
    }

    fn mechanism(
        &mut self,
        raw: &Spanned<RawMechanism>,
        metrics: &[OutcomeMetric],
        raw_metrics: &[Spanned<RawMetric>],
        scale: u8,
    ) -> Option<PaymentMechanism> {
        let m = raw.get_ref();
        let kind = *m.kind.get_ref();
        let at = raw.span().start;
        // Fields that belong to other mechanisms are refused, so a typo in `type` is noticed.
        let present = [
            ("mechanism.metric", m.metric.is_some(), kind == MechanismKind::ComparisonThreshold),
            (
                "mechanism.cohort_threshold_bp",
                m.cohort_threshold_bp.is_some(),
                kind == MechanismKind::ComparisonThreshold,
            ),
            (
                "mechanism.overall_threshold_bp",
                m.overall_threshold_bp.is_some(),
                kind == MechanismKind::ComparisonThreshold,
            ),
            (
                "mechanism.price_per_event_avoided",
                m.price_per_event_avoided.is_some(),
                kind == MechanismKind::ComparisonThreshold,
            ),
            ("mechanism.share_bp", m.share_bp.is_some(), kind == MechanismKind::SavingsShare),
            ("mechanism.targets", m.targets.is_some(), kind == MechanismKind::FixedTargets),
        ];
        for (field, is_present, allowed) in present {
            if is_present && !allowed {
                self.err(field, at, "not_allowed", format!("{field} does not belong to this mechanism type"));
            }
        }
        // Metric prices: required for a rate card, optional fees for a savings share, refused otherwise.
        for (i, metric) in metrics.iter().enumerate() {
            let line_at = raw_metrics.get(i).map_or(at, |r| r.span().start);
            match kind {
                MechanismKind::RateCard
                    if metric.price_minor.is_none()
                        && raw_metrics.get(i).is_some_and(|r| r.get_ref().price.is_none()) =>
                {
                    self.err(
                        format!("metrics[{i}].price"),
                        line_at,
                        "required",
                        "Every metric of a rate card needs a price",
                    )
                }
                MechanismKind::ComparisonThreshold | MechanismKind::FixedTargets
                    if raw_metrics.get(i).is_some_and(|r| r.get_ref().price.is_some()) =>
                {
                    self.err(
                        format!("metrics[{i}].price"),
                        line_at,
                        "not_allowed",
                        "Metric prices belong to rate cards and savings-share fees; this mechanism pays on results",
                    )
                }
                _ => {}
            }
        }
        let required = |p: &mut Self, field: &str| {
            p.err(field, at, "required", format!("{field} is required for this mechanism type"));
        };
        let known_metric = |p: &mut Self, field: &str, code: &Spanned<String>| -> String {
            let c = code.get_ref().trim().to_string();
            if !metrics.iter().any(|m| m.code == c) {
                p.err(field, code.span().start, "unknown_metric", format!("{c:?} is not a metric of this contract"));
            }
            c
        };
        let bp = |p: &mut Self, field: &str, v: &Option<Spanned<i64>>| -> Option<u16> {
            match v {
                None => {
                    required(p, field);
                    None
                }
                Some(v) => p.int(field, v, 1, 10_000).and_then(|v| u16::try_from(v).ok()),
            }
        };
        match kind {
            MechanismKind::RateCard => Some(PaymentMechanism::RateCard),
            MechanismKind::ComparisonThreshold => {
                let metric = match &m.metric {
                    Some(c) => known_metric(self, "mechanism.metric", c),
                    None => {
                        required(self, "mechanism.metric");
                        String::new()
                    }
                };
                let cohort_threshold_bp = bp(self, "mechanism.cohort_threshold_bp", &m.cohort_threshold_bp);
                let overall_threshold_bp = bp(self, "mechanism.overall_threshold_bp", &m.overall_threshold_bp);
                let price = match &m.price_per_event_avoided {
                    Some(p) => self.amount("mechanism.price_per_event_avoided", p, scale),
                    None => {
                        required(self, "mechanism.price_per_event_avoided");
                        None
                    }
                };
                Some(PaymentMechanism::ComparisonThreshold {
                    metric,
                    cohort_threshold_bp: cohort_threshold_bp?,
                    overall_threshold_bp: overall_threshold_bp?,
                    price_per_event_avoided_minor: price?,
                })
            }
            MechanismKind::SavingsShare => {
                Some(PaymentMechanism::SavingsShare { share_bp: bp(self, "mechanism.share_bp", &m.share_bp)? })
            }
            MechanismKind::FixedTargets => {
                let Some(raw_targets) = &m.targets else {
                    required(self, "mechanism.targets");
                    return None;
                };
                self.count("mechanism.targets", at, raw_targets.len(), 1, limits::TARGETS_MAX);
                let mut targets: Vec<FixedTarget> = Vec::new();
                for (i, rt) in raw_targets.iter().enumerate() {
                    let t = rt.get_ref();
                    let f = |name: &str| format!("mechanism.targets[{i}].{name}");
                    let code = self.code(&f("code"), &t.code);
                    if targets.iter().any(|o| o.code == code) || code == "participants" {
                        self.err(
                            f("code"),
                            t.code.span().start,
                            "duplicate_code",
                            format!("Target code {code:?} is used twice or reserved"),
                        );
                    }
                    let name = self.text(&f("name"), &t.name, limits::NAME_CHARS_MAX);
                    let metric = known_metric(self, &f("metric"), &t.metric);
                    let threshold = self.int(&f("threshold_bp"), &t.threshold_bp, 1, 10_000);
                    let payment = self.amount(&f("payment"), &t.payment, scale);
                    if let (Some(th), Some(payment_minor)) = (threshold, payment) {
                        targets.push(FixedTarget {
                            code,
                            name,
                            metric,
                            threshold_bp: u16::try_from(th).unwrap_or(10_000),
                            payment_minor,
                        });
                    }
                }
                Some(PaymentMechanism::FixedTargets { targets })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "Small"
policy_area = "employment"
currency = "EUR"
start_on = "2025-01-01"
end_on = "2026-12-31"
period = "quarter"
contract_cap = "10000.00"

[[parties]]
name = "Town"
role = "outcome_payer"

[[parties]]
name = "Provider"
role = "provider"

[[parties]]
name = "Evaluator"
role = "evaluator"

[[cohorts]]
code = "c1"
name = "Cohort 1"
target_size = 10
start_on = "2025-01-01"
end_on = "2025-06-30"

[[metrics]]
code = "job"
name = "Job"
definition = "A job"
evidence = "Contract"
verification_window_days = 30
claim_window_days = 90
price = "2000.00"

[mechanism]
type = "rate_card"
"#;

    #[test]
    fn the_commissioner_section_is_optional() {
        let c = Contract::from_toml(BASE).expect("contract");
        assert_eq!(c.commissioner, None);
    }

    #[test]
    fn the_commissioner_section_reads_rates_and_savings() {
        let source = format!(
            "{BASE}\n[commissioner]\ndiscount_rate = \"3.5\"\nbaseline_rate = \"20\"\n\n\
             [[commissioner.savings]]\nmetric = \"job\"\namount = \"4000.00\"\n"
        );
        let c = Contract::from_toml(&source).expect("contract");
        let t = c.commissioner.expect("terms");
        assert_eq!((t.discount_rate_bp, t.baseline_rate_bp), (350, 2_000));
        assert_eq!(t.savings, vec![MetricSaving { metric: "job".into(), amount_minor: 400_000 }]);
        assert_eq!((t.saving_of("job"), t.saving_of("other")), (400_000, 0));
        // Only a discount rate: no savings, no baseline.
        let c = Contract::from_toml(&format!("{BASE}\n[commissioner]\ndiscount_rate = \"0\"\n")).expect("contract");
        assert_eq!(c.commissioner, Some(CommissionerTerms::default()));
    }

    #[test]
    fn bad_commissioner_fields_are_named_with_their_line() {
        let source = format!(
            "{BASE}\n[commissioner]\ndiscount_rate = \"3.555\"\nbaseline_rate = \"120\"\n\n\
             [[commissioner.savings]]\nmetric = \"nope\"\namount = \"-1\"\n\n\
             [[commissioner.savings]]\nmetric = \"job\"\namount = \"1\"\n\n\
             [[commissioner.savings]]\nmetric = \"job\"\namount = \"2\"\n"
        );
        let e = Contract::from_toml(&source).expect_err("invalid");
        assert!(e.has("commissioner.discount_rate", "invalid_percent"), "{e}");
        assert!(e.has("commissioner.baseline_rate", "out_of_range"), "{e}");
        assert!(e.has("commissioner.savings[0].metric", "unknown_metric"), "{e}");
        assert!(e.has("commissioner.savings[0].amount", "out_of_range"), "{e}");
        assert!(e.has("commissioner.savings[2].metric", "duplicate_code"), "{e}");
        let base_lines = BASE.lines().count();
        let rate = e.0.iter().find(|x| x.field == "commissioner.discount_rate").expect("rate");
        assert_eq!(rate.line, Some(base_lines + 3), "{e}");
        // A misspelt field is refused.
        let e = Contract::from_toml(&format!("{BASE}\n[commissioner]\ndiscount = \"3\"\n")).expect_err("unknown");
        assert_eq!(e.0[0].code, "invalid_toml", "{e}");
    }

    #[test]
    fn the_heerlen_example_has_its_commissioner_section() {
        let c = Contract::from_toml(include_str!("../../../../examples/outcomes/heerlen-employment-sib.toml"))
            .expect("contract");
        let t = c.commissioner.expect("terms");
        assert_eq!(t.discount_rate_bp, 350);
        assert_eq!(t.savings.iter().map(|s| s.amount_minor).sum::<i64>(), 1_600_000);
    }
}
