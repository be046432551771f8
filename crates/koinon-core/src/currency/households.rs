//! The list of eligible households a programme reads from the social services: CSV text
//! (UTF-8, comma-separated, a header line, columns by name in any order, spaces trimmed), or a
//! worksheet turned into the same text (`crate::outcomes::read_sheet`).
//!
//! Columns: `household,size,eligible_from` required; `eligible_to,locale,contact` optional.
//! Every row is checked and every problem named by line and column; a file with any problem
//! is refused whole by the caller.

use csv::{ReaderBuilder, StringRecord, Trim};
use serde::Serialize;

use super::limits;
use crate::finance::parse_date;
use crate::locale::Locale;
use crate::outcomes::InputError;
use crate::outcomes::csv::header_columns;

pub const INPUT: &str = "households";
pub const COLUMNS: &[&str] = &["household", "size", "eligible_from", "eligible_to", "locale", "contact"];

/// A household eligible for a programme. `reference` is the social services' pseudonymous
/// reference, never a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Household {
    pub reference: String,
    pub size: i64,
    pub eligible_from: String,
    pub eligible_to: Option<String>,
    /// The language notifications are sent in (`en`, `el`, `bg`, `et`, ...).
    pub locale: Option<String>,
    /// A phone number or email address for notifications.
    pub contact: Option<String>,
}

/// One data row of the file: the household, or the first problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdRow {
    pub line: u64,
    pub result: Result<Household, InputError>,
}

/// Reads the file: per data row its household or its problem; `Err` for a problem with the
/// whole file (header, size, too many rows, not CSV).
pub fn parse_households(text: &str) -> Result<Vec<HouseholdRow>, Vec<InputError>> {
    if text.len() > limits::FILE_BYTES_MAX {
        return Err(vec![InputError::new(
            INPUT,
            None,
            None,
            "file_too_large",
            format!("The file is larger than the limit of {} bytes", limits::FILE_BYTES_MAX),
        )]);
    }
    let mut rdr = ReaderBuilder::new().has_headers(true).trim(Trim::All).flexible(false).from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|_| vec![InputError::new(INPUT, Some(1), None, "invalid_csv", "The header is not valid CSV")])?
        .clone();
    let cols = header_columns(INPUT, headers.iter(), COLUMNS, 3)?;
    let mut rows = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut record = StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(line, csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("This row has {len} fields; the header has {expected_len}")
                    }
                    _ => "This row is not valid CSV text".to_string(),
                };
                rows.push(HouseholdRow { line, result: Err(InputError::new(INPUT, Some(line), None, "invalid_csv", message)) });
                // A broken row may leave the reader out of step; stop here.
                break;
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() >= limits::HOUSEHOLDS_MAX {
            return Err(vec![InputError::new(
                INPUT,
                Some(line),
                None,
                "too_many_rows",
                format!("At most {} households in one programme", limits::HOUSEHOLDS_MAX),
            )]);
        }
        let get = |k: usize| cols[k].and_then(|c| record.get(c)).unwrap_or("");
        let mut result = household(line, &get);
        if let Ok(h) = &result {
            if let Some(first) = seen.get(&h.reference) {
                result = Err(InputError::new(
                    INPUT,
                    Some(line),
                    Some("household"),
                    "duplicate_household",
                    format!("Household {} is listed twice (first on line {first})", h.reference),
                ));
            } else {
                seen.insert(h.reference.clone(), line);
            }
        }
        rows.push(HouseholdRow { line, result });
    }
    Ok(rows)
}

fn household<'a>(line: u64, get: &dyn Fn(usize) -> &'a str) -> Result<Household, InputError> {
    let err = |col: &str, code: &'static str, msg: String| InputError::new(INPUT, Some(line), Some(col), code, msg);
    let reference = get(0).to_string();
    if reference.is_empty()
        || reference.chars().count() > limits::HOUSEHOLD_REF_CHARS_MAX
        || !reference.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return Err(err(
            "household",
            "invalid_household",
            format!(
                "household is the social services' reference: 1 to {} of A-Z, a-z, 0-9, '-', '_', '.', '/'",
                limits::HOUSEHOLD_REF_CHARS_MAX
            ),
        ));
    }
    let size = get(1)
        .parse::<i64>()
        .ok()
        .filter(|s| (1..=limits::HOUSEHOLD_SIZE_MAX).contains(s))
        .ok_or_else(|| {
            err("size", "invalid_size", format!("size is the number of people, 1 to {}", limits::HOUSEHOLD_SIZE_MAX))
        })?;
    let date = |k: usize, name: &str| -> Result<Option<String>, InputError> {
        let raw = get(k);
        if raw.is_empty() {
            return Ok(None);
        }
        parse_date(raw)
            .map(|_| Some(raw.to_string()))
            .ok_or_else(|| err(name, "invalid_date", format!("{name} must be a date like 2026-01-31")))
    };
    let eligible_from = date(2, "eligible_from")?
        .ok_or_else(|| err("eligible_from", "required", "eligible_from is required".to_string()))?;
    let eligible_to = date(3, "eligible_to")?;
    if eligible_to.as_deref().is_some_and(|to| to < eligible_from.as_str()) {
        return Err(err("eligible_to", "ends_before_start", "eligible_to is before eligible_from".to_string()));
    }
    let locale = match get(4) {
        "" => None,
        raw => Some(
            Locale::from_tag(raw)
                .map(|l| l.code().to_string())
                .ok_or_else(|| err("locale", "invalid_locale", format!("Unknown language {raw:?}; use en, el, bg, et, ...")))?,
        ),
    };
    let contact = match get(5) {
        "" => None,
        raw if raw.chars().count() > limits::CONTACT_CHARS_MAX || raw.chars().any(char::is_control) => {
            return Err(err(
                "contact",
                "invalid_contact",
                format!("contact is a phone number or email of at most {} characters", limits::CONTACT_CHARS_MAX),
            ));
        }
        raw => Some(raw.to_string()),
    };
    Ok(Household { reference, size, eligible_from, eligible_to, locale, contact })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_errors_by_line() {
        let text = "household,size,eligible_from,eligible_to,locale\n\
                    H-001,3,2026-01-01,,zz\n\
                    H-002,0,2026-01-01,,\n\
                    H-003,2,2026-13-01,,\n\
                    H-001,1,2026-01-01,,\n\
                    H 5,1,2026-01-01,,\n\
                    H-006,2,2026-02-01,2026-01-01,\n\
                    H-007,2,2026-02-01,,en\n";
        let rows = parse_households(text).expect("file reads");
        let summary: Vec<(u64, Option<&str>, Option<&'static str>)> = rows
            .iter()
            .map(|r| match &r.result {
                Ok(_) => (r.line, None, None),
                Err(e) => (r.line, e.column.as_deref(), Some(e.code)),
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, Some("locale"), Some("invalid_locale")),
                (3, Some("size"), Some("invalid_size")),
                (4, Some("eligible_from"), Some("invalid_date")),
                (5, None, None),
                (6, Some("household"), Some("invalid_household")),
                (7, Some("eligible_to"), Some("ends_before_start")),
                (8, None, None),
            ]
        );
        // The first H-001 was refused, so the second is not a duplicate; repeat a good one.
        let rows = parse_households("household,size,eligible_from\nA,1,2026-01-01\nA,2,2026-01-01\n").expect("reads");
        assert_eq!(rows[1].result.as_ref().map_err(|e| e.code), Err("duplicate_household"));
        let err = parse_households("household,size\nA,1\n").expect_err("missing column");
        assert_eq!(err[0].code, "missing_column");
        let err = parse_households("household,size,eligible_from,name\n").expect_err("unknown column");
        assert_eq!(err[0].code, "unknown_column");
        let rows = parse_households("household,size,eligible_from\nA,1\n").expect("reads");
        assert_eq!(rows[0].result.as_ref().map_err(|e| e.code), Err("invalid_csv"));
    }
}
