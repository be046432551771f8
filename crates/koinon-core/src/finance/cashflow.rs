//! Cash flows and the cash-flow CSV file (`date,amount`).

use time::Date;

use crate::FieldError;
use crate::money::{Currency, minor_to_decimal};

/// The most data rows a cash-flow file may have.
pub const CASHFLOW_ROWS_MAX: usize = 1_000_000;

/// The largest cash-flow file, in bytes (64 MiB).
pub const CASHFLOW_CSV_BYTES_MAX: usize = 64 * 1024 * 1024;

/// One dated amount, seen from the investor (or whoever the file belongs to): negative is paid
/// out, positive is received. Integer minor units at the scale of the file it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cashflow {
    pub date: Date,
    pub amount_minor: i64,
}

impl Cashflow {
    pub fn new(date: Date, amount_minor: i64) -> Self {
        Self { date, amount_minor }
    }
}

/// The cash flows of a file, in file order, and the scale (decimal places) of their minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashflowFile {
    pub flows: Vec<Cashflow>,
    pub scale: u8,
}

/// Parses a cash-flow CSV: the header exactly `date,amount`, then one row per flow with an ISO
/// date (`2008-01-01`) and a plain decimal amount (`-10000`, `12500.50`).
///
/// With `scale` `None` the amounts are read at the largest number of decimals in the file (at
/// most 8); with `Some(s)` at `s` decimals, and an amount with more decimals is an error. Amounts
/// are exact: they are never read through floating point. Errors name the line and the column:
/// `line 4, amount: "12,5" is not a decimal`.
pub fn parse_cashflows_csv(text: &str, scale: Option<u8>) -> Result<CashflowFile, FieldError> {
    if scale.is_some_and(|s| s > Currency::MAX_SCALE) {
        return Err(FieldError::new(
            "scale",
            "invalid_scale",
            format!("scale must be between 0 and {}", Currency::MAX_SCALE),
        ));
    }
    if text.len() > CASHFLOW_CSV_BYTES_MAX {
        return Err(FieldError::new(
            "file",
            "file_too_large",
            format!("the file is larger than {} MiB", CASHFLOW_CSV_BYTES_MAX / (1024 * 1024)),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());

    // First pass: shape, dates and decimal syntax; the scale is known only at the end.
    struct Row {
        line: u64,
        date: Date,
        amount: String,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut header_seen = false;
    let mut decimals_max: usize = 0;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            FieldError::new(format!("line {line}"), "invalid_csv", format!("not a valid CSV row: {e}"))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let at = || format!("line {line}");
        if !header_seen {
            if record.len() != 2 || &record[0] != "date" || &record[1] != "amount" {
                return Err(FieldError::new(
                    at(),
                    "invalid_header",
                    format!(
                        "the header must be exactly \"date,amount\", found {:?}",
                        record.iter().collect::<Vec<_>>().join(",")
                    ),
                ));
            }
            header_seen = true;
            continue;
        }
        if record.len() != 2 {
            return Err(FieldError::new(
                at(),
                "wrong_column_count",
                format!("expected 2 columns (date,amount), found {}", record.len()),
            ));
        }
        if rows.len() == CASHFLOW_ROWS_MAX {
            return Err(FieldError::new(
                at(),
                "too_many_rows",
                format!("a cash-flow file can have at most {CASHFLOW_ROWS_MAX} rows"),
            ));
        }
        let date = super::parse_date(&record[0]).ok_or_else(|| {
            FieldError::new(
                format!("line {line}, date"),
                "invalid_date",
                format!("{:?} is not a date like 2008-01-01 (YYYY-MM-DD)", &record[0]),
            )
        })?;
        let amount = &record[1];
        let decimals = decimal_places(amount).ok_or_else(|| {
            FieldError::new(
                format!("line {line}, amount"),
                "invalid_amount",
                format!("{amount:?} is not a decimal (like -10000 or 12500.50)"),
            )
        })?;
        let allowed = scale.unwrap_or(Currency::MAX_SCALE);
        if decimals > usize::from(allowed) {
            return Err(FieldError::new(
                format!("line {line}, amount"),
                "too_many_decimals",
                format!("{amount:?} has {decimals} decimals, at most {allowed} allowed"),
            ));
        }
        decimals_max = decimals_max.max(decimals);
        rows.push(Row { line, date, amount: amount.to_string() });
    }
    if !header_seen {
        return Err(FieldError::new(
            "line 1",
            "invalid_header",
            "the file is empty: the header must be \"date,amount\"",
        ));
    }
    if rows.is_empty() {
        return Err(FieldError::new("file", "no_cashflows", "the file has a header but no cash flows"));
    }
    let scale = match scale {
        Some(s) => s,
        // At most Currency::MAX_SCALE by the check above.
        None => u8::try_from(decimals_max).unwrap_or(Currency::MAX_SCALE),
    };

    // Second pass: exact integer minor units at the scale.
    let mut flows = Vec::with_capacity(rows.len());
    for row in rows {
        let amount_minor = crate::money::parse_minor("amount", &row.amount, scale).map_err(|e| {
            let field = format!("line {}, amount", row.line);
            if e.code == "amount_too_large" {
                FieldError::new(
                    field,
                    "amount_too_large",
                    format!(
                        "{:?} is too large: at {scale} decimals an amount can be at most {}",
                        row.amount,
                        minor_to_decimal(i64::MAX, scale)
                    ),
                )
            } else {
                FieldError::new(field, e.code, format!("{:?} is not a decimal", row.amount))
            }
        })?;
        flows.push(Cashflow { date: row.date, amount_minor });
    }
    Ok(CashflowFile { flows, scale })
}

/// The number of decimals of a plain decimal (`-12`, `0.50`), or `None` if it is not one.
fn decimal_places(raw: &str) -> Option<usize> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!whole.is_empty() && all_digits(whole) && all_digits(frac)).then_some(frac.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_syntax() {
        assert_eq!(decimal_places("-100000"), Some(0));
        assert_eq!(decimal_places("12500.50"), Some(2));
        for bad in ["", "-", "1.", ".5", "12,5", "1e3", "--1", "+1", "1.2.3", "0x10"] {
            assert_eq!(decimal_places(bad), None, "{bad:?}");
        }
    }
}
