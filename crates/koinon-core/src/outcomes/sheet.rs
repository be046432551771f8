//! Participants, claims and cohort results from XLSX workbooks, read as the same rows as the
//! CSV files of [`super::csv`].
//!
//! One worksheet is read: the one named by the caller, else the one named after the input
//! (`participants`, `claims`, `results`, in any case), else the first. Its first non-empty row
//! is the header (the same column names as in CSV), each later non-empty row a record. Cells are
//! turned into the text the CSV reader expects and the rows are checked by the very same code, so
//! the errors are the CSV errors, located by sheet, row and column letter:
//!
//! - date cells (Excel serial numbers) become `YYYY-MM-DD` (the day; a time of day is dropped);
//!   text dates are read as text;
//! - numbers become decimals as Excel shows them at full precision (15 significant digits), so
//!   `0.1` is `"0.1"`, never `0.1000000000000000055…`; where a whole number is required, `12.5`
//!   is refused as it is in CSV;
//! - a cell holding an Excel error (`#N/A`, `#DIV/0!`, ...) is refused.
//!
//! Limits: [`XLSX_BYTES_MAX`] for the file, [`XLSX_UNPACKED_BYTES_MAX`] for its unpacked parts,
//! [`SHEET_ROWS_MAX`] rows, [`SHEET_COLUMNS_MAX`] columns and [`CELL_CHARS_MAX`] characters a cell.
//! A file that is not an XLSX workbook is refused with an error, never a panic.

use std::fmt;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use serde::Serialize;

use super::contract::Contract;
use super::csv::payments_from_csv;
use super::payments::PaymentStatement;
use super::{InputError, InputErrors};

/// Size of an XLSX file in bytes.
pub const XLSX_BYTES_MAX: usize = 64 * 1024 * 1024;
/// Sum of the sizes of the parts of an XLSX file once unpacked (a ZIP bomb is refused).
pub const XLSX_UNPACKED_BYTES_MAX: u64 = 1024 * 1024 * 1024;
/// Rows of a worksheet, header included: Excel's own limit.
pub const SHEET_ROWS_MAX: u32 = 1_048_576;
/// Columns of a worksheet that may hold a value (the inputs have at most five).
pub const SHEET_COLUMNS_MAX: u32 = 64;
/// Characters in one cell: Excel's own limit.
pub const CELL_CHARS_MAX: usize = 32_767;

/// The first bytes of every XLSX file (a ZIP archive).
pub const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

/// Whether bytes look like the start of an XLSX file (a ZIP archive); CSV text never does.
pub fn looks_like_xlsx(start: &[u8]) -> bool {
    start.starts_with(ZIP_MAGIC)
}

/// A problem in an input read from a CSV file or a worksheet. For a CSV file it is the
/// [`InputError`] as it is; for a worksheet `line` is the row (1-based, as Excel numbers it),
/// `sheet` names the worksheet and `column_letter` the column (`"C"`), while `column` stays the
/// column's name (`"event_on"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableError {
    #[serde(flatten)]
    pub error: InputError,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_letter: Option<String>,
}

impl TableError {
    fn csv(error: InputError) -> Self {
        Self { error, sheet: None, column_letter: None }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(sheet) = &self.sheet else {
            return write!(f, "{}", self.error);
        };
        let e = &self.error;
        write!(f, "{} sheet {sheet:?}", e.input)?;
        if let Some(row) = e.line {
            write!(f, ", row {row}")?;
        }
        match (&self.column_letter, &e.column) {
            (Some(letter), Some(name)) => write!(f, ", column {letter} ({name})")?,
            (None, Some(name)) => write!(f, ", column {name}")?,
            (Some(letter), None) => write!(f, ", column {letter}")?,
            (None, None) => {}
        }
        write!(f, ": {}", e.message)
    }
}

/// Every problem found in the inputs; nothing is calculated when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct TableErrors(pub Vec<TableError>);

impl fmt::Display for TableErrors {
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

/// One worksheet turned into CSV text, with what is needed to name rows and columns again.
#[derive(Debug, Clone)]
pub struct SheetTable {
    input: &'static str,
    sheet: String,
    csv: Vec<u8>,
    /// (CSV line where a record starts, its worksheet row), in order; the header first.
    rows: Vec<(u64, u32)>,
    /// The header's column names and their 0-based worksheet columns.
    header: Vec<(String, u32)>,
}

impl SheetTable {
    /// The worksheet read.
    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// The rows as CSV text (every field quoted), for the CSV reader.
    pub fn csv(&self) -> &[u8] {
        &self.csv
    }

    /// The worksheet row (1-based) of the record that starts on a line of [`Self::csv`].
    pub fn row_of_line(&self, line: u64) -> Option<u64> {
        let k = self.rows.binary_search_by_key(&line, |(l, _)| *l).ok()?;
        self.rows.get(k).map(|(_, r)| u64::from(*r) + 1)
    }

    fn column_letter(&self, name: &str) -> Option<String> {
        self.header.iter().find(|(n, _)| n == name).map(|(_, c)| column_letter(*c))
    }

    /// A CSV error of this input, placed in the worksheet.
    pub fn locate(&self, mut error: InputError) -> TableError {
        let column_letter = error.column.as_deref().and_then(|c| self.column_letter(c));
        error.line = error.line.and_then(|l| self.row_of_line(l));
        TableError { error, sheet: Some(self.sheet.clone()), column_letter }
    }

    fn error(&self, row: u32, col: Option<u32>, code: &'static str, message: impl Into<String>) -> TableError {
        let name = col.and_then(|c| self.header.iter().find(|(_, hc)| *hc == c)).map(|(n, _)| n.as_str());
        TableError {
            error: InputError::new(self.input, Some(u64::from(row) + 1), name, code, message),
            sheet: Some(self.sheet.clone()),
            column_letter: col.map(column_letter),
        }
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column_letter(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = u8::try_from((n - 1) % 26).unwrap_or(0);
        out.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// An input of the payment calculation: CSV text or a worksheet.
pub enum Table<R> {
    Csv(R),
    Sheet(SheetTable),
}

/// The reader given to the CSV parser for a [`Table`].
enum TableReader<R> {
    Csv(R),
    Sheet(Cursor<Vec<u8>>),
}

impl<R: Read> Read for TableReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            TableReader::Csv(r) => r.read(buf),
            TableReader::Sheet(r) => r.read(buf),
        }
    }
}

impl<R: Read> Table<R> {
    fn split(self) -> (TableReader<R>, Option<SheetTable>) {
        match self {
            Table::Csv(r) => (TableReader::Csv(r), None),
            Table::Sheet(mut s) => {
                let csv = std::mem::take(&mut s.csv);
                (TableReader::Sheet(Cursor::new(csv)), Some(s))
            }
        }
    }
}

/// [`payments_from_csv`] with each input from CSV or a worksheet. Errors are located in the
/// worksheet they come from, and refused claims read from a worksheet carry its row numbers.
pub fn payments_from_tables<P: Read, C: Read, R: Read>(
    contract: &Contract,
    participants: Option<Table<P>>,
    claims: Table<C>,
    results: Option<Table<R>>,
) -> Result<PaymentStatement, TableErrors> {
    let (participants, participants_sheet) = match participants.map(Table::split) {
        Some((r, s)) => (Some(r), s),
        None => (None, None),
    };
    let (claims, claims_sheet) = claims.split();
    let (results, results_sheet) = match results.map(Table::split) {
        Some((r, s)) => (Some(r), s),
        None => (None, None),
    };
    let sheets = [&participants_sheet, &claims_sheet, &results_sheet];
    match payments_from_csv(contract, participants, claims, results) {
        Ok(mut statement) => {
            if let Some(sheet) = &claims_sheet {
                for refusal in &mut statement.refusals {
                    refusal.line = sheet.row_of_line(refusal.line).unwrap_or(refusal.line);
                }
            }
            Ok(statement)
        }
        Err(InputErrors(errors)) => Err(TableErrors(
            errors
                .into_iter()
                .map(|e| match sheets.iter().find_map(|s| s.as_ref().filter(|s| s.input == e.input)) {
                    Some(sheet) => sheet.locate(e),
                    None => TableError::csv(e),
                })
                .collect(),
        )),
    }
}

fn file_error(input: &'static str, code: &'static str, message: impl Into<String>) -> TableErrors {
    TableErrors(vec![TableError::csv(InputError::new(input, None, None, code, message))])
}

/// Reads one worksheet of an XLSX file as the rows of `input` (`participants`, `claims` or
/// `results`): the worksheet `sheet` if given, else the one named like the input, else the
/// first.
pub fn read_sheet(input: &'static str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<SheetTable, TableErrors> {
    if bytes.len() > XLSX_BYTES_MAX {
        return Err(file_error(
            input,
            "file_too_large",
            format!("The workbook is larger than the limit of {XLSX_BYTES_MAX} bytes"),
        ));
    }
    let not_xlsx = || file_error(input, "invalid_xlsx", "The file is not an XLSX workbook (Excel 2007 or later)");
    if !looks_like_xlsx(&bytes) {
        return Err(not_xlsx());
    }
    // A ZIP bomb is refused before anything is unpacked.
    {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).map_err(|_| not_xlsx())?;
        let mut unpacked = 0u64;
        for i in 0..zip.len() {
            let part = zip.by_index_raw(i).map_err(|_| not_xlsx())?;
            unpacked = unpacked.saturating_add(part.size());
        }
        if unpacked > XLSX_UNPACKED_BYTES_MAX {
            return Err(file_error(
                input,
                "file_too_large",
                format!("The workbook unpacks to more than the limit of {XLSX_UNPACKED_BYTES_MAX} bytes"),
            ));
        }
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names.iter().find(|n| n.as_str() == wanted).cloned().ok_or_else(|| {
            file_error(
                input,
                "sheet_not_found",
                format!("The workbook has no sheet {wanted:?}; its sheets are {}", quoted(&names)),
            )
        })?,
        None => names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(input))
            .or_else(|| names.first())
            .cloned()
            .ok_or_else(|| file_error(input, "sheet_not_found", "The workbook has no worksheet"))?,
    };
    let mut cells = book.worksheet_cells_reader(&name).map_err(|_| {
        file_error(input, "invalid_xlsx", format!("The sheet {name:?} cannot be read (not a worksheet, or damaged)"))
    })?;
    let mut table = SheetTable { input, sheet: name, csv: Vec::new(), rows: Vec::new(), header: Vec::new() };
    let mut errors = Vec::new();
    // The row being gathered: its number and its (column, text) cells.
    let mut row: Option<(u32, Vec<(u32, String)>)> = None;
    let mut lines: u64 = 1;
    loop {
        let cell = match cells.next_cell() {
            Ok(c) => c,
            Err(_) => {
                let at = row.as_ref().map_or(0, |(r, _)| *r);
                errors.push(table.error(at, None, "invalid_xlsx", "The sheet is damaged and cannot be read past here"));
                break;
            }
        };
        let (r, c) = cell.as_ref().map_or((u32::MAX, 0), calamine::Cell::get_position);
        if row.as_ref().is_some_and(|(current, _)| *current != r)
            && let Some((current, values)) = row.take()
        {
            if r < current {
                errors.push(table.error(r, None, "invalid_xlsx", "The rows of the sheet are out of order"));
                break;
            }
            if let Err(e) = table.push_row(current, values, &mut lines) {
                let stop = e.error.code == "too_many_rows";
                errors.push(*e);
                if stop || errors.len() >= super::limits::INPUT_ERRORS_MAX {
                    break;
                }
            }
        }
        let Some(cell) = cell else { break };
        if r >= SHEET_ROWS_MAX {
            errors.push(table.error(r, None, "too_many_rows", format!("At most {SHEET_ROWS_MAX} rows")));
            break;
        }
        let text = match cell_text(cell.get_value()) {
            Ok(None) => continue,
            Ok(Some(t)) => t,
            Err((code, message)) => {
                errors.push(table.error(r, Some(c), code, message));
                if errors.len() >= super::limits::INPUT_ERRORS_MAX {
                    break;
                }
                continue;
            }
        };
        if c >= SHEET_COLUMNS_MAX {
            errors.push(table.error(
                r,
                Some(c),
                "too_many_columns",
                format!("A value beyond column {}", column_letter(SHEET_COLUMNS_MAX - 1)),
            ));
            break;
        }
        if text.chars().count() > CELL_CHARS_MAX {
            errors.push(table.error(r, Some(c), "cell_too_long", format!("At most {CELL_CHARS_MAX} characters")));
            continue;
        }
        row.get_or_insert_with(|| (r, Vec::new())).1.push((c, text));
    }
    if !errors.is_empty() {
        return Err(TableErrors(errors));
    }
    if table.rows.is_empty() {
        return Err(TableErrors(vec![TableError {
            error: InputError::new(input, None, None, "empty_sheet", "The sheet is empty: it needs a header row"),
            sheet: Some(table.sheet.clone()),
            column_letter: None,
        }]));
    }
    Ok(table)
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

impl SheetTable {
    /// Appends a non-empty row as a CSV record: the first is the header.
    fn push_row(&mut self, row: u32, values: Vec<(u32, String)>, lines: &mut u64) -> Result<(), Box<TableError>> {
        if values.iter().all(|(_, v)| v.trim().is_empty()) {
            return Ok(()); // a blank row, skipped as a blank CSV line is
        }
        if self.rows.is_empty() {
            let width = values.iter().map(|(c, _)| c + 1).max().unwrap_or(0);
            let mut names = vec![String::new(); usize::try_from(width).unwrap_or(0)];
            for (c, v) in values {
                if let Some(slot) = names.get_mut(usize::try_from(c).unwrap_or(usize::MAX)) {
                    *slot = v.trim_start_matches('\u{feff}').trim().to_string();
                }
            }
            self.header = names.iter().zip(0..).map(|(n, c)| (n.clone(), c)).collect();
            self.write_record(row, names.iter().map(String::as_str), lines);
            return Ok(());
        }
        let width = u32::try_from(self.header.len()).unwrap_or(u32::MAX);
        if let Some((c, _)) = values.iter().find(|(c, v)| *c >= width && !v.trim().is_empty()) {
            return Err(Box::new(self.error(
                row,
                Some(*c),
                "value_outside_columns",
                "A value in a column without a header",
            )));
        }
        if u64::try_from(self.rows.len()).unwrap_or(u64::MAX) >= u64::from(SHEET_ROWS_MAX) {
            return Err(Box::new(self.error(row, None, "too_many_rows", format!("At most {SHEET_ROWS_MAX} rows"))));
        }
        let mut fields = vec![""; self.header.len()];
        for (c, v) in &values {
            if let Some(slot) = fields.get_mut(usize::try_from(*c).unwrap_or(usize::MAX)) {
                *slot = v;
            }
        }
        self.write_record(row, fields.into_iter(), lines);
        Ok(())
    }

    fn write_record<'s>(&mut self, row: u32, fields: impl Iterator<Item = &'s str>, lines: &mut u64) {
        self.rows.push((*lines, row));
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.csv.push(b',');
            }
            self.csv.push(b'"');
            for b in field.bytes() {
                if b == b'"' {
                    self.csv.push(b'"');
                }
                if b == b'\n' {
                    *lines += 1;
                }
                self.csv.push(b);
            }
            self.csv.push(b'"');
        }
        self.csv.push(b'\n');
        *lines += 1;
    }
}

/// The text of a cell as it would be in a CSV file; `None` for an empty cell.
fn cell_text(value: &DataRef<'_>) -> Result<Option<String>, (&'static str, String)> {
    Ok(Some(match value {
        DataRef::Empty => return Ok(None),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) => number_text(*f).ok_or(("invalid_number", "The number is not finite".to_string()))?,
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => {
            let serial = d.as_f64();
            if !serial.is_finite() || serial < 1.0 {
                return Err(("invalid_date", "The date cell holds no calendar date".to_string()));
            }
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        DataRef::DateTime(d) => {
            number_text(d.as_f64()).ok_or(("invalid_number", "The number is not finite".to_string()))?
        }
        // An ISO date-time keeps its day; a time of day is dropped as for a date cell.
        DataRef::DateTimeIso(s) => match s.split_once('T') {
            Some((date, _)) => date.to_string(),
            None => s.clone(),
        },
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Err(("cell_error", format!("The cell holds the error {e}"))),
    }))
}

/// A number as Excel shows it at full precision: at most 15 significant digits, no exponent,
/// no trailing zeros (`0.1` → `"0.1"`, `1330` → `"1330"`, `-1340.5` → `"-1340.5"`).
pub fn number_text(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some("0".to_string());
    }
    let formatted = format!("{v:.14e}"); // d.dddddddddddddde±x: 15 significant digits
    let (mantissa, exponent) = formatted.split_once('e')?;
    let exponent: i64 = exponent.parse().ok()?;
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let point = exponent + 1; // digits before the decimal point
    let len = i64::try_from(digits.len()).ok()?;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', usize::try_from(-point).ok()?));
        out.push_str(digits);
    } else if point >= len {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', usize::try_from(point - len).ok()?));
    } else {
        let split = usize::try_from(point).ok()?;
        out.push_str(&digits[..split]);
        out.push('.');
        out.push_str(&digits[split..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        let cases = [
            (0.1, "0.1"),
            (0.1 + 0.2, "0.3"),
            (1330.0, "1330"),
            (-1340.0, "-1340"),
            (1234.56, "1234.56"),
            (-0.005, "-0.005"),
            (12.5, "12.5"),
            (1e20, "100000000000000000000"),
            (0.000_000_1, "0.0000001"),
            (142.0, "142"),
            (99_999_999_999.99, "99999999999.99"),
        ];
        for (v, text) in cases {
            assert_eq!(number_text(v).as_deref(), Some(text), "{v}");
        }
        assert_eq!(number_text(f64::NAN), None);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
    }
}
