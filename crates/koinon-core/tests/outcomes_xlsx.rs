//! Outcomes inputs from XLSX workbooks: the same statements as from the CSV files of
//! examples/outcomes, date cells and text dates, numbers without float noise, the CSV errors
//! located by sheet, row and column, and damaged or foreign files refused cleanly.
//!
//! The workbooks are written in each test with rust_xlsxwriter.

use std::path::{Path, PathBuf};

use koinon_core::outcomes::sheet::{SHEET_COLUMNS_MAX, number_text};
use koinon_core::outcomes::{
    Contract, PaymentStatement, Refusal, Table, TableErrors, payments_from_csv, payments_from_tables, read_sheet,
};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Error = Box<dyn std::error::Error>;

fn example(name: &str) -> Result<String, Error> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/outcomes");
    Ok(std::fs::read_to_string(dir.join(name))?)
}

/// How a CSV field is written into a cell.
#[derive(Clone, Copy, PartialEq)]
enum Dates {
    /// ISO dates as date cells (Excel serial numbers with a date format).
    Cells,
    /// ISO dates as text.
    Text,
    /// Date cells on even rows, text on odd rows.
    Mixed,
}

/// A worksheet with the rows of a CSV text: numbers as number cells, dates as `dates` says,
/// the rest as text. `skip` blank rows come first.
struct SheetSpec<'a> {
    name: &'a str,
    csv: &'a str,
    dates: Dates,
    skip: u32,
}

fn workbook(sheets: &[SheetSpec<'_>]) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    // A fixed creation time, so that the same sheets give the same bytes.
    book.set_properties(&DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?));
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for spec in sheets {
        let ws = book.add_worksheet();
        ws.set_name(spec.name)?;
        for (i, line) in spec.csv.lines().enumerate() {
            let row = u32::try_from(i)? + spec.skip;
            for (col, field) in line.split(',').enumerate() {
                let col = u16::try_from(col)?;
                let is_date = field.len() == 10 && field.as_bytes().get(4) == Some(&b'-');
                let as_cell = match spec.dates {
                    Dates::Cells => true,
                    Dates::Text => false,
                    Dates::Mixed => row % 2 == 0,
                };
                if i > 0 && is_date && as_cell {
                    let (y, m, d) = (field[0..4].parse()?, field[5..7].parse()?, field[8..10].parse()?);
                    ws.write_datetime_with_format(row, col, ExcelDateTime::from_ymd(y, m, d)?, &date_format)?;
                } else if i > 0
                    && let Ok(n) = field.parse::<f64>()
                {
                    ws.write_number(row, col, n)?;
                } else if !field.is_empty() {
                    ws.write_string(row, col, field)?;
                }
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

fn sheet(input: &'static str, bytes: Vec<u8>) -> Result<Table<&'static [u8]>, TableErrors> {
    read_sheet(input, bytes, None).map(Table::Sheet)
}

const NO_CLAIMS: &[u8] = b"participant,metric,event_on\n";

#[test]
fn dwp_workbook_gives_the_same_statement_as_the_csv_files() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let participants = example("dwp-rate-card.participants.csv")?;
    let claims = example("dwp-rate-card.claims.csv")?;
    let from_csv = payments_from_csv(&contract, Some(participants.as_bytes()), claims.as_bytes(), None::<&[u8]>)?;
    // One workbook, a sheet per input, found by name; dates as cells and as text side by side.
    let book = workbook(&[
        SheetSpec { name: "Participants", csv: &participants, dates: Dates::Cells, skip: 0 },
        SheetSpec { name: "Claims", csv: &claims, dates: Dates::Mixed, skip: 0 },
    ])?;
    let from_xlsx = payments_from_tables(
        &contract,
        Some(sheet("participants", book.clone())?),
        sheet("claims", book)?,
        None::<Table<&[u8]>>,
    )?;
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(from_xlsx.total_due.minor, 1_270_000);
    Ok(())
}

#[test]
fn refused_claims_carry_the_row_of_the_sheet() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let participants = example("dwp-rate-card.participants.csv")?;
    let claims = example("dwp-rate-card.claims.csv")?;
    // Three blank rows above the header: CSV line 8 is row 11.
    let book = workbook(&[SheetSpec { name: "claims", csv: &claims, dates: Dates::Cells, skip: 3 }])?;
    let s: PaymentStatement = payments_from_tables(
        &contract,
        Some(Table::Csv(participants.as_bytes())),
        sheet("claims", book)?,
        None::<Table<&[u8]>>,
    )?;
    let refused: Vec<(u64, &str, Refusal)> =
        s.refusals.iter().map(|r| (r.line, r.participant.as_str(), r.reason)).collect();
    assert_eq!(
        refused,
        vec![
            (11, "P002", Refusal::DuplicateOnceOnly),
            (12, "P003", Refusal::BeforeEnrolment),
            (13, "P004", Refusal::UnknownParticipant)
        ]
    );
    assert_eq!(s.total_due.minor, 1_270_000);
    Ok(())
}

#[test]
fn savings_and_threshold_results_from_number_cells_match_the_csv() -> TestResult {
    for name in ["koto-savings-share", "peterborough-threshold", "faz-te-forward-targets"] {
        let contract = Contract::from_toml(&example(&format!("{name}.toml"))?)?;
        let results = example(&format!("{name}.results.csv"))?;
        let claims = example(&format!("{name}.claims.csv")).unwrap_or_else(|_| "participant,metric,event_on\n".into());
        let from_csv = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), Some(results.as_bytes()))?;
        let book = workbook(&[
            SheetSpec { name: "claims", csv: &claims, dates: Dates::Cells, skip: 0 },
            SheetSpec { name: "results", csv: &results, dates: Dates::Cells, skip: 0 },
        ])?;
        let from_xlsx = payments_from_tables(
            &contract,
            None::<Table<&[u8]>>,
            sheet("claims", book.clone())?,
            Some(sheet("results", book)?),
        )?;
        assert_eq!(from_xlsx, from_csv, "{name}");
    }
    // Koto: 1330.00 and -1340.00 are number cells; half of 2,670 per person × 1,000 + 3 × 1,500.
    let contract = Contract::from_toml(&example("koto-savings-share.toml")?)?;
    let book = workbook(&[SheetSpec {
        name: "results",
        csv: &example("koto-savings-share.results.csv")?,
        dates: Dates::Cells,
        skip: 0,
    }])?;
    let s = payments_from_tables(
        &contract,
        None::<Table<&[u8]>>,
        Table::Csv(example("koto-savings-share.claims.csv")?.as_bytes().to_vec().as_slice()),
        Some(sheet("results", book)?),
    )?;
    assert_eq!(s.total_due.decimal(), "1339500.00");
    Ok(())
}

#[test]
fn decimal_cells_read_without_float_noise() -> TestResult {
    // 14.1 and 15.3 events per 100 are not exact in binary; up to 4 decimals are allowed.
    let contract = Contract::from_toml(&example("peterborough-threshold.toml")?)?;
    let results =
        "cohort,measure,value\ncohort-1,participants,1000\ncohort-1,treatment,14.1\ncohort-1,comparison,15.3\n";
    let book = workbook(&[SheetSpec { name: "results", csv: results, dates: Dates::Cells, skip: 0 }])?;
    let from_xlsx =
        payments_from_tables(&contract, None::<Table<&[u8]>>, Table::Csv(NO_CLAIMS), Some(sheet("results", book)?));
    let from_csv = payments_from_csv(&contract, None::<&[u8]>, NO_CLAIMS, Some(results.as_bytes()));
    assert_eq!(from_xlsx.map_err(|e| e.to_string()), from_csv.map_err(|e| e.to_string()));
    assert_eq!(number_text(0.1).as_deref(), Some("0.1"));
    assert_eq!(number_text(0.1 + 0.2).as_deref(), Some("0.3"));
    Ok(())
}

#[test]
fn errors_are_the_csv_errors_named_by_sheet_row_and_column() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let claims = "participant,metric,event_on,claimed_on\nP001,nqf_level_2,2012-11-30,2012-12-10\nP001,nqf_level_3,30/06/2013,2013-07-05\n";
    let csv_error = match payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), None::<&[u8]>) {
        Err(e) => e.0.into_iter().next().ok_or("an error")?,
        Ok(_) => return Err("the CSV should be refused".into()),
    };
    let book = workbook(&[SheetSpec { name: "Claims 2013", csv: claims, dates: Dates::Cells, skip: 1 }])?;
    let errors =
        match payments_from_tables(&contract, None::<Table<&[u8]>>, sheet("claims", book)?, None::<Table<&[u8]>>) {
            Err(e) => e,
            Ok(_) => return Err("the sheet should be refused".into()),
        };
    assert_eq!(errors.0.len(), 1);
    let e = &errors.0[0];
    assert_eq!((e.error.code, &e.error.message), (csv_error.code, &csv_error.message));
    assert_eq!(e.error.code, "invalid_date");
    assert_eq!(e.sheet.as_deref(), Some("Claims 2013"));
    assert_eq!(e.error.line, Some(4));
    assert_eq!((e.column_letter.as_deref(), e.error.column.as_deref()), (Some("C"), Some("event_on")));
    assert_eq!(
        e.to_string(),
        "claims sheet \"Claims 2013\", row 4, column C (event_on): event_on must be a date like 2024-01-31"
    );
    Ok(())
}

#[test]
fn a_fraction_of_a_person_is_refused_as_in_csv() -> TestResult {
    let contract = Contract::from_toml(&example("faz-te-forward-targets.toml")?)?;
    let results = "cohort,measure,value\nlisbon-2016,participants,40.5\nlisbon-2016,entered-work-40,18\nlisbon-2016,employed-6m-20,9\n";
    let book = workbook(&[SheetSpec { name: "results", csv: results, dates: Dates::Cells, skip: 0 }])?;
    let errors = match payments_from_tables(
        &contract,
        None::<Table<&[u8]>>,
        Table::Csv(NO_CLAIMS),
        Some(sheet("results", book)?),
    ) {
        Err(e) => e,
        Ok(_) => return Err("a fraction of a person should be refused".into()),
    };
    let e = &errors.0[0];
    assert_eq!((e.error.code, e.error.line, e.column_letter.as_deref()), ("invalid_count", Some(2), Some("C")));
    Ok(())
}

#[test]
fn a_named_sheet_is_read_and_a_missing_one_is_named() -> TestResult {
    let claims = example("dwp-rate-card.claims.csv")?;
    let book = workbook(&[
        SheetSpec { name: "Notes", csv: "just,notes", dates: Dates::Text, skip: 0 },
        SheetSpec { name: "Q3 claims", csv: &claims, dates: Dates::Cells, skip: 0 },
    ])?;
    let table = read_sheet("claims", book.clone(), Some("Q3 claims"))?;
    assert_eq!(table.sheet(), "Q3 claims");
    assert!(String::from_utf8_lossy(table.csv()).contains("\"P001\",\"nqf_level_2\",\"2012-11-30\",\"2012-12-10\""));
    // Without a name, and none named "claims": the first sheet.
    assert_eq!(read_sheet("claims", book.clone(), None)?.sheet(), "Notes");
    let e = read_sheet("claims", book, Some("Q4")).err().ok_or("Q4 does not exist")?;
    assert_eq!(e.0[0].error.code, "sheet_not_found");
    assert!(e.0[0].error.message.contains("\"Q3 claims\""));
    Ok(())
}

#[test]
fn a_value_far_to_the_right_is_refused() -> TestResult {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "participant")?;
    ws.write_string(1, u16::try_from(SHEET_COLUMNS_MAX)? + 10, "stray")?;
    let e = read_sheet("claims", book.save_to_buffer()?, None).err().ok_or("refused")?;
    assert_eq!((e.0[0].error.code, e.0[0].error.line), ("too_many_columns", Some(2)));
    Ok(())
}

#[test]
fn files_that_are_not_workbooks_are_refused_cleanly() -> TestResult {
    let good =
        workbook(&[SheetSpec { name: "claims", csv: "participant,metric,event_on", dates: Dates::Text, skip: 0 }])?;
    let mut flipped = good.clone();
    for b in flipped.iter_mut().skip(40).step_by(7) {
        *b ^= 0x5a;
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("csv text", b"participant,metric,event_on\nP1,m,2020-01-01\n".to_vec()),
        ("empty", Vec::new()),
        ("zip magic only", b"PK\x03\x04garbage".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("flipped bytes", flipped),
    ];
    for (what, bytes) in cases {
        let e = read_sheet("claims", bytes, None).err().ok_or(format!("{what} should be refused"))?;
        assert_eq!(e.0[0].error.code, "invalid_xlsx", "{what}");
    }
    // A ZIP that is not a workbook.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())?;
    std::io::Write::write_all(&mut zip, b"hello")?;
    let e = read_sheet("claims", zip.finish()?.into_inner(), None).err().ok_or("plain zip")?;
    assert_eq!(e.0[0].error.code, "invalid_xlsx");
    // An empty worksheet.
    let mut book = Workbook::new();
    book.add_worksheet();
    let e = read_sheet("claims", book.save_to_buffer()?, None).err().ok_or("empty sheet")?;
    assert_eq!(e.0[0].error.code, "empty_sheet");
    Ok(())
}

/// The workbooks that the command-line tests of `crates/koinon` read (that crate does not write
/// XLSX): checked to be what this code writes, and rewritten with
/// `KOINON_WRITE_FIXTURES=1 cargo nextest run -p koinon-core --test outcomes_xlsx fixtures`.
#[test]
fn command_line_fixtures_are_current() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../koinon/tests/it/fixtures");
    let participants = example("dwp-rate-card.participants.csv")?;
    let claims = example("dwp-rate-card.claims.csv")?;
    let bad_claims = claims.replacen("2013-06-28", "28/06/2013", 1);
    let koto_results = example("koto-savings-share.results.csv")?;
    let fixtures = [
        (
            "dwp-rate-card.xlsx",
            workbook(&[
                SheetSpec { name: "Participants", csv: &participants, dates: Dates::Cells, skip: 0 },
                SheetSpec { name: "Claims", csv: &claims, dates: Dates::Mixed, skip: 0 },
            ])?,
        ),
        (
            "dwp-rate-card-bad-date.xlsx",
            workbook(&[SheetSpec { name: "Claims 2013", csv: &bad_claims, dates: Dates::Cells, skip: 2 }])?,
        ),
        (
            "koto-savings-share.results.xlsx",
            workbook(&[SheetSpec { name: "Results", csv: &koto_results, dates: Dates::Cells, skip: 0 }])?,
        ),
    ];
    let write = std::env::var_os("KOINON_WRITE_FIXTURES").is_some();
    for (name, bytes) in fixtures {
        let path = dir.join(name);
        if write {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(&path, &bytes)?;
        } else {
            let committed = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            assert!(committed == bytes, "{name} is stale: rewrite it (see this test's comment)");
        }
    }
    Ok(())
}
