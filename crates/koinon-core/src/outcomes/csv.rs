//! Participants, claims and cohort results from CSV files (UTF-8, comma-separated, a header
//! line, columns by name in any order, spaces around values trimmed).
//!
//! - participants: `participant,cohort,enrolled_on` (all required).
//! - claims: `participant,metric,event_on` required; `claimed_on` and `cohort` optional. Without
//!   a participants file, participants are taken from the claims (the `cohort` column gives
//!   theirs); with one, the `cohort` column is not read.
//! - results: `cohort,measure,value`, one row per measure (see `docs/outcomes.md`).
//!
//! Any malformed row stops the calculation with errors naming the input, line and column; claims
//! that break a contract rule are not errors but refusals, counted in the statement.

use std::io::Read;

use csv::{ByteRecord, ReaderBuilder, Trim};

use super::claims::{NO_DAY, day};
use super::contract::{Contract, PaymentMechanism, parse_iso_date};
use super::payments::{CohortMeasures, CohortResult, Intake, PaymentStatement, check_results, run};
use super::{InputError, InputErrors, limits};
use crate::money::parse_minor;

fn reader<R: Read>(input: R) -> csv::Reader<R> {
    ReaderBuilder::new().has_headers(true).trim(Trim::All).from_reader(input)
}

fn line_of(rec: &ByteRecord) -> u64 {
    rec.position().map_or(0, csv::Position::line)
}

fn csv_error(input: &'static str, e: &csv::Error) -> InputError {
    let line = e.position().map(csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("This row has {len} fields; the header has {expected_len}")
        }
        csv::ErrorKind::Io(_) => "The file could not be read".to_string(),
        _ => "The file is not valid CSV".to_string(),
    };
    InputError::new(input, line, None, "invalid_csv", message)
}

/// Finds the columns: `names` in order, the first `required` of them required. Unknown and
/// repeated columns are refused.
fn columns<R: Read>(
    input: &'static str,
    rdr: &mut csv::Reader<R>,
    names: &[&str],
    required: usize,
) -> Result<Vec<Option<usize>>, InputErrors> {
    let headers = rdr.byte_headers().map_err(|e| InputErrors(vec![csv_error(input, &e)]))?.clone();
    header_columns(input, headers.iter().map(String::from_utf8_lossy), names, required).map_err(InputErrors)
}

/// Where each of `names` stands in a CSV header (a byte-order mark and spaces ignored); the
/// first `required` names must be there. Unknown, duplicate and missing columns are errors
/// on line 1, all of them at once.
pub fn header_columns<H: AsRef<str>>(
    input: &'static str,
    headers: impl IntoIterator<Item = H>,
    names: &[&str],
    required: usize,
) -> Result<Vec<Option<usize>>, Vec<InputError>> {
    let mut found = vec![None; names.len()];
    let mut errors = Vec::new();
    for (i, h) in headers.into_iter().enumerate() {
        let h = h.as_ref().trim_start_matches('\u{feff}').trim();
        match names.iter().position(|n| *n == h) {
            Some(k) if found[k].is_some() => errors.push(InputError::new(
                input,
                Some(1),
                Some(h),
                "duplicate_column",
                format!("Column {h:?} appears twice"),
            )),
            Some(k) => found[k] = Some(i),
            None => errors.push(InputError::new(
                input,
                Some(1),
                Some(h),
                "unknown_column",
                format!("Unknown column {h:?}; the columns are {}", names.join(", ")),
            )),
        }
    }
    for (k, name) in names.iter().enumerate().take(required) {
        if found[k].is_none() {
            errors.push(InputError::new(
                input,
                Some(1),
                Some(name),
                "missing_column",
                format!("Column {name:?} is required"),
            ));
        }
    }
    if errors.is_empty() { Ok(found) } else { Err(errors) }
}

fn text<'r>(input: &'static str, rec: &'r ByteRecord, col: usize, name: &str) -> Result<&'r str, InputError> {
    std::str::from_utf8(rec.get(col).unwrap_or_default())
        .map_err(|_| InputError::new(input, Some(line_of(rec)), Some(name), "invalid_utf8", "Text must be UTF-8"))
}

fn date(input: &'static str, rec: &ByteRecord, col: usize, name: &str, required: bool) -> Result<i32, InputError> {
    let raw = rec.get(col).unwrap_or_default();
    if raw.is_empty() && !required {
        return Ok(NO_DAY);
    }
    parse_iso_date(raw).map(day).ok_or_else(|| {
        InputError::new(
            input,
            Some(line_of(rec)),
            Some(name),
            "invalid_date",
            format!("{name} must be a date like 2024-01-31"),
        )
    })
}

/// Collects errors up to the limit; true when it is time to stop.
fn push(errors: &mut Vec<InputError>, e: InputError) -> bool {
    errors.push(e);
    errors.len() >= limits::INPUT_ERRORS_MAX
}

/// Reads the files and computes what is due: `participants` is optional (claims-only mode, for
/// a rate card), `results` is needed for the threshold, savings-share and fixed-target
/// mechanisms. Nothing is computed if any row is malformed.
///
/// ```text
/// let statement = payments_from_csv(&contract, None::<&[u8]>, claims_file, None::<&[u8]>)?;
/// ```
pub fn payments_from_csv<P: Read, C: Read, R: Read>(
    contract: &Contract,
    participants: Option<P>,
    claims: C,
    results: Option<R>,
) -> Result<PaymentStatement, InputErrors> {
    let mut intake = Intake::new(contract);
    let mut errors = Vec::new();
    if let Some(participants) = participants {
        read_participants(contract, participants, &mut intake, &mut errors)?;
    }
    if errors.is_empty() {
        read_claims(claims, &mut intake, &mut errors)?;
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    let results = match results {
        Some(r) => parse_results_csv(contract, r)?,
        None => Vec::new(),
    };
    check_results(contract, &results)?;
    Ok(run(contract, intake, &results))
}

fn read_participants<P: Read>(
    contract: &Contract,
    input: P,
    intake: &mut Intake<'_>,
    errors: &mut Vec<InputError>,
) -> Result<(), InputErrors> {
    const INPUT: &str = "participants";
    let mut rdr = reader(input);
    let cols = columns(INPUT, &mut rdr, &["participant", "cohort", "enrolled_on"], 3)?;
    let (c_id, c_cohort, c_enrolled) = (cols[0].unwrap_or(0), cols[1].unwrap_or(0), cols[2].unwrap_or(0));
    let mut rec = ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                push(errors, csv_error(INPUT, &e));
                break;
            }
        }
        let line = line_of(&rec);
        if intake.participant_count() >= limits::PARTICIPANTS_MAX {
            push(
                errors,
                InputError::new(
                    INPUT,
                    Some(line),
                    None,
                    "too_many_rows",
                    format!("At most {} participants", limits::PARTICIPANTS_MAX),
                ),
            );
            break;
        }
        let row = (|| -> Result<(), InputError> {
            let id = text(INPUT, &rec, c_id, "participant")?;
            super::claims::check_participant_id(id)
                .map_err(|(code, message)| InputError::new(INPUT, Some(line), Some("participant"), code, message))?;
            let code = text(INPUT, &rec, c_cohort, "cohort")?;
            let cohort = contract.cohort_index(code).ok_or_else(|| {
                InputError::new(
                    INPUT,
                    Some(line),
                    Some("cohort"),
                    "unknown_cohort",
                    format!("Cohort {code:?} is not in the contract"),
                )
            })?;
            let enrolled = date(INPUT, &rec, c_enrolled, "enrolled_on", true)?;
            let c = &contract.cohorts[cohort];
            if enrolled < day(c.start_on) || enrolled > day(c.end_on) {
                return Err(InputError::new(
                    INPUT,
                    Some(line),
                    Some("enrolled_on"),
                    "outside_cohort_dates",
                    format!("Enrolment must fall within cohort {code:?} ({} to {})", c.start_on, c.end_on),
                ));
            }
            if !intake.add_participant(id, u16::try_from(cohort).unwrap_or(u16::MAX), enrolled) {
                return Err(InputError::new(
                    INPUT,
                    Some(line),
                    Some("participant"),
                    "duplicate_participant",
                    format!("Participant {id:?} is listed twice"),
                ));
            }
            Ok(())
        })();
        if let Err(e) = row
            && push(errors, e)
        {
            break;
        }
    }
    Ok(())
}

fn read_claims<C: Read>(input: C, intake: &mut Intake<'_>, errors: &mut Vec<InputError>) -> Result<(), InputErrors> {
    const INPUT: &str = "claims";
    let mut rdr = reader(input);
    let cols = columns(INPUT, &mut rdr, &["participant", "metric", "event_on", "claimed_on", "cohort"], 3)?;
    let (c_id, c_metric, c_event) = (cols[0].unwrap_or(0), cols[1].unwrap_or(0), cols[2].unwrap_or(0));
    let (c_claimed, c_cohort) = (cols[3], cols[4]);
    let mut rec = ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                push(errors, csv_error(INPUT, &e));
                break;
            }
        }
        rows += 1;
        let line = line_of(&rec);
        if rows > limits::CLAIMS_MAX {
            push(
                errors,
                InputError::new(
                    INPUT,
                    Some(line),
                    None,
                    "too_many_rows",
                    format!("At most {} claims", limits::CLAIMS_MAX),
                ),
            );
            break;
        }
        let row = (|| -> Result<(), InputError> {
            let id = text(INPUT, &rec, c_id, "participant")?;
            let metric = text(INPUT, &rec, c_metric, "metric")?;
            let event = date(INPUT, &rec, c_event, "event_on", true)?;
            let claimed = match c_claimed {
                Some(c) => date(INPUT, &rec, c, "claimed_on", false)?,
                None => NO_DAY,
            };
            let cohort = match c_cohort {
                Some(c) => Some(text(INPUT, &rec, c, "cohort")?),
                None => None,
            };
            intake.add_claim(line, id, metric, cohort, event, claimed)
        })();
        if let Err(e) = row
            && push(errors, e)
        {
            break;
        }
    }
    Ok(())
}

/// Reads cohort results: `cohort,measure,value`, one row per measure.
///
/// | mechanism | measures |
/// | --- | --- |
/// | comparison_threshold | `participants`, `treatment`, `comparison` (events per 100, up to 4 decimals) |
/// | savings_share | `participants`, `taxes_difference`, `benefits_difference` (per person, currency amounts, may be negative) |
/// | fixed_targets | `participants`, and each target code: the participants who reached it |
pub fn parse_results_csv<R: Read>(contract: &Contract, input: R) -> Result<Vec<CohortResult>, InputErrors> {
    const INPUT: &str = "results";
    let mut rdr = reader(input);
    let cols = columns(INPUT, &mut rdr, &["cohort", "measure", "value"], 3)?;
    let (c_cohort, c_measure, c_value) = (cols[0].unwrap_or(0), cols[1].unwrap_or(0), cols[2].unwrap_or(0));
    let measures: Vec<&str> = match &contract.mechanism {
        PaymentMechanism::RateCard => vec!["participants"],
        PaymentMechanism::ComparisonThreshold { .. } => vec!["participants", "treatment", "comparison"],
        PaymentMechanism::SavingsShare { .. } => vec!["participants", "taxes_difference", "benefits_difference"],
        PaymentMechanism::FixedTargets { targets } => {
            std::iter::once("participants").chain(targets.iter().map(|t| t.code.as_str())).collect()
        }
    };
    let scale = contract.currency.scale();
    // values[cohort][measure], with the line it came from.
    let mut values: Vec<Vec<Option<(i64, u64)>>> = vec![vec![None; measures.len()]; contract.cohorts.len()];
    let mut errors = Vec::new();
    let mut rec = ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                push(&mut errors, csv_error(INPUT, &e));
                break;
            }
        }
        rows += 1;
        let line = line_of(&rec);
        let row = (|| -> Result<(), InputError> {
            if rows > limits::RESULT_ROWS_MAX {
                return Err(InputError::new(
                    INPUT,
                    Some(line),
                    None,
                    "too_many_rows",
                    format!("At most {} rows", limits::RESULT_ROWS_MAX),
                ));
            }
            let code = text(INPUT, &rec, c_cohort, "cohort")?;
            let cohort = contract.cohort_index(code).ok_or_else(|| {
                InputError::new(
                    INPUT,
                    Some(line),
                    Some("cohort"),
                    "unknown_cohort",
                    format!("Cohort {code:?} is not in the contract"),
                )
            })?;
            let measure = text(INPUT, &rec, c_measure, "measure")?;
            let m = measures.iter().position(|x| *x == measure).ok_or_else(|| {
                InputError::new(
                    INPUT,
                    Some(line),
                    Some("measure"),
                    "unknown_measure",
                    format!("Unknown measure {measure:?}; this contract's measures are {}", measures.join(", ")),
                )
            })?;
            let raw = text(INPUT, &rec, c_value, "value")?;
            let bad = |e: crate::FieldError| InputError::new(INPUT, Some(line), Some("value"), e.code, e.message);
            let value = match (&contract.mechanism, measure) {
                (_, "participants") => parse_count(raw).map_err(bad)?,
                (PaymentMechanism::ComparisonThreshold { .. }, _) => parse_minor(measure, raw, 4).map_err(bad)?,
                (PaymentMechanism::SavingsShare { .. }, _) => {
                    let v = parse_minor(measure, raw, scale).map_err(bad)?;
                    if v.abs() > limits::AMOUNT_MINOR_MAX {
                        return Err(InputError::new(
                            INPUT,
                            Some(line),
                            Some("value"),
                            "out_of_range",
                            "The amount is too large",
                        ));
                    }
                    v
                }
                _ => parse_count(raw).map_err(bad)?,
            };
            let slot = &mut values[cohort][m];
            if slot.is_some() {
                return Err(InputError::new(
                    INPUT,
                    Some(line),
                    Some("measure"),
                    "duplicate_measure",
                    format!("Cohort {code:?} has {measure:?} twice"),
                ));
            }
            *slot = Some((value, line));
            Ok(())
        })();
        if let Err(e) = row
            && push(&mut errors, e)
        {
            break;
        }
    }
    let mut results = Vec::new();
    for (ci, row) in values.iter().enumerate() {
        if row.iter().all(Option::is_none) {
            continue; // not measured yet
        }
        let code = &contract.cohorts[ci].code;
        if let Some(k) = row.iter().position(Option::is_none) {
            errors.push(InputError::new(
                INPUT,
                None,
                Some("measure"),
                "missing_measure",
                format!("Cohort {code:?} has no {:?}", measures[k]),
            ));
            continue;
        }
        let v: Vec<i64> = row.iter().map(|x| x.map_or(0, |(v, _)| v)).collect();
        let participants = u32::try_from(v[0]).unwrap_or(u32::MAX);
        let measures_of = match &contract.mechanism {
            PaymentMechanism::ComparisonThreshold { .. } => {
                CohortMeasures::Comparison { treatment_e4: v[1], comparison_e4: v[2] }
            }
            PaymentMechanism::SavingsShare { .. } => {
                CohortMeasures::Savings { taxes_difference_minor: v[1], benefits_difference_minor: v[2] }
            }
            PaymentMechanism::FixedTargets { .. } => CohortMeasures::Targets {
                achieved: measures
                    .iter()
                    .zip(&v)
                    .skip(1)
                    .map(|(m, n)| ((*m).to_string(), u32::try_from(*n).unwrap_or(u32::MAX)))
                    .collect(),
            },
            PaymentMechanism::RateCard => continue,
        };
        results.push(CohortResult { cohort: code.clone(), participants, measures: measures_of });
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    check_results(contract, &results)?;
    Ok(results)
}

fn parse_count(raw: &str) -> Result<i64, crate::FieldError> {
    match raw.parse::<u32>() {
        Ok(n) => Ok(i64::from(n)),
        Err(_) => Err(crate::FieldError::new("value", "invalid_count", "The value must be a whole number of persons")),
    }
}
