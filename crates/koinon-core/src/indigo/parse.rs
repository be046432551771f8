//! Reading INDIGO's per-table CSV files.

use std::collections::{BTreeMap, HashMap};

use csv::{ReaderBuilder, StringRecord};

use super::values::{Decimal, PartialDate, normalise_currency};
use super::{
    AmountRange, DeliveryLocation, Export, IndigoError, IndigoErrors, IndigoWarning, Investment, MoneyValue,
    Organisation, OutcomeMetric, OutcomePayment, OutcomePricing, OutcomeResult, PaymentKind, Project, ProjectDates,
    limits,
};

pub const PROJECTS: &str = "projects.csv";
pub const LOCATIONS: &str = "projects_delivery_locations.csv";
pub const ORGANISATIONS: &str = "organisations.csv";
pub const INVESTMENTS: &str = "projects_investments.csv";
pub const METRICS: &str = "projects_outcome_metrics.csv";
pub const PRICINGS: &str = "projects_outcome_pricings.csv";
pub const PAYMENTS: &str = "projects_outcome_payments.csv";
pub const RESULTS: &str = "projects_results.csv";

/// The files of an export, all required: a missing file would silently withdraw every value
/// it holds on a re-import.
pub const FILES: [&str; 8] = [PROJECTS, LOCATIONS, ORGANISATIONS, INVESTMENTS, METRICS, PRICINGS, PAYMENTS, RESULTS];

/// Collects errors up to [`limits::ERRORS_MAX`] and warnings.
#[derive(Default)]
struct Report {
    errors: Vec<IndigoError>,
    warnings: Vec<IndigoWarning>,
    warnings_total: usize,
    normalised: BTreeMap<String, String>,
}

impl Report {
    fn error(&mut self, e: IndigoError) {
        if self.errors.len() < limits::ERRORS_MAX {
            self.errors.push(e);
        }
    }

    fn full(&self) -> bool {
        self.errors.len() >= limits::ERRORS_MAX
    }
}

/// One file's rows with its columns found by name.
struct Table<'a> {
    file: &'static str,
    columns: HashMap<&'static str, usize>,
    records: Vec<(u64, StringRecord)>,
    _text: std::marker::PhantomData<&'a str>,
}

/// One row, for reading cells with errors that name the place.
struct Row<'t> {
    file: &'static str,
    line: u64,
    columns: &'t HashMap<&'static str, usize>,
    record: &'t StringRecord,
}

impl Row<'_> {
    /// The trimmed cell, `None` when empty.
    fn text(&self, column: &str) -> Option<String> {
        let i = *self.columns.get(column)?;
        let v = self.record.get(i)?.trim();
        if v.is_empty() { None } else { Some(v.to_string()) }
    }

    fn err(&self, column: &str, code: &'static str, message: impl Into<String>) -> IndigoError {
        IndigoError::new(self.file, Some(self.line), Some(column), code, message)
    }

    fn required(&self, column: &str, report: &mut Report) -> Option<String> {
        let v = self.text(column);
        if v.is_none() {
            report.error(self.err(column, "missing_value", "This cell must not be empty"));
        }
        v
    }

    fn decimal(&self, column: &str, report: &mut Report) -> Option<Decimal> {
        let raw = self.text(column)?;
        let v = Decimal::parse(&raw);
        if v.is_none() {
            report.error(self.err(column, "invalid_amount", format!("{raw:?} is not a plain decimal number")));
        }
        v
    }

    fn date(&self, column: &str, report: &mut Report) -> Option<PartialDate> {
        let raw = self.text(column)?;
        let v = PartialDate::parse(&raw);
        if v.is_none() {
            report.error(self.err(
                column,
                "invalid_date",
                format!("{raw:?} is not a date YYYY, YYYY-MM or YYYY-MM-DD"),
            ));
        }
        v
    }

    /// A date kept as written; one that does not parse is a warning, not an error.
    fn date_text(&self, column: &str, report: &mut Report) -> Option<String> {
        let raw = self.text(column)?;
        if PartialDate::parse(&raw).is_none() {
            self.warn(column, "invalid_date", format!("{raw:?} is not a date: kept as written"), report);
        }
        Some(raw)
    }

    fn count(&self, column: &str, report: &mut Report) -> Option<i64> {
        let raw = self.text(column)?;
        let v = raw.parse::<i64>().ok().filter(|n| *n >= 0);
        if v.is_none() {
            report.error(self.err(column, "invalid_number", format!("{raw:?} is not a whole number")));
        }
        v
    }

    /// The ISO code of a currency cell (free text normalised); unknown text is an error.
    fn currency(&self, column: &str, report: &mut Report) -> Option<String> {
        let raw = self.text(column)?;
        match normalise_currency(&raw) {
            Some(code) => {
                if raw != code {
                    report.normalised.insert(raw.clone(), code.to_string());
                }
                Some(code.to_string())
            }
            None => {
                report.error(self.err(
                    column,
                    "unknown_currency",
                    format!(
                        "Unknown currency {raw:?}: use an ISO 4217 code such as GBP or a currency name koinon knows"
                    ),
                ));
                None
            }
        }
    }

    fn warn(&self, column: &str, code: &'static str, message: String, report: &mut Report) {
        report.warnings_total += 1;
        if report.warnings.len() < limits::WARNINGS_LISTED_MAX {
            report.warnings.push(IndigoWarning {
                file: self.file.to_string(),
                line: self.line,
                column: column.to_string(),
                code,
                message,
            });
        }
    }

    /// An amount and the currency cell it belongs to.
    fn money(&self, currency_column: &str, amount_column: &str, report: &mut Report) -> Option<MoneyValue> {
        let currency = self.currency(currency_column, report);
        let amount = self.decimal(amount_column, report)?;
        if currency.is_none() && self.text(currency_column).is_none() {
            self.warn(
                currency_column,
                "currency_missing",
                "An amount without a currency: kept, never summed".to_string(),
                report,
            );
        }
        Some(MoneyValue { currency, amount })
    }

    fn range(&self, currency_column: &str, amounts: [&str; 3], report: &mut Report) -> Option<AmountRange> {
        let currency = self.currency(currency_column, report);
        let [min, exact, max] = amounts.map(|c| self.decimal(c, report));
        if min.is_none() && exact.is_none() && max.is_none() {
            return None;
        }
        if currency.is_none() && self.text(currency_column).is_none() {
            self.warn(
                currency_column,
                "currency_missing",
                "An amount without a currency: kept, never summed".to_string(),
                report,
            );
        }
        Some(AmountRange { currency, min, exact, max })
    }
}

impl<'a> Table<'a> {
    /// Reads a file: the header must hold every column in `names`; other columns are ignored
    /// (INDIGO adds columns over time).
    fn read(file: &'static str, text: &'a str, names: &[&'static str], report: &mut Report) -> Option<Table<'a>> {
        if text.len() > limits::FILE_BYTES_MAX {
            report.error(IndigoError::new(
                file,
                None,
                None,
                "file_too_large",
                format!("The file is larger than {} MiB", limits::FILE_BYTES_MAX / (1024 * 1024)),
            ));
            return None;
        }
        let mut rdr = ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                report.error(csv_error(file, &e));
                return None;
            }
        };
        let mut columns = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let h = h.trim_start_matches('\u{feff}').trim();
            if let Some(name) = names.iter().find(|n| **n == h) {
                columns.entry(*name).or_insert(i);
            }
        }
        let missing: Vec<&str> = names.iter().filter(|n| !columns.contains_key(**n)).copied().collect();
        for m in &missing {
            report.error(IndigoError::new(
                file,
                Some(1),
                Some(m),
                "missing_column",
                format!("The header has no column {m:?}"),
            ));
        }
        if !missing.is_empty() {
            return None;
        }
        let mut records = Vec::new();
        let mut lines = LineCounter::new(text);
        for result in rdr.records() {
            match result {
                Ok(record) => {
                    let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
                    if records.len() >= limits::ROWS_MAX {
                        report.error(IndigoError::new(
                            file,
                            Some(line),
                            None,
                            "too_many_rows",
                            format!("A file may have at most {} rows", limits::ROWS_MAX),
                        ));
                        return None;
                    }
                    if let Some((i, _)) = record.iter().enumerate().find(|(_, c)| c.len() > limits::CELL_BYTES_MAX) {
                        report.error(IndigoError::new(
                            file,
                            Some(line),
                            headers.get(i),
                            "cell_too_long",
                            format!("A cell may hold at most {} KiB", limits::CELL_BYTES_MAX / 1024),
                        ));
                        continue;
                    }
                    records.push((line, record));
                }
                Err(e) => {
                    let mut error = csv_error(file, &e);
                    if let Some(pos) = e.position() {
                        error.line = Some(lines.line_at(pos.byte()));
                    }
                    report.error(error);
                    return None;
                }
            }
        }
        Some(Table { file, columns, records, _text: std::marker::PhantomData })
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|(line, record)| Row { file: self.file, line: *line, columns: &self.columns, record })
    }
}

/// The line (from 1) a byte offset falls on, counting `\n` as we go: the csv crate's own line
/// numbers lag by one on CRLF files, as INDIGO's are.
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), byte: 0, line: 1 }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let mut target = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        // A record that starts on the `\n` of a CRLF starts on the next line.
        if self.text.get(target) == Some(&b'\n') {
            target += 1;
        }
        if target < self.byte {
            self.byte = 0;
            self.line = 1;
        }
        self.line += self.text[self.byte..target].iter().filter(|b| **b == b'\n').count() as u64;
        self.byte = target;
        self.line
    }
}

fn csv_error(file: &str, e: &csv::Error) -> IndigoError {
    let line = e.position().map(csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("This row has {len} fields; the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "The file is not UTF-8 text".to_string(),
        _ => "The file is not valid CSV".to_string(),
    };
    IndigoError::new(file, line, None, "invalid_csv", message)
}

const P_ID: &str = "ID";
const P_NAME: &str = "Impact Bond Name - (Value)";
const P_ALT: &str = "Alternative Names - (Value)";
const P_STAGE: &str = "Stage of Development - (Value)";
const P_D_OUTCOMES: &str = "Dates - Date outcomes contract signed - (Value)";
const P_D_ALL: &str = "Dates - Date contracts between all parties signed - (Value)";
const P_D_ANT_COMPLETION: &str = "Dates - Anticipated completion date - (Value)";
const P_D_ACT_COMPLETION: &str = "Dates - Actual completion date - (Value)";
const P_D_START: &str = "Dates - Start date of service provision - (Value)";
const P_D_ANT_END: &str = "Dates - Anticipated end date of service provision - (Value)";
const P_D_ACT_END: &str = "Dates - Actual end date of service provision - (Value)";
const P_D_ANT_DUR: &str = "Dates - Anticipated duration of service provision - (Value)";
const P_D_ACT_DUR: &str = "Dates - Actual duration of service provision - (Value)";
const P_JURISDICTION: &str = "Jurisdiction - Jurisdiction - (Value)";
const P_INV_CUR: &str = "Overall project finance - Total investment commitment - Currency - (Value)";
const P_INV_MIN: &str = "Overall project finance - Total investment commitment - Amount - Min - (Value)";
const P_INV_EXACT: &str = "Overall project finance - Total investment commitment - Amount - Exact - (Value)";
const P_INV_MAX: &str = "Overall project finance - Total investment commitment - Amount - Max - (Value)";
const P_MOP_CUR: &str = "Overall project finance - Maximum potential outcome payment - Currency - (Value)";
const P_MOP: &str = "Overall project finance - Maximum potential outcome payment - Amount - (Value)";
const P_RET_TYPE: &str = "Overall project finance - Maximum potential return type - (Value)";
const P_RET: &str = "Overall project finance - Maximum potential return - (Value)";
const P_PARTIES: &str = "Overall project finance - Configuration of the Contracting Parties - (Value)";
const P_PAID_CUR: &str = "Overall project finance - Total outcome payments made - Currency - (Value)";
const P_PAID: &str = "Overall project finance - Total outcome payments made - Amount - (Value)";
const P_CHALLENGE: &str = "Purpose and classifications - Social challenge - (Value)";
const P_INTERVENTION: &str = "Purpose and classifications - Intervention - (Value)";
const P_SECTOR: &str = "Purpose and classifications - Policy sector - (Value)";
const P_SDG: &str = "Purpose and classifications - Primary SDG goal - (Value)";
const P_POPULATION: &str = "Service and beneficiaries - Target population - (Value)";
const P_TARGET_USERS: &str =
    "Service and beneficiaries - Targeted number of unique service users or beneficiaries (total) - (Value)";
const P_ACTUAL_USERS: &str =
    "Service and beneficiaries - Actual number of unique service users or beneficiaries engaged (total) - (Value)";
const P_COVID: &str = "Changes to project due to COVID-19 - (Value)";
const P_NOTES: &str = "Notes - (Value)";

const PROJECT_COLUMNS: &[&str] = &[
    P_ID,
    P_NAME,
    P_ALT,
    P_STAGE,
    P_D_OUTCOMES,
    P_D_ALL,
    P_D_ANT_COMPLETION,
    P_D_ACT_COMPLETION,
    P_D_START,
    P_D_ANT_END,
    P_D_ACT_END,
    P_D_ANT_DUR,
    P_D_ACT_DUR,
    P_JURISDICTION,
    P_INV_CUR,
    P_INV_MIN,
    P_INV_EXACT,
    P_INV_MAX,
    P_MOP_CUR,
    P_MOP,
    P_RET_TYPE,
    P_RET,
    P_PARTIES,
    P_PAID_CUR,
    P_PAID,
    P_CHALLENGE,
    P_INTERVENTION,
    P_SECTOR,
    P_SDG,
    P_POPULATION,
    P_TARGET_USERS,
    P_ACTUAL_USERS,
    P_COVID,
    P_NOTES,
];

const PROJECT_ID: &str = "Project ID";

const L_NAME: &str = "Location - Name - (Value)";
const L_COUNTRY: &str = "Location - Country - (Value)";

const O_ID: &str = "ID";
const O_NAME: &str = "Name";
const O_TYPE: &str = "Type - (Value)";
const O_COUNTRY: &str = "Country";
const O_WEBSITE: &str = "Website";

const I_ID: &str = "Id";
const I_ORG: &str = "Organisation ID - (Value)";
const I_ROLE: &str = "Organisation Role Category - (Value)";
const I_CUR: &str = "Investment Commitment - Currency - (Value)";
const I_MIN: &str = "Investment Commitment - Amount - Min - (Value)";
const I_EXACT: &str = "Investment Commitment - Amount - Exact - (Value)";
const I_MAX: &str = "Investment Commitment - Amount - Max - (Value)";
const I_LOSS: &str = "Maximum Potential loss - (Value)";
const I_RETURN: &str = "Maximum Potential Return - (Value)";
const I_TYPE: &str = "Investment Type - (Value)";

const M_ID: &str = "Id";
const M_DEFINITION: &str = "Outcome Definition - (Value)";
const M_POPULATION: &str = "Target Population - (Value)";
const M_USERS: &str = "Targeted number of service users Or beneficiaries (total) - (Value)";
const M_TARGET: &str = "Outcome metric target - (Value)";
const M_VALIDATION: &str = "Outcome validation Method - (Value)";
const M_SECTOR: &str = "Policy sector - (Value)";

const PR_METRIC: &str = "Outcome Metric Id - (Value)";
const PR_CUR: &str = "Currency - (Value)";
const PR_PRICE: &str = "Price Per Unit - Amount - (Value)";
const PR_MAX: &str = "Maximum Price if all targets achieved - Amount - (Value)";
const PR_DESCRIPTION: &str = "Price Description - (Value)";

const PA_PLAN: &str = "Outcome Payment Plan Id - (Value)";
const PA_METRIC: &str = "Outcome Metric Id - (Value)";
const PA_START: &str = "Period - Start - (Value)";
const PA_END: &str = "Period - End - (Value)";
const PA_PAYER: &str = "Payer Organisation ID - (Value)";
const PA_RECIPIENT: &str = "Recipient Organisation ID - (Value)";
const PA_TYPE: &str = "Type - (Value)";
const PA_CUR: &str = "Payments - Currency - (Value)";
const PA_AMOUNT: &str = "Payments - Amount - (Value)";

const R_METRIC: &str = "Outcome Metric Id - (Value)";
const R_LEVEL: &str = "Result level - (Value)";
const R_TYPE: &str = "Result type - (Value)";
const R_START: &str = "Period - Start - (Value)";
const R_END: &str = "Period - End - (Value)";
const R_ACHIEVED: &str = "Outcomes achieved - (Value)";
const R_ENGAGED: &str = "Number engaged In impact bond - (Value)";
const R_POSITIVE: &str = "Number with Positive social outcomes - (Value)";

fn project_row(row: &Row<'_>, report: &mut Report) -> Option<Project> {
    let id = row.required(P_ID, report);
    let name = row.required(P_NAME, report);
    let dates = ProjectDates {
        outcomes_contract_signed: row.date(P_D_OUTCOMES, report),
        all_contracts_signed: row.date(P_D_ALL, report),
        anticipated_completion: row.date(P_D_ANT_COMPLETION, report),
        actual_completion: row.date(P_D_ACT_COMPLETION, report),
        service_start: row.date(P_D_START, report),
        anticipated_service_end: row.date(P_D_ANT_END, report),
        actual_service_end: row.date(P_D_ACT_END, report),
        anticipated_duration_months: row.decimal(P_D_ANT_DUR, report),
        actual_duration_months: row.decimal(P_D_ACT_DUR, report),
    };
    let project = Project {
        id: id?,
        name: name?,
        alternative_names: row.text(P_ALT),
        stage: row.text(P_STAGE),
        dates,
        jurisdiction: row.text(P_JURISDICTION),
        countries: Vec::new(),
        investment_commitment: row.range(P_INV_CUR, [P_INV_MIN, P_INV_EXACT, P_INV_MAX], report),
        max_outcome_payment: row.money(P_MOP_CUR, P_MOP, report),
        outcome_payments_made: row.money(P_PAID_CUR, P_PAID, report),
        max_potential_return_type: row.text(P_RET_TYPE),
        max_potential_return: row.text(P_RET),
        contracting_parties: row.text(P_PARTIES),
        social_challenge: row.text(P_CHALLENGE),
        intervention: row.text(P_INTERVENTION),
        policy_sector: row.text(P_SECTOR),
        primary_sdg_goal: row.text(P_SDG),
        target_population: row.text(P_POPULATION),
        target_service_users: row.count(P_TARGET_USERS, report),
        actual_service_users: row.count(P_ACTUAL_USERS, report),
        covid_changes: row.text(P_COVID),
        notes: row.text(P_NOTES),
        delivery_locations: Vec::new(),
        investments: Vec::new(),
        outcome_metrics: Vec::new(),
        pricings: Vec::new(),
        payments: Vec::new(),
        results: Vec::new(),
    };
    Some(project)
}

/// Parses an export given as file name → text. All of [`FILES`] are required; other names
/// are refused (a typo would otherwise look like a withdrawn table). Every row of the child
/// files must name a project of `projects.csv`.
pub fn parse_export(files: &BTreeMap<String, String>) -> Result<Export, IndigoErrors> {
    let mut report = Report::default();
    for name in files.keys() {
        if !FILES.contains(&name.as_str()) {
            report.error(IndigoError::new(
                name,
                None,
                None,
                "unknown_file",
                format!("Not a file of INDIGO's per-table export; expected {}", FILES.join(", ")),
            ));
        }
    }
    for name in FILES {
        if !files.contains_key(name) {
            report.error(IndigoError::new(name, None, None, "missing_file", "This file of the export is missing"));
        }
    }
    if !report.errors.is_empty() {
        return Err(IndigoErrors(report.errors));
    }
    let text = |name: &str| files.get(name).map_or("", String::as_str);

    let projects_table = Table::read(PROJECTS, text(PROJECTS), PROJECT_COLUMNS, &mut report);
    let locations = Table::read(LOCATIONS, text(LOCATIONS), &[PROJECT_ID, L_NAME, L_COUNTRY], &mut report);
    let organisations =
        Table::read(ORGANISATIONS, text(ORGANISATIONS), &[O_ID, O_NAME, O_TYPE, O_COUNTRY, O_WEBSITE], &mut report);
    let investments = Table::read(
        INVESTMENTS,
        text(INVESTMENTS),
        &[PROJECT_ID, I_ID, I_ORG, I_ROLE, I_CUR, I_MIN, I_EXACT, I_MAX, I_LOSS, I_RETURN, I_TYPE],
        &mut report,
    );
    let metrics = Table::read(
        METRICS,
        text(METRICS),
        &[PROJECT_ID, M_ID, M_DEFINITION, M_POPULATION, M_USERS, M_TARGET, M_VALIDATION, M_SECTOR],
        &mut report,
    );
    let pricings = Table::read(
        PRICINGS,
        text(PRICINGS),
        &[PROJECT_ID, PR_METRIC, PR_CUR, PR_PRICE, PR_MAX, PR_DESCRIPTION],
        &mut report,
    );
    let payments = Table::read(
        PAYMENTS,
        text(PAYMENTS),
        &[PROJECT_ID, PA_PLAN, PA_METRIC, PA_START, PA_END, PA_PAYER, PA_RECIPIENT, PA_TYPE, PA_CUR, PA_AMOUNT],
        &mut report,
    );
    let results = Table::read(
        RESULTS,
        text(RESULTS),
        &[PROJECT_ID, R_METRIC, R_LEVEL, R_TYPE, R_START, R_END, R_ACHIEVED, R_ENGAGED, R_POSITIVE],
        &mut report,
    );
    let (
        Some(projects_table),
        Some(locations),
        Some(organisations),
        Some(investments),
        Some(metrics),
        Some(pricings),
        Some(payments),
        Some(results),
    ) = (projects_table, locations, organisations, investments, metrics, pricings, payments, results)
    else {
        return Err(IndigoErrors(report.errors));
    };

    let mut projects: Vec<Project> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in projects_table.rows() {
        if report.full() {
            break;
        }
        let Some(project) = project_row(&row, &mut report) else { continue };
        if index.contains_key(&project.id) {
            report.error(row.err(P_ID, "duplicate_project", format!("Project {} appears twice", project.id)));
            continue;
        }
        if projects.len() >= limits::PROJECTS_MAX {
            report.error(row.err(
                P_ID,
                "too_many_projects",
                format!("An export may hold at most {} projects", limits::PROJECTS_MAX),
            ));
            break;
        }
        index.insert(project.id.clone(), projects.len());
        projects.push(project);
    }

    // The project a child row belongs to, or an error naming the row.
    let owner = |row: &Row<'_>, report: &mut Report| -> Option<usize> {
        let id = row.required(PROJECT_ID, report)?;
        let found = index.get(&id).copied();
        if found.is_none() {
            report.error(row.err(PROJECT_ID, "unknown_project", format!("Project {id} is not in {PROJECTS}")));
        }
        found
    };

    for row in locations.rows() {
        let Some(p) = owner(&row, &mut report) else { continue };
        let country = row.text(L_COUNTRY).map(|c| c.to_ascii_uppercase());
        if let Some(c) = &country
            && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            report.error(row.err(L_COUNTRY, "invalid_country", format!("{c:?} is not an ISO 3166 country code")));
            continue;
        }
        let project = &mut projects[p];
        if let Some(c) = &country
            && !project.countries.contains(c)
        {
            project.countries.push(c.clone());
        }
        project.delivery_locations.push(DeliveryLocation { name: row.text(L_NAME), country });
    }

    let mut orgs = Vec::new();
    let mut org_ids = std::collections::HashSet::new();
    for row in organisations.rows() {
        let (Some(id), Some(name)) = (row.required(O_ID, &mut report), row.required(O_NAME, &mut report)) else {
            continue;
        };
        if !org_ids.insert(id.clone()) {
            report.error(row.err(O_ID, "duplicate_organisation", format!("Organisation {id} appears twice")));
            continue;
        }
        orgs.push(Organisation {
            id,
            name,
            org_type: row.text(O_TYPE),
            country: row.text(O_COUNTRY),
            website: row.text(O_WEBSITE),
        });
    }

    for row in investments.rows() {
        let Some(p) = owner(&row, &mut report) else { continue };
        let investment = Investment {
            id: row.text(I_ID),
            organisation_id: row.text(I_ORG),
            role_category: row.text(I_ROLE),
            commitment: row.range(I_CUR, [I_MIN, I_EXACT, I_MAX], &mut report),
            investment_type: row.text(I_TYPE),
            max_potential_loss: row.text(I_LOSS),
            max_potential_return: row.text(I_RETURN),
        };
        projects[p].investments.push(investment);
    }

    for row in metrics.rows() {
        let Some(p) = owner(&row, &mut report) else { continue };
        projects[p].outcome_metrics.push(OutcomeMetric {
            id: row.text(M_ID),
            definition: row.text(M_DEFINITION),
            target_population: row.text(M_POPULATION),
            targeted_service_users: row.text(M_USERS),
            target: row.text(M_TARGET),
            validation_method: row.text(M_VALIDATION),
            policy_sector: row.text(M_SECTOR),
        });
    }

    for row in pricings.rows() {
        let Some(p) = owner(&row, &mut report) else { continue };
        let currency = row.currency(PR_CUR, &mut report);
        let price_per_unit = row.decimal(PR_PRICE, &mut report);
        let max_if_all_targets_met = row.decimal(PR_MAX, &mut report);
        if currency.is_none()
            && row.text(PR_CUR).is_none()
            && (price_per_unit.is_some() || max_if_all_targets_met.is_some())
        {
            row.warn(PR_CUR, "currency_missing", "A price without a currency: kept, never summed".into(), &mut report);
        }
        projects[p].pricings.push(OutcomePricing {
            metric_id: row.text(PR_METRIC),
            currency,
            price_per_unit,
            max_if_all_targets_met,
            description: row.text(PR_DESCRIPTION),
        });
    }

    let mut payments_unspecified = 0;
    for row in payments.rows() {
        let Some(p) = owner(&row, &mut report) else { continue };
        let kind = match row.text(PA_TYPE).map(|t| t.to_ascii_lowercase()).as_deref() {
            Some("planned") => PaymentKind::Planned,
            Some("actual") => PaymentKind::Actual,
            None => {
                payments_unspecified += 1;
                PaymentKind::Unspecified
            }
            Some(other) => {
                report.error(row.err(
                    PA_TYPE,
                    "invalid_payment_type",
                    format!("{other:?}: expected Planned or Actual"),
                ));
                continue;
            }
        };
        projects[p].payments.push(OutcomePayment {
            kind,
            plan: row.text(PA_PLAN).map(|p| p.to_lowercase()),
            metric_id: row.text(PA_METRIC),
            period_start: row.date(PA_START, &mut report),
            period_end: row.date(PA_END, &mut report),
            payer_id: row.text(PA_PAYER),
            recipient_id: row.text(PA_RECIPIENT),
            amount: row.money(PA_CUR, PA_AMOUNT, &mut report),
        });
    }

    for row in results.rows() {
        let Some(p) = owner(&row, &mut report) else { continue };
        projects[p].results.push(OutcomeResult {
            metric_id: row.text(R_METRIC),
            level: row.text(R_LEVEL),
            result_type: row.text(R_TYPE),
            period_start: row.date_text(R_START, &mut report),
            period_end: row.date_text(R_END, &mut report),
            outcomes_achieved: row.text(R_ACHIEVED),
            number_engaged: row.text(R_ENGAGED),
            number_positive: row.text(R_POSITIVE),
        });
    }

    if !report.errors.is_empty() {
        return Err(IndigoErrors(report.errors));
    }
    for p in &mut projects {
        p.countries.sort();
    }
    projects.sort_by(|a, b| a.id.cmp(&b.id));
    orgs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Export {
        projects,
        organisations: orgs,
        warnings: report.warnings,
        warnings_total: report.warnings_total,
        payments_unspecified,
        currencies_normalised: report.normalised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECTS_HEAD: &str = "ID,Impact Bond Name - (Value),Alternative Names - (Value),Stage of Development - (Value),Dates - Date outcomes contract signed - (Value),Dates - Date contracts between all parties signed - (Value),Dates - Anticipated completion date - (Value),Dates - Actual completion date - (Value),Dates - Start date of service provision - (Value),Dates - Anticipated end date of service provision - (Value),Dates - Actual end date of service provision - (Value),Dates - Anticipated duration of service provision - (Value),Dates - Actual duration of service provision - (Value),Jurisdiction - Jurisdiction - (Value),Overall project finance - Total investment commitment - Currency - (Value),Overall project finance - Total investment commitment - Amount - Min - (Value),Overall project finance - Total investment commitment - Amount - Exact - (Value),Overall project finance - Total investment commitment - Amount - Max - (Value),Overall project finance - Maximum potential outcome payment - Currency - (Value),Overall project finance - Maximum potential outcome payment - Amount - (Value),Overall project finance - Maximum potential return type - (Value),Overall project finance - Maximum potential return - (Value),Overall project finance - Configuration of the Contracting Parties - (Value),Overall project finance - Total outcome payments made - Currency - (Value),Overall project finance - Total outcome payments made - Amount - (Value),Purpose and classifications - Social challenge - (Value),Purpose and classifications - Intervention - (Value),Purpose and classifications - Policy sector - (Value),Purpose and classifications - Primary SDG goal - (Value),Service and beneficiaries - Target population - (Value),Service and beneficiaries - Targeted number of unique service users or beneficiaries (total) - (Value),Service and beneficiaries - Actual number of unique service users or beneficiaries engaged (total) - (Value),Changes to project due to COVID-19 - (Value),Notes - (Value)\n";

    /// A project row: id, name, stage, start date, investment currency, exact amount, sector.
    fn project(id: &str, name: &str, start: &str, currency: &str, exact: &str, sector: &str) -> String {
        format!("{id},{name},,Implementation,,,,,{start},,,,,,{currency},,{exact},,,,,,,,,,,{sector},,,100,,,\n")
    }

    fn export(projects: &str, payments: &str) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        files.insert(PROJECTS.to_string(), format!("{PROJECTS_HEAD}{projects}"));
        files.insert(
            LOCATIONS.to_string(),
            "Project ID,Location - Name - (Value),Location - Country - (Value)\nP1,Paris,FR\nP1,Lyon,FR\nP1,Oslo,NO\nP2,London,GB\n"
                .to_string(),
        );
        files.insert(ORGANISATIONS.to_string(), "ID,Name,Type - (Value),Country,Website\nO1,Fund,,GB,\n".to_string());
        files.insert(INVESTMENTS.to_string(), "Project ID,Id,Organisation ID - (Value),Organisation Role Category - (Value),Investment Commitment - Currency - (Value),Investment Commitment - Amount - Min - (Value),Investment Commitment - Amount - Exact - (Value),Investment Commitment - Amount - Max - (Value),Maximum Potential loss - (Value),Maximum Potential Return - (Value),Investment Type - (Value)\nP1,investment1,O1,,,,1000,,,,\n".to_string());
        files.insert(METRICS.to_string(), "Project ID,Id,Outcome Definition - (Value),Target Population - (Value),Targeted number of service users Or beneficiaries (total) - (Value),Outcome metric target - (Value),Outcome validation Method - (Value),Policy sector - (Value)\nP1,outcomemetric1,Job,,,,,\n".to_string());
        files.insert(PRICINGS.to_string(), "Project ID,Outcome Metric Id - (Value),Currency - (Value),Price Per Unit - Amount - (Value),Maximum Price if all targets achieved - Amount - (Value),Price Description - (Value)\nP1,outcomemetric1,Swiss Francs,1500,30000,\n".to_string());
        files.insert(
            PAYMENTS.to_string(),
            format!("Project ID,Outcome Payment Plan Id - (Value),Outcome Metric Id - (Value),Period - Start - (Value),Period - End - (Value),Payer Organisation ID - (Value),Recipient Organisation ID - (Value),Type - (Value),Payments - Currency - (Value),Payments - Amount - (Value)\n{payments}"),
        );
        files.insert(RESULTS.to_string(), "Project ID,Outcome Metric Id - (Value),Result level - (Value),Result type - (Value),Period - Start - (Value),Period - End - (Value),Outcomes achieved - (Value),Number engaged In impact bond - (Value),Number with Positive social outcomes - (Value)\nP2,,,,2019,2020-01-31,,12 (as of Jan),\n".to_string());
        files
    }

    fn good() -> BTreeMap<String, String> {
        export(
            &(project("P1", "Bond one", "2018-12", "NZ dollar", "2500000.50", "Employment and training")
                + &project("P2", "Bond two", "2019", "GBP", "2500000.50", "Health")),
            "P1,plan1,outcomemetric1,2019-01,2019-12,O1,,Planned,EUR,100\n\
             P1,plan1,outcomemetric1,2020-01,2020-12,O1,,Planned,EUR,100\n\
             P1,Plan2,outcomemetric1,2019-01,2019-12,O1,,Planned,EUR,150\n\
             P1,plan2,outcomemetric1,2020-01,2020-12,O1,,Planned,EUR,150.25\n\
             P1,,outcomemetric1,2019-01,2019-12,O1,,Actual,EUR,90\n\
             P1,,outcomemetric1,2020-01,2020-12,O1,,,EUR,80\n",
        )
    }

    #[test]
    fn parses_a_small_export_with_its_traps() {
        let e = parse_export(&good()).expect("parses");
        assert_eq!(e.projects.len(), 2);
        let p1 = &e.projects[0];
        // Several rows in one country and one in another: each country once, sorted.
        assert_eq!(p1.countries, vec!["FR", "NO"]);
        assert_eq!(p1.delivery_locations.len(), 3);
        // Free-text currency normalised; the amount exact.
        assert_eq!(
            p1.investment_exact().map(|(c, a)| (c.to_string(), a.to_string())),
            Some(("NZD".into(), "2500000.5".into()))
        );
        assert_eq!(e.currencies_normalised.get("NZ dollar").map(String::as_str), Some("NZD"));
        assert_eq!(p1.pricings[0].currency.as_deref(), Some("CHF"));
        // Plans are not summed across revisions; the empty Type is neither planned nor actual.
        let (plan, planned) = p1.latest_plan().expect("a plan");
        assert_eq!(plan, "plan2");
        assert_eq!(planned.0.get("EUR").map(ToString::to_string).as_deref(), Some("300.25"));
        assert_eq!(p1.actual_payments().0.get("EUR").map(ToString::to_string).as_deref(), Some("90"));
        assert_eq!(e.payments_unspecified, 1);
        // An investment without a currency is kept and reported.
        assert_eq!(p1.investments[0].commitment.as_ref().and_then(|c| c.currency.clone()), None);
        assert_eq!(e.warnings_total, 1);
        assert_eq!(e.warnings[0].file, INVESTMENTS);
        // Two projects share every money value: both kept.
        assert_eq!(e.projects[1].investment_exact().map(|(_, a)| a), p1.investment_exact().map(|(_, a)| a));
        assert_eq!(p1.dates.service_start.map(|d| d.to_string()).as_deref(), Some("2018-12"));
        assert_eq!(e.projects[1].results[0].number_engaged.as_deref(), Some("12 (as of Jan)"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let files = export(
            &(project("P1", "Bond one", "2018-13", "Dollars", "12x5", "Health")
                + &project("P2", "Bond two", "2019", "GBP", "1", "Health")),
            "P9,plan1,m,2019-01,2019-12,O1,,Planned,EUR,100\nP1,plan1,m,2019-01,2019-12,O1,,Maybe,EUR,1\n",
        );
        let errors = parse_export(&files).expect_err("bad").0;
        let find = |code: &str| errors.iter().find(|e| e.code == code).unwrap_or_else(|| panic!("{code}: {errors:?}"));
        let date = find("invalid_date");
        assert_eq!((date.file.as_str(), date.line), (PROJECTS, Some(2)));
        assert_eq!(date.column.as_deref(), Some(P_D_START));
        let cur = find("unknown_currency");
        assert_eq!((cur.line, cur.column.as_deref()), (Some(2), Some(P_INV_CUR)));
        assert!(cur.message.contains("Dollars"));
        assert_eq!(find("invalid_amount").column.as_deref(), Some(P_INV_EXACT));
        let unknown = find("unknown_project");
        assert_eq!((unknown.file.as_str(), unknown.line), (PAYMENTS, Some(2)));
        assert_eq!(find("invalid_payment_type").line, Some(3));
        assert!(find("invalid_date").to_string().starts_with("projects.csv line 2 column"));
    }

    #[test]
    fn lines_are_counted_on_crlf_files_with_multi_line_cells() {
        let mut files = good();
        let crlf = format!(
            "{}{}{}",
            PROJECTS_HEAD.replace('\n', "\r\n"),
            project("P1", "\"Bond\r\none\"", "2018-12", "GBP", "1", "Health").replace('\n', "\r\n"),
            project("P2", "Bond two", "2018-13", "GBP", "1", "Health").replace('\n', "\r\n"),
        );
        files.insert(PROJECTS.into(), crlf);
        let errors = parse_export(&files).expect_err("bad").0;
        assert_eq!((errors[0].code, errors[0].line), ("invalid_date", Some(4)), "{errors:?}");
    }

    #[test]
    fn files_are_all_required_and_checked() {
        let mut files = good();
        files.remove(RESULTS);
        files.insert("project.csv".into(), String::new());
        let errors = parse_export(&files).expect_err("bad").0;
        assert!(errors.iter().any(|e| e.code == "missing_file" && e.file == RESULTS));
        assert!(errors.iter().any(|e| e.code == "unknown_file" && e.file == "project.csv"));

        let mut files = good();
        files.insert(ORGANISATIONS.into(), "ID,Name\nO1,x\n".into());
        let errors = parse_export(&files).expect_err("bad").0;
        assert!(errors.iter().any(|e| e.code == "missing_column" && e.line == Some(1)), "{errors:?}");

        let mut files = good();
        files.insert(ORGANISATIONS.into(), "ID,Name,Type - (Value),Country,Website\nO1,x\nO2,y,,,\n".into());
        let errors = parse_export(&files).expect_err("bad").0;
        assert_eq!((errors[0].code, errors[0].line), ("invalid_csv", Some(2)), "{errors:?}");
    }

    #[test]
    fn withdrawn_values_are_counted() {
        let before = parse_export(&good()).expect("parses");
        let files = export(
            &(project("P1", "Bond one", "2018-12", "", "", "Employment and training")
                + &project("P2", "Bond two", "2019", "GBP", "2500000.50", "Health")),
            "",
        );
        let after = parse_export(&files).expect("parses");
        assert_eq!(super::super::withdrawn_values(&before.projects[1], &after.projects[1]), 0);
        let removed = super::super::withdrawn_values(&before.projects[0], &after.projects[0]);
        // Currency and exact amount, and 6 payment rows of 7-8 values each.
        assert!(removed >= 2 + 6 * 7, "{removed}");
        assert!(after.projects[0].investment_commitment.is_none());
    }
}
