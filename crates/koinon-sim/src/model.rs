//! The feasibility model: what an outcomes contract is expected to meet (referrals, engagement,
//! attrition, the chance of each outcome and how sure we are of it) beside its terms (prices,
//! lags, caps), the cost of the service, the investors' terms and the public savings per
//! outcome. Written in TOML (`docs/outcomes.md`, "Feasibility models"); every problem is
//! reported with its field path and line.

use koinon_core::money::{Currency, minor_to_decimal, parse_minor};
use koinon_core::outcomes::PaymentPeriod;
use koinon_core::outcomes::contract::line_of;
use koinon_core::outcomes::parse_iso_date;
use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

/// Limits of a model, so that one run stays within memory and time.
pub mod limits {
    pub const SOURCE_BYTES_MAX: usize = 64 * 1024;
    /// Contract length in payment periods (10 years of months).
    pub const PERIODS_MAX: i64 = 120;
    /// Periods between an outcome and its payment.
    pub const PAYMENT_DELAY_MAX: i64 = 8;
    pub const METRICS_MAX: usize = 32;
    /// Referrals in one period.
    pub const REFERRALS_PER_PERIOD_MAX: i64 = 100_000;
    /// Referrals over the whole contract.
    pub const REFERRALS_MAX: i64 = 1_000_000;
    /// Any single amount, in minor units (a billion in a 2-decimal currency).
    pub const AMOUNT_MINOR_MAX: i64 = 100_000_000_000;
    pub const NAME_CHARS_MAX: usize = 200;
    pub const CODE_CHARS_MAX: usize = 64;
    pub const ERRORS_MAX: usize = 100;
}

/// One outcome of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimMetric {
    pub code: String,
    /// What the outcome payer pays for it, in minor units.
    pub price_minor: i64,
    /// Periods after enrolment when the outcome is achieved (0 = in the enrolment period). The
    /// participant must still be engaged then.
    pub lag_periods: u16,
    /// Expected chance of the outcome for an engaged participant (who has the prerequisite),
    /// in basis points.
    pub success_bp: u16,
    /// How unsure that chance is: the standard deviation of a Beta distribution around it, in
    /// basis points (0 = known exactly).
    pub uncertainty_bp: u16,
    /// The metric (by index) that must be achieved first.
    pub prerequisite: Option<usize>,
    /// What one outcome saves the public purse, in minor units.
    pub public_saving_minor: i64,
}

/// A checked feasibility model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    pub name: String,
    pub currency: Currency,
    pub period: PaymentPeriod,
    /// The first payment period starts on this date's period.
    #[serde(serialize_with = "ser_date")]
    pub start_on: Date,
    /// Length of the contract in payment periods; outcomes after it are not paid.
    pub periods: u16,
    /// Periods between an outcome and its payment (claim, verification, payment run).
    pub payment_delay_periods: u16,
    /// The commissioner's annual discount rate, in basis points.
    pub discount_rate_bp: u32,
    pub contract_cap_minor: i64,
    pub participant_cap_minor: Option<i64>,
    /// Referrals in each period (missing periods have none).
    pub referrals: Vec<u32>,
    /// Chance that a referral starts the service, in basis points.
    pub engagement_bp: u16,
    /// Chance that an engaged participant leaves in each period, in basis points.
    pub attrition_bp: u16,
    pub metrics: Vec<SimMetric>,
    /// The service's cost per participant who starts, in minor units, in the enrolment period.
    pub cost_per_participant_minor: i64,
    /// The service's fixed cost in every period, in minor units.
    pub cost_per_period_minor: i64,
    /// The investors' commitment: the costs are drawn from it, period by period.
    pub capital_minor: i64,
    /// The most the investors may receive, as a multiple of what they put in, in basis points
    /// (`15000` = 1.5×); `None` = uncapped.
    pub return_cap_bp: Option<u32>,
}

fn ser_date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&koinon_core::finance::format_date(*d))
}

impl Model {
    /// Payment periods in a year.
    pub fn periods_per_year(&self) -> u32 {
        match self.period {
            PaymentPeriod::Month => 12,
            PaymentPeriod::Quarter => 4,
            PaymentPeriod::Year => 1,
        }
    }

    /// The label of the model's period `i` (0 = the first): `2027-Q1`.
    pub fn period_label(&self, i: usize) -> String {
        let first = self.period.index_of(self.start_on);
        self.period.label(first + i32::try_from(i).unwrap_or(0))
    }

    pub fn format_minor(&self, amount_minor: i64) -> String {
        minor_to_decimal(amount_minor, self.currency.scale())
    }

    /// All referrals over the contract.
    pub fn total_referrals(&self) -> u64 {
        self.referrals.iter().map(|r| u64::from(*r)).sum()
    }

    /// Reads and checks a model. All problems are returned together (up to
    /// [`limits::ERRORS_MAX`]), each naming its field and line.
    pub fn from_toml(source: &str) -> Result<Model, ModelErrors> {
        if source.len() > limits::SOURCE_BYTES_MAX {
            return Err(ModelErrors(vec![ModelError {
                field: "model".into(),
                line: None,
                code: "too_large",
                message: format!("A model file must be {} bytes or fewer", limits::SOURCE_BYTES_MAX),
            }]));
        }
        let raw: RawModel = toml::from_str(source).map_err(|e| {
            let line = e.span().map(|s| line_of(source, s.start));
            ModelErrors(vec![ModelError {
                field: "model".into(),
                line,
                code: "invalid_toml",
                message: e.message().to_string(),
            }])
        })?;
        let mut p = Checker { source, errors: Vec::new() };
        let model = p.model(raw);
        match model {
            Some(m) if p.errors.is_empty() => Ok(m),
            _ => {
                p.errors.truncate(limits::ERRORS_MAX);
                Err(ModelErrors(p.errors))
            }
        }
    }
}

/// One problem in a model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelError {
    pub field: String,
    pub line: Option<usize>,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ModelErrors(pub Vec<ModelError>);

impl std::fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match e.line {
                Some(line) => write!(f, "line {line}: {}: {}", e.field, e.message)?,
                None => write!(f, "{}: {}", e.field, e.message)?,
            }
        }
        Ok(())
    }
}

// ---- the TOML shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Spanned<String>,
    currency: Spanned<String>,
    period: Spanned<PaymentPeriod>,
    start_on: Spanned<String>,
    periods: Spanned<i64>,
    #[serde(default)]
    payment_delay_periods: Option<Spanned<i64>>,
    #[serde(default)]
    discount_rate_bp: Option<Spanned<i64>>,
    contract_cap: Spanned<String>,
    participant_cap: Option<Spanned<String>>,
    referrals: Spanned<RawReferrals>,
    metrics: Spanned<Vec<Spanned<RawMetric>>>,
    #[serde(default)]
    costs: Option<Spanned<RawCosts>>,
    #[serde(default)]
    investors: Option<Spanned<RawInvestors>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReferrals {
    per_period: Spanned<Vec<i64>>,
    engagement_bp: Spanned<i64>,
    #[serde(default)]
    attrition_bp: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    code: Spanned<String>,
    price: Spanned<String>,
    #[serde(default)]
    lag_periods: Option<Spanned<i64>>,
    success_bp: Spanned<i64>,
    #[serde(default)]
    uncertainty_bp: Option<Spanned<i64>>,
    prerequisite: Option<Spanned<String>>,
    public_saving: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCosts {
    per_participant: Option<Spanned<String>>,
    per_period: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvestors {
    capital: Spanned<String>,
    return_cap_bp: Option<Spanned<i64>>,
}

// ---- checking ----

struct Checker<'s> {
    source: &'s str,
    errors: Vec<ModelError>,
}

impl Checker<'_> {
    fn err(&mut self, field: impl Into<String>, offset: usize, code: &'static str, message: impl Into<String>) {
        let line = Some(line_of(self.source, offset));
        self.errors.push(ModelError { field: field.into(), line, code, message: message.into() });
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

    /// An amount from 0 (`allow_zero`) or 1 minor unit up to the limit.
    fn amount(&mut self, field: &str, raw: &Spanned<String>, scale: u8, allow_zero: bool) -> Option<i64> {
        match parse_minor(field, raw.get_ref(), scale) {
            Ok(v) if (v > 0 || (allow_zero && v == 0)) && v <= limits::AMOUNT_MINOR_MAX => Some(v),
            Ok(_) => {
                let low = if allow_zero { "0 or more" } else { "more than 0" };
                self.err(
                    field,
                    raw.span().start,
                    "out_of_range",
                    format!("{field} must be {low} and at most {}", minor_to_decimal(limits::AMOUNT_MINOR_MAX, scale)),
                );
                None
            }
            Err(e) => {
                self.err(e.field, raw.span().start, e.code, e.message);
                None
            }
        }
    }

    fn model(&mut self, raw: RawModel) -> Option<Model> {
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().count() > limits::NAME_CHARS_MAX {
            self.err(
                "name",
                raw.name.span().start,
                "invalid_name",
                format!("name must be 1 to {} characters", limits::NAME_CHARS_MAX),
            );
        }
        let currency = match Currency::iso(raw.currency.get_ref().trim()) {
            Ok(c) => Some(c),
            Err(e) => {
                self.err("currency", raw.currency.span().start, e.code, e.message);
                None
            }
        };
        let scale = currency.as_ref().map_or(2, Currency::scale);
        let start_on = parse_iso_date(raw.start_on.get_ref().trim().as_bytes());
        if start_on.is_none() {
            self.err("start_on", raw.start_on.span().start, "invalid_date", "start_on must be a date like 2027-01-01");
        }
        let periods = self.int("periods", &raw.periods, 1, limits::PERIODS_MAX);
        let payment_delay_periods = match &raw.payment_delay_periods {
            Some(d) => self.int("payment_delay_periods", d, 0, limits::PAYMENT_DELAY_MAX),
            None => Some(1),
        };
        let discount_rate_bp = match &raw.discount_rate_bp {
            Some(r) => self.int("discount_rate_bp", r, 0, 10_000),
            None => Some(0),
        };
        let contract_cap_minor = self.amount("contract_cap", &raw.contract_cap, scale, false);
        let participant_cap_minor =
            raw.participant_cap.as_ref().map(|c| self.amount("participant_cap", c, scale, false));

        // Referrals.
        let r = raw.referrals.get_ref();
        let mut referrals = Vec::new();
        let mut total = 0i64;
        let counts = r.per_period.get_ref();
        if counts.is_empty() {
            self.err(
                "referrals.per_period",
                r.per_period.span().start,
                "required",
                "Give the referrals of at least one period",
            );
        }
        if let Some(n) = periods
            && i64::try_from(counts.len()).unwrap_or(i64::MAX) > n
        {
            self.err(
                "referrals.per_period",
                r.per_period.span().start,
                "too_many_periods",
                format!("There are {} referral figures for a contract of {n} periods", counts.len()),
            );
        }
        for (i, &c) in counts.iter().enumerate() {
            if !(0..=limits::REFERRALS_PER_PERIOD_MAX).contains(&c) {
                self.err(
                    format!("referrals.per_period[{i}]"),
                    r.per_period.span().start,
                    "out_of_range",
                    format!("referrals.per_period[{i}] must be between 0 and {}", limits::REFERRALS_PER_PERIOD_MAX),
                );
                continue;
            }
            total += c;
            referrals.push(u32::try_from(c).unwrap_or(0));
        }
        if total > limits::REFERRALS_MAX {
            self.err(
                "referrals.per_period",
                r.per_period.span().start,
                "too_many_referrals",
                format!("At most {} referrals in all (there are {total})", limits::REFERRALS_MAX),
            );
        }
        let engagement_bp = self.int("referrals.engagement_bp", &r.engagement_bp, 0, 10_000);
        let attrition_bp = match &r.attrition_bp {
            Some(a) => self.int("referrals.attrition_bp", a, 0, 10_000),
            None => Some(0),
        };

        // Metrics.
        let raw_metrics = raw.metrics.get_ref();
        if raw_metrics.is_empty() || raw_metrics.len() > limits::METRICS_MAX {
            self.err(
                "metrics",
                raw.metrics.span().start,
                "wrong_count",
                format!("A model needs 1 to {} metrics", limits::METRICS_MAX),
            );
        }
        let codes: Vec<String> = raw_metrics.iter().map(|m| m.get_ref().code.get_ref().trim().to_string()).collect();
        let mut metrics = Vec::with_capacity(raw_metrics.len());
        for (i, rm) in raw_metrics.iter().enumerate() {
            let m = rm.get_ref();
            let f = |name: &str| format!("metrics[{i}].{name}");
            let code = codes[i].clone();
            let code_ok = !code.is_empty()
                && code.len() <= limits::CODE_CHARS_MAX
                && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
                && code.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
            if !code_ok {
                self.err(
                    f("code"),
                    m.code.span().start,
                    "invalid_code",
                    format!("{} must be 1 to 64 characters of a-z, 0-9, _ and -", f("code")),
                );
            } else if codes[..i].contains(&code) {
                self.err(
                    f("code"),
                    m.code.span().start,
                    "duplicate_code",
                    format!("Metric code {code:?} is used twice"),
                );
            }
            let price_minor = self.amount(&f("price"), &m.price, scale, true);
            let lag = match &m.lag_periods {
                Some(l) => self.int(&f("lag_periods"), l, 0, limits::PERIODS_MAX),
                None => Some(0),
            };
            let success = self.int(&f("success_bp"), &m.success_bp, 0, 10_000);
            let uncertainty = match &m.uncertainty_bp {
                Some(u) => self.int(&f("uncertainty_bp"), u, 0, 5_000),
                None => Some(0),
            };
            // A Beta distribution with this mean and standard deviation exists only when
            // sd² < mean·(1 − mean).
            if let (Some(s), Some(u)) = (success, uncertainty)
                && u > 0
            {
                let (mean, sd) = (s as f64 / 10_000.0, u as f64 / 10_000.0);
                if sd * sd >= mean * (1.0 - mean) {
                    self.err(
                        f("uncertainty_bp"),
                        m.uncertainty_bp.as_ref().map_or(rm.span().start, |u| u.span().start),
                        "too_uncertain",
                        format!(
                            "{} must be below {} for a success chance of {s} basis points",
                            f("uncertainty_bp"),
                            ((mean * (1.0 - mean)).sqrt() * 10_000.0).floor()
                        ),
                    );
                }
            }
            let prerequisite = match &m.prerequisite {
                Some(p) => match codes[..i].iter().position(|c| c == p.get_ref().trim()) {
                    Some(k) => Some(Some(k)),
                    None => {
                        self.err(
                            f("prerequisite"),
                            p.span().start,
                            "unknown_metric",
                            format!("Prerequisite {:?} must be a metric listed before this one", p.get_ref().trim()),
                        );
                        None
                    }
                },
                None => Some(None),
            };
            let public_saving_minor = match &m.public_saving {
                Some(s) => self.amount(&f("public_saving"), s, scale, true),
                None => Some(0),
            };
            if let (Some(price_minor), Some(lag), Some(success), Some(uncertainty), Some(prerequisite), Some(saving)) =
                (price_minor, lag, success, uncertainty, prerequisite, public_saving_minor)
            {
                metrics.push(SimMetric {
                    code,
                    price_minor,
                    lag_periods: u16::try_from(lag).unwrap_or(u16::MAX),
                    success_bp: u16::try_from(success).unwrap_or(0),
                    uncertainty_bp: u16::try_from(uncertainty).unwrap_or(0),
                    prerequisite,
                    public_saving_minor: saving,
                });
            }
        }
        // A prerequisite comes no later than the outcome that needs it.
        for (i, m) in metrics.iter().enumerate() {
            if let Some(k) = m.prerequisite
                && metrics.get(k).is_some_and(|p| p.lag_periods > m.lag_periods)
            {
                let offset = raw_metrics.get(i).map_or(0, |r| r.span().start);
                self.err(
                    format!("metrics[{i}].lag_periods"),
                    offset,
                    "before_prerequisite",
                    format!("metrics[{i}] cannot come before its prerequisite {:?}", metrics[k].code),
                );
            }
        }

        let (cost_per_participant_minor, cost_per_period_minor) = match &raw.costs {
            Some(c) => {
                let c = c.get_ref();
                (
                    c.per_participant
                        .as_ref()
                        .map_or(Some(0), |a| self.amount("costs.per_participant", a, scale, true)),
                    c.per_period.as_ref().map_or(Some(0), |a| self.amount("costs.per_period", a, scale, true)),
                )
            }
            None => (Some(0), Some(0)),
        };
        let (capital_minor, return_cap_bp) = match &raw.investors {
            Some(inv) => {
                let inv = inv.get_ref();
                (
                    self.amount("investors.capital", &inv.capital, scale, false),
                    inv.return_cap_bp.as_ref().map(|r| self.int("investors.return_cap_bp", r, 10_000, 100_000)),
                )
            }
            None => (Some(0), None),
        };

        let (return_cap_bp, participant_cap_minor) = match (return_cap_bp, participant_cap_minor) {
            (Some(None), _) | (_, Some(None)) => return None,
            (r, p) => (r.flatten(), p.flatten()),
        };
        Some(Model {
            name,
            currency: currency?,
            period: *raw.period.get_ref(),
            start_on: start_on?,
            periods: u16::try_from(periods?).ok()?,
            payment_delay_periods: u16::try_from(payment_delay_periods?).ok()?,
            discount_rate_bp: u32::try_from(discount_rate_bp?).ok()?,
            contract_cap_minor: contract_cap_minor?,
            participant_cap_minor,
            referrals,
            engagement_bp: u16::try_from(engagement_bp?).ok()?,
            attrition_bp: u16::try_from(attrition_bp?).ok()?,
            metrics,
            cost_per_participant_minor: cost_per_participant_minor?,
            cost_per_period_minor: cost_per_period_minor?,
            capital_minor: capital_minor?,
            return_cap_bp: return_cap_bp.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
        })
    }
}
