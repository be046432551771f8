//! Outcomes contracts and social impact bonds: the contract, its outcome metrics and the four
//! payment mechanisms (rate card, threshold against a comparison group, share of public savings,
//! fixed targets), the claim rules, and the payment calculation.
//!
//! Pure: plain functions of their inputs. The format of contracts and files is described for
//! users in `docs/outcomes.md`.
//!
//! - [`Contract::from_toml`] parses and checks a contract.
//! - [`ClaimChecker`] and [`check_claims`] accept or refuse outcome claims with a reason code.
//! - [`calculate_payments`] and [`payments_from_csv`] compute a [`PaymentStatement`].

pub mod claims;
pub mod contract;
pub mod csv;
pub mod payments;
pub mod sheet;

use std::fmt;

use serde::Serialize;

pub use claims::{ClaimChecker, OutcomeClaim, Participant, Refusal, Roster, check_claims};
pub use contract::{
    Cohort, CommissionerTerms, Contract, ContractError, ContractErrors, FixedTarget, MetricSaving, OutcomeMetric,
    Party, PartyRole, PaymentMechanism, PaymentPeriod, PolicyArea, parse_iso_date,
};
pub use csv::{parse_results_csv, payments_from_csv};
pub use payments::{
    Amount, CapApplied, CapKind, CohortLine, CohortMeasures, CohortResult, MetricLine, ParticipantLine,
    PaymentStatement, PeriodLine, RefusalCount, RefusedClaim, ResultLine, calculate_payments,
};
pub use sheet::{SheetTable, Table, TableError, TableErrors, payments_from_tables, read_sheet};

/// Limits on contracts and on the files read with them.
pub mod limits {
    /// Size of the TOML source in bytes.
    pub const SOURCE_BYTES_MAX: usize = 256 * 1024;
    /// Contract, party, cohort, metric and target names, in characters.
    pub const NAME_CHARS_MAX: usize = 200;
    /// Metric definitions and evidence descriptions, in characters.
    pub const TEXT_CHARS_MAX: usize = 2_000;
    /// Codes of cohorts, metrics and targets: 1 to 64 of `a-z`, `0-9`, `_`, `-`.
    pub const CODE_CHARS_MAX: usize = 64;
    pub const PARTIES_MAX: usize = 50;
    pub const COHORTS_MAX: usize = 100;
    /// At most 64 metrics: the engine keeps a participant's verified metrics in one 64-bit mask.
    pub const METRICS_MAX: usize = 64;
    pub const PREREQUISITES_MAX: usize = 16;
    pub const TARGETS_MAX: usize = 32;
    /// Longest contract: 25 years.
    pub const CONTRACT_DAYS_MAX: i64 = 9_132;
    /// Verification and claim windows: 1 day to 10 years.
    pub const WINDOW_DAYS_MAX: i64 = 3_660;
    pub const COHORT_TARGET_SIZE_MAX: i64 = 10_000_000;
    /// The commissioner's discount rate, in basis points: at most 100% a year.
    pub const DISCOUNT_RATE_BP_MAX: i64 = 10_000;
    /// Any single amount in the contract (price, cap, commitment, payment), in minor units.
    /// With at most [`CLAIMS_MAX`] claims the sums of
    /// prices stay far inside `i64`.
    pub const AMOUNT_MINOR_MAX: i64 = 100_000_000_000;
    /// Errors reported for one source before giving up.
    pub const ERRORS_MAX: usize = 100;
    /// Participants in one calculation.
    pub const PARTICIPANTS_MAX: usize = 2_000_000;
    /// Claims in one calculation.
    pub const CLAIMS_MAX: usize = 10_000_000;
    /// Threshold figures (events per 100 participants), in ten-thousandths: at most 1,000,000.
    pub const FIGURE_E4_MAX: i64 = 10_000_000_000;
    /// Result rows in one calculation.
    pub const RESULT_ROWS_MAX: usize = 10_000;
    /// A participant id, in bytes (pseudonymous ids, not names).
    pub const PARTICIPANT_ID_BYTES_MAX: usize = 64;
    /// Errors reported for an input file before giving up.
    pub const INPUT_ERRORS_MAX: usize = 100;
    /// Refused claims listed one by one in a statement (all are counted by reason).
    pub const REFUSALS_LISTED_MAX: usize = 1_000;
    /// Participant caps listed one by one in a statement (all are summed).
    pub const CAPS_LISTED_MAX: usize = 1_000;
}

/// A problem in an input (participants, claims, results): which input, the line (in a CSV file,
/// the file's line, header = 1; for a list, the 1-based position), the column, a code, a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub input: &'static str,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl InputError {
    pub fn new(
        input: &'static str,
        line: Option<u64>,
        column: Option<&str>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self { input, line, column: column.map(str::to_string), code, message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.input)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, " column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in the inputs; nothing is calculated when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
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
