//! Participants, outcome claims and the rules that accept or refuse a claim.
//!
//! The rules, in the order they are checked (the first that fails is the reason given):
//! `unknown_metric`, `unknown_participant`, `unknown_cohort`, `outside_contract_dates`,
//! `before_enrolment`, `claimed_before_event`, `outside_claim_window`, then, depending on the
//! claims accepted before, `duplicate_once_only` and `missing_prerequisite`.
//!
//! Over a whole set ([`check_claims`] and the payment engine) claims are taken in event-date
//! order, same-day claims with prerequisites first, then by claim date, then in input order; so
//! the result does not depend on how the file happens to be sorted. [`ClaimChecker`] takes
//! claims one by one, in the order given, for an import preview.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::contract::Contract;
use super::{InputError, InputErrors, limits};

/// Why a claim is refused. `code()` is the stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    UnknownMetric,
    UnknownParticipant,
    UnknownCohort,
    OutsideContractDates,
    BeforeEnrolment,
    ClaimedBeforeEvent,
    OutsideClaimWindow,
    DuplicateOnceOnly,
    MissingPrerequisite,
}

impl Refusal {
    pub const ALL: [Refusal; 9] = [
        Self::UnknownMetric,
        Self::UnknownParticipant,
        Self::UnknownCohort,
        Self::OutsideContractDates,
        Self::BeforeEnrolment,
        Self::ClaimedBeforeEvent,
        Self::OutsideClaimWindow,
        Self::DuplicateOnceOnly,
        Self::MissingPrerequisite,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownMetric => "unknown_metric",
            Self::UnknownParticipant => "unknown_participant",
            Self::UnknownCohort => "unknown_cohort",
            Self::OutsideContractDates => "outside_contract_dates",
            Self::BeforeEnrolment => "before_enrolment",
            Self::ClaimedBeforeEvent => "claimed_before_event",
            Self::OutsideClaimWindow => "outside_claim_window",
            Self::DuplicateOnceOnly => "duplicate_once_only",
            Self::MissingPrerequisite => "missing_prerequisite",
        }
    }

    /// An English sentence; the UI translates by code.
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownMetric => "The metric is not in the contract",
            Self::UnknownParticipant => "The participant is not enrolled",
            Self::UnknownCohort => "The cohort is not in the contract",
            Self::OutsideContractDates => "The outcome happened outside the contract's dates",
            Self::BeforeEnrolment => "The outcome happened before the participant enrolled",
            Self::ClaimedBeforeEvent => "The claim is dated before the outcome happened",
            Self::OutsideClaimWindow => "The claim was made after the metric's claim window",
            Self::DuplicateOnceOnly => "This outcome is paid once per participant and was already claimed",
            Self::MissingPrerequisite => "A prerequisite outcome has not been verified earlier for this participant",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A participant: a pseudonymous id, the cohort and the enrolment date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub id: String,
    pub cohort: Option<String>,
    #[serde(serialize_with = "ser_opt_date")]
    pub enrolled_on: Option<Date>,
}

/// A claim that an outcome happened for a participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeClaim {
    pub participant: String,
    pub metric: String,
    #[serde(serialize_with = "super::contract::ser_date")]
    pub event_on: Date,
    /// When the claim was made; without it the claim window is not checked.
    #[serde(serialize_with = "ser_opt_date")]
    pub claimed_on: Option<Date>,
}

fn ser_opt_date<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

/// "No date" in the compact day numbers.
pub(crate) const NO_DAY: i32 = i32::MIN;
/// "No cohort" in the compact cohort numbers.
pub(crate) const NO_COHORT: u16 = u16::MAX;

pub(crate) fn day(date: Date) -> i32 {
    date.to_julian_day()
}

/// The contract's claim rules over small integers: days are Julian day numbers, metrics indices.
pub(crate) struct Rules {
    pub start_day: i32,
    pub end_day: i32,
    pub claim_window_days: Vec<i32>,
    pub once_mask: u64,
    pub prerequisite_mask: Vec<u64>,
    pub rank: Vec<u8>,
}

impl Rules {
    pub fn new(contract: &Contract) -> Self {
        let index: HashMap<&str, usize> =
            contract.metrics.iter().enumerate().map(|(i, m)| (m.code.as_str(), i)).collect();
        let mut once_mask = 0u64;
        let mut prerequisite_mask = Vec::with_capacity(contract.metrics.len());
        for (i, m) in contract.metrics.iter().enumerate() {
            if m.once_per_participant {
                once_mask |= 1u64 << i;
            }
            prerequisite_mask.push(
                m.prerequisites.iter().filter_map(|p| index.get(p.as_str())).fold(0u64, |mask, &k| mask | (1u64 << k)),
            );
        }
        Self {
            start_day: day(contract.start_on),
            end_day: day(contract.end_on),
            claim_window_days: contract.metrics.iter().map(|m| i32::from(m.claim_window_days)).collect(),
            once_mask,
            prerequisite_mask,
            rank: contract.metric_rank().to_vec(),
        }
    }

    /// The checks that do not depend on other claims. `enrolled` is [`NO_DAY`] when unknown,
    /// `claimed` is [`NO_DAY`] when not given.
    #[inline]
    pub fn check_alone(&self, metric: usize, event: i32, claimed: i32, enrolled: i32) -> Result<(), Refusal> {
        if event < self.start_day || event > self.end_day {
            return Err(Refusal::OutsideContractDates);
        }
        if enrolled != NO_DAY && event < enrolled {
            return Err(Refusal::BeforeEnrolment);
        }
        if claimed != NO_DAY {
            if claimed < event {
                return Err(Refusal::ClaimedBeforeEvent);
            }
            if claimed - event > self.claim_window_days.get(metric).copied().unwrap_or(0) {
                return Err(Refusal::OutsideClaimWindow);
            }
        }
        Ok(())
    }

    /// The checks against the metrics already verified for the participant (`verified` mask).
    #[inline]
    pub fn check_history(&self, metric: usize, verified: u64) -> Result<(), Refusal> {
        let bit = 1u64 << metric;
        if self.once_mask & bit != 0 && verified & bit != 0 {
            return Err(Refusal::DuplicateOnceOnly);
        }
        if self.prerequisite_mask.get(metric).copied().unwrap_or(0) & !verified != 0 {
            return Err(Refusal::MissingPrerequisite);
        }
        Ok(())
    }

    pub fn rank(&self, metric: usize) -> u8 {
        self.rank.get(metric).copied().unwrap_or(u8::MAX)
    }
}

/// The participants of a contract, checked: unique ids, known cohorts, enrolment within the
/// cohort's dates.
#[derive(Debug, Clone)]
pub struct Roster {
    index: HashMap<String, usize>,
    participants: Vec<Participant>,
    cohort_of: Vec<u16>,
}

impl Roster {
    pub fn new(contract: &Contract, participants: &[Participant]) -> Result<Self, InputErrors> {
        let mut errors = Vec::new();
        let mut index = HashMap::with_capacity(participants.len());
        let mut cohort_of = Vec::with_capacity(participants.len());
        if participants.len() > limits::PARTICIPANTS_MAX {
            return Err(InputErrors(vec![InputError::new(
                "participants",
                None,
                None,
                "too_many_rows",
                format!("At most {} participants", limits::PARTICIPANTS_MAX),
            )]));
        }
        for (i, p) in participants.iter().enumerate() {
            let row = Some(i as u64 + 1);
            if let Err(e) = check_participant_id(&p.id) {
                errors.push(InputError::new("participants", row, Some("participant"), e.0, e.1));
            }
            if index.insert(p.id.clone(), i).is_some() {
                errors.push(InputError::new(
                    "participants",
                    row,
                    Some("participant"),
                    "duplicate_participant",
                    format!("Participant {:?} is listed twice", p.id),
                ));
            }
            let cohort = match &p.cohort {
                None => NO_COHORT,
                Some(code) => match contract.cohort_index(code) {
                    Some(c) => {
                        let cohort = &contract.cohorts[c];
                        if let Some(e) = p.enrolled_on
                            && (e < cohort.start_on || e > cohort.end_on)
                        {
                            errors.push(InputError::new(
                                "participants",
                                row,
                                Some("enrolled_on"),
                                "outside_cohort_dates",
                                format!(
                                    "Enrolment must fall within cohort {code:?} ({} to {})",
                                    cohort.start_on, cohort.end_on
                                ),
                            ));
                        }
                        u16::try_from(c).unwrap_or(NO_COHORT)
                    }
                    None => {
                        errors.push(InputError::new(
                            "participants",
                            row,
                            Some("cohort"),
                            "unknown_cohort",
                            format!("Cohort {code:?} is not in the contract"),
                        ));
                        NO_COHORT
                    }
                },
            };
            cohort_of.push(cohort);
            if errors.len() >= limits::INPUT_ERRORS_MAX {
                break;
            }
        }
        if errors.is_empty() {
            Ok(Self { index, participants: participants.to_vec(), cohort_of })
        } else {
            Err(InputErrors(errors))
        }
    }

    pub fn len(&self) -> usize {
        self.participants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.participants.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Participant> {
        self.index.get(id).map(|&i| &self.participants[i])
    }

    pub(crate) fn parts(&self) -> (&[Participant], &[u16]) {
        (&self.participants, &self.cohort_of)
    }
}

/// A participant id: 1 to [`limits::PARTICIPANT_ID_BYTES_MAX`] bytes, no control characters.
pub(crate) fn check_participant_id(id: &str) -> Result<(), (&'static str, String)> {
    if id.is_empty() || id.len() > limits::PARTICIPANT_ID_BYTES_MAX {
        return Err((
            "invalid_participant",
            format!("A participant id must be 1 to {} bytes", limits::PARTICIPANT_ID_BYTES_MAX),
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(("invalid_participant", "A participant id must not contain control characters".into()));
    }
    Ok(())
}

/// Checks claims one at a time in the order given (an import preview, a form). Accepted claims
/// count as verified for the claims that follow.
pub struct ClaimChecker<'c> {
    contract: &'c Contract,
    rules: Rules,
    roster: Option<&'c Roster>,
    verified: HashMap<String, u64>,
}

impl<'c> ClaimChecker<'c> {
    /// Without a roster every participant id is accepted (claims-only mode) and enrolment is
    /// not checked.
    pub fn new(contract: &'c Contract, roster: Option<&'c Roster>) -> Self {
        Self { contract, rules: Rules::new(contract), roster, verified: HashMap::new() }
    }

    /// Accepts the claim (and remembers it) or says why not.
    pub fn check(&mut self, claim: &OutcomeClaim) -> Result<(), Refusal> {
        let metric = self.contract.metric_index(&claim.metric).ok_or(Refusal::UnknownMetric)?;
        let enrolled = match self.roster {
            Some(r) => r.get(&claim.participant).ok_or(Refusal::UnknownParticipant)?.enrolled_on.map_or(NO_DAY, day),
            None => NO_DAY,
        };
        self.rules.check_alone(metric, day(claim.event_on), claim.claimed_on.map_or(NO_DAY, day), enrolled)?;
        let verified = self.verified.get(&claim.participant).copied().unwrap_or(0);
        self.rules.check_history(metric, verified)?;
        self.verified.insert(claim.participant.clone(), verified | (1u64 << metric));
        Ok(())
    }
}

/// Checks a whole set of claims in the order described in the module docs; the answers come
/// back in input order.
pub fn check_claims(contract: &Contract, roster: Option<&Roster>, claims: &[OutcomeClaim]) -> Vec<Result<(), Refusal>> {
    let rules = Rules::new(contract);
    let mut order: Vec<usize> = (0..claims.len()).collect();
    order.sort_by_key(|&i| {
        let c = &claims[i];
        let rank = contract.metric_index(&c.metric).map_or(u8::MAX, |m| rules.rank(m));
        (c.event_on, rank, c.claimed_on, i)
    });
    let mut checker = ClaimChecker::new(contract, roster);
    let mut answers = vec![Ok(()); claims.len()];
    for i in order {
        answers[i] = checker.check(&claims[i]);
    }
    answers
}
