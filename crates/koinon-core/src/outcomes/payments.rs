//! The payment calculation: verified claims and cohort results in, a [`PaymentStatement`] out.
//!
//! Order of payment (and so of the caps):
//! 1. Claims are taken in event-date order (same day: prerequisites first, then claim date, then
//!    input order). Refused claims are counted and skipped.
//! 2. An accepted claim is worth its metric's price (rate card, savings-share fee; otherwise 0).
//!    The per-participant cap cuts it first (against what that cap has let through for the
//!    participant so far), then the period cap of the period of its event date, then the
//!    contract cap. Each cap is a running cap over what the previous one let through, and each
//!    cut is recorded against the cap that made it.
//! 3. Results-based payments (threshold, savings share, fixed targets) fall in the period of
//!    their cohort's `end_on` (the overall threshold top-up: the period of the contract's
//!    `end_on`). Within a period they come after that period's claims; the period cap and the
//!    contract cap apply to them in the same running order.
//!
//! Every amount is an integer of minor units; ratios are compared by cross-multiplication in
//! `i128`; anything that divides rounds down (in the outcome payer's favour).

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};
use time::Date;

use super::claims::{NO_COHORT, NO_DAY, Refusal, Roster, Rules, day};
use super::contract::{Contract, PaymentMechanism};
use super::{InputError, InputErrors, OutcomeClaim, limits};
use crate::money::minor_to_decimal;

/// An amount in the contract's currency; serialises as `{"minor": 910000, "decimal": "9100.00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    pub scale: u8,
}

impl Amount {
    pub fn decimal(&self) -> String {
        minor_to_decimal(self.minor, self.scale)
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Amount", 2)?;
        st.serialize_field("minor", &self.minor)?;
        st.serialize_field("decimal", &self.decimal())?;
        st.end()
    }
}

/// Reads what `Serialize` writes; the scale is the number of decimals of `decimal`.
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            minor: i64,
            decimal: String,
        }
        let raw = Raw::deserialize(d)?;
        let decimals = raw.decimal.split_once('.').map_or(0, |(_, f)| f.len());
        let scale = u8::try_from(decimals).map_err(serde::de::Error::custom)?;
        Ok(Amount { minor: raw.minor, scale })
    }
}

/// Which cap cut a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapKind {
    Participant,
    Period,
    Contract,
}

/// A cap that cut payments: for a participant (scope = participant id), a period (scope =
/// period label) or the contract (scope = `contract`). In `cap_totals` the scope is `all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapApplied {
    pub cap: CapKind,
    pub scope: String,
    pub cut: Amount,
    /// Claims or results payments this cap reduced.
    pub items_cut: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodLine {
    pub period: String,
    pub outcomes: u64,
    pub gross: Amount,
    pub paid: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricLine {
    pub metric: String,
    pub outcomes: u64,
    pub gross: Amount,
    pub paid: Amount,
}

/// Claims-based and results-based payments of a cohort. `cohort` is `None` for participants
/// without a cohort and for the overall threshold top-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortLine {
    pub cohort: Option<String>,
    pub participants_paid: u64,
    pub outcomes: u64,
    pub gross: Amount,
    pub paid: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantLine {
    pub participant: String,
    pub cohort: Option<String>,
    pub outcomes: u32,
    pub gross: Amount,
    pub paid: Amount,
}

/// A results-based payment: a cohort's threshold test, savings share or fixed target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultLine {
    pub cohort: Option<String>,
    /// `comparison_threshold`, `overall_threshold`, `savings_share`, or the target code.
    pub item: String,
    pub period: String,
    /// What was measured, for people (`8.39% (142 against 155)`).
    pub measured: String,
    /// What it was measured against (`10.00%`).
    pub threshold: String,
    /// Exact: the improvement in basis points, rounded half up (threshold and targets).
    pub measured_bp: Option<i64>,
    pub met: bool,
    /// Events avoided (whole, rounded down) or persons paid for.
    pub units: Option<u64>,
    /// Price per event avoided or payment per person.
    pub unit_amount: Option<Amount>,
    pub gross: Amount,
    pub paid: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalCount {
    pub reason: Refusal,
    pub count: u64,
}

/// A refused claim: the line of the claims file (or the 1-based position in a list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedClaim {
    pub line: u64,
    pub participant: String,
    pub metric: String,
    pub event_on: String,
    pub reason: Refusal,
}

/// What is due under a contract for the claims and results given.
///
/// Invariants (tested): `total_due` = Σ `by_period.paid` = Σ `by_metric.paid` + Σ
/// `results.paid` = Σ `by_cohort.paid`; `total_due` ≤ the contract cap; no participant's paid
/// exceeds the per-participant cap; `gross_due` − `total_due` = Σ `cap_totals.cut`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentStatement {
    pub contract: String,
    pub mechanism: &'static str,
    pub currency: String,
    /// Before any cap.
    pub gross_due: Amount,
    pub total_due: Amount,
    pub claims_read: u64,
    pub claims_accepted: u64,
    pub claims_refused: u64,
    pub refusals_by_reason: Vec<RefusalCount>,
    /// The first [`limits::REFUSALS_LISTED_MAX`] refused claims, by line.
    pub refusals: Vec<RefusedClaim>,
    pub by_period: Vec<PeriodLine>,
    pub by_metric: Vec<MetricLine>,
    pub by_cohort: Vec<CohortLine>,
    pub results: Vec<ResultLine>,
    /// Each cap that cut something: participants (at most [`limits::CAPS_LISTED_MAX`]), periods,
    /// the contract.
    pub caps_applied: Vec<CapApplied>,
    /// Participant caps that cut something but are not listed in `caps_applied`.
    pub caps_applied_not_listed: u64,
    /// The total cut by each kind of cap.
    pub cap_totals: Vec<CapApplied>,
    /// Every participant with an accepted claim.
    pub by_participant: Vec<ParticipantLine>,
}

/// Measured results of a cohort, for the threshold, savings-share and fixed-target mechanisms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortResult {
    pub cohort: String,
    /// Persons in the cohort (the SIB group, the offenders counted, the denominator of targets).
    pub participants: u32,
    pub measures: CohortMeasures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CohortMeasures {
    /// Events per 100 participants (e.g. reconviction events per 100 offenders) in the cohort
    /// and in its comparison group, in ten-thousandths (142 → 1_420_000).
    Comparison { treatment_e4: i64, comparison_e4: i64 },
    /// Per person, SIB group minus control group, in minor units: taxes paid (more is better)
    /// and benefits received (less is better).
    Savings { taxes_difference_minor: i64, benefits_difference_minor: i64 },
    /// For each target code, the participants of the cohort who reached it.
    Targets { achieved: Vec<(String, u32)> },
}

// ---- shared intake: participants and claims as small integers ----

#[derive(Clone, Copy, Debug)]
pub(crate) struct CompactClaim {
    pub participant: u32,
    pub event: i32,
    pub claimed: i32,
    pub line: u32,
    pub metric: u8,
}

pub(crate) struct RefusalLog {
    counts: [u64; Refusal::ALL.len()],
    listed: Vec<RefusedClaim>,
}

impl RefusalLog {
    fn new() -> Self {
        Self { counts: [0; Refusal::ALL.len()], listed: Vec::new() }
    }

    #[inline]
    pub fn refuse(&mut self, reason: Refusal, line: u64, participant: &str, metric: &str, event: i32) {
        self.counts[reason.index()] += 1;
        if self.listed.len() < limits::REFUSALS_LISTED_MAX {
            let event_on = if event == NO_DAY {
                String::new()
            } else {
                Date::from_julian_day(event).map(|d| d.to_string()).unwrap_or_default()
            };
            self.listed.push(RefusedClaim {
                line,
                participant: participant.to_string(),
                metric: metric.to_string(),
                event_on,
                reason,
            });
        }
    }

    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// A fast hash for short keys (participant ids, metric codes): the multiply-rotate hash of
/// rustc's `FxHasher`. Not resistant to crafted collisions; the inputs are the commissioner's
/// and providers' own files, and every file has a row limit.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// Participant ids, interned: a number for each id, the ids in one buffer (no allocation per
/// id), short ids kept inside the hash table itself so a lookup touches one cache line.
pub(crate) struct Ids {
    short: FastMap<ShortId, Slot>,
    long: FastMap<Box<str>, Slot>,
    text: String,
    ends: Vec<usize>,
}

/// What a lookup needs about a participant, kept in the table beside the id.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub n: u32,
    pub enrolled: i32,
    pub cohort: u16,
}

/// An id of at most 15 bytes, stored inline.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShortId {
    len: u8,
    bytes: [u8; 15],
}

impl ShortId {
    #[inline]
    fn new(id: &str) -> Option<Self> {
        let len = id.len();
        if len > 15 {
            return None;
        }
        let mut bytes = [0u8; 15];
        bytes[..len].copy_from_slice(id.as_bytes());
        Some(Self { len: u8::try_from(len).ok()?, bytes })
    }
}

impl std::hash::Hash for ShortId {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.bytes[..usize::from(self.len)]);
    }
}

impl Ids {
    fn new() -> Self {
        Self { short: FastMap::default(), long: FastMap::default(), text: String::new(), ends: Vec::new() }
    }

    fn reserve(&mut self, n: usize) {
        self.short.reserve(n);
        self.ends.reserve(n);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    pub fn find(&self, id: &str) -> Option<Slot> {
        match ShortId::new(id) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(id).copied(),
        }
    }

    /// Adds a new id (the caller has checked it is not there) and returns its number.
    #[inline]
    fn push(&mut self, id: &str, cohort: u16, enrolled: i32) -> u32 {
        let n = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        let slot = Slot { n, enrolled, cohort };
        match ShortId::new(id) {
            Some(key) => self.short.insert(key, slot),
            None => self.long.insert(Box::from(id), slot),
        };
        self.text.push_str(id);
        self.ends.push(self.text.len());
        n
    }

    pub fn get(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends.get(n - 1).copied().unwrap_or(0) };
        let end = self.ends.get(n).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or("")
    }
}

/// Interns participant ids to dense numbers and keeps the claims that pass the checks that do
/// not depend on other claims.
pub(crate) struct Intake<'c> {
    contract: &'c Contract,
    pub rules: Rules,
    metric_index: FastMap<&'c str, u8>,
    ids: Ids,
    cohort_of: Vec<u16>,
    /// Participants came from a roster: claims for anyone else are refused.
    roster_closed: bool,
    claims: Vec<CompactClaim>,
    pub refusals: RefusalLog,
    claims_read: u64,
}

impl<'c> Intake<'c> {
    pub fn new(contract: &'c Contract) -> Self {
        Self {
            contract,
            rules: Rules::new(contract),
            metric_index: contract
                .metrics
                .iter()
                .enumerate()
                .map(|(i, m)| (m.code.as_str(), u8::try_from(i).unwrap_or(u8::MAX)))
                .collect(),
            ids: Ids::new(),
            cohort_of: Vec::new(),
            roster_closed: false,
            claims: Vec::new(),
            refusals: RefusalLog::new(),
            claims_read: 0,
        }
    }

    pub fn reserve(&mut self, participants: usize, claims: usize) {
        self.ids.reserve(participants);
        self.claims.reserve(claims);
    }

    pub fn participant_count(&self) -> usize {
        self.ids.len()
    }

    /// Adds a roster participant; false if the id is already there.
    pub fn add_participant(&mut self, id: &str, cohort: u16, enrolled: i32) -> bool {
        if self.ids.find(id).is_some() {
            return false;
        }
        self.ids.push(id, cohort, enrolled);
        self.cohort_of.push(cohort);
        self.roster_closed = true;
        true
    }

    /// Takes one claim. `cohort` is read only in claims-only mode (no roster). An `Err` is an
    /// input error (a participant named with two cohorts), not a refusal.
    #[inline]
    pub fn add_claim(
        &mut self,
        line: u64,
        participant: &str,
        metric: &str,
        cohort: Option<&str>,
        event: i32,
        claimed: i32,
    ) -> Result<(), InputError> {
        self.claims_read += 1;
        let Some(&m) = self.metric_index.get(metric) else {
            self.refusals.refuse(Refusal::UnknownMetric, line, participant, metric, event);
            return Ok(());
        };
        let p = match self.ids.find(participant) {
            Some(p) => {
                if !self.roster_closed
                    && let Some(code) = cohort.filter(|c| !c.is_empty())
                {
                    let known = p.cohort;
                    if self.contract.cohort_index(code).and_then(|c| u16::try_from(c).ok()) != Some(known)
                        && known != NO_COHORT
                    {
                        return Err(InputError::new(
                            "claims",
                            Some(line),
                            Some("cohort"),
                            "cohort_mismatch",
                            format!("Participant {participant:?} was given another cohort on an earlier line"),
                        ));
                    }
                }
                p
            }
            None if self.roster_closed => {
                self.refusals.refuse(Refusal::UnknownParticipant, line, participant, metric, event);
                return Ok(());
            }
            None => {
                let cohort_index = match cohort.filter(|c| !c.is_empty()) {
                    None => NO_COHORT,
                    Some(code) => match self.contract.cohort_index(code) {
                        Some(c) => u16::try_from(c).unwrap_or(NO_COHORT),
                        None => {
                            self.refusals.refuse(Refusal::UnknownCohort, line, participant, metric, event);
                            return Ok(());
                        }
                    },
                };
                if self.ids.len() >= limits::PARTICIPANTS_MAX {
                    return Err(InputError::new(
                        "claims",
                        Some(line),
                        Some("participant"),
                        "too_many_participants",
                        format!("At most {} participants", limits::PARTICIPANTS_MAX),
                    ));
                }
                if let Err((code, message)) = super::claims::check_participant_id(participant) {
                    return Err(InputError::new("claims", Some(line), Some("participant"), code, message));
                }
                let n = self.ids.push(participant, cohort_index, NO_DAY);
                self.cohort_of.push(cohort_index);
                Slot { n, enrolled: NO_DAY, cohort: cohort_index }
            }
        };
        if let Err(reason) = self.rules.check_alone(usize::from(m), event, claimed, p.enrolled) {
            self.refusals.refuse(reason, line, participant, metric, event);
            return Ok(());
        }
        self.claims.push(CompactClaim {
            participant: p.n,
            event,
            claimed,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            metric: m,
        });
        Ok(())
    }
}

/// Computes what is due for claims and results given as lists. With a roster, claims for
/// participants not in it are refused (`unknown_participant`); without, participants are taken
/// from the claims. The line of a refused claim is its 1-based position in `claims`.
pub fn calculate_payments(
    contract: &Contract,
    roster: Option<&Roster>,
    claims: &[OutcomeClaim],
    results: &[CohortResult],
) -> Result<PaymentStatement, InputErrors> {
    if claims.len() > limits::CLAIMS_MAX {
        return Err(InputErrors(vec![InputError::new(
            "claims",
            None,
            None,
            "too_many_rows",
            format!("At most {} claims", limits::CLAIMS_MAX),
        )]));
    }
    let mut intake = Intake::new(contract);
    if let Some(roster) = roster {
        let (participants, cohorts) = roster.parts();
        intake.reserve(participants.len(), claims.len());
        for (p, &c) in participants.iter().zip(cohorts) {
            intake.add_participant(&p.id, c, p.enrolled_on.map_or(NO_DAY, day));
        }
    }
    let mut errors = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        let claimed = c.claimed_on.map_or(NO_DAY, day);
        if let Err(e) = intake.add_claim(i as u64 + 1, &c.participant, &c.metric, None, day(c.event_on), claimed) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    check_results(contract, results)?;
    Ok(run(contract, intake, results))
}

/// Checks that results fit the contract's mechanism: known cohorts, each once, the right
/// measures, sane counts.
pub(crate) fn check_results(contract: &Contract, results: &[CohortResult]) -> Result<(), InputErrors> {
    let mut errors = Vec::new();
    let mut seen = vec![false; contract.cohorts.len()];
    let err = |errors: &mut Vec<InputError>, i: usize, code: &'static str, message: String| {
        errors.push(InputError::new("results", Some(i as u64 + 1), None, code, message));
    };
    if results.len() > limits::RESULT_ROWS_MAX {
        err(&mut errors, 0, "too_many_rows", format!("At most {} results", limits::RESULT_ROWS_MAX));
    }
    for (i, r) in results.iter().enumerate() {
        match contract.cohort_index(&r.cohort) {
            None => err(&mut errors, i, "unknown_cohort", format!("Cohort {:?} is not in the contract", r.cohort)),
            Some(c) if seen[c] => {
                err(&mut errors, i, "duplicate_cohort", format!("Cohort {:?} has results twice", r.cohort))
            }
            Some(c) => seen[c] = true,
        }
        if r.participants == 0 {
            err(&mut errors, i, "invalid_participants", "A cohort result needs at least one participant".into());
        }
        match (&contract.mechanism, &r.measures) {
            (
                PaymentMechanism::ComparisonThreshold { .. },
                CohortMeasures::Comparison { treatment_e4, comparison_e4 },
            ) => {
                if *comparison_e4 <= 0 || *treatment_e4 < 0 {
                    err(
                        &mut errors,
                        i,
                        "invalid_figure",
                        "The comparison figure must be above 0 and the treatment figure not below 0".into(),
                    );
                }
                if *comparison_e4 > limits::FIGURE_E4_MAX || *treatment_e4 > limits::FIGURE_E4_MAX {
                    err(
                        &mut errors,
                        i,
                        "out_of_range",
                        "Figures are events per 100 participants, at most 1,000,000".into(),
                    );
                }
            }
            (PaymentMechanism::SavingsShare { .. }, CohortMeasures::Savings { .. }) => {}
            (PaymentMechanism::FixedTargets { targets }, CohortMeasures::Targets { achieved }) => {
                for t in targets {
                    match achieved.iter().filter(|(code, _)| *code == t.code).map(|(_, n)| *n).collect::<Vec<_>>()[..] {
                        [n] if n <= r.participants => {}
                        [_] => err(
                            &mut errors,
                            i,
                            "invalid_count",
                            format!("More reached {:?} than the cohort's participants", t.code),
                        ),
                        [] => err(&mut errors, i, "missing_measure", format!("Target {:?} has no result", t.code)),
                        _ => err(&mut errors, i, "duplicate_measure", format!("Target {:?} has two results", t.code)),
                    }
                }
                for (code, _) in achieved {
                    if !targets.iter().any(|t| t.code == *code) {
                        err(&mut errors, i, "unknown_target", format!("{code:?} is not a target of the contract"));
                    }
                }
            }
            (PaymentMechanism::RateCard, _) => err(
                &mut errors,
                i,
                "results_not_used",
                "A rate card pays on claims only; it takes no cohort results".into(),
            ),
            _ => err(
                &mut errors,
                i,
                "wrong_measures",
                format!("These measures do not fit a {} contract", contract.mechanism.code()),
            ),
        }
        if errors.len() >= limits::INPUT_ERRORS_MAX {
            break;
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(InputErrors(errors)) }
}

// ---- the engine ----

fn clamp(v: i128) -> i64 {
    i64::try_from(v.clamp(0, i128::from(i64::MAX))).unwrap_or(i64::MAX)
}

/// Basis points as a percentage with two decimals (`839` → `8.39%`).
fn percent(bp: i64) -> String {
    format!("{}%", minor_to_decimal(bp, 2))
}

/// `num / den` in basis points, rounded half away from zero. `den` > 0.
fn ratio_bp(num: i128, den: i128) -> i64 {
    let scaled = num * 10_000 * 2;
    let q = if scaled >= 0 { (scaled + den) / (2 * den) } else { (scaled - den) / (2 * den) };
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// A figure in ten-thousandths without trailing zeros (`1_420_000` → `142`).
fn figure(e4: i64) -> String {
    let s = minor_to_decimal(e4, 4);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

struct PendingResult {
    cohort: u16,
    period: usize,
    line: ResultLine,
}

fn pending_results(
    contract: &Contract,
    results: &[CohortResult],
    period_of: &dyn Fn(Date) -> usize,
) -> Vec<PendingResult> {
    let scale = contract.currency.scale();
    let amount = |minor: i64| Amount { minor, scale };
    let mut out = Vec::new();
    let by_cohort: Vec<Option<&CohortResult>> =
        contract.cohorts.iter().map(|c| results.iter().find(|r| r.cohort == c.code)).collect();
    let line = |cohort: Option<&str>, item: &str| ResultLine {
        cohort: cohort.map(str::to_string),
        item: item.to_string(),
        period: String::new(),
        measured: String::new(),
        threshold: String::new(),
        measured_bp: None,
        met: false,
        units: None,
        unit_amount: None,
        gross: amount(0),
        paid: amount(0),
    };
    match &contract.mechanism {
        PaymentMechanism::RateCard => {}
        PaymentMechanism::ComparisonThreshold {
            cohort_threshold_bp,
            overall_threshold_bp,
            price_per_event_avoided_minor,
            ..
        } => {
            let price = i128::from(*price_per_event_avoided_minor);
            let (mut sum_c, mut sum_t, mut cohort_paid) = (0i128, 0i128, 0i128);
            for (ci, cohort) in contract.cohorts.iter().enumerate() {
                let Some(r) = by_cohort[ci] else { continue };
                let CohortMeasures::Comparison { treatment_e4, comparison_e4 } = r.measures else { continue };
                let (t, c, n) = (i128::from(treatment_e4), i128::from(comparison_e4), i128::from(r.participants));
                sum_c += c * n;
                sum_t += t * n;
                let met = (c - t) * 10_000 >= i128::from(*cohort_threshold_bp) * c;
                // Events avoided = (c − t) / 100 × n; figures are in ten-thousandths.
                let gross = if met && c > t { price * (c - t) * n / 1_000_000 } else { 0 };
                cohort_paid += gross;
                let period = period_of(cohort.end_on);
                let mut l = line(Some(&cohort.code), "comparison_threshold");
                let bp = ratio_bp(c - t, c);
                l.measured = format!("{} ({} against {})", percent(bp), figure(treatment_e4), figure(comparison_e4));
                l.measured_bp = Some(bp);
                l.threshold = percent(i64::from(*cohort_threshold_bp));
                l.met = met;
                l.units = Some(u64::try_from(((c - t) * n / 1_000_000).max(0)).unwrap_or(0));
                l.unit_amount = Some(amount(*price_per_event_avoided_minor));
                l.gross = amount(clamp(gross));
                out.push(PendingResult { cohort: u16::try_from(ci).unwrap_or(NO_COHORT), period, line: l });
            }
            // The overall test, once every cohort has results.
            if by_cohort.iter().all(Option::is_some) && sum_c > 0 {
                let met = (sum_c - sum_t) * 10_000 >= i128::from(*overall_threshold_bp) * sum_c;
                let overall = if met && sum_c > sum_t { price * (sum_c - sum_t) / 1_000_000 } else { 0 };
                let period = period_of(contract.end_on);
                let mut l = line(None, "overall_threshold");
                let bp = ratio_bp(sum_c - sum_t, sum_c);
                l.measured = format!("{} across all cohorts", percent(bp));
                l.measured_bp = Some(bp);
                l.threshold = percent(i64::from(*overall_threshold_bp));
                l.met = met;
                l.units = Some(u64::try_from(((sum_c - sum_t) / 1_000_000).max(0)).unwrap_or(0));
                l.unit_amount = Some(amount(*price_per_event_avoided_minor));
                // The overall payment covers all cohorts: only what the cohorts were not already paid.
                l.gross = amount(clamp(overall - cohort_paid));
                out.push(PendingResult { cohort: NO_COHORT, period, line: l });
            }
        }
        PaymentMechanism::SavingsShare { share_bp } => {
            for (ci, cohort) in contract.cohorts.iter().enumerate() {
                let Some(r) = by_cohort[ci] else { continue };
                let CohortMeasures::Savings { taxes_difference_minor, benefits_difference_minor } = r.measures else {
                    continue;
                };
                let savings = i128::from(taxes_difference_minor) - i128::from(benefits_difference_minor);
                let per_person = if savings > 0 { savings * i128::from(*share_bp) / 10_000 } else { 0 };
                let period = period_of(cohort.end_on);
                let mut l = line(Some(&cohort.code), "savings_share");
                l.measured = format!(
                    "savings {} per person (taxes {}, benefits {})",
                    minor_to_decimal(clamp_signed(savings), scale),
                    minor_to_decimal(taxes_difference_minor, scale),
                    minor_to_decimal(benefits_difference_minor, scale)
                );
                l.threshold = format!("{} share", percent(i64::from(*share_bp)));
                l.met = savings > 0;
                l.units = Some(u64::from(r.participants));
                l.unit_amount = Some(amount(clamp(per_person)));
                l.gross = amount(clamp(per_person * i128::from(r.participants)));
                out.push(PendingResult { cohort: u16::try_from(ci).unwrap_or(NO_COHORT), period, line: l });
            }
        }
        PaymentMechanism::FixedTargets { targets } => {
            for (ci, cohort) in contract.cohorts.iter().enumerate() {
                let Some(r) = by_cohort[ci] else { continue };
                let CohortMeasures::Targets { achieved } = &r.measures else { continue };
                for t in targets {
                    let Some(&(_, a)) = achieved.iter().find(|(code, _)| *code == t.code) else { continue };
                    let (a, n) = (i128::from(a), i128::from(r.participants));
                    let met = a * 10_000 >= i128::from(t.threshold_bp) * n;
                    let period = period_of(cohort.end_on);
                    let mut l = line(Some(&cohort.code), &t.code);
                    let bp = ratio_bp(a, n.max(1));
                    l.measured = format!("{} ({a} of {n})", percent(bp));
                    l.measured_bp = Some(bp);
                    l.threshold = percent(i64::from(t.threshold_bp));
                    l.met = met;
                    l.gross = amount(if met { t.payment_minor } else { 0 });
                    out.push(PendingResult { cohort: u16::try_from(ci).unwrap_or(NO_COHORT), period, line: l });
                }
            }
        }
    }
    out.sort_by_key(|p| p.period);
    out
}

fn clamp_signed(v: i128) -> i64 {
    i64::try_from(v.clamp(i128::from(i64::MIN + 1), i128::from(i64::MAX))).unwrap_or(0)
}

#[derive(Clone, Copy, Default)]
struct ParticipantState {
    /// Metrics accepted so far, one bit each.
    verified: u64,
    /// What the participant cap has let through so far (before the period and contract caps).
    allowed: i64,
    gross: i64,
    paid: i64,
    outcomes: u32,
}

struct Totals {
    per_gross: Vec<i64>,
    per_paid: Vec<i64>,
    per_outcomes: Vec<u64>,
    c_gross: Vec<i64>,
    c_paid: Vec<i64>,
    c_outcomes: Vec<u64>,
}

/// Running caps: what is left under each.
struct Caps {
    participant_cap: i64,
    period_left: Vec<i64>,
    contract_left: i64,
    period_cut: Vec<i64>,
    period_cut_items: Vec<u64>,
    contract_cut: i64,
    contract_cut_items: u64,
}

impl Caps {
    /// Pays what the period and contract caps leave of `amount`.
    #[inline]
    fn period_and_contract(&mut self, period: usize, mut amount: i64) -> i64 {
        let left = self.period_left[period];
        if amount > left {
            self.period_cut[period] += amount - left;
            self.period_cut_items[period] += 1;
            amount = left;
        }
        if amount > self.contract_left {
            self.contract_cut += amount - self.contract_left;
            self.contract_cut_items += 1;
            amount = self.contract_left;
        }
        self.period_left[period] -= amount;
        self.contract_left -= amount;
        amount
    }
}

pub(crate) fn run(contract: &Contract, intake: Intake<'_>, results: &[CohortResult]) -> PaymentStatement {
    let scale = contract.currency.scale();
    let amount = |minor: i64| Amount { minor, scale };
    let Intake { rules, ids, cohort_of, mut claims, mut refusals, claims_read, .. } = intake;

    // Periods from the contract's first to its last, and a table from day to period.
    let first_period = contract.period.index_of(contract.start_on);
    let last_period = contract.period.index_of(contract.end_on);
    let periods = usize::try_from(last_period - first_period + 1).unwrap_or(1);
    let period_of_date =
        |d: Date| usize::try_from(contract.period.index_of(d) - first_period).unwrap_or(0).min(periods - 1);
    let period_of_day: Vec<u16> = (rules.start_day..=rules.end_day)
        .map(|d| Date::from_julian_day(d).map_or(0, |date| u16::try_from(period_of_date(date)).unwrap_or(u16::MAX)))
        .collect();
    let mut pending = pending_results(contract, results, &period_of_date);

    // Event order; same day: prerequisites first, then claim date, then line.
    let rank = &rules.rank;
    claims.sort_unstable_by_key(|c| {
        let r = rank.get(usize::from(c.metric)).copied().unwrap_or(u8::MAX);
        (u128::from(c.event as u32 ^ 0x8000_0000) << 96)
            | (u128::from(r) << 88)
            | (u128::from(c.claimed as u32 ^ 0x8000_0000) << 56)
            | u128::from(c.line)
    });

    let n_participants = ids.len();
    let n_metrics = contract.metrics.len();
    let n_cohorts = contract.cohorts.len() + 1; // the last line: no cohort
    let price: Vec<i64> = contract.metrics.iter().map(|m| m.price_minor.unwrap_or(0)).collect();
    // One record per participant, so that a claim touches one cache line.
    let mut ps = vec![ParticipantState::default(); n_participants];
    let mut p_cut: Vec<(i64, u32)> = Vec::new();
    if contract.participant_cap_minor.is_some() {
        p_cut = vec![(0, 0); n_participants];
    }
    let mut m_gross = vec![0i64; n_metrics];
    let mut m_paid = vec![0i64; n_metrics];
    let mut m_outcomes = vec![0u64; n_metrics];
    let mut t = Totals {
        per_gross: vec![0; periods],
        per_paid: vec![0; periods],
        per_outcomes: vec![0; periods],
        c_gross: vec![0; n_cohorts],
        c_paid: vec![0; n_cohorts],
        c_outcomes: vec![0; n_cohorts],
    };
    let cohort_slot = |c: u16| if c == NO_COHORT { n_cohorts - 1 } else { usize::from(c).min(n_cohorts - 1) };
    let mut caps = Caps {
        participant_cap: contract.participant_cap_minor.unwrap_or(i64::MAX),
        period_left: vec![contract.period_cap_minor.unwrap_or(i64::MAX); periods],
        contract_left: contract.contract_cap_minor,
        period_cut: vec![0; periods],
        period_cut_items: vec![0; periods],
        contract_cut: 0,
        contract_cut_items: 0,
    };
    let mut accepted = 0u64;
    let mut next_result = 0usize;
    let pay_result = |r: &mut PendingResult, caps: &mut Caps, t: &mut Totals| {
        let gross = r.line.gross.minor;
        let paid = caps.period_and_contract(r.period, gross);
        r.line.paid = amount(paid);
        t.per_gross[r.period] = t.per_gross[r.period].saturating_add(gross);
        t.per_paid[r.period] += paid;
        let slot = cohort_slot(r.cohort);
        t.c_gross[slot] = t.c_gross[slot].saturating_add(gross);
        t.c_paid[slot] += paid;
    };

    for c in &claims {
        let m = usize::from(c.metric);
        let p = c.participant as usize;
        let st = &mut ps[p];
        if let Err(reason) = rules.check_history(m, st.verified) {
            let metric = contract.metrics.get(m).map_or("", |x| x.code.as_str());
            refusals.refuse(reason, u64::from(c.line), ids.get(p), metric, c.event);
            continue;
        }
        st.verified |= 1u64 << m;
        accepted += 1;
        let period = usize::from(period_of_day.get((c.event - rules.start_day) as usize).copied().unwrap_or(0));
        while let Some(r) = pending.get_mut(next_result).filter(|r| r.period < period) {
            pay_result(r, &mut caps, &mut t);
            next_result += 1;
        }
        let gross = price[m];
        let mut pay = gross;
        let left = caps.participant_cap - st.allowed;
        if pay > left {
            if let Some(cut) = p_cut.get_mut(p) {
                cut.0 += pay - left;
                cut.1 += 1;
            }
            pay = left;
        }
        st.allowed += pay;
        let pay = caps.period_and_contract(period, pay);
        st.gross = st.gross.saturating_add(gross);
        st.paid += pay;
        st.outcomes += 1;
        m_gross[m] = m_gross[m].saturating_add(gross);
        m_paid[m] += pay;
        m_outcomes[m] += 1;
        t.per_gross[period] = t.per_gross[period].saturating_add(gross);
        t.per_paid[period] += pay;
        t.per_outcomes[period] += 1;
        let slot = cohort_slot(cohort_of[p]);
        t.c_gross[slot] = t.c_gross[slot].saturating_add(gross);
        t.c_paid[slot] += pay;
        t.c_outcomes[slot] += 1;
    }
    while let Some(r) = pending.get_mut(next_result) {
        pay_result(r, &mut caps, &mut t);
        next_result += 1;
    }
    drop(claims);

    // ---- the statement ----
    let Totals { per_gross, per_paid, per_outcomes, c_gross, c_paid, c_outcomes } = t;
    let label = |i: usize| contract.period.label(first_period + i32::try_from(i).unwrap_or(0));
    let mut c_participants = vec![0u64; n_cohorts];
    let mut by_participant = Vec::new();
    for (p, st) in ps.iter().enumerate() {
        if st.outcomes == 0 {
            continue;
        }
        let slot = cohort_slot(cohort_of[p]);
        if st.paid > 0 {
            c_participants[slot] += 1;
        }
        by_participant.push(ParticipantLine {
            participant: ids.get(p).to_string(),
            cohort: contract.cohorts.get(usize::from(cohort_of[p])).map(|c| c.code.clone()),
            outcomes: st.outcomes,
            gross: amount(st.gross),
            paid: amount(st.paid),
        });
    }
    let mut caps_applied = Vec::new();
    let mut caps_applied_not_listed = 0u64;
    let (mut participant_cut, mut participant_cut_items) = (0i64, 0u64);
    for (p, &(cut, items)) in p_cut.iter().enumerate() {
        if cut == 0 {
            continue;
        }
        participant_cut += cut;
        participant_cut_items += u64::from(items);
        if caps_applied.len() < limits::CAPS_LISTED_MAX {
            caps_applied.push(CapApplied {
                cap: CapKind::Participant,
                scope: ids.get(p).to_string(),
                cut: amount(cut),
                items_cut: u64::from(items),
            });
        } else {
            caps_applied_not_listed += 1;
        }
    }
    for i in 0..periods {
        if caps.period_cut[i] > 0 {
            caps_applied.push(CapApplied {
                cap: CapKind::Period,
                scope: label(i),
                cut: amount(caps.period_cut[i]),
                items_cut: caps.period_cut_items[i],
            });
        }
    }
    if caps.contract_cut > 0 {
        caps_applied.push(CapApplied {
            cap: CapKind::Contract,
            scope: "contract".into(),
            cut: amount(caps.contract_cut),
            items_cut: caps.contract_cut_items,
        });
    }
    let cap_totals = [
        (CapKind::Participant, participant_cut, participant_cut_items),
        (CapKind::Period, caps.period_cut.iter().sum(), caps.period_cut_items.iter().sum()),
        (CapKind::Contract, caps.contract_cut, caps.contract_cut_items),
    ]
    .into_iter()
    .filter(|(_, cut, _)| *cut > 0)
    .map(|(cap, cut, items_cut)| CapApplied { cap, scope: "all".into(), cut: amount(cut), items_cut })
    .collect();

    let results_lines: Vec<ResultLine> =
        pending.into_iter().map(|p| ResultLine { period: label(p.period), ..p.line }).collect();
    let gross_due = per_gross.iter().fold(0i64, |a, b| a.saturating_add(*b));
    let total_due: i64 = per_paid.iter().sum();
    let mut refusals_listed = std::mem::take(&mut refusals.listed);
    refusals_listed.sort_by_key(|r| r.line);
    let claims_refused = refusals.total();
    PaymentStatement {
        contract: contract.name.clone(),
        mechanism: contract.mechanism.code(),
        currency: contract.currency.code().to_string(),
        gross_due: amount(gross_due),
        total_due: amount(total_due),
        claims_read,
        claims_accepted: accepted,
        claims_refused,
        refusals_by_reason: Refusal::ALL
            .iter()
            .filter(|r| refusals.counts[r.index()] > 0)
            .map(|&reason| RefusalCount { reason, count: refusals.counts[reason.index()] })
            .collect(),
        refusals: refusals_listed,
        by_period: (0..periods)
            .map(|i| PeriodLine {
                period: label(i),
                outcomes: per_outcomes[i],
                gross: amount(per_gross[i]),
                paid: amount(per_paid[i]),
            })
            .collect(),
        by_metric: (0..n_metrics)
            .map(|m| MetricLine {
                metric: contract.metrics[m].code.clone(),
                outcomes: m_outcomes[m],
                gross: amount(m_gross[m]),
                paid: amount(m_paid[m]),
            })
            .collect(),
        by_cohort: (0..n_cohorts)
            .filter(|&i| i < n_cohorts - 1 || c_outcomes[i] > 0 || c_gross[i] > 0)
            .map(|i| CohortLine {
                cohort: contract.cohorts.get(i).map(|c| c.code.clone()),
                participants_paid: c_participants[i],
                outcomes: c_outcomes[i],
                gross: amount(c_gross[i]),
                paid: amount(c_paid[i]),
            })
            .collect(),
        results: results_lines,
        caps_applied,
        caps_applied_not_listed,
        cap_totals,
        by_participant,
    }
}
