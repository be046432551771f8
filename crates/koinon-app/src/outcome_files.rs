//! Import files of outcomes contracts as they arrive from a browser or an API client: CSV text
//! or an XLSX workbook (detected by its first bytes, `PK\x03\x04`, or a `.xlsx` name). A
//! worksheet is turned into the CSV text the imports read (`koinon_core::outcomes::read_sheet`),
//! and the imports' answers are placed back in the worksheet: a row's `line` becomes its
//! worksheet row (as Excel numbers it), and a refused commit's `line N` fields become
//! `row N`, with the sheet's name in the message.

use koinon_core::FieldError;
use koinon_core::outcomes::{SheetTable, read_sheet, sheet::looks_like_xlsx};

use crate::AppError;
use crate::outcomes::{IMPORT_BYTES_MAX, ImportReport};

/// The media type of an XLSX workbook.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Characters of a worksheet's name.
pub const SHEET_NAME_MAX_CHARS: usize = 31;

/// An uploaded import file, read.
#[derive(Debug, Clone)]
pub enum ImportFile {
    Csv(String),
    Sheet(SheetImport),
}

/// One worksheet of a workbook as CSV text, with its rows.
#[derive(Debug, Clone)]
pub struct SheetImport {
    csv: String,
    table: SheetTable,
}

impl ImportFile {
    /// Reads an upload of `input` (`participants`, `claims`, `results`): an XLSX workbook when
    /// it starts like one or is named `*.xlsx` (the worksheet `sheet`, else the one named like
    /// the input, else the first), CSV text (UTF-8) otherwise. Errors name `field`.
    pub fn read(
        input: &'static str,
        field: &str,
        file_name: &str,
        bytes: Vec<u8>,
        sheet: Option<&str>,
    ) -> Result<Self, AppError> {
        if bytes.is_empty() {
            return Err(AppError::invalid(field, "empty_file", "The file is empty"));
        }
        if bytes.len() > IMPORT_BYTES_MAX {
            return Err(AppError::invalid(
                field,
                "file_too_large",
                format!("The file is larger than the limit of {IMPORT_BYTES_MAX} bytes"),
            ));
        }
        let sheet = sheet.map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = sheet
            && s.chars().count() > SHEET_NAME_MAX_CHARS
        {
            return Err(AppError::invalid(
                "sheet",
                "too_long",
                format!("A worksheet's name has at most {SHEET_NAME_MAX_CHARS} characters"),
            ));
        }
        let named_xlsx = file_name.to_ascii_lowercase().ends_with(".xlsx");
        if named_xlsx || looks_like_xlsx(&bytes) {
            return Self::sheet(input, field, bytes, sheet);
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            AppError::invalid(field, "invalid_utf8", "The file is neither an XLSX workbook nor UTF-8 CSV text")
        })?;
        Ok(ImportFile::Csv(text))
    }

    /// Reads an XLSX workbook (an API body sent as [`XLSX_CONTENT_TYPE`]).
    pub fn sheet(input: &'static str, field: &str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Self, AppError> {
        if bytes.len() > IMPORT_BYTES_MAX {
            return Err(AppError::invalid(
                field,
                "file_too_large",
                format!("The workbook is larger than the limit of {IMPORT_BYTES_MAX} bytes"),
            ));
        }
        let sheet = sheet.map(str::trim).filter(|s| !s.is_empty());
        let table = read_sheet(input, bytes, sheet).map_err(|errors| {
            AppError::Invalid(
                errors
                    .0
                    .into_iter()
                    .map(|e| {
                        let where_ = match (&e.sheet, e.error.line) {
                            (Some(s), Some(row)) => format!("sheet {s:?}, row {row}: "),
                            (Some(s), None) => format!("sheet {s:?}: "),
                            _ => String::new(),
                        };
                        let f = e.error.line.map_or_else(|| field.to_string(), |row| format!("row {row}"));
                        FieldError::new(f, e.error.code, format!("{where_}{}", e.error.message))
                    })
                    .collect(),
            )
        })?;
        let csv = String::from_utf8(table.csv().to_vec())
            .map_err(|_| AppError::invalid(field, "invalid_utf8", "The worksheet does not convert to UTF-8 text"))?;
        if csv.len() > IMPORT_BYTES_MAX {
            return Err(AppError::invalid(
                field,
                "file_too_large",
                format!("The worksheet's rows are larger than the limit of {IMPORT_BYTES_MAX} bytes"),
            ));
        }
        Ok(ImportFile::Sheet(SheetImport { csv, table }))
    }

    /// The text the imports read.
    pub fn csv(&self) -> &str {
        match self {
            ImportFile::Csv(text) => text,
            ImportFile::Sheet(s) => &s.csv,
        }
    }

    /// The worksheet read, for a workbook.
    pub fn sheet_name(&self) -> Option<&str> {
        match self {
            ImportFile::Csv(_) => None,
            ImportFile::Sheet(s) => Some(s.table.sheet()),
        }
    }

    /// The worksheet row of a line of [`Self::csv`] (for CSV text, the line itself).
    pub fn row_of_line(&self, line: u64) -> u64 {
        match self {
            ImportFile::Csv(_) => line,
            ImportFile::Sheet(s) => s.table.row_of_line(line).unwrap_or(line),
        }
    }

    /// A preview or commit report with its lines turned into worksheet rows.
    pub fn locate(&self, mut report: ImportReport) -> ImportReport {
        let ImportFile::Sheet(s) = self else { return report };
        for row in &mut report.rows {
            row.line = s.table.row_of_line(row.line).unwrap_or(row.line);
        }
        for e in &mut report.file_errors {
            e.line = e.line.map(|l| s.table.row_of_line(l).unwrap_or(l));
        }
        report
    }

    /// A refused commit's errors with their `line N` fields (also `results line N`) turned
    /// into worksheet rows (`row N`, `results row N`).
    pub fn locate_error(&self, error: AppError) -> AppError {
        let ImportFile::Sheet(s) = self else { return error };
        let AppError::Invalid(errors) = error else { return error };
        AppError::Invalid(
            errors
                .into_iter()
                .map(|e| {
                    let (prefix, rest) = match e.field.rfind("line ") {
                        Some(at) => (&e.field[..at], &e.field[at + "line ".len()..]),
                        None => return e,
                    };
                    let Ok(line) = rest.parse::<u64>() else { return e };
                    let row = s.table.row_of_line(line).unwrap_or(line);
                    FieldError::new(
                        format!("{prefix}row {row}"),
                        e.code,
                        format!("sheet {:?}, row {row}: {}", s.table.sheet(), e.message),
                    )
                })
                .collect(),
        )
    }
}
