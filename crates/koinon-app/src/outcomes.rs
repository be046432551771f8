//! Running an outcomes contract (social impact bond): the contract and its lifecycle,
//! participants and outcome claims imported from CSV (preview, then commit), evidence, the
//! evaluator's verification, payment runs prepared by one officer and approved by another
//! (four eyes) that post the outcome payment and the SPV's distribution to the ledger, and the
//! investors' figures computed from those ledger transfers.
//!
//! Every function checks the one policy (`koinon_core::authz`), runs in one transaction and
//! appends its audit entry in it. Money is integer minor units of the contract currency.

use std::collections::{HashMap, HashSet};

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::finance::{
    Cashflow, InvestorPosition, ResidualRule, ReturnCap, Returns, distribute, format_date, parse_date, returns,
};
use koinon_core::ledger::{Id, Transfer, TransferFlags, format_id, parse_id};
use koinon_core::outcomes::{
    Contract, InputError, OutcomeClaim, Participant, PartyRole, PaymentPeriod, Roster, calculate_payments,
    parse_results_csv,
};
use koinon_core::role::Role;
use koinon_store::Db;
use koinon_store::ledger::{id_bytes, id_from};
use koinon_store::outcomes::{
    ClaimRow, ContractRow, EvidenceRow, NewClaim, NewContract, NewPaymentRun, ParticipantRow, PartyRow, PaymentRunRow,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Date;

use crate::ledger::NewAccountInput;
use crate::{Actor, App, AppError, Page, audit, page_limit, parse_cursor};

/// Size of an imported CSV text.
pub const IMPORT_BYTES_MAX: usize = 10 * 1024 * 1024;
/// Data rows in one import.
pub const IMPORT_ROWS_MAX: usize = 100_000;
/// Size of one evidence file.
pub const EVIDENCE_BYTES_MAX: usize = 10 * 1024 * 1024;
/// Content types accepted as evidence.
pub const EVIDENCE_CONTENT_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv"];
pub const FILE_NAME_MAX_CHARS: usize = 200;
/// A client's request id (drawdowns), in characters.
pub const REQUEST_ID_MAX_CHARS: usize = 64;
/// A rejection reason, in characters.
pub const REASON_MAX_CHARS: usize = 1_000;
/// Participants or claims a contract may hold.
pub const CONTRACT_ROWS_MAX: usize = 2_000_000;

/// Posts outcome payments and drawdowns to the ledger once the policy has allowed the user's
/// action; the audit entry of the action names the user.
const OUTCOMES: Actor = Actor::System("outcomes");

/// The lifecycle of a contract; it only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    Draft,
    Feasibility,
    Contracted,
    Running,
    Closed,
}

impl ContractState {
    pub const ALL: [ContractState; 5] = [Self::Draft, Self::Feasibility, Self::Contracted, Self::Running, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Feasibility => "feasibility",
            Self::Contracted => "contracted",
            Self::Running => "running",
            Self::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let wanted = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == wanted).ok_or_else(|| {
            FieldError::new(
                "state",
                "invalid_state",
                format!("State must be one of: {}", Self::ALL.map(Self::as_str).join(", ")),
            )
        })
    }

    /// Ledger accounts exist from this state on.
    fn has_accounts(self) -> bool {
        self >= Self::Contracted
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyView {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub commitment_minor: Option<i64>,
    /// The organisation of this koinon with the party's name, if any: its users act for the party.
    pub organisation_id: Option<i64>,
    /// The party's ledger account, once the contract is contracted.
    pub account_id: Option<String>,
}

impl From<&PartyRow> for PartyView {
    fn from(p: &PartyRow) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            role: p.role.clone(),
            commitment_minor: p.commitment_minor,
            organisation_id: p.organisation_id,
            account_id: p.account_id.as_deref().and_then(id_from).map(format_id),
        }
    }
}

/// A contract as pages and the API show it: the parsed summary, the state and the parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractView {
    pub id: i64,
    pub name: String,
    pub policy_area: String,
    pub mechanism: String,
    pub currency: String,
    pub currency_scale: i64,
    pub start_on: String,
    pub end_on: String,
    pub period: String,
    pub state: ContractState,
    pub contract_cap_minor: i64,
    pub participant_cap_minor: Option<i64>,
    pub period_cap_minor: Option<i64>,
    pub investor_commitments_minor: i64,
    pub cohorts: serde_json::Value,
    /// The SPV's waterfall: investors' capped return as a money multiple (None = uncapped) and
    /// their share of the residual.
    pub return_cap_multiple_bp: Option<i64>,
    pub residual_investors_share_bp: i64,
    /// The account that receives outcome payments (the SPV's, or the contract's own).
    pub spv_account_id: Option<String>,
    pub parties: Vec<PartyView>,
}

pub(crate) fn contract_view(row: &ContractRow, parties: &[PartyRow]) -> ContractView {
    ContractView {
        id: row.id,
        name: row.name.clone(),
        policy_area: row.policy_area.clone(),
        mechanism: row.mechanism.clone(),
        currency: row.currency.clone(),
        currency_scale: row.currency_scale,
        start_on: row.start_on.clone(),
        end_on: row.end_on.clone(),
        period: row.period.clone(),
        state: ContractState::parse(&row.state).unwrap_or(ContractState::Draft),
        contract_cap_minor: row.contract_cap_minor,
        participant_cap_minor: row.participant_cap_minor,
        period_cap_minor: row.period_cap_minor,
        investor_commitments_minor: row.investor_commitments_minor,
        cohorts: serde_json::from_str(&row.cohorts).unwrap_or(serde_json::Value::Null),
        return_cap_multiple_bp: row.return_cap_multiple_bp,
        residual_investors_share_bp: row.residual_investors_share_bp,
        spv_account_id: row.spv_account_id.as_deref().and_then(id_from).map(format_id),
        parties: parties.iter().map(PartyView::from).collect(),
    }
}

/// Enrolment in a cohort against its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortEnrolment {
    pub cohort: String,
    pub target_size: u32,
    pub enrolled: i64,
}

/// A contract at a glance: enrolment against target, claims by status, paid against the cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractOverview {
    pub contract: ContractView,
    pub enrolment: Vec<CohortEnrolment>,
    /// `(status, count)` for `submitted`, `verified`, `rejected`.
    pub claims_by_status: Vec<(String, i64)>,
    /// Paid by approved and paid runs.
    pub paid_minor: i64,
    pub cap_remaining_minor: i64,
    /// The last period paid, if any.
    pub paid_up_to_period: Option<String>,
    /// A run waiting for approval (or for its posting), if any: id, period, state, amount due.
    pub open_run: Option<(i64, String, String, i64)>,
}

/// A contract's full terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractTerms {
    pub contract: Contract,
    pub source: String,
}

/// How a row of an import fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Would be written (preview) or was written (commit).
    Accepted,
    /// The same row is already stored: skipped, so importing a file twice changes nothing.
    AlreadyPresent,
    Rejected,
}

/// One data row of an import, by the file's line (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRow {
    pub line: u64,
    pub participant: String,
    /// The metric of a claim row.
    pub metric: Option<String>,
    pub status: RowStatus,
    /// Why a row is rejected: a stable code (`unknown_participant`, `outside_claim_window`, ...).
    pub code: Option<&'static str>,
    pub column: Option<String>,
    pub message: Option<String>,
}

/// What an import would do (preview) or did (commit), row by row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: Vec<ImportRow>,
    pub accepted: u64,
    pub already_present: u64,
    pub rejected: u64,
    /// Problems with the file as a whole (size, header); no row is read when there is one.
    pub file_errors: Vec<InputError>,
    /// True after a commit wrote the accepted rows.
    pub committed: bool,
}

impl ImportReport {
    fn new(rows: Vec<ImportRow>, file_errors: Vec<InputError>) -> Self {
        let count = |s| rows.iter().filter(|r| r.status == s).count() as u64;
        Self {
            accepted: count(RowStatus::Accepted),
            already_present: count(RowStatus::AlreadyPresent),
            rejected: count(RowStatus::Rejected),
            rows,
            file_errors,
            committed: false,
        }
    }

    fn is_clean(&self) -> bool {
        self.rejected == 0 && self.file_errors.is_empty()
    }

    /// Every problem as field errors (`line 3`, code, message) for a refused commit.
    fn errors(&self) -> AppError {
        let mut errors: Vec<FieldError> =
            self.file_errors.iter().map(|e| FieldError::new(line_field(e.line), e.code, e.message.clone())).collect();
        let max = koinon_core::outcomes::limits::INPUT_ERRORS_MAX;
        errors.extend(self.rows.iter().filter(|r| r.status == RowStatus::Rejected).take(max).map(|r| {
            FieldError::new(
                format!("line {}", r.line),
                r.code.unwrap_or("rejected"),
                r.message.clone().unwrap_or_default(),
            )
        }));
        let more = self.rejected.saturating_sub(max as u64);
        if more > 0 {
            errors.push(FieldError::new(
                "file",
                "too_many_errors",
                format!("{more} more rows are rejected; the preview lists them all"),
            ));
        }
        AppError::Invalid(errors)
    }
}

fn line_field(line: Option<u64>) -> String {
    line.map_or_else(|| "file".to_string(), |l| format!("line {l}"))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantView {
    pub id: i64,
    pub participant: String,
    pub cohort: String,
    pub enrolled_on: String,
}

impl From<ParticipantRow> for ParticipantView {
    fn from(r: ParticipantRow) -> Self {
        Self { id: r.id, participant: r.participant, cohort: r.cohort, enrolled_on: r.enrolled_on }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimView {
    pub id: i64,
    pub contract_id: i64,
    pub participant: String,
    pub metric: String,
    pub event_on: String,
    pub claimed_on: String,
    /// `submitted`, `verified` or `rejected`.
    pub status: String,
    pub claimant_organisation_id: Option<i64>,
    pub reviewed_by: Option<String>,
    pub rejection_reason: Option<String>,
    /// The last day the evaluator should verify it (claim date + the metric's verification
    /// window).
    pub verification_due_on: Option<String>,
    /// A claim still waiting for the evaluator after its last day: the first day it was
    /// overdue (the day after `verification_due_on`), by the app's clock.
    pub overdue_since: Option<String>,
    pub has_evidence: bool,
}

impl ClaimView {
    fn with_due_date(self, contract: &Contract) -> Self {
        self.with_due_date_on(contract, today())
    }

    /// The due date of the claim and, when it is still submitted after it on `today`, the day
    /// it became overdue.
    fn with_due_date_on(mut self, contract: &Contract, today: Date) -> Self {
        let due = contract
            .metric(&self.metric)
            .zip(parse_date(&self.claimed_on))
            .and_then(|(m, claimed)| m.verification_due_on(claimed));
        self.verification_due_on = due.map(format_date);
        self.overdue_since = due
            .filter(|due| self.status == "submitted" && *due < today)
            .and_then(|due| due.next_day())
            .map(format_date);
        self
    }

    /// Still waiting for the evaluator after the verification window.
    pub fn overdue(&self) -> bool {
        self.overdue_since.is_some()
    }
}

impl From<ClaimRow> for ClaimView {
    fn from(r: ClaimRow) -> Self {
        Self {
            id: r.id,
            contract_id: r.contract_id,
            participant: r.participant,
            metric: r.metric,
            event_on: r.event_on,
            claimed_on: r.claimed_on,
            status: r.status,
            claimant_organisation_id: r.claimant_organisation_id,
            reviewed_by: r.reviewed_by,
            rejection_reason: r.rejection_reason,
            verification_due_on: None,
            overdue_since: None,
            has_evidence: r.evidence_files > 0,
        }
    }
}

/// A claim entered in a form; `claimed_on` empty means today.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ClaimInput {
    pub participant: String,
    pub metric: String,
    pub event_on: String,
    #[serde(default)]
    pub claimed_on: String,
}

/// An uploaded evidence file.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceInput<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
}

/// The evaluator's decision on a claim (JSON: `{"verdict": "verified"}` or
/// `{"verdict": "rejected", "reason": "..."}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum ClaimVerdict {
    Verified,
    Rejected { reason: String },
}

/// An evidence file kept with a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub claim_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub content: Vec<u8>,
}

/// One investor's (or the other party's) part of a run's distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunShare {
    pub party_id: i64,
    pub capital_minor: i64,
    pub return_minor: i64,
    pub residual_minor: i64,
}

/// The SPV waterfall of a run: investors by tiers, the rest to the other party (the provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDistribution {
    pub investors: Vec<RunShare>,
    pub other_party_id: Option<i64>,
    pub other_party_minor: i64,
}

/// A transfer a run or a drawdown posts to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedTransfer {
    pub id: String,
    pub debit_account_id: String,
    pub credit_account_id: String,
    pub amount_minor: i64,
    /// `outcome_payment` (payer → SPV), `distribution` (SPV → investor or other party),
    /// `drawdown` (investor → SPV), `provider_funding` (SPV → provider).
    pub kind: String,
    pub party_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRunView {
    pub id: i64,
    pub contract_id: i64,
    pub period: String,
    /// Verified claims with an event on or before this date count.
    pub up_to: String,
    /// `prepared`, `approved` (transfers being posted), `paid`, or `rejected` (sent back).
    pub state: String,
    /// What the contract owes for everything up to `up_to`, caps applied.
    pub cumulative_due_minor: i64,
    /// What earlier runs paid.
    pub previously_paid_minor: i64,
    /// This run: cumulative due − previously paid.
    pub amount_due_minor: i64,
    /// The payment statement (`koinon_core::outcomes::PaymentStatement` as JSON).
    pub statement: serde_json::Value,
    pub prepared_by: String,
    pub approved_by: Option<String>,
    pub paid_on: Option<String>,
    pub distribution: Option<RunDistribution>,
    pub transfers: Vec<PlannedTransfer>,
    /// A run sent back by an approver: who and why.
    pub rejected_by: Option<String>,
    pub rejection_reason: Option<String>,
}

/// A run for a viewer who may not see participants' records (investors): the statement
/// without the lines that name participants.
fn run_view_for(r: PaymentRunRow, records: bool) -> PaymentRunView {
    let mut view = run_view(r);
    if !records && let Some(statement) = view.statement.as_object_mut() {
        for key in ["by_participant", "refusals", "caps_applied"] {
            statement.remove(key);
        }
    }
    view
}

fn run_view(r: PaymentRunRow) -> PaymentRunView {
    PaymentRunView {
        id: r.id,
        contract_id: r.contract_id,
        period: r.period,
        up_to: r.up_to,
        state: r.state,
        cumulative_due_minor: r.cumulative_due_minor,
        previously_paid_minor: r.previously_paid_minor,
        amount_due_minor: r.amount_due_minor,
        statement: serde_json::from_str(&r.statement).unwrap_or(serde_json::Value::Null),
        prepared_by: r.prepared_by,
        approved_by: r.approved_by,
        paid_on: r.paid_on,
        distribution: r.distribution.as_deref().and_then(|d| serde_json::from_str(d).ok()),
        transfers: r.transfers.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default(),
        rejected_by: r.rejected_by,
        rejection_reason: r.rejection_reason,
    }
}

/// Capital to draw from an investor party.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DrawdownInput {
    pub party_id: i64,
    pub amount_minor: i64,
    /// The value date, `YYYY-MM-DD`.
    pub drawn_on: String,
    /// The client's id of the request (a UUID), so that sending it again draws once.
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrawdownView {
    pub id: i64,
    pub party_id: i64,
    pub amount_minor: i64,
    pub drawn_on: String,
    pub transfers: Vec<PlannedTransfer>,
}

/// One investor's money in the contract, from the ledger, and its returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvestorFigures {
    /// The party (`None` for the whole contract).
    pub party_id: Option<i64>,
    pub name: String,
    pub committed_minor: i64,
    /// Capital paid in (drawdowns), from the ledger.
    pub drawn_minor: i64,
    /// Distributions received from the SPV, from the ledger.
    pub received_minor: i64,
    /// Of what was received: capital back, capped return, residual (from the runs' waterfalls).
    pub capital_returned_minor: i64,
    pub return_minor: i64,
    pub residual_minor: i64,
    /// XIRR, money multiple, payback date, maximum loss; `None` while they cannot be computed
    /// (no capital drawn, nothing received yet), with the reason in `returns_error`.
    pub returns: Option<Returns>,
    pub returns_error: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractFigures {
    pub contract_id: i64,
    pub currency: String,
    pub currency_scale: i64,
    pub investors: Vec<InvestorFigures>,
    /// All investors together (only the investors the viewer may see).
    pub total: InvestorFigures,
}

/// A 128-bit id derived from the names of what it identifies, so that posting the same thing
/// again reuses the same ledger id (the ledger answers `exists`). Shaped as a UUID version 8.
fn derived_id(parts: &str) -> Id {
    let digest = Sha256::digest(format!("koinon/outcomes/{parts}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    u128::from_be_bytes(b)
}

fn drawdown_view(d: &koinon_store::outcomes::DrawdownRow) -> DrawdownView {
    DrawdownView {
        id: d.id,
        party_id: d.party_id,
        amount_minor: d.amount_minor,
        drawn_on: d.drawn_on.clone(),
        transfers: serde_json::from_str(&d.transfers).unwrap_or_default(),
    }
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn role_name(role: PartyRole) -> String {
    serde_json::to_value(role).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub(crate) fn parse_contract(row: &ContractRow) -> Result<Contract, AppError> {
    Contract::from_toml(&row.source).map_err(|e| AppError::Internal(format!("stored contract {}: {e}", row.id)))
}

/// The last day of the payment period `label` (`2013-Q2`, `2013-06`, `2013`) of the contract's
/// period kind.
pub fn period_end(period: PaymentPeriod, label: &str) -> Result<Date, FieldError> {
    let label = label.trim();
    let bad = || {
        let example = match period {
            PaymentPeriod::Month => "2024-03",
            PaymentPeriod::Quarter => "2024-Q1",
            PaymentPeriod::Year => "2024",
        };
        FieldError::new("period", "invalid_period", format!("The period must be written like {example}"))
    };
    let year = |s: &str| -> Result<i32, FieldError> {
        if s.len() == 4 && s.bytes().all(|c| c.is_ascii_digit()) { s.parse().map_err(|_| bad()) } else { Err(bad()) }
    };
    let (y, last_month) = match period {
        PaymentPeriod::Year => (year(label)?, 12u8),
        PaymentPeriod::Month => {
            let (y, m) = label.split_once('-').ok_or_else(bad)?;
            let m: u8 = if m.len() == 2 { m.parse().map_err(|_| bad())? } else { return Err(bad()) };
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            (year(y)?, m)
        }
        PaymentPeriod::Quarter => {
            let (y, q) = label.split_once("-Q").ok_or_else(bad)?;
            let q: u8 = if q.len() == 1 { q.parse().map_err(|_| bad())? } else { return Err(bad()) };
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            (year(y)?, q * 3)
        }
    };
    let month = time::Month::try_from(last_month).map_err(|_| bad())?;
    let next = if last_month == 12 {
        Date::from_calendar_date(y + 1, time::Month::January, 1)
    } else {
        Date::from_calendar_date(y, month.next(), 1)
    }
    .map_err(|_| bad())?;
    next.previous_day().ok_or_else(bad)
}

fn required_date(field: &str, raw: &str) -> Result<Date, FieldError> {
    parse_date(raw.trim())
        .ok_or_else(|| FieldError::new(field, "invalid_date", format!("{field} must be a date like 2024-01-31")))
}

/// A CSV text read into rows: the positions of the named columns and, per data row, its line
/// and fields (or the reason it could not be read).
struct CsvRows {
    columns: Vec<Option<usize>>,
    rows: Vec<(u64, Result<Vec<String>, InputError>)>,
}

fn read_csv(input: &'static str, text: &str, names: &[&str], required: usize) -> Result<CsvRows, Vec<InputError>> {
    if text.len() > IMPORT_BYTES_MAX {
        return Err(vec![InputError::new(
            input,
            None,
            None,
            "file_too_large",
            format!("The file is larger than {} MiB", IMPORT_BYTES_MAX / (1024 * 1024)),
        )]);
    }
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(_) => {
            return Err(vec![InputError::new(input, Some(1), None, "invalid_csv", "The header is not valid CSV")]);
        }
    };
    let columns = koinon_core::outcomes::csv::header_columns(input, headers.iter(), names, required)?;
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        if n >= IMPORT_ROWS_MAX {
            return Err(vec![InputError::new(
                input,
                None,
                None,
                "too_many_rows",
                format!("At most {IMPORT_ROWS_MAX} rows in one file"),
            )]);
        }
        match rec {
            Ok(r) => {
                let line = r.position().map_or(n as u64 + 2, csv::Position::line);
                rows.push((line, Ok(r.iter().map(str::to_string).collect())));
            }
            Err(e) => {
                let line = e.position().map_or(n as u64 + 2, csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("This row has {len} fields; the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "Text must be UTF-8".to_string(),
                    _ => "The row is not valid CSV".to_string(),
                };
                rows.push((line, Err(InputError::new(input, Some(line), None, "invalid_csv", message))));
            }
        }
    }
    Ok(CsvRows { columns, rows })
}

fn field(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|c| row.get(c)).map_or("", String::as_str)
}

fn check_participant_id(raw: &str) -> Result<(), (&'static str, String)> {
    if raw.is_empty() || raw.len() > koinon_core::outcomes::limits::PARTICIPANT_ID_BYTES_MAX {
        return Err((
            "invalid_participant",
            format!(
                "A participant id must be 1 to {} bytes (a pseudonymous id, not a name)",
                koinon_core::outcomes::limits::PARTICIPANT_ID_BYTES_MAX
            ),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(("invalid_participant", "A participant id must not contain control characters".into()));
    }
    Ok(())
}

fn rejected(
    line: u64,
    participant: &str,
    metric: Option<&str>,
    code: &'static str,
    column: Option<&str>,
    message: String,
) -> ImportRow {
    ImportRow {
        line,
        participant: participant.to_string(),
        metric: metric.map(str::to_string),
        status: RowStatus::Rejected,
        code: Some(code),
        column: column.map(str::to_string),
        message: Some(message),
    }
}

/// A participant row that passed the checks.
struct NewParticipant {
    participant: String,
    cohort: String,
    enrolled_on: String,
}

fn check_participants(
    contract: &Contract,
    existing: &[ParticipantRow],
    text: &str,
) -> (ImportReport, Vec<NewParticipant>) {
    let csv = match read_csv("participants", text, &["participant", "cohort", "enrolled_on"], 3) {
        Ok(csv) => csv,
        Err(errors) => return (ImportReport::new(Vec::new(), errors), Vec::new()),
    };
    let stored: HashMap<&str, &ParticipantRow> = existing.iter().map(|p| (p.participant.as_str(), p)).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut rows = Vec::with_capacity(csv.rows.len());
    let mut new = Vec::new();
    for (line, rec) in csv.rows {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rows.push(rejected(line, "", None, e.code, None, e.message));
                continue;
            }
        };
        let participant = field(&rec, csv.columns[0]);
        let cohort = field(&rec, csv.columns[1]);
        let enrolled_raw = field(&rec, csv.columns[2]);
        if let Err((code, message)) = check_participant_id(participant) {
            rows.push(rejected(line, participant, None, code, Some("participant"), message));
            continue;
        }
        let Some(cohort_def) = contract.cohorts.iter().find(|c| c.code == cohort) else {
            rows.push(rejected(
                line,
                participant,
                None,
                "unknown_cohort",
                Some("cohort"),
                format!("Cohort {cohort:?} is not in the contract"),
            ));
            continue;
        };
        let Some(enrolled_on) = parse_date(enrolled_raw) else {
            rows.push(rejected(
                line,
                participant,
                None,
                "invalid_date",
                Some("enrolled_on"),
                "enrolled_on must be a date like 2024-01-31".into(),
            ));
            continue;
        };
        if enrolled_on < cohort_def.start_on || enrolled_on > cohort_def.end_on {
            rows.push(rejected(
                line,
                participant,
                None,
                "outside_cohort_dates",
                Some("enrolled_on"),
                format!(
                    "Enrolment must fall within cohort {cohort:?} ({} to {})",
                    cohort_def.start_on, cohort_def.end_on
                ),
            ));
            continue;
        }
        if !seen.insert(participant.to_string()) {
            rows.push(rejected(
                line,
                participant,
                None,
                "duplicate_participant",
                Some("participant"),
                format!("Participant {participant:?} is listed twice in this file"),
            ));
            continue;
        }
        let enrolled = format_date(enrolled_on);
        if let Some(p) = stored.get(participant) {
            if p.cohort == cohort && p.enrolled_on == enrolled {
                rows.push(ImportRow {
                    line,
                    participant: participant.to_string(),
                    metric: None,
                    status: RowStatus::AlreadyPresent,
                    code: None,
                    column: None,
                    message: None,
                });
            } else {
                rows.push(rejected(
                    line,
                    participant,
                    None,
                    "participant_exists",
                    Some("participant"),
                    format!(
                        "Participant {participant:?} is already enrolled in cohort {:?} on {}",
                        p.cohort, p.enrolled_on
                    ),
                ));
            }
            continue;
        }
        rows.push(ImportRow {
            line,
            participant: participant.to_string(),
            metric: None,
            status: RowStatus::Accepted,
            code: None,
            column: None,
            message: None,
        });
        new.push(NewParticipant {
            participant: participant.to_string(),
            cohort: cohort.to_string(),
            enrolled_on: enrolled,
        });
    }
    if existing.len() + new.len() > CONTRACT_ROWS_MAX {
        let e = InputError::new(
            "participants",
            None,
            None,
            "too_many_rows",
            format!("A contract holds at most {CONTRACT_ROWS_MAX} participants"),
        );
        return (ImportReport::new(rows, vec![e]), Vec::new());
    }
    (ImportReport::new(rows, Vec::new()), new)
}

pub(crate) fn roster_of(contract: &Contract, participants: &[ParticipantRow]) -> Result<Roster, AppError> {
    let list: Vec<Participant> = participants
        .iter()
        .map(|p| Participant {
            id: p.participant.clone(),
            cohort: Some(p.cohort.clone()),
            enrolled_on: parse_date(&p.enrolled_on),
        })
        .collect();
    Roster::new(contract, &list).map_err(|e| AppError::Internal(format!("stored participants: {e}")))
}

pub(crate) fn claim_of(row: &ClaimRow) -> Option<OutcomeClaim> {
    Some(OutcomeClaim {
        participant: row.participant.clone(),
        metric: row.metric.clone(),
        event_on: parse_date(&row.event_on)?,
        claimed_on: parse_date(&row.claimed_on),
    })
}

struct NewClaimRow {
    participant: String,
    metric: String,
    event_on: String,
    claimed_on: String,
}

fn check_claims_import(
    contract: &Contract,
    participants: &[ParticipantRow],
    existing: &[ClaimRow],
    text: &str,
    claimed_default: Date,
) -> Result<(ImportReport, Vec<NewClaimRow>), AppError> {
    match read_csv("claims", text, &["participant", "metric", "event_on", "claimed_on"], 3) {
        Ok(csv) => check_claim_rows(contract, participants, existing, csv, claimed_default),
        Err(errors) => Ok((ImportReport::new(Vec::new(), errors), Vec::new())),
    }
}

/// Checks claim rows (columns participant, metric, event_on, claimed_on) one by one, after the
/// claims already stored.
fn check_claim_rows(
    contract: &Contract,
    participants: &[ParticipantRow],
    existing: &[ClaimRow],
    csv: CsvRows,
    claimed_default: Date,
) -> Result<(ImportReport, Vec<NewClaimRow>), AppError> {
    let roster = roster_of(contract, participants)?;
    let mut checker = koinon_core::outcomes::ClaimChecker::new(contract, Some(&roster));
    // What is already claimed (and not rejected) counts, in the order the engine takes it.
    let mut live: Vec<OutcomeClaim> = existing.iter().filter(|c| c.status != "rejected").filter_map(claim_of).collect();
    let rank = contract.metric_rank();
    live.sort_by_key(|c| {
        let r = contract.metric_index(&c.metric).and_then(|m| rank.get(m).copied()).unwrap_or(u8::MAX);
        (c.event_on, r, c.claimed_on)
    });
    for c in &live {
        // Stored claims were accepted when they were made; a refusal now (say, a prerequisite
        // rejected since) does not remove them, it only means they count as not verified.
        let _ = checker.check(c);
    }
    let stored: HashSet<(&str, &str, &str)> =
        existing.iter().map(|c| (c.participant.as_str(), c.metric.as_str(), c.event_on.as_str())).collect();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    let mut rows = Vec::with_capacity(csv.rows.len());
    let mut new = Vec::new();
    for (line, rec) in csv.rows {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rows.push(rejected(line, "", None, e.code, None, e.message));
                continue;
            }
        };
        let participant = field(&rec, csv.columns[0]);
        let metric = field(&rec, csv.columns[1]);
        let m = Some(metric);
        if let Err((code, message)) = check_participant_id(participant) {
            rows.push(rejected(line, participant, m, code, Some("participant"), message));
            continue;
        }
        let Some(event_on) = parse_date(field(&rec, csv.columns[2])) else {
            rows.push(rejected(
                line,
                participant,
                m,
                "invalid_date",
                Some("event_on"),
                "event_on must be a date like 2024-01-31".into(),
            ));
            continue;
        };
        let claimed_raw = field(&rec, csv.columns[3]);
        let claimed_on = if claimed_raw.is_empty() {
            claimed_default
        } else if let Some(d) = parse_date(claimed_raw) {
            d
        } else {
            rows.push(rejected(
                line,
                participant,
                m,
                "invalid_date",
                Some("claimed_on"),
                "claimed_on must be a date like 2024-01-31".into(),
            ));
            continue;
        };
        let event = format_date(event_on);
        if stored.contains(&(participant, metric, event.as_str())) {
            rows.push(ImportRow {
                line,
                participant: participant.to_string(),
                metric: Some(metric.to_string()),
                status: RowStatus::AlreadyPresent,
                code: None,
                column: None,
                message: None,
            });
            continue;
        }
        if !seen.insert((participant.to_string(), metric.to_string(), event.clone())) {
            rows.push(rejected(
                line,
                participant,
                m,
                "duplicate_claim",
                None,
                "The same outcome on the same date is claimed twice in this file".into(),
            ));
            continue;
        }
        let claim = OutcomeClaim {
            participant: participant.to_string(),
            metric: metric.to_string(),
            event_on,
            claimed_on: Some(claimed_on),
        };
        if let Err(refusal) = checker.check(&claim) {
            let column = match refusal.code() {
                "unknown_metric" => Some("metric"),
                "unknown_participant" => Some("participant"),
                "outside_claim_window" | "claimed_before_event" => Some("claimed_on"),
                _ => Some("event_on"),
            };
            rows.push(rejected(line, participant, m, refusal.code(), column, refusal.message().to_string()));
            continue;
        }
        rows.push(ImportRow {
            line,
            participant: participant.to_string(),
            metric: Some(metric.to_string()),
            status: RowStatus::Accepted,
            code: None,
            column: None,
            message: None,
        });
        new.push(NewClaimRow {
            participant: participant.to_string(),
            metric: metric.to_string(),
            event_on: event,
            claimed_on: format_date(claimed_on),
        });
    }
    if existing.len() + new.len() > CONTRACT_ROWS_MAX {
        let e = InputError::new(
            "claims",
            None,
            None,
            "too_many_rows",
            format!("A contract holds at most {CONTRACT_ROWS_MAX} claims"),
        );
        return Ok((ImportReport::new(rows, vec![e]), Vec::new()));
    }
    Ok((ImportReport::new(rows, Vec::new()), new))
}

/// The resource a contract is for the actor: the organisation of the actor's party in it (with
/// one of `roles`), else the tenant.
pub(crate) fn contract_resource(actor: &Actor, tenant_id: i64, parties: &[PartyRow], roles: &[PartyRole]) -> Resource {
    let names: Vec<String> = roles.iter().map(|r| role_name(*r)).collect();
    match actor.subject().and_then(|s| s.organisation_id) {
        Some(org)
            if parties
                .iter()
                .any(|p| p.organisation_id == Some(org) && (names.is_empty() || names.contains(&p.role))) =>
        {
            Resource::organisation(tenant_id, org)
        }
        _ => Resource::tenant(tenant_id),
    }
}

/// The claimant: the provider acting, or the contract's first provider when an officer
/// claims for it.
fn claimant_of(actor: &Actor, parties: &[PartyRow]) -> Option<i64> {
    match actor.role() {
        Some(Role::Provider) => actor.subject().and_then(|s| s.organisation_id),
        _ => first_party(parties, PartyRole::Provider).and_then(|p| p.organisation_id),
    }
}

/// Checks an evidence file's name, type and size; answers the name and the normalised type.
fn check_evidence(file_name: &str, content_type: &str, content: &[u8]) -> Result<(String, String), AppError> {
    let mut errors = crate::Errors::default();
    let file_name = errors.take(koinon_core::text::required("file_name", file_name, FILE_NAME_MAX_CHARS));
    let content_type = content_type.trim().to_ascii_lowercase();
    if !EVIDENCE_CONTENT_TYPES.contains(&content_type.as_str()) {
        errors.push(FieldError::new(
            "content_type",
            "unsupported_content_type",
            format!("Evidence must be one of: {}", EVIDENCE_CONTENT_TYPES.join(", ")),
        ));
    }
    if content.is_empty() || content.len() > EVIDENCE_BYTES_MAX {
        errors.push(FieldError::new(
            "content",
            "file_size",
            format!("Evidence must be 1 byte to {} MiB", EVIDENCE_BYTES_MAX / (1024 * 1024)),
        ));
    }
    errors.finish()?;
    Ok((file_name.unwrap_or_default(), content_type))
}

fn evidence_row(claim_id: i64, file_name: String, content_type: String, content: &[u8], actor: &Actor) -> EvidenceRow {
    EvidenceRow {
        claim_id,
        file_name,
        content_type,
        size_bytes: content.len() as i64,
        sha256: hex::encode(Sha256::digest(content)),
        content: content.to_vec(),
        uploaded_by: actor.audit_name(),
        created_at_us: App::now_us(),
    }
}

/// Participants, claims and evidence: not for investors, providers only for their contracts.
fn require_records(actor: &Actor, tenant_id: i64, parties: &[PartyRow]) -> Result<(), AppError> {
    actor.require(Action::ViewOutcomeRecords, &contract_resource(actor, tenant_id, parties, &[PartyRole::Provider]))
}

pub(crate) fn state_of(row: &ContractRow) -> ContractState {
    ContractState::parse(&row.state).unwrap_or(ContractState::Draft)
}

pub(crate) fn require_state(row: &ContractRow, allowed: &[ContractState], doing: &str) -> Result<(), AppError> {
    let state = state_of(row);
    if allowed.contains(&state) {
        return Ok(());
    }
    Err(AppError::invalid(
        "state",
        "wrong_contract_state",
        format!(
            "{doing} needs the contract to be {}; it is {}",
            allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or "),
            state.as_str()
        ),
    ))
}

/// Loads a contract of the tenant the actor may see; another tenant's or one the actor may not
/// see is "not found".
pub(crate) async fn load_contract(
    db: &mut Db<'_>,
    actor: &Actor,
    tenant_id: i64,
    id: i64,
) -> Result<(ContractRow, Vec<PartyRow>), AppError> {
    let not_found = || AppError::NotFound(format!("outcomes contract {id}"));
    let row = db.outcome_contract(tenant_id, id).await?.ok_or_else(not_found)?;
    let parties = db.outcome_parties(id).await?;
    actor
        .require(Action::ViewOutcomeContracts, &contract_resource(actor, tenant_id, &parties, &[]))
        .map_err(|_| not_found())?;
    Ok((row, parties))
}

fn account_code(role: &str) -> Option<&'static str> {
    match role {
        "outcome_payer" => Some("outcome_payer"),
        "spv" => Some("spv"),
        "investor" => Some("investor"),
        "provider" => Some("provider"),
        "intermediary" => Some("other"),
        _ => None,
    }
}

fn account_of(parties: &[PartyRow], party_id: i64) -> Result<Id, AppError> {
    parties
        .iter()
        .find(|p| p.id == party_id)
        .and_then(|p| p.account_id.as_deref())
        .and_then(id_from)
        .ok_or_else(|| AppError::Internal(format!("party {party_id} has no ledger account")))
}

fn first_party(parties: &[PartyRow], role: PartyRole) -> Option<&PartyRow> {
    let name = role_name(role);
    parties.iter().find(|p| p.role == name)
}

impl App {
    // ---- contracts ----

    /// Stores a contract written in the TOML format of `docs/outcomes.md`, in state `draft`.
    /// Parties are linked to the tenant's organisations of the same name. Every problem of the
    /// source comes back as a field error (field = the TOML key, message with its line).
    pub async fn create_contract(&self, actor: &Actor, tenant_id: i64, toml: &str) -> Result<ContractView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let contract = Contract::from_toml(toml).map_err(|errors| {
            AppError::Invalid(
                errors
                    .0
                    .into_iter()
                    .map(|e| {
                        let message = match e.line {
                            Some(line) => format!("line {line}: {}", e.message),
                            None => e.message,
                        };
                        FieldError::new(e.field, e.code, message)
                    })
                    .collect(),
            )
        })?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let view = insert_contract(&mut db, actor, tenant_id, toml, &contract).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// Stores a parsed contract as a draft with its parties and appends the audit entry, in the
/// caller's transaction (the contract designer creates a contract and deletes its design in
/// one).
pub(crate) async fn insert_contract(
    db: &mut Db<'_>,
    actor: &Actor,
    tenant_id: i64,
    toml: &str,
    contract: &Contract,
) -> Result<ContractView, AppError> {
    {
        let cohorts = serde_json::to_string(&contract.cohorts).map_err(|e| AppError::Internal(e.to_string()))?;
        let now = App::now_us();
        let (start_on, end_on) = (format_date(contract.start_on), format_date(contract.end_on));
        let policy_area = enum_name(&contract.policy_area);
        let period = enum_name(&contract.period);
        let id = db
            .insert_outcome_contract(&NewContract {
                tenant_id,
                name: &contract.name,
                policy_area: &policy_area,
                mechanism: contract.mechanism.code(),
                currency: contract.currency.code(),
                currency_scale: i64::from(contract.currency.scale()),
                start_on: &start_on,
                end_on: &end_on,
                period: &period,
                contract_cap_minor: contract.contract_cap_minor,
                participant_cap_minor: contract.participant_cap_minor,
                period_cap_minor: contract.period_cap_minor,
                investor_commitments_minor: contract.investor_commitments_minor(),
                cohorts: &cohorts,
                state: ContractState::Draft.as_str(),
                source: toml,
                created_at_us: now,
            })
            .await?;
        for (i, p) in contract.parties.iter().enumerate() {
            let org = db.organisation_by_name(tenant_id, &p.name).await?.map(|o| o.id);
            db.insert_outcome_party(id, i as i64, &p.name, &role_name(p.role), p.commitment_minor, org).await?;
        }
        audit::append(
            db,
            actor,
            Some(tenant_id),
            "outcomes.create_contract",
            &format!("outcome_contract:{id}"),
            serde_json::json!({"after": {"name": contract.name, "mechanism": contract.mechanism.code(),
                "currency": contract.currency.code(), "contract_cap_minor": contract.contract_cap_minor,
                "state": "draft", "source_sha256": hex::encode(Sha256::digest(toml.as_bytes()))}}),
        )
        .await?;
        let row =
            db.outcome_contract(tenant_id, id).await?.ok_or_else(|| AppError::Internal("contract vanished".into()))?;
        let parties = db.outcome_parties(id).await?;
        Ok(contract_view(&row, &parties))
    }
}

impl App {
    pub async fn contract(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<ContractView, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, parties) = load_contract(&mut db, actor, tenant_id, id).await?;
        Ok(contract_view(&row, &parties))
    }

    /// The whole contract as parsed from its source (parties, cohorts, metrics with prices and
    /// windows, the mechanism), and the TOML source itself.
    pub async fn contract_terms(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<ContractTerms, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, _) = load_contract(&mut db, actor, tenant_id, id).await?;
        let contract = parse_contract(&row)?;
        Ok(ContractTerms { contract, source: row.source })
    }

    /// Enrolment against the cohorts' targets, claims by status, what was paid against the
    /// contract cap, and the run in progress. Counts only, so every party may see it.
    pub async fn contract_overview(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: i64,
    ) -> Result<ContractOverview, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, parties) = load_contract(&mut db, actor, tenant_id, id).await?;
        let contract = parse_contract(&row)?;
        let enrolled = db.outcome_participants_by_cohort(id).await?;
        let enrolment = contract
            .cohorts
            .iter()
            .map(|c| CohortEnrolment {
                cohort: c.code.clone(),
                target_size: c.target_size,
                enrolled: enrolled.iter().find(|(code, _)| *code == c.code).map_or(0, |(_, n)| *n),
            })
            .collect();
        let claims_by_status = db.outcome_claims_by_status(id).await?;
        let runs = db.outcome_payment_runs(id).await?;
        let paid_minor: i64 =
            runs.iter().filter(|r| r.state == "approved" || r.state == "paid").map(|r| r.amount_due_minor).sum();
        let paid_up_to_period =
            runs.iter().filter(|r| r.state == "paid").max_by(|a, b| a.up_to.cmp(&b.up_to)).map(|r| r.period.clone());
        let open_run = runs
            .iter()
            .find(|r| r.state == "prepared" || r.state == "approved")
            .map(|r| (r.id, r.period.clone(), r.state.clone(), r.amount_due_minor));
        Ok(ContractOverview {
            cap_remaining_minor: row.contract_cap_minor - paid_minor,
            contract: contract_view(&row, &parties),
            enrolment,
            claims_by_status,
            paid_minor,
            paid_up_to_period,
            open_run,
        })
    }

    /// A contract's drawdowns, oldest first.
    pub async fn list_drawdowns(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<Vec<DrawdownView>, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (_, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        actor.require(
            Action::ViewInvestorFigures,
            &contract_resource(actor, tenant_id, &parties, &[PartyRole::Investor]),
        )?;
        let own = actor.role() == Some(Role::Investor);
        let org = actor.subject().and_then(|s| s.organisation_id);
        Ok(db
            .outcome_drawdowns(contract_id)
            .await?
            .iter()
            .filter(|d| {
                !own || parties
                    .iter()
                    .any(|p| p.id == d.party_id && p.organisation_id.is_some() && p.organisation_id == org)
            })
            .map(drawdown_view)
            .collect())
    }

    /// The contracts the actor may see, in id order.
    pub async fn list_contracts(
        &self,
        actor: &Actor,
        tenant_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<ContractView>, AppError> {
        actor.require(Action::ViewTenant, &Resource::tenant(tenant_id))?;
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.list_outcome_contracts(tenant_id, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let mut items = Vec::new();
        let mut last = None;
        for row in rows.into_iter().take(limit as usize) {
            last = Some(row.id);
            let parties = db.outcome_parties(row.id).await?;
            if actor.require(Action::ViewOutcomeContracts, &contract_resource(actor, tenant_id, &parties, &[])).is_ok()
            {
                items.push(contract_view(&row, &parties));
            }
        }
        let next_cursor = if more { last.map(|id| id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// Moves a contract forward in its lifecycle (draft → feasibility → contracted → running →
    /// closed; steps may be skipped, never undone). From `contracted` on, the contract has a
    /// ledger in its currency and an account per paying or paid party (payer, SPV, investors,
    /// providers), created here if missing.
    pub async fn transition_contract(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: i64,
        to: &str,
    ) -> Result<ContractView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        // An unknown contract is "not found" whatever the state asked for.
        let (row, parties) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            load_contract(&mut db, actor, tenant_id, id).await?
        };
        let to = ContractState::parse(to)?;
        let from = state_of(&row);
        if to <= from {
            return Err(AppError::invalid(
                "state",
                "backward_transition",
                format!("A contract only moves forward: it is {} and cannot become {}", from.as_str(), to.as_str()),
            ));
        }
        if to == ContractState::Closed {
            let mut conn = self.store().conn().await?;
            if let Some(open) = conn
                .db()
                .outcome_payment_runs(id)
                .await?
                .into_iter()
                .find(|r| r.state == "prepared" || r.state == "approved")
            {
                return Err(AppError::invalid(
                    "state",
                    "payment_run_open",
                    format!(
                        "The payment run for {} is {}; approve or send it back before closing",
                        open.period, open.state
                    ),
                ));
            }
        }
        let accounts = if to.has_accounts() && row.spv_account_id.is_none() {
            Some(self.open_contract_accounts(tenant_id, &row, &parties).await?)
        } else {
            None
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if !db.set_outcome_contract_state(id, from.as_str(), to.as_str(), App::now_us()).await? {
            return Err(AppError::conflict("state", "The contract changed meanwhile; reload and try again"));
        }
        if let Some((spv, party_accounts)) = &accounts {
            db.set_outcome_spv_account(id, &id_bytes(*spv)).await?;
            for (party_id, account) in party_accounts {
                db.set_outcome_party_account(*party_id, &id_bytes(*account)).await?;
            }
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.transition_contract",
            &format!("outcome_contract:{id}"),
            serde_json::json!({"before": {"state": from.as_str()}, "after": {"state": to.as_str(),
                "accounts_opened": accounts.as_ref().map(|(_, a)| a.len() + 1)}}),
        )
        .await?;
        let row = db
            .outcome_contract(tenant_id, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("outcomes contract {id}")))?;
        let parties = db.outcome_parties(id).await?;
        tx.commit().await?;
        Ok(contract_view(&row, &parties))
    }

    /// The ledger of the contract's currency (created if missing) and an account per party:
    /// ids derived from the contract, so a retry finds the same accounts. Returns the account
    /// that receives outcome payments (the SPV party's, or a holding account of the contract)
    /// and each party's account.
    async fn open_contract_accounts(
        &self,
        tenant_id: i64,
        row: &ContractRow,
        parties: &[PartyRow],
    ) -> Result<(Id, Vec<(i64, Id)>), AppError> {
        let existing = {
            let mut conn = self.store().conn().await?;
            conn.db().ledger_by_code(tenant_id, &row.currency).await?
        };
        match existing {
            Some(l) if l.scale != row.currency_scale => {
                return Err(AppError::invalid(
                    "currency",
                    "ledger_scale_differs",
                    format!("Ledger {} has {} decimals; the contract has {}", l.code, l.scale, row.currency_scale),
                ));
            }
            Some(_) => {}
            None => {
                self.create_ledger(&OUTCOMES, tenant_id, &row.currency, &row.currency, row.currency_scale).await?;
            }
        }
        let mut inputs = Vec::new();
        let mut accounts = Vec::new();
        let mut spv = None;
        for p in parties {
            let Some(code) = account_code(&p.role) else { continue };
            let account = derived_id(&format!("account/{tenant_id}/{}/{}", row.id, p.position));
            if p.role == "spv" && spv.is_none() {
                spv = Some(account);
            }
            accounts.push((p.id, account));
            inputs.push(NewAccountInput {
                id: format_id(account),
                ledger: row.currency.clone(),
                code: code.to_string(),
                owner: p.organisation_id.map(|o| format!("organisation:{o}")),
                flags: Vec::new(),
            });
        }
        let spv = match spv {
            Some(s) => s,
            None => {
                let holding = derived_id(&format!("account/{tenant_id}/{}/holding", row.id));
                inputs.push(NewAccountInput {
                    id: format_id(holding),
                    ledger: row.currency.clone(),
                    code: "spv".into(),
                    owner: Some(format!("outcome_contract:{}", row.id)),
                    flags: Vec::new(),
                });
                holding
            }
        };
        let results = self.create_accounts(&OUTCOMES, tenant_id, &inputs).await?;
        if let Some(bad) = results.iter().find(|r| r.result != "ok" && r.result != "exists") {
            return Err(AppError::Internal(format!("ledger account {}: {}", bad.id, bad.result)));
        }
        Ok((spv, accounts))
    }

    /// Links a party of the contract to one of the municipality's organisations (or unlinks it
    /// with `None`): that organisation's users then act for the party (providers import,
    /// investors see their figures). Parties are linked by name when the contract is stored.
    pub async fn link_party_organisation(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        party_id: i64,
        organisation_id: Option<i64>,
    ) -> Result<ContractView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (_, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        let party = parties
            .iter()
            .find(|p| p.id == party_id)
            .ok_or_else(|| AppError::invalid("party_id", "unknown_party", "The party is not in this contract"))?;
        if let Some(org) = organisation_id {
            match db.organisation(org).await? {
                Some(o) if o.tenant_id == tenant_id => {}
                _ => {
                    return Err(AppError::invalid(
                        "organisation_id",
                        "unknown_organisation",
                        "No such organisation in this municipality",
                    ));
                }
            }
        }
        db.set_outcome_party_organisation(party_id, organisation_id).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.link_party_organisation",
            &format!("outcome_contract:{contract_id}"),
            serde_json::json!({"party": party_id, "before": {"organisation": party.organisation_id},
                "after": {"organisation": organisation_id}}),
        )
        .await?;
        let (row, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        tx.commit().await?;
        Ok(contract_view(&row, &parties))
    }

    /// Sets the SPV's waterfall: the investors' return cap as a money multiple in basis points
    /// (`None` = uncapped; 11000 = capital plus at most 10%) and the investors' share of what is
    /// left (the rest goes to the first provider). Only before the contract runs.
    pub async fn set_waterfall_terms(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: i64,
        return_cap_multiple_bp: Option<i64>,
        residual_investors_share_bp: i64,
    ) -> Result<ContractView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let mut errors = crate::Errors::default();
        if let Some(bp) = return_cap_multiple_bp
            && !(10_000..=100_000).contains(&bp)
        {
            errors.push(FieldError::new(
                "return_cap_multiple_bp",
                "out_of_range",
                "The return cap is a money multiple from 10000 (1×) to 100000 (10×) basis points",
            ));
        }
        if !(0..=10_000).contains(&residual_investors_share_bp) {
            errors.push(FieldError::new(
                "residual_investors_share_bp",
                "out_of_range",
                "The investors' share of the residual is 0 to 10000 basis points",
            ));
        }
        errors.finish()?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (row, _) = load_contract(&mut db, actor, tenant_id, id).await?;
        require_state(
            &row,
            &[ContractState::Draft, ContractState::Feasibility, ContractState::Contracted],
            "Changing the waterfall",
        )?;
        db.set_outcome_waterfall(id, return_cap_multiple_bp, residual_investors_share_bp, App::now_us()).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.set_waterfall_terms",
            &format!("outcome_contract:{id}"),
            serde_json::json!({"before": {"return_cap_multiple_bp": row.return_cap_multiple_bp, "residual_investors_share_bp": row.residual_investors_share_bp},
                "after": {"return_cap_multiple_bp": return_cap_multiple_bp, "residual_investors_share_bp": residual_investors_share_bp}}),
        )
        .await?;
        let (row, parties) = load_contract(&mut db, actor, tenant_id, id).await?;
        tx.commit().await?;
        Ok(contract_view(&row, &parties))
    }

    // ---- participants ----

    /// Checks a participants CSV (`participant,cohort,enrolled_on`) row by row and writes
    /// nothing.
    pub async fn preview_participants(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        csv_text: &str,
    ) -> Result<ImportReport, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, _) = self.import_access(&mut db, actor, tenant_id, contract_id).await?;
        let contract = parse_contract(&row)?;
        let existing = db.outcome_participants(contract_id).await?;
        Ok(check_participants(&contract, &existing, csv_text).0)
    }

    /// Writes the participants of a CSV in one transaction, after the same checks as the
    /// preview (made again inside the transaction). A file with any rejected row is refused as
    /// a whole with every row's reason, and nothing is written; rows already stored are skipped.
    pub async fn commit_participants(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        csv_text: &str,
    ) -> Result<ImportReport, AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (row, _) = self.import_access(&mut db, actor, tenant_id, contract_id).await?;
        db.lock_outcome_contract(contract_id).await?;
        let contract = parse_contract(&row)?;
        let existing = db.outcome_participants(contract_id).await?;
        let (mut report, new) = check_participants(&contract, &existing, csv_text);
        if !report.is_clean() {
            return Err(report.errors());
        }
        let now = App::now_us();
        let by = actor.audit_name();
        for p in &new {
            db.insert_outcome_participant(contract_id, &p.participant, &p.cohort, &p.enrolled_on, &by, now).await?;
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.import_participants",
            &format!("outcome_contract:{contract_id}"),
            serde_json::json!({"written": new.len(), "already_present": report.already_present,
                "file_sha256": hex::encode(Sha256::digest(csv_text.as_bytes()))}),
        )
        .await?;
        tx.commit().await?;
        report.committed = true;
        Ok(report)
    }

    pub async fn list_participants(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<ParticipantView>, AppError> {
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (_, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        require_records(actor, tenant_id, &parties)?;
        let rows = db.list_outcome_participants(contract_id, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<ParticipantView> = rows.into_iter().take(limit as usize).map(Into::into).collect();
        let next_cursor = if more { items.last().map(|p| p.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// The contract, if the actor may import into it (officers; providers of the contract) and
    /// it is contracted or running.
    async fn import_access(
        &self,
        db: &mut Db<'_>,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<(ContractRow, Vec<PartyRow>), AppError> {
        let (row, parties) = load_contract(db, actor, tenant_id, contract_id).await?;
        actor.require(
            Action::ImportOutcomeData,
            &contract_resource(actor, tenant_id, &parties, &[PartyRole::Provider]),
        )?;
        require_state(&row, &[ContractState::Contracted, ContractState::Running], "Importing")?;
        Ok((row, parties))
    }

    // ---- claims ----

    /// Checks a claims CSV (`participant,metric,event_on[,claimed_on]`; `claimed_on` defaults
    /// to today) against the contract's rules, the enrolled participants and the claims already
    /// made; writes nothing. Refusals carry the codes of `koinon_core::outcomes::Refusal`.
    pub async fn preview_claims(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        csv_text: &str,
    ) -> Result<ImportReport, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, _) = self.import_access(&mut db, actor, tenant_id, contract_id).await?;
        let contract = parse_contract(&row)?;
        let participants = db.outcome_participants(contract_id).await?;
        let existing = db.outcome_claims(contract_id).await?;
        Ok(check_claims_import(&contract, &participants, &existing, csv_text, today())?.0)
    }

    /// Writes the claims of a CSV as `submitted`, in one transaction, after the preview's
    /// checks; any rejected row refuses the whole file and writes nothing.
    pub async fn commit_claims(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        csv_text: &str,
    ) -> Result<ImportReport, AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (row, parties) = self.import_access(&mut db, actor, tenant_id, contract_id).await?;
        db.lock_outcome_contract(contract_id).await?;
        let contract = parse_contract(&row)?;
        let participants = db.outcome_participants(contract_id).await?;
        let existing = db.outcome_claims(contract_id).await?;
        let (mut report, new) = check_claims_import(&contract, &participants, &existing, csv_text, today())?;
        if !report.is_clean() {
            return Err(report.errors());
        }
        let claimant = claimant_of(actor, &parties);
        let now = App::now_us();
        let by = actor.audit_name();
        for c in &new {
            let claim = NewClaim {
                participant: &c.participant,
                metric: &c.metric,
                event_on: &c.event_on,
                claimed_on: &c.claimed_on,
                claimant_organisation_id: claimant,
            };
            db.insert_outcome_claim(contract_id, &claim, &by, now).await?;
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.import_claims",
            &format!("outcome_contract:{contract_id}"),
            serde_json::json!({"written": new.len(), "already_present": report.already_present,
                "file_sha256": hex::encode(Sha256::digest(csv_text.as_bytes()))}),
        )
        .await?;
        tx.commit().await?;
        report.committed = true;
        Ok(report)
    }

    /// A contract's claims; `status` narrows to `submitted`, `verified` or `rejected`.
    pub async fn list_claims(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<ClaimView>, AppError> {
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        if let Some(s) = status
            && !["submitted", "verified", "rejected"].contains(&s)
        {
            return Err(AppError::invalid("status", "invalid_status", "Status is submitted, verified or rejected"));
        }
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        require_records(actor, tenant_id, &parties)?;
        let contract = parse_contract(&row)?;
        let rows = db.list_outcome_claims(contract_id, status, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<ClaimView> =
            rows.into_iter().take(limit as usize).map(|r| ClaimView::from(r).with_due_date(&contract)).collect();
        let next_cursor = if more { items.last().map(|c| c.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    async fn claim_and_contract(
        &self,
        db: &mut Db<'_>,
        actor: &Actor,
        tenant_id: i64,
        claim_id: i64,
    ) -> Result<(ClaimRow, ContractRow, Vec<PartyRow>), AppError> {
        let claim = db.outcome_claim(claim_id).await?.ok_or_else(|| AppError::NotFound(format!("claim {claim_id}")))?;
        let (row, parties) = load_contract(db, actor, tenant_id, claim.contract_id)
            .await
            .map_err(|_| AppError::NotFound(format!("claim {claim_id}")))?;
        Ok((claim, row, parties))
    }

    /// One claim entered in a form, with its evidence file if any, checked by the same rules
    /// as an import (a refusal names the field and the reason code) and stored as `submitted`.
    pub async fn submit_claim(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        input: &ClaimInput,
        evidence: Option<EvidenceInput<'_>>,
    ) -> Result<ClaimView, AppError> {
        let evidence = match &evidence {
            Some(e) => Some((check_evidence(e.file_name, e.content_type, e.content)?, e.content)),
            None => None,
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (row, parties) = self.import_access(&mut db, actor, tenant_id, contract_id).await?;
        db.lock_outcome_contract(contract_id).await?;
        let contract = parse_contract(&row)?;
        let participants = db.outcome_participants(contract_id).await?;
        let existing = db.outcome_claims(contract_id).await?;
        let fields = vec![
            input.participant.trim().into(),
            input.metric.trim().into(),
            input.event_on.trim().into(),
            input.claimed_on.trim().into(),
        ];
        let one = CsvRows { columns: vec![Some(0), Some(1), Some(2), Some(3)], rows: vec![(1, Ok(fields))] };
        let (report, new) = check_claim_rows(&contract, &participants, &existing, one, today())?;
        let Some(checked) = report.rows.first() else {
            return Err(AppError::Internal("no row checked".into()));
        };
        match checked.status {
            RowStatus::Rejected => {
                return Err(AppError::invalid(
                    checked.column.as_deref().unwrap_or("claim"),
                    checked.code.unwrap_or("rejected"),
                    checked.message.clone().unwrap_or_default(),
                ));
            }
            RowStatus::AlreadyPresent => {
                return Err(AppError::conflict(
                    "event_on",
                    "This outcome is already claimed for this participant on this date",
                ));
            }
            RowStatus::Accepted => {}
        }
        let Some(c) = new.first() else { return Err(AppError::Internal("accepted claim missing".into())) };
        let claim = NewClaim {
            participant: &c.participant,
            metric: &c.metric,
            event_on: &c.event_on,
            claimed_on: &c.claimed_on,
            claimant_organisation_id: claimant_of(actor, &parties),
        };
        let claim_id = db.insert_outcome_claim(contract_id, &claim, &actor.audit_name(), App::now_us()).await?;
        let evidence_summary = match evidence {
            Some(((file_name, content_type), content)) => {
                let e = evidence_row(claim_id, file_name, content_type, content, actor);
                db.insert_outcome_evidence(&e).await?;
                Some(serde_json::json!({"file_name": e.file_name, "size_bytes": e.size_bytes, "sha256": e.sha256}))
            }
            None => None,
        };
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.submit_claim",
            &format!("outcome_claim:{claim_id}"),
            serde_json::json!({"after": {"contract": contract_id, "metric": c.metric, "event_on": c.event_on,
                "claimed_on": c.claimed_on, "evidence": evidence_summary}}),
        )
        .await?;
        let stored =
            db.outcome_claim(claim_id).await?.ok_or_else(|| AppError::NotFound(format!("claim {claim_id}")))?;
        tx.commit().await?;
        Ok(ClaimView::from(stored).with_due_date(&contract))
    }

    /// Keeps an evidence file with a submitted claim (one file per claim; at most
    /// [`EVIDENCE_BYTES_MAX`] bytes, of a type in [`EVIDENCE_CONTENT_TYPES`]).
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        tenant_id: i64,
        claim_id: i64,
        file_name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<Evidence, AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (claim, _, parties) = self.claim_and_contract(&mut db, actor, tenant_id, claim_id).await?;
        actor.require(
            Action::ImportOutcomeData,
            &contract_resource(actor, tenant_id, &parties, &[PartyRole::Provider]),
        )?;
        // Who may add evidence is answered before what is wrong with the file (no 422 to
        // someone who may not see the claim).
        let (file_name, content_type) = check_evidence(file_name, content_type, content)?;
        if claim.status != "submitted" {
            return Err(AppError::invalid(
                "claim",
                "claim_reviewed",
                "Evidence can only be added before the claim is reviewed",
            ));
        }
        if db.outcome_evidence(claim_id).await?.is_some() {
            return Err(AppError::conflict("content", "This claim already has its evidence"));
        }
        let row = evidence_row(claim_id, file_name, content_type, content, actor);
        db.insert_outcome_evidence(&row).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.attach_evidence",
            &format!("outcome_claim:{claim_id}"),
            serde_json::json!({"after": {"file_name": row.file_name, "content_type": row.content_type,
                "size_bytes": row.size_bytes, "sha256": row.sha256}}),
        )
        .await?;
        tx.commit().await?;
        Ok(Evidence {
            claim_id,
            file_name: row.file_name,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            content: row.content,
        })
    }

    /// The evidence file of a claim, with its bytes.
    pub async fn claim_evidence(&self, actor: &Actor, tenant_id: i64, claim_id: i64) -> Result<Evidence, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (_, _, parties) = self.claim_and_contract(&mut db, actor, tenant_id, claim_id).await?;
        require_records(actor, tenant_id, &parties)?;
        let e = db
            .outcome_evidence(claim_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("evidence of claim {claim_id}")))?;
        Ok(Evidence {
            claim_id,
            file_name: e.file_name,
            content_type: e.content_type,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
            content: e.content,
        })
    }

    /// The evaluator's decision: verified, or rejected with a reason. Reviewers only, never one
    /// of the claimant's organisation nor the person who submitted the claim.
    pub async fn verify_claim(
        &self,
        actor: &Actor,
        tenant_id: i64,
        claim_id: i64,
        verdict: &ClaimVerdict,
    ) -> Result<ClaimView, AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        // An unknown claim is "not found" before the verdict is looked at.
        let (claim, row, _) = self.claim_and_contract(&mut db, actor, tenant_id, claim_id).await?;
        let (status, reason) = match verdict {
            ClaimVerdict::Verified => ("verified", None),
            ClaimVerdict::Rejected { reason } => {
                ("rejected", Some(koinon_core::text::required("reason", reason, REASON_MAX_CHARS)?))
            }
        };
        let resource = Resource { tenant_id, owner_user_id: None, organisation_id: claim.claimant_organisation_id };
        actor.require(Action::VerifyOutcomeClaims, &resource)?;
        if claim.submitted_by == actor.audit_name() {
            return Err(AppError::Forbidden);
        }
        require_state(&row, &[ContractState::Running, ContractState::Closed], "Verifying claims")?;
        if !db.review_outcome_claim(claim_id, status, &actor.audit_name(), reason.as_deref(), App::now_us()).await? {
            return Err(AppError::invalid("claim", "claim_reviewed", format!("The claim is already {}", claim.status)));
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.verify_claim",
            &format!("outcome_claim:{claim_id}"),
            serde_json::json!({"before": {"status": claim.status}, "after": {"status": status, "reason": reason}}),
        )
        .await?;
        let claim = db.outcome_claim(claim_id).await?.ok_or_else(|| AppError::NotFound(format!("claim {claim_id}")))?;
        tx.commit().await?;
        Ok(claim.into())
    }

    // ---- payment runs ----

    /// Computes what is due up to the end of `period` (a label of the contract's period kind:
    /// `2013-Q2`, `2013-06`, `2013`) from the verified claims with an event by then (and the
    /// cohort results CSV, `cohort,measure,value`, for mechanisms that pay on results), minus
    /// what earlier runs paid, and stores it as a prepared run. Periods go forward one run at a
    /// time.
    pub async fn prepare_payment_run(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        period: &str,
        results_csv: Option<&str>,
    ) -> Result<PaymentRunView, AppError> {
        actor.require(Action::PreparePaymentRuns, &Resource::tenant(tenant_id))?;
        if results_csv.is_some_and(|r| r.len() > IMPORT_BYTES_MAX) {
            return Err(AppError::invalid("results", "file_too_large", "The results file is too large"));
        }
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (row, _) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        require_state(&row, &[ContractState::Running, ContractState::Closed], "A payment run")?;
        db.lock_outcome_contract(contract_id).await?;
        let contract = parse_contract(&row)?;
        let up_to = period_end(contract.period, period)?;
        let label = contract.period.label(contract.period.index_of(up_to));
        let runs: Vec<PaymentRunRow> =
            db.outcome_payment_runs(contract_id).await?.into_iter().filter(|r| r.state != "rejected").collect();
        if let Some(open) = runs.iter().find(|r| r.state != "paid") {
            return Err(AppError::conflict(
                "period",
                format!("The run for {} is not paid yet; approve it before preparing the next", open.period),
            ));
        }
        if let Some(last) = runs.iter().map(|r| r.up_to.as_str()).max()
            && last >= format_date(up_to).as_str()
        {
            return Err(AppError::invalid(
                "period",
                "period_not_after_last_run",
                format!("The last run went up to {last}; the next must end later"),
            ));
        }
        // Without a results file, the last run's results still count (the statement is cumulative).
        let last_results = runs.iter().rev().find_map(|r| r.results_csv.clone());
        let results_csv = results_csv.map(str::trim).filter(|r| !r.is_empty()).or(last_results.as_deref());
        let results = match results_csv {
            Some(text) => parse_results_csv(&contract, text.as_bytes()).map_err(|e| {
                AppError::Invalid(
                    e.0.into_iter()
                        .map(|e| FieldError::new(format!("results {}", line_field(e.line)), e.code, e.message))
                        .collect(),
                )
            })?,
            None => Vec::new(),
        };
        let participants = db.outcome_participants(contract_id).await?;
        let roster = roster_of(&contract, &participants)?;
        let claims: Vec<OutcomeClaim> = db
            .outcome_claims(contract_id)
            .await?
            .iter()
            .filter(|c| c.status == "verified")
            .filter_map(claim_of)
            .filter(|c| c.event_on <= up_to)
            .collect();
        let statement = calculate_payments(&contract, Some(&roster), &claims, &results).map_err(|e| {
            AppError::Invalid(
                e.0.into_iter()
                    .map(|e| FieldError::new(format!("{} {}", e.input, line_field(e.line)), e.code, e.message))
                    .collect(),
            )
        })?;
        let previously: i64 = runs.iter().map(|r| r.amount_due_minor).sum();
        // Results-based payments fall in the period of their cohort's end: only periods up to
        // this one count.
        let cumulative: i64 =
            statement.by_period.iter().filter(|p| p.period.as_str() <= label.as_str()).map(|p| p.paid.minor).sum();
        let amount_due = (cumulative - previously).max(0);
        let statement_json = serde_json::to_string(&statement).map_err(|e| AppError::Internal(e.to_string()))?;
        let by = actor.audit_name();
        let up_to_text = format_date(up_to);
        let id = db
            .insert_outcome_payment_run(&NewPaymentRun {
                contract_id,
                period: &label,
                up_to: &up_to_text,
                cumulative_due_minor: cumulative,
                previously_paid_minor: previously,
                amount_due_minor: amount_due,
                statement: &statement_json,
                results_csv,
                prepared_by: &by,
                prepared_at_us: App::now_us(),
            })
            .await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.prepare_payment_run",
            &format!("outcome_payment_run:{id}"),
            serde_json::json!({"after": {"contract": contract_id, "period": label, "up_to": up_to_text,
                "cumulative_due_minor": cumulative, "previously_paid_minor": previously, "amount_due_minor": amount_due,
                "claims_verified": claims.len()}}),
        )
        .await?;
        let run = db.outcome_payment_run(id).await?.ok_or_else(|| AppError::Internal("run vanished".into()))?;
        tx.commit().await?;
        Ok(run_view(run))
    }

    pub async fn payment_run(&self, actor: &Actor, tenant_id: i64, run_id: i64) -> Result<PaymentRunView, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let run =
            db.outcome_payment_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("payment run {run_id}")))?;
        let (_, parties) = load_contract(&mut db, actor, tenant_id, run.contract_id)
            .await
            .map_err(|_| AppError::NotFound(format!("payment run {run_id}")))?;
        let records = require_records(actor, tenant_id, &parties).is_ok();
        Ok(run_view_for(run, records))
    }

    pub async fn list_payment_runs(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<Vec<PaymentRunView>, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (_, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        let records = require_records(actor, tenant_id, &parties).is_ok();
        Ok(db.outcome_payment_runs(contract_id).await?.into_iter().map(|r| run_view_for(r, records)).collect())
    }

    /// Approves a prepared run (an approver who did not prepare it: four eyes) and posts it to
    /// the ledger as one linked chain: outcome payer → SPV for the amount due, then SPV → each
    /// investor by the waterfall (capital, capped return, residual share) and SPV → the first
    /// provider for the rest. `paid_on` is the value date used for the investors' returns.
    /// Calling it again on an approved run whose posting failed posts the same transfers (same
    /// ids) again.
    pub async fn approve_payment_run(
        &self,
        actor: &Actor,
        tenant_id: i64,
        run_id: i64,
        paid_on: &str,
    ) -> Result<PaymentRunView, AppError> {
        actor.require(Action::ApprovePaymentRuns, &Resource::tenant(tenant_id))?;
        let paid_on = required_date("paid_on", paid_on)?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let run =
            db.outcome_payment_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("payment run {run_id}")))?;
        let (row, parties) = load_contract(&mut db, actor, tenant_id, run.contract_id)
            .await
            .map_err(|_| AppError::NotFound(format!("payment run {run_id}")))?;
        if run.prepared_by == actor.audit_name() {
            return Err(AppError::invalid(
                "approved_by",
                "preparer_cannot_approve",
                "The person who prepared a payment run cannot approve it (four eyes)",
            ));
        }
        db.lock_outcome_contract(run.contract_id).await?;
        let planned: Vec<PlannedTransfer> =
            match run.state.as_str() {
                "prepared" => {
                    let (distribution, planned) = self.plan_run(&mut db, &row, &parties, &run).await?;
                    let d = serde_json::to_string(&distribution).map_err(|e| AppError::Internal(e.to_string()))?;
                    let t = serde_json::to_string(&planned).map_err(|e| AppError::Internal(e.to_string()))?;
                    if !db
                        .approve_outcome_payment_run(
                            run_id,
                            &actor.audit_name(),
                            &format_date(paid_on),
                            &d,
                            &t,
                            App::now_us(),
                        )
                        .await?
                    {
                        return Err(AppError::conflict("state", "The run changed meanwhile; reload and try again"));
                    }
                    audit::append(
                        &mut db,
                        actor,
                        Some(tenant_id),
                        "outcomes.approve_payment_run",
                        &format!("outcome_payment_run:{run_id}"),
                        serde_json::json!({"before": {"state": "prepared"}, "after": {"state": "approved",
                        "amount_due_minor": run.amount_due_minor, "paid_on": format_date(paid_on),
                        "transfers": planned.len(), "prepared_by": run.prepared_by}}),
                    )
                    .await?;
                    planned
                }
                // Approved but not yet posted (the posting failed): the same transfers again.
                "approved" => run.transfers.as_deref().and_then(|t| serde_json::from_str(t).ok()).ok_or_else(|| {
                    AppError::Internal(format!("payment run {run_id}: stored transfers do not parse"))
                })?,
                other => {
                    return Err(AppError::invalid("state", "run_not_prepared", format!("The run is already {other}")));
                }
            };
        tx.commit().await?;
        self.post_planned(tenant_id, &row.currency, &planned, &format!("outcome_payment_run:{run_id}")).await?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.mark_outcome_payment_run_paid(run_id).await? {
            audit::append(
                &mut db,
                actor,
                Some(tenant_id),
                "outcomes.payment_run_paid",
                &format!("outcome_payment_run:{run_id}"),
                serde_json::json!({"after": {"state": "paid", "transfer_ids": planned.iter().map(|t| t.id.as_str()).collect::<Vec<_>>()}}),
            )
            .await?;
        }
        let run =
            db.outcome_payment_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("payment run {run_id}")))?;
        tx.commit().await?;
        Ok(run_view(run))
    }

    /// Sends a prepared run back with a reason (an approver); nothing is paid, and the period
    /// can be prepared again.
    pub async fn reject_payment_run(
        &self,
        actor: &Actor,
        tenant_id: i64,
        run_id: i64,
        reason: &str,
    ) -> Result<PaymentRunView, AppError> {
        actor.require(Action::ApprovePaymentRuns, &Resource::tenant(tenant_id))?;
        let reason = koinon_core::text::required("reason", reason, REASON_MAX_CHARS)?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let run =
            db.outcome_payment_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("payment run {run_id}")))?;
        load_contract(&mut db, actor, tenant_id, run.contract_id)
            .await
            .map_err(|_| AppError::NotFound(format!("payment run {run_id}")))?;
        if !db.reject_outcome_payment_run(run_id, &actor.audit_name(), &reason).await? {
            return Err(AppError::invalid("state", "run_not_prepared", format!("The run is already {}", run.state)));
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.reject_payment_run",
            &format!("outcome_payment_run:{run_id}"),
            serde_json::json!({"before": {"state": "prepared"}, "after": {"state": "rejected", "reason": reason}}),
        )
        .await?;
        let run =
            db.outcome_payment_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("payment run {run_id}")))?;
        tx.commit().await?;
        Ok(run_view(run))
    }

    /// The waterfall of a run and its transfers.
    async fn plan_run(
        &self,
        db: &mut Db<'_>,
        row: &ContractRow,
        parties: &[PartyRow],
        run: &PaymentRunRow,
    ) -> Result<(RunDistribution, Vec<PlannedTransfer>), AppError> {
        let spv = row
            .spv_account_id
            .as_deref()
            .and_then(id_from)
            .ok_or_else(|| AppError::Internal("the contract has no SPV account".into()))?;
        // The outcome payers' parts of the payment, by their shares in the contract.
        let contract = parse_contract(row)?;
        let payers: Vec<(&PartyRow, i64)> = contract
            .split_among_payers(run.amount_due_minor)
            .into_iter()
            .map(|(index, amount)| {
                parties
                    .iter()
                    .find(|p| usize::try_from(p.position).is_ok_and(|pos| pos == index))
                    .map(|p| (p, amount))
                    .ok_or_else(|| AppError::Internal(format!("contract {}: no party at {index}", row.id)))
            })
            .collect::<Result<_, _>>()?;
        if payers.is_empty() {
            return Err(AppError::Internal("the contract has no outcome payer".into()));
        }
        let other = first_party(parties, PartyRole::Provider);
        let positions = investor_positions(db, row.id, parties).await?;
        let cap = match row.return_cap_multiple_bp {
            Some(bp) => ReturnCap::MoneyMultiple { multiple_bp: u32::try_from(bp).unwrap_or(u32::MAX) },
            None => ReturnCap::Uncapped,
        };
        let residual = ResidualRule {
            investors_share_bp: u32::try_from(row.residual_investors_share_bp).unwrap_or(0),
            other_party: other.map_or_else(|| "provider".to_string(), |p| p.name.clone()),
        };
        let list: Vec<InvestorPosition> = positions.iter().map(|(_, p)| p.clone()).collect();
        let d = distribute(run.amount_due_minor, &list, &cap, &residual)?;
        let distribution = RunDistribution {
            investors: positions
                .iter()
                .zip(&d.investors)
                .map(|((party_id, _), s)| RunShare {
                    party_id: *party_id,
                    capital_minor: s.capital_minor,
                    return_minor: s.return_minor,
                    residual_minor: s.residual_minor,
                })
                .collect(),
            other_party_id: other.map(|p| p.id),
            other_party_minor: d.other_party_minor,
        };
        let mut planned = Vec::new();
        let mut next = |debit: Id, credit: Id, amount: i64, kind: &str, party_id: i64| {
            let n = planned.len();
            planned.push(PlannedTransfer {
                id: format_id(derived_id(&format!("run/{}/{}/{n}", row.tenant_id, run.id))),
                debit_account_id: format_id(debit),
                credit_account_id: format_id(credit),
                amount_minor: amount,
                kind: kind.to_string(),
                party_id,
            });
        };
        if run.amount_due_minor > 0 {
            for (payer, amount) in &payers {
                if *amount > 0 {
                    next(account_of(parties, payer.id)?, spv, *amount, "outcome_payment", payer.id);
                }
            }
            for s in &distribution.investors {
                let total = s.capital_minor + s.return_minor + s.residual_minor;
                if total > 0 {
                    next(spv, account_of(parties, s.party_id)?, total, "distribution", s.party_id);
                }
            }
            if distribution.other_party_minor > 0 {
                let other = other.ok_or_else(|| AppError::Internal("no provider for the residual".into()))?;
                next(spv, account_of(parties, other.id)?, distribution.other_party_minor, "distribution", other.id);
            }
        }
        // What leaves the SPV is exactly what came in.
        let paid_in: i64 = planned.iter().filter(|t| t.kind == "outcome_payment").map(|t| t.amount_minor).sum();
        let paid_out: i64 = planned.iter().filter(|t| t.kind == "distribution").map(|t| t.amount_minor).sum();
        if paid_in != run.amount_due_minor || paid_out != run.amount_due_minor {
            return Err(AppError::Internal(format!(
                "run {}: {paid_in} in and {paid_out} out for {} due",
                run.id, run.amount_due_minor
            )));
        }
        Ok((distribution, planned))
    }

    /// Posts planned transfers as one linked chain (all or nothing); ids already posted answer
    /// `exists`, which counts as done.
    async fn post_planned(
        &self,
        tenant_id: i64,
        currency: &str,
        planned: &[PlannedTransfer],
        reference: &str,
    ) -> Result<(), AppError> {
        if planned.is_empty() {
            return Ok(());
        }
        let ledger = {
            let mut conn = self.store().conn().await?;
            conn.db()
                .ledger_by_code(tenant_id, currency)
                .await?
                .ok_or_else(|| AppError::Internal(format!("no ledger {currency}")))?
        };
        let mut transfers = Vec::with_capacity(planned.len());
        for (i, p) in planned.iter().enumerate() {
            let parse = |s: &str| parse_id(s).ok_or_else(|| AppError::Internal(format!("stored id {s:?}")));
            transfers.push(Transfer {
                id: parse(&p.id)?,
                debit_account_id: parse(&p.debit_account_id)?,
                credit_account_id: parse(&p.credit_account_id)?,
                amount: p.amount_minor,
                ledger: ledger.id,
                code: p.kind.clone(),
                reference: Some(reference.to_string()),
                flags: if i + 1 < planned.len() {
                    TransferFlags(TransferFlags::LINKED)
                } else {
                    TransferFlags::default()
                },
                pending_id: None,
                timeout_s: 0,
                timestamp: 0,
            });
        }
        let results = self.submit_transfers(&OUTCOMES, tenant_id, transfers).await?;
        if let Some((i, r)) = results.iter().enumerate().find(|(_, r)| !r.is_success()) {
            return Err(AppError::invalid(
                "transfers",
                "ledger_refused",
                format!("The ledger refused transfer {} ({}): {r}; nothing was posted", i + 1, planned[i].kind),
            ));
        }
        Ok(())
    }

    // ---- investors ----

    /// Records capital drawn from an investor: investor → SPV for `amount_minor`, then SPV →
    /// the first provider (the SPV funds the service), posted as one linked chain. The total
    /// drawn from an investor never exceeds its commitment. `request_id` is the client's id of
    /// the request (a UUID): the ledger ids derive from it, so sending the same request again
    /// (after a timeout, say) draws once.
    pub async fn record_drawdown(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        input: &DrawdownInput,
    ) -> Result<DrawdownView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &Resource::tenant(tenant_id))?;
        let (party_id, amount_minor) = (input.party_id, input.amount_minor);
        let (drawn_on, request_id) = (input.drawn_on.as_str(), input.request_id.as_str());
        let mut errors = crate::Errors::default();
        let drawn_on = errors.take(required_date("drawn_on", drawn_on));
        let request_id = request_id.trim();
        if request_id.is_empty()
            || request_id.len() > REQUEST_ID_MAX_CHARS
            || !request_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            errors.push(FieldError::new(
                "request_id",
                "invalid_request_id",
                format!(
                    "The request id is 1 to {REQUEST_ID_MAX_CHARS} of a-z, A-Z, 0-9, '-', '_', '.' (a UUID will do)"
                ),
            ));
        }
        if amount_minor <= 0 || amount_minor > koinon_core::outcomes::limits::AMOUNT_MINOR_MAX {
            errors.push(FieldError::new("amount_minor", "invalid_amount", "The amount must be positive"));
        }
        errors.finish()?;
        let drawn_on = format_date(drawn_on.unwrap_or_else(today));
        // The check against the commitment and the drawdown's row are one transaction with the
        // contract locked (`BEGIN IMMEDIATE` on SQLite, the contract row on PostgreSQL), so
        // two drawdowns at once cannot both pass it. The row reserves the capital; the ledger
        // transfers are posted after the commit, with ids derived from the request id, so a
        // failed posting is completed by sending the same request again.
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (row, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        db.lock_outcome_contract(contract_id).await?;
        let drawdowns = db.outcome_drawdowns(contract_id).await?;
        // The same request again answers what it did the first time (and completes its posting).
        if let Some(done) = drawdowns.iter().find(|d| d.request_id == request_id) {
            if (done.party_id, done.amount_minor, done.drawn_on.as_str()) != (party_id, amount_minor, drawn_on.as_str())
            {
                return Err(AppError::conflict("request_id", "This request id was used for another drawdown"));
            }
            let view = drawdown_view(done);
            tx.commit().await?;
            self.post_planned(tenant_id, &row.currency, &view.transfers, &format!("outcome_contract:{contract_id}"))
                .await?;
            return Ok(view);
        }
        let drawn: i64 = drawdowns.iter().filter(|d| d.party_id == party_id).map(|d| d.amount_minor).sum();
        require_state(&row, &[ContractState::Contracted, ContractState::Running], "A drawdown")?;
        let investor = parties.iter().find(|p| p.id == party_id && p.role == "investor").ok_or_else(|| {
            AppError::invalid("party_id", "not_an_investor", "The party is not an investor of this contract")
        })?;
        let committed = investor.commitment_minor.unwrap_or(0);
        if drawn.saturating_add(amount_minor) > committed {
            return Err(AppError::invalid(
                "amount_minor",
                "over_commitment",
                format!("{committed} is committed and {drawn} already drawn"),
            ));
        }
        let spv = row
            .spv_account_id
            .as_deref()
            .and_then(id_from)
            .ok_or_else(|| AppError::Internal("no SPV account".into()))?;
        let provider =
            first_party(&parties, PartyRole::Provider).ok_or_else(|| AppError::Internal("no provider".into()))?;
        let planned = vec![
            PlannedTransfer {
                id: format_id(derived_id(&format!("drawdown/{tenant_id}/{contract_id}/{request_id}/0"))),
                debit_account_id: format_id(account_of(&parties, party_id)?),
                credit_account_id: format_id(spv),
                amount_minor,
                kind: "drawdown".into(),
                party_id,
            },
            PlannedTransfer {
                id: format_id(derived_id(&format!("drawdown/{tenant_id}/{contract_id}/{request_id}/1"))),
                debit_account_id: format_id(spv),
                credit_account_id: format_id(account_of(&parties, provider.id)?),
                amount_minor,
                kind: "provider_funding".into(),
                party_id: provider.id,
            },
        ];
        let transfers = serde_json::to_string(&planned).map_err(|e| AppError::Internal(e.to_string()))?;
        let id = db
            .insert_outcome_drawdown(
                contract_id,
                party_id,
                amount_minor,
                &drawn_on,
                &transfers,
                request_id,
                &actor.audit_name(),
                App::now_us(),
            )
            .await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.record_drawdown",
            &format!("outcome_contract:{contract_id}"),
            serde_json::json!({"after": {"drawdown": id, "party": party_id, "amount_minor": amount_minor, "drawn_on": drawn_on,
                "transfer_ids": planned.iter().map(|t| t.id.as_str()).collect::<Vec<_>>()}}),
        )
        .await?;
        tx.commit().await?;
        self.post_planned(tenant_id, &row.currency, &planned, &format!("outcome_contract:{contract_id}")).await?;
        Ok(DrawdownView { id, party_id, amount_minor, drawn_on, transfers: planned })
    }

    /// Each investor's figures (investors see their own) and the whole contract's: capital
    /// drawn and distributions received as the ledger holds them, dated by the drawdown and
    /// the run's payment date; XIRR, money multiple, payback date and maximum loss from them.
    pub async fn investor_figures(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<ContractFigures, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        let resource = contract_resource(actor, tenant_id, &parties, &[PartyRole::Investor]);
        actor.require(Action::ViewInvestorFigures, &resource)?;
        let visible: Vec<&PartyRow> = parties
            .iter()
            .filter(|p| p.role == "investor")
            .filter(|p| actor.role() != Some(Role::Investor) || p.organisation_id == resource.organisation_id)
            .collect();
        let drawdowns = db.outcome_drawdowns(contract_id).await?;
        let runs: Vec<PaymentRunRow> =
            db.outcome_payment_runs(contract_id).await?.into_iter().filter(|r| r.state == "paid").collect();
        // Every planned transfer with its value date, then only those the ledger holds.
        let mut dated: Vec<(PlannedTransfer, Date)> = Vec::new();
        for d in &drawdowns {
            let date = parse_date(&d.drawn_on).ok_or_else(|| AppError::Internal("stored date".into()))?;
            let planned: Vec<PlannedTransfer> = serde_json::from_str(&d.transfers).unwrap_or_default();
            dated.extend(planned.into_iter().map(|p| (p, date)));
        }
        let mut splits: HashMap<i64, (i64, i64, i64)> = HashMap::new();
        for r in &runs {
            let date =
                r.paid_on.as_deref().and_then(parse_date).ok_or_else(|| AppError::Internal("stored date".into()))?;
            let planned: Vec<PlannedTransfer> =
                r.transfers.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
            dated.extend(planned.into_iter().map(|p| (p, date)));
            if let Some(d) = r.distribution.as_deref().and_then(|d| serde_json::from_str::<RunDistribution>(d).ok()) {
                for s in d.investors {
                    let e = splits.entry(s.party_id).or_default();
                    e.0 += s.capital_minor;
                    e.1 += s.return_minor;
                    e.2 += s.residual_minor;
                }
            }
        }
        let ids: Vec<Id> = dated.iter().filter_map(|(p, _)| parse_id(&p.id)).collect();
        let mut posted: HashMap<Id, i64> = HashMap::new();
        for chunk in ids.chunks(1_000) {
            for t in db.ledger_transfers_by_id(chunk).await? {
                if t.tenant_id == tenant_id
                    && let Some(id) = id_from(&t.id)
                {
                    posted.insert(id, t.amount);
                }
            }
        }
        let scale = u8::try_from(row.currency_scale).unwrap_or(2);
        let mut investors = Vec::new();
        let mut all_flows = Vec::new();
        let mut total = InvestorFigures {
            party_id: None,
            name: row.name.clone(),
            committed_minor: 0,
            drawn_minor: 0,
            received_minor: 0,
            capital_returned_minor: 0,
            return_minor: 0,
            residual_minor: 0,
            returns: None,
            returns_error: None,
        };
        for p in visible {
            let mut flows = Vec::new();
            let (mut drawn, mut received) = (0i64, 0i64);
            for (t, date) in &dated {
                let Some(amount) = parse_id(&t.id).and_then(|id| posted.get(&id)).copied() else { continue };
                if t.party_id != p.id {
                    continue;
                }
                match t.kind.as_str() {
                    "drawdown" => {
                        drawn += amount;
                        flows.push(Cashflow::new(*date, -amount));
                    }
                    "distribution" => {
                        received += amount;
                        flows.push(Cashflow::new(*date, amount));
                    }
                    _ => {}
                }
            }
            let (capital, ret, residual) = splits.get(&p.id).copied().unwrap_or_default();
            let (returns, returns_error) = figures_of(&flows, scale);
            total.committed_minor += p.commitment_minor.unwrap_or(0);
            total.drawn_minor += drawn;
            total.received_minor += received;
            total.capital_returned_minor += capital;
            total.return_minor += ret;
            total.residual_minor += residual;
            all_flows.extend(flows);
            investors.push(InvestorFigures {
                party_id: Some(p.id),
                name: p.name.clone(),
                committed_minor: p.commitment_minor.unwrap_or(0),
                drawn_minor: drawn,
                received_minor: received,
                capital_returned_minor: capital,
                return_minor: ret,
                residual_minor: residual,
                returns,
                returns_error,
            });
        }
        let (returns, returns_error) = figures_of(&all_flows, scale);
        total.returns = returns;
        total.returns_error = returns_error;
        Ok(ContractFigures {
            contract_id,
            currency: row.currency,
            currency_scale: row.currency_scale,
            investors,
            total,
        })
    }
}

fn figures_of(flows: &[Cashflow], scale: u8) -> (Option<Returns>, Option<&'static str>) {
    match returns(flows, scale) {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.code())),
    }
}

/// Each investor party's position in the SPV before the next distribution: drawn capital from
/// the drawdowns, capital returned and return paid from the runs approved so far.
async fn investor_positions(
    db: &mut Db<'_>,
    contract_id: i64,
    parties: &[PartyRow],
) -> Result<Vec<(i64, InvestorPosition)>, AppError> {
    let drawdowns = db.outcome_drawdowns(contract_id).await?;
    let runs = db.outcome_payment_runs(contract_id).await?;
    let mut out = Vec::new();
    for p in parties.iter().filter(|p| p.role == "investor") {
        let drawn: i64 = drawdowns.iter().filter(|d| d.party_id == p.id).map(|d| d.amount_minor).sum();
        let (mut capital, mut ret) = (0i64, 0i64);
        for r in runs.iter().filter(|r| r.state == "approved" || r.state == "paid") {
            if let Some(d) = r.distribution.as_deref().and_then(|d| serde_json::from_str::<RunDistribution>(d).ok()) {
                for s in d.investors.iter().filter(|s| s.party_id == p.id) {
                    capital += s.capital_minor;
                    ret += s.return_minor;
                }
            }
        }
        out.push((
            p.id,
            InvestorPosition {
                investor_id: format!("party:{}", p.id),
                committed_minor: p.commitment_minor.unwrap_or(0),
                drawn_minor: drawn,
                capital_returned_minor: capital,
                return_paid_minor: ret,
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_labels_end_on_the_last_day() {
        let d = |s: &str| parse_date(s).expect("date");
        assert_eq!(period_end(PaymentPeriod::Quarter, "2013-Q1"), Ok(d("2013-03-31")));
        assert_eq!(period_end(PaymentPeriod::Quarter, "2012-Q4"), Ok(d("2012-12-31")));
        assert_eq!(period_end(PaymentPeriod::Month, "2024-02"), Ok(d("2024-02-29")));
        assert_eq!(period_end(PaymentPeriod::Year, "2014"), Ok(d("2014-12-31")));
        for bad in ["2013-Q5", "2013-Q0", "13-Q1", "2013-03", "2013"] {
            assert!(period_end(PaymentPeriod::Quarter, bad).is_err(), "{bad}");
        }
        assert!(period_end(PaymentPeriod::Month, "2024-13").is_err());
    }

    #[test]
    fn derived_ids_are_stable_uuids() {
        let a = derived_id("run/1/2/0");
        assert_eq!(a, derived_id("run/1/2/0"));
        assert_ne!(a, derived_id("run/1/2/1"));
        assert!(format_id(a).chars().nth(14) == Some('8'));
    }

    #[test]
    fn a_claim_waiting_past_its_verification_window_is_overdue_from_the_next_day() {
        let contract = Contract::from_toml(crate::demo::DEMO_CONTRACT_TOML).expect("demo contract");
        let d = |s: &str| parse_date(s).expect("date");
        // job_start has a 30-day verification window: claimed 2026-03-01, due by 2026-03-31.
        let claim = |status: &str| ClaimView {
            id: 1,
            contract_id: 1,
            participant: "PW-001".into(),
            metric: "job_start".into(),
            event_on: "2026-02-20".into(),
            claimed_on: "2026-03-01".into(),
            status: status.into(),
            claimant_organisation_id: None,
            reviewed_by: None,
            rejection_reason: None,
            verification_due_on: None,
            overdue_since: None,
            has_evidence: false,
        };
        let on_the_last_day = claim("submitted").with_due_date_on(&contract, d("2026-03-31"));
        assert_eq!(on_the_last_day.verification_due_on.as_deref(), Some("2026-03-31"));
        assert!(!on_the_last_day.overdue(), "the last day is still within the window");
        let late = claim("submitted").with_due_date_on(&contract, d("2026-04-01"));
        assert_eq!(late.overdue_since.as_deref(), Some("2026-04-01"));
        assert!(late.overdue());
        // A decided claim is never overdue, however late it was decided.
        for status in ["verified", "rejected"] {
            assert!(!claim(status).with_due_date_on(&contract, d("2027-01-01")).overdue(), "{status}");
        }
    }

    #[test]
    fn states_only_order_forward() {
        assert!(ContractState::Draft < ContractState::Feasibility);
        assert!(ContractState::Running < ContractState::Closed);
        assert!(ContractState::parse("Running").is_ok());
        assert!(ContractState::parse("paused").is_err());
    }
}
