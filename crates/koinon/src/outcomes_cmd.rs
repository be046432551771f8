//! `koinon outcomes returns`, `koinon outcomes payments` and `koinon outcomes simulate`: investor
//! returns on a cash-flow file, the payment statement of an outcomes contract and the Monte Carlo
//! feasibility of one, from files, in a terminal.
//!
//! Both commands read files only (no database). On any error nothing is written to standard
//! output: every problem goes to standard error, naming the file, the line and the column, as
//! text or (with `--json`) as `{"error": {"code", "message", "errors": [...]}}`, and the exit
//! code is 2, as for every other failing `koinon` command.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use koinon_core::finance::{self, CASHFLOW_CSV_BYTES_MAX, Returns, ReturnsError};
use koinon_core::money::Currency;
use koinon_core::outcomes::{
    self, Amount, CapApplied, CohortLine, Contract, MetricLine, ParticipantLine, PaymentStatement, PeriodLine,
    RefusalCount, RefusedClaim, ResultLine, Table, TableError, TableErrors, limits, sheet,
};
use serde::Serialize;

mod simulate;

/// Refused claims and participant caps shown one by one in the text output (all are in
/// `--json`, up to the statement's own limits).
const TEXT_ITEMS_MAX: usize = 20;

#[derive(Debug, Subcommand)]
pub enum OutcomesCommand {
    /// Investor returns on a cash-flow file (`date,amount`; negative = paid out): XIRR, money
    /// multiple, net, payback date and maximum loss. See docs/finance.md.
    Returns {
        /// The cash-flow CSV file: header `date,amount`, ISO dates, plain decimal amounts.
        #[arg(long, value_name = "FILE.csv")]
        cashflows: PathBuf,
        /// Decimal places of the amounts (the currency's, e.g. 2). An amount with more decimals
        /// is an error. Default: the most decimals found in the file.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=i64::from(Currency::MAX_SCALE)))]
        scale: Option<u8>,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// What is due under an outcomes contract for the claims and cohort results given: totals
    /// per period, metric and cohort, results-based payments, the caps that cut, and refused
    /// claims by reason. See docs/outcomes.md.
    Payments {
        /// The contract (TOML).
        #[arg(long, value_name = "FILE.toml")]
        contract: PathBuf,
        /// Outcome claims: `participant,metric,event_on[,claimed_on][,cohort]`. May be left out
        /// for a contract paid on cohort results only. CSV, or an XLSX workbook (by its `.xlsx`
        /// name or its content): see --claims-sheet.
        #[arg(long, value_name = "FILE.csv|FILE.xlsx")]
        claims: Option<PathBuf>,
        /// Enrolled participants: `participant,cohort,enrolled_on`. Without it, participants are
        /// taken from the claims and enrolment is not checked.
        #[arg(long, value_name = "FILE.csv|FILE.xlsx")]
        participants: Option<PathBuf>,
        /// Cohort results `cohort,measure,value` (threshold, savings share, fixed targets).
        #[arg(long, value_name = "FILE.csv|FILE.xlsx")]
        results: Option<PathBuf>,
        /// The worksheet of the claims workbook. Default: the sheet named `claims` (in any
        /// case), else the first.
        #[arg(long, value_name = "NAME")]
        claims_sheet: Option<String>,
        /// The worksheet of the participants workbook. Default: `participants`, else the first.
        #[arg(long, value_name = "NAME")]
        participants_sheet: Option<String>,
        /// The worksheet of the results workbook. Default: `results`, else the first.
        #[arg(long, value_name = "NAME")]
        results_sheet: Option<String>,
        /// Include every paid participant (one line each; can be very long).
        #[arg(long)]
        by_participant: bool,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// The feasibility of a contract before signing: a Monte Carlo run of a model file
    /// (referrals, engagement, attrition, uncertain outcome chances, prices, caps, costs,
    /// investor terms, public savings). The same seed gives the same figures whatever the
    /// number of threads. See docs/outcomes.md, "Feasibility models".
    Simulate {
        /// The feasibility model (TOML).
        #[arg(long, value_name = "FILE.toml")]
        model: PathBuf,
        /// How many scenarios to run (1 to 10,000,000).
        #[arg(long, value_name = "N", default_value_t = simulate::SCENARIOS_DEFAULT,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(koinon_sim::sim::SCENARIOS_MAX)))]
        scenarios: u32,
        /// The seed of the random numbers.
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        /// Worker threads (default: one per core). The figures do not depend on it.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: Option<u16>,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
}

/// One problem, as printed on standard error.
#[derive(Debug, Serialize)]
struct Problem {
    /// The path as given on the command line.
    file: Option<String>,
    /// `cashflows`, `contract`, `participants`, `claims`, `results`.
    input: &'static str,
    /// The worksheet, for an XLSX input; `line` is then its row.
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<String>,
    line: Option<u64>,
    /// The column's name (`event_on`).
    column: Option<String>,
    /// The column's letter in the worksheet (`C`), for an XLSX input.
    #[serde(skip_serializing_if = "Option::is_none")]
    column_letter: Option<String>,
    code: &'static str,
    message: String,
}

impl Problem {
    fn text(&self) -> String {
        let mut out = String::new();
        match &self.file {
            Some(file) => {
                let kind = if self.input == "cashflows" { "cash-flow" } else { self.input };
                out.push_str(&format!("{kind} file {file}"));
            }
            None => out.push_str(self.input),
        }
        if let Some(sheet) = &self.sheet {
            out.push_str(&format!(", sheet {sheet:?}"));
        }
        let line = if self.sheet.is_some() { "row" } else { "line" };
        if let Some(n) = self.line {
            out.push_str(&format!(", {line} {n}"));
        }
        match (&self.column_letter, &self.column) {
            (Some(letter), Some(column)) => out.push_str(&format!(", column {letter} ({column})")),
            (Some(letter), None) => out.push_str(&format!(", column {letter}")),
            (None, Some(column)) => out.push_str(&format!(", {column}")),
            (None, None) => {}
        }
        out.push_str(&format!(": {} ({})", self.message, self.code));
        out
    }
}

/// Why a command failed: a code, a summary and every problem found.
#[derive(Debug)]
struct Failure {
    code: &'static str,
    message: String,
    problems: Vec<Problem>,
}

impl Failure {
    fn one(problem: Problem) -> Self {
        Self { code: problem.code, message: problem.text(), problems: vec![problem] }
    }

    fn print(&self, json: bool) {
        let mut err = io::stderr().lock();
        if json {
            let value = serde_json::json!({
                "error": {"code": self.code, "message": self.message, "errors": self.problems}
            });
            let _ = writeln!(err, "{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        } else if self.problems.len() == 1 {
            let _ = writeln!(err, "error: {}", self.message);
        } else {
            let _ = writeln!(err, "error: {}:", self.message);
            for p in &self.problems {
                let _ = writeln!(err, "  {}", p.text());
            }
        }
    }
}

/// An input file, named as the user named it.
struct InputFile<'a> {
    input: &'static str,
    path: &'a Path,
}

impl<'a> InputFile<'a> {
    fn new(input: &'static str, path: &'a Path) -> Self {
        Self { input, path }
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn problem(&self, code: &'static str, message: impl Into<String>) -> Failure {
        Failure::one(Problem {
            file: Some(self.name()),
            input: self.input,
            sheet: None,
            line: None,
            column: None,
            column_letter: None,
            code,
            message: message.into(),
        })
    }

    fn open(&self) -> Result<File, Failure> {
        let file = File::open(self.path).map_err(|e| self.io_problem(&e))?;
        match file.metadata() {
            Ok(m) if m.is_dir() => Err(self.problem("file_unreadable", "is a directory, not a file")),
            Ok(_) => Ok(file),
            Err(e) => Err(self.io_problem(&e)),
        }
    }

    fn io_problem(&self, e: &io::Error) -> Failure {
        let code = if e.kind() == io::ErrorKind::NotFound { "file_not_found" } else { "file_unreadable" };
        self.problem(code, format!("cannot be read: {e}"))
    }

    /// The input as a table: a worksheet of an XLSX workbook (named `.xlsx`, or starting as a
    /// ZIP archive does), else CSV read as it streams.
    fn table(&self, sheet_name: Option<&str>) -> Result<Table<File>, Failure> {
        let mut file = self.open()?;
        let mut start = [0u8; 4];
        let mut got = 0;
        while got < start.len() {
            match file.read(&mut start[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_problem(&e)),
            }
        }
        let named_xlsx = self.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if !named_xlsx && !sheet::looks_like_xlsx(&start[..got]) {
            file.rewind().map_err(|e| self.io_problem(&e))?;
            return Ok(Table::Csv(file));
        }
        file.rewind().map_err(|e| self.io_problem(&e))?;
        let mut bytes = Vec::new();
        let limit = u64::try_from(sheet::XLSX_BYTES_MAX).unwrap_or(u64::MAX).saturating_add(1);
        file.take(limit).read_to_end(&mut bytes).map_err(|e| self.io_problem(&e))?;
        outcomes::read_sheet(self.input, bytes, sheet_name).map(Table::Sheet).map_err(|TableErrors(errors)| {
            let problems: Vec<Problem> = errors.into_iter().map(|e| table_problem(Some(self.name()), e)).collect();
            many("invalid_input", &format!("the {} file {} cannot be read", self.input, self.name()), problems)
        })
    }

    /// The whole file as UTF-8 text, refused past `bytes_max`.
    fn read_text(&self, bytes_max: usize) -> Result<String, Failure> {
        let file = self.open()?;
        let mut bytes = Vec::new();
        let limit = u64::try_from(bytes_max).unwrap_or(u64::MAX).saturating_add(1);
        file.take(limit).read_to_end(&mut bytes).map_err(|e| self.io_problem(&e))?;
        if bytes.len() > bytes_max {
            return Err(self.problem("file_too_large", format!("is larger than the limit of {bytes_max} bytes")));
        }
        String::from_utf8(bytes).map_err(|e| {
            self.problem(
                "invalid_utf8",
                format!("is not UTF-8 text (first bad byte at offset {})", e.utf8_error().valid_up_to()),
            )
        })
    }
}

pub fn run(cmd: OutcomesCommand) -> anyhow::Result<ExitCode> {
    let (json, outcome) = match cmd {
        OutcomesCommand::Returns { cashflows, scale, json } => (json, returns_cmd(&cashflows, scale, json)),
        OutcomesCommand::Payments {
            contract,
            claims,
            participants,
            results,
            claims_sheet,
            participants_sheet,
            results_sheet,
            by_participant,
            json,
        } => {
            let files = PaymentFiles {
                contract: &contract,
                claims: claims.as_deref(),
                participants: participants.as_deref(),
                results: results.as_deref(),
                claims_sheet: claims_sheet.as_deref(),
                participants_sheet: participants_sheet.as_deref(),
                results_sheet: results_sheet.as_deref(),
            };
            (json, payments_cmd(&files, by_participant, json))
        }
        OutcomesCommand::Simulate { model, scenarios, seed, threads, json } => {
            let args =
                simulate::SimulateArgs { model: &model, scenarios, seed, threads: threads.map(usize::from), json };
            (json, simulate::simulate_cmd(&args))
        }
    };
    match outcome {
        Ok(Ok(())) => Ok(ExitCode::SUCCESS),
        Ok(Err(failure)) => {
            failure.print(json);
            Ok(ExitCode::from(2))
        }
        // Writing the output failed (a closed pipe, a full disk).
        Err(e) => Err(e),
    }
}

/// The output, written only once everything has been computed.
fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

// ---- returns ----

fn returns_cmd(path: &Path, scale: Option<u8>, json: bool) -> anyhow::Result<Result<(), Failure>> {
    let file = InputFile::new("cashflows", path);
    let text = match file.read_text(CASHFLOW_CSV_BYTES_MAX) {
        Ok(t) => t,
        Err(f) => return Ok(Err(f)),
    };
    let report = match finance::returns_from_csv(&text, scale) {
        Ok(r) => r,
        Err(e) => return Ok(Err(returns_failure(&file, &e))),
    };
    let mut out = stdout();
    if json {
        serde_json::to_writer_pretty(&mut out, &report).context("writing the output")?;
        writeln!(out).context("writing the output")?;
    } else {
        write_returns_text(&mut out, &file.name(), &report).context("writing the output")?;
    }
    out.flush().context("writing the output")?;
    Ok(Ok(()))
}

fn returns_failure(file: &InputFile<'_>, e: &ReturnsError) -> Failure {
    let (line, column, message) = match e {
        // The field is `line 4, amount`, `line 3`, `file` or `scale`.
        ReturnsError::Input(fe) => {
            let (line, column) = split_field(&fe.field);
            (line, column, fe.message.clone())
        }
        other => (None, None, other.to_string()),
    };
    Failure::one(Problem {
        file: Some(file.name()),
        input: file.input,
        sheet: None,
        line,
        column,
        column_letter: None,
        code: e.code(),
        message,
    })
}

/// `line 4, amount` → (4, amount); `line 3` → (3, none); `file` → (none, none); `scale` → (none, scale).
fn split_field(field: &str) -> (Option<u64>, Option<String>) {
    let Some(rest) = field.strip_prefix("line ") else {
        return (None, (field != "file").then(|| field.to_string()));
    };
    let (number, column) = match rest.split_once(", ") {
        Some((n, c)) => (n, Some(c.to_string())),
        None => (rest, None),
    };
    match number.parse() {
        Ok(line) => (Some(line), column),
        Err(_) => (None, Some(field.to_string())),
    }
}

fn write_returns_text(out: &mut impl Write, file: &str, r: &Returns) -> io::Result<()> {
    writeln!(
        out,
        "Investor returns on {file}: {} cash flows from {} to {} (amounts at {} decimals)",
        r.flows,
        finance::format_date(r.first_date),
        finance::format_date(r.last_date),
        r.scale
    )?;
    let mut rows = vec![
        vec!["XIRR (annual, Actual/365)".to_string(), format!("{:.2}% a year ({:.8})", r.xirr * 100.0, r.xirr)],
        vec!["Money multiple (received / paid out)".to_string(), format!("{:.4}x", r.moic)],
        vec!["Paid out".to_string(), r.paid_out.clone()],
        vec!["Received".to_string(), r.received.clone()],
        vec!["Net (received - paid out)".to_string(), r.net.clone()],
        vec![
            "Payback date".to_string(),
            r.payback_date
                .map(finance::format_date)
                .unwrap_or_else(|| "none: the running total never gets back to 0".to_string()),
        ],
        vec![
            "Maximum loss".to_string(),
            match r.max_loss_date.map(finance::format_date) {
                Some(d) => format!("{} (running total on {d})", r.max_loss),
                None => r.max_loss.clone(),
            },
        ],
    ];
    for row in &mut rows {
        row[0].push(':');
    }
    write_table(out, "  ", &[], &rows, "ll")?;
    if !r.xirr_unique {
        writeln!(
            out,
            "Note: the flows change sign more than once, so more than one rate can make the net present value zero; \
             this is the one nearest 10%."
        )?;
    }
    Ok(())
}

// ---- payments ----

struct PaymentFiles<'a> {
    contract: &'a Path,
    claims: Option<&'a Path>,
    participants: Option<&'a Path>,
    results: Option<&'a Path>,
    claims_sheet: Option<&'a str>,
    participants_sheet: Option<&'a str>,
    results_sheet: Option<&'a str>,
}

fn table_problem(file: Option<String>, e: TableError) -> Problem {
    Problem {
        file,
        input: e.error.input,
        sheet: e.sheet,
        line: e.error.line,
        column: e.error.column,
        column_letter: e.column_letter,
        code: e.error.code,
        message: e.error.message,
    }
}

/// An empty claims file, for contracts paid on results only.
const NO_CLAIMS: &[u8] = b"participant,metric,event_on\n";

fn payments_cmd(files: &PaymentFiles<'_>, by_participant: bool, json: bool) -> anyhow::Result<Result<(), Failure>> {
    let statement = match payment_statement(files) {
        Ok(s) => s,
        Err(f) => return Ok(Err(f)),
    };
    let mut out = stdout();
    if json {
        write_statement_json(&mut out, &statement, by_participant)?;
    } else {
        write_statement_text(&mut out, &statement, by_participant).context("writing the output")?;
    }
    out.flush().context("writing the output")?;
    Ok(Ok(()))
}

fn payment_statement(files: &PaymentFiles<'_>) -> Result<PaymentStatement, Failure> {
    if files.claims.is_none() && files.results.is_none() {
        return Err(Failure::one(Problem {
            file: None,
            input: "arguments",
            sheet: None,
            line: None,
            column: None,
            column_letter: None,
            code: "no_input",
            message: "give --claims FILE.csv, --results FILE.csv, or both".to_string(),
        }));
    }
    let contract_file = InputFile::new("contract", files.contract);
    let source = contract_file.read_text(limits::SOURCE_BYTES_MAX)?;
    let contract = Contract::from_toml(&source).map_err(|errors| {
        let problems: Vec<Problem> = errors
            .0
            .into_iter()
            .map(|e| Problem {
                file: Some(contract_file.name()),
                input: "contract",
                sheet: None,
                line: e.line.and_then(|l| u64::try_from(l).ok()),
                column: Some(e.field),
                column_letter: None,
                code: e.code,
                message: e.message,
            })
            .collect();
        many("invalid_contract", &format!("the contract {} is not valid", contract_file.name()), problems)
    })?;

    // Open every file before reading any, so that a wrong path is reported at once.
    let participants = files.participants.map(|p| InputFile::new("participants", p));
    let claims = files.claims.map(|p| InputFile::new("claims", p));
    let results = files.results.map(|p| InputFile::new("results", p));
    for file in [&participants, &claims, &results].into_iter().flatten() {
        file.open()?;
    }
    let participants_table = participants.as_ref().map(|f| f.table(files.participants_sheet)).transpose()?;
    let claims_table = claims.as_ref().map(|f| f.table(files.claims_sheet)).transpose()?;
    let results_table = results.as_ref().map(|f| f.table(files.results_sheet)).transpose()?;

    let statement = match claims_table {
        Some(c) => outcomes::payments_from_tables(&contract, participants_table, c, results_table),
        None => outcomes::payments_from_tables(&contract, participants_table, Table::Csv(NO_CLAIMS), results_table),
    };
    statement.map_err(|TableErrors(errors)| {
        let name = |input: &str| {
            [&participants, &claims, &results].into_iter().flatten().find(|f| f.input == input).map(InputFile::name)
        };
        let problems: Vec<Problem> = errors.into_iter().map(|e| table_problem(name(e.error.input), e)).collect();
        let summary = if problems.len() >= limits::INPUT_ERRORS_MAX {
            format!(
                "the input files have at least {} problems (the first are listed); nothing was calculated",
                problems.len()
            )
        } else {
            format!("the input files have {} problem(s); nothing was calculated", problems.len())
        };
        many("invalid_input", &summary, problems)
    })
}

fn many(code: &'static str, summary: &str, mut problems: Vec<Problem>) -> Failure {
    if problems.len() == 1
        && let Some(p) = problems.pop()
    {
        return Failure::one(p);
    }
    Failure { code, message: summary.to_string(), problems }
}

/// The statement as JSON, in the order of its fields. Without `--by-participant` the
/// per-participant lines are left out (not serialised at all, so a million of them cost nothing).
fn write_statement_json(out: &mut impl Write, s: &PaymentStatement, by_participant: bool) -> anyhow::Result<()> {
    if by_participant {
        serde_json::to_writer_pretty(&mut *out, s).context("writing the output")?;
    } else {
        serde_json::to_writer_pretty(&mut *out, &StatementSummary::of(s)).context("writing the output")?;
    }
    writeln!(out).context("writing the output")?;
    Ok(())
}

/// A [`PaymentStatement`] without `by_participant`, its other fields in the same order.
#[derive(Serialize)]
struct StatementSummary<'a> {
    contract: &'a str,
    mechanism: &'a str,
    currency: &'a str,
    gross_due: &'a Amount,
    total_due: &'a Amount,
    claims_read: u64,
    claims_accepted: u64,
    claims_refused: u64,
    refusals_by_reason: &'a [RefusalCount],
    refusals: &'a [RefusedClaim],
    by_period: &'a [PeriodLine],
    by_metric: &'a [MetricLine],
    by_cohort: &'a [CohortLine],
    results: &'a [ResultLine],
    caps_applied: &'a [CapApplied],
    caps_applied_not_listed: u64,
    cap_totals: &'a [CapApplied],
}

impl<'a> StatementSummary<'a> {
    fn of(s: &'a PaymentStatement) -> Self {
        // No `..`: a field added to the statement stops the build here until it is added above.
        let PaymentStatement {
            contract,
            mechanism,
            currency,
            gross_due,
            total_due,
            claims_read,
            claims_accepted,
            claims_refused,
            refusals_by_reason,
            refusals,
            by_period,
            by_metric,
            by_cohort,
            results,
            caps_applied,
            caps_applied_not_listed,
            cap_totals,
            by_participant: _,
        } = s;
        Self {
            contract,
            mechanism,
            currency,
            gross_due,
            total_due,
            claims_read: *claims_read,
            claims_accepted: *claims_accepted,
            claims_refused: *claims_refused,
            refusals_by_reason,
            refusals,
            by_period,
            by_metric,
            by_cohort,
            results,
            caps_applied,
            caps_applied_not_listed: *caps_applied_not_listed,
            cap_totals,
        }
    }
}

fn write_statement_text(out: &mut impl Write, s: &PaymentStatement, by_participant: bool) -> io::Result<()> {
    let cur = &s.currency;
    writeln!(out, "Payment statement: {} ({}, {cur})", s.contract, s.mechanism)?;
    let participants_paid: u64 = s.by_cohort.iter().map(|c| c.participants_paid).sum();
    let head = vec![
        vec![
            "Claims:".to_string(),
            format!("{} read, {} accepted, {} refused", s.claims_read, s.claims_accepted, s.claims_refused),
        ],
        vec!["Participants paid:".to_string(), participants_paid.to_string()],
        vec!["Gross due (before caps):".to_string(), format!("{} {cur}", s.gross_due.decimal())],
        vec!["Total due:".to_string(), format!("{} {cur}", s.total_due.decimal())],
    ];
    write_table(out, "", &[], &head, "ll")?;

    let periods: Vec<Vec<String>> = s
        .by_period
        .iter()
        .filter(|p| p.outcomes > 0 || p.gross.minor != 0)
        .map(|p| vec![p.period.clone(), p.outcomes.to_string(), p.gross.decimal(), p.paid.decimal()])
        .collect();
    writeln!(out, "\nBy period ({} of {} periods with payments)", periods.len(), s.by_period.len())?;
    write_table(out, "  ", &["period", "outcomes", "gross", "paid"], &periods, "lrrr")?;

    if !s.by_metric.is_empty() {
        let metrics: Vec<Vec<String>> = s
            .by_metric
            .iter()
            .map(|m| vec![m.metric.clone(), m.outcomes.to_string(), m.gross.decimal(), m.paid.decimal()])
            .collect();
        writeln!(out, "\nBy metric (claims-based payments)")?;
        write_table(out, "  ", &["metric", "outcomes", "gross", "paid"], &metrics, "lrrr")?;
    }

    let cohorts: Vec<Vec<String>> = s
        .by_cohort
        .iter()
        .map(|c| {
            vec![
                c.cohort.clone().unwrap_or_else(|| "(none)".to_string()),
                c.participants_paid.to_string(),
                c.outcomes.to_string(),
                c.gross.decimal(),
                c.paid.decimal(),
            ]
        })
        .collect();
    writeln!(out, "\nBy cohort")?;
    write_table(out, "  ", &["cohort", "participants paid", "outcomes", "gross", "paid"], &cohorts, "lrrrr")?;

    if !s.results.is_empty() {
        let results: Vec<Vec<String>> = s
            .results
            .iter()
            .map(|r| {
                vec![
                    r.cohort.clone().unwrap_or_else(|| "(all)".to_string()),
                    r.item.clone(),
                    r.period.clone(),
                    r.measured.clone(),
                    r.threshold.clone(),
                    if r.met { "yes" } else { "no" }.to_string(),
                    r.units.map(|u| u.to_string()).unwrap_or_default(),
                    r.unit_amount.map(|a| a.decimal()).unwrap_or_default(),
                    r.gross.decimal(),
                    r.paid.decimal(),
                ]
            })
            .collect();
        writeln!(out, "\nResults-based payments")?;
        write_table(
            out,
            "  ",
            &["cohort", "item", "period", "measured", "against", "met", "units", "per unit", "gross", "paid"],
            &results,
            "llllllrrrr",
        )?;
    }

    writeln!(out, "\nCaps applied")?;
    if s.cap_totals.is_empty() {
        writeln!(out, "  none: no cap cut anything")?;
    } else {
        let totals: Vec<Vec<String>> = s
            .cap_totals
            .iter()
            .map(|c| vec![cap_kind(c.cap).to_string(), c.cut.decimal(), c.items_cut.to_string()])
            .collect();
        write_table(out, "  ", &["cap", "cut in total", "payments cut"], &totals, "lrr")?;
        let listed = s.caps_applied.len() as u64 + s.caps_applied_not_listed;
        let caps: Vec<Vec<String>> = s
            .caps_applied
            .iter()
            .take(TEXT_ITEMS_MAX)
            .map(|c| vec![cap_kind(c.cap).to_string(), c.scope.clone(), c.cut.decimal(), c.items_cut.to_string()])
            .collect();
        writeln!(out, "  Each cap that cut ({listed}):")?;
        write_table(out, "    ", &["cap", "scope", "cut", "payments cut"], &caps, "llrr")?;
        more(out, "    ", listed, caps.len())?;
    }

    writeln!(out, "\nRefused claims by reason")?;
    if s.refusals_by_reason.is_empty() {
        writeln!(out, "  none")?;
    } else {
        let reasons: Vec<Vec<String>> = s
            .refusals_by_reason
            .iter()
            .map(|r| vec![r.reason.code().to_string(), r.count.to_string(), r.reason.message().to_string()])
            .collect();
        write_table(out, "  ", &["code", "claims", "meaning"], &reasons, "lrl")?;
        let refusals: Vec<Vec<String>> = s
            .refusals
            .iter()
            .take(TEXT_ITEMS_MAX)
            .map(|r| {
                vec![
                    r.line.to_string(),
                    r.participant.clone(),
                    r.metric.clone(),
                    r.event_on.clone(),
                    r.reason.code().to_string(),
                ]
            })
            .collect();
        writeln!(out, "  Refused claims, by line of the claims file:")?;
        write_table(out, "    ", &["line", "participant", "metric", "event on", "code"], &refusals, "rllll")?;
        more(out, "    ", s.claims_refused, refusals.len())?;
    }

    if by_participant {
        writeln!(out, "\nBy participant ({})", s.by_participant.len())?;
        write_participants(out, &s.by_participant)?;
    }
    Ok(())
}

/// One line per paid participant, written as it goes: a million participants are a million
/// lines, so they are formatted twice (widths, then lines) rather than held as a table.
fn write_participants(out: &mut impl Write, participants: &[ParticipantLine]) -> io::Result<()> {
    const HEADER: [&str; 5] = ["participant", "cohort", "outcomes", "gross", "paid"];
    let cells = |p: &ParticipantLine| -> [String; 5] {
        [
            p.participant.clone(),
            p.cohort.clone().unwrap_or_default(),
            p.outcomes.to_string(),
            p.gross.decimal(),
            p.paid.decimal(),
        ]
    };
    let mut width = HEADER.map(str::len);
    for p in participants {
        for (w, cell) in width.iter_mut().zip(cells(p)) {
            *w = (*w).max(cell.chars().count());
        }
    }
    write_row(out, "  ", &width, &HEADER, "llrrr")?;
    for p in participants {
        let row = cells(p);
        write_row(out, "  ", &width, &row.each_ref().map(String::as_str), "llrrr")?;
    }
    Ok(())
}

fn cap_kind(kind: outcomes::CapKind) -> &'static str {
    match kind {
        outcomes::CapKind::Participant => "participant",
        outcomes::CapKind::Period => "period",
        outcomes::CapKind::Contract => "contract",
    }
}

fn more(out: &mut impl Write, indent: &str, total: u64, shown: usize) -> io::Result<()> {
    let rest = total.saturating_sub(shown as u64);
    if rest > 0 {
        writeln!(out, "{indent}... and {rest} more (--json lists up to 1,000)")?;
    }
    Ok(())
}

/// Columns padded to their widest cell, aligned by `align`: one letter per column, `r` for
/// right (figures), anything else for left (names); columns past its end are left-aligned.
fn write_table(
    out: &mut impl Write,
    indent: &str,
    header: &[&str],
    rows: &[Vec<String>],
    align: &str,
) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).chain([header.len()]).max().unwrap_or(0);
    let mut width = vec![0usize; columns];
    let cells = |row: &[String]| -> Vec<usize> { row.iter().map(|c| c.chars().count()).collect() };
    for (i, w) in header.iter().map(|h| h.chars().count()).enumerate() {
        width[i] = width[i].max(w);
    }
    for row in rows {
        for (i, w) in cells(row).into_iter().enumerate() {
            width[i] = width[i].max(w);
        }
    }
    if !header.is_empty() {
        write_row(out, indent, &width, header, align)?;
    }
    for row in rows {
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        write_row(out, indent, &width, &row, align)?;
    }
    Ok(())
}

fn write_row(out: &mut impl Write, indent: &str, width: &[usize], row: &[&str], align: &str) -> io::Result<()> {
    let mut text = String::from(indent);
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            text.push_str("  ");
        }
        let pad = width.get(i).copied().unwrap_or(0).saturating_sub(cell.chars().count());
        if align.as_bytes().get(i) == Some(&b'r') {
            text.push_str(&" ".repeat(pad));
            text.push_str(cell);
        } else {
            text.push_str(cell);
            text.push_str(&" ".repeat(pad));
        }
    }
    writeln!(out, "{}", text.trim_end())
}
