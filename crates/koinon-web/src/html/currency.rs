//! Officers' pages of municipal e-currencies: the currencies and programmes, a currency's
//! settings and its guarantee fund, a programme with its households (imported from a CSV or
//! XLSX upload: preview, then import) and its issuance runs, a month's preview, and a run to
//! approve or send back. The app checks every rule; these pages show its answers.
//!
//! And the beneficiary's own page, `/wallet`: the balance and statement of each wallet whose
//! household an officer linked to the signed-in user.

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use koinon_app::AppError;
use koinon_app::currency::{
    CurrencyInput, CurrencyView, HouseholdImport, HouseholdView, IssuancePreview, IssuanceRunView, ProgrammeInput,
    ProgrammeView,
};
use koinon_app::outcome_files::ImportFile;
use koinon_core::FieldError;
use koinon_core::authz::Action;
use koinon_core::currency::{STANDARD_CATEGORIES, limits};

use super::admin::{Choice, form_errors, parse_id, require, ticked, unprocessable};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

/// Largest household upload: the file plus room for the other fields.
const UPLOAD_BODY_MAX_BYTES: usize = limits::FILE_BYTES_MAX + 64 * 1024;
/// Households listed on a programme's page (all are counted).
const HOUSEHOLDS_SHOWN: usize = 200;

pub fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route("/currency/programmes/{id}/households/upload", post(upload_households))
        .route("/currency/programmes/{id}/households/commit", post(commit_households))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX_BYTES));
    Router::new()
        .merge(uploads)
        .route("/currency", get(overview).post(define_currency))
        .route("/currency/new", get(new_currency))
        .route("/currency/currencies/{id}", get(currency_page).post(update_currency))
        .route("/currency/currencies/{id}/funding", post(fund))
        .route("/currency/programmes", post(create_programme))
        .route("/currency/programmes/new", get(new_programme))
        .route("/currency/programmes/{id}", get(programme_page))
        .route("/currency/programmes/{id}/issuance", get(preview_page).post(prepare_run))
        .route("/currency/runs/{id}", get(run_page))
        .route("/currency/runs/{id}/approval", post(approve_run))
        .route("/currency/runs/{id}/rejection", post(reject_run))
        .route("/currency/programmes/{id}/households/link", post(link_household))
        .route("/wallet", get(wallet_page))
}

/// What the currency templates format.
impl Layout {
    /// Euro cents, in the locale's format.
    pub fn eur(&self, amount_minor: &i64) -> String {
        self.locale.format_money(*amount_minor, "EUR", 2)
    }

    /// Units of a municipal currency: the number in the locale's format, then the code
    /// (`1,250.00 GRAMA`; a municipal code is not a symbol to glue to the number).
    pub fn units(&self, amount_minor: &i64, code: &str, scale: &u8) -> String {
        format!("{}\u{a0}{code}", self.locale.format_decimal(*amount_minor, *scale))
    }

    /// Whether the signed-in user is a beneficiary (who has a wallet page).
    pub fn has_wallet_page(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == koinon_core::role::Role::Beneficiary)
    }

    /// A wallet statement line's kind (`issue`, `payment`, ...), translated where known.
    pub fn entry_name(&self, code: &str) -> String {
        let key = format!("currency-entry-{}", code.replace('_', "-"));
        let text = self.t(&key);
        if text == key { code.to_string() } else { text }
    }

    /// A signed amount of units (`+100.00 GRAMA`, `−25.50 GRAMA`).
    pub fn signed_units(&self, amount_minor: &i64, code: &str, scale: &u8) -> String {
        let sign = if *amount_minor < 0 { "\u{2212}" } else { "+" };
        format!("{sign}{}", self.units(&amount_minor.saturating_abs(), code, scale))
    }

    /// An issuance run's state (`prepared`, `approved`, `posted`, `rejected`), translated.
    pub fn state_name(&self, state: &str) -> String {
        self.t(&format!("currency-state-{state}"))
    }

    /// Why a month cannot be prepared (`not_backed`, ...), translated.
    pub fn refusal_text(&self, code: &str) -> String {
        self.t(&format!("currency-refusal-{}", code.replace('_', "-")))
    }
}

// ---------------------------------------------------------------------------------------------
// Overview

#[derive(Template)]
#[template(path = "currency_overview.html")]
struct OverviewPage {
    l: Layout,
    currencies: Vec<CurrencyView>,
    programmes: Vec<ProgrammeView>,
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let currencies = state.app.list_currencies(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    let programmes = state.app.list_programmes(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "currency-title").await;
    Ok(render(&OverviewPage { l, currencies, programmes }))
}

// ---------------------------------------------------------------------------------------------
// A currency: define, settings, fund

/// The currency form's values as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct CurrencyForm {
    csrf: String,
    code: String,
    name: String,
    symbol: String,
    scale: String,
    rate: String,
    holders: String,
    categories: String,
    redemption_fee_bp: String,
    early_redemption_fee_bp: String,
    early_redemption_days: String,
    decay: String,
    expiry_months: String,
    demurrage_bp: String,
    wallet_balance_max: String,
    daily_spend_max: String,
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl CurrencyForm {
    fn grama_like() -> Self {
        Self {
            scale: "2".into(),
            rate: "1:1".into(),
            holders: "beneficiaries_and_merchants".into(),
            categories: "food, hygiene, cleaning".into(),
            redemption_fee_bp: "0".into(),
            decay: "none".into(),
            ..Self::default()
        }
    }

    fn of(c: &CurrencyView) -> Self {
        let amount = |v: Option<i64>| v.map(|m| koinon_core::money::minor_to_decimal(m, c.scale)).unwrap_or_default();
        let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        Self {
            csrf: String::new(),
            code: c.code.clone(),
            name: c.name.clone(),
            symbol: c.symbol.clone(),
            scale: c.scale.to_string(),
            rate: c.rate.clone(),
            holders: c.holders.clone(),
            categories: c.categories.join(", "),
            redemption_fee_bp: c.redemption_fee_bp.to_string(),
            early_redemption_fee_bp: num(c.early_redemption_fee_bp),
            early_redemption_days: num(c.early_redemption_days),
            decay: c.decay.clone(),
            expiry_months: num(c.expiry_months),
            demurrage_bp: num(c.demurrage_bp),
            wallet_balance_max: amount(c.wallet_balance_max_minor),
            daily_spend_max: amount(c.daily_spend_max_minor),
        }
    }

    /// The values kept to show the form again (each clipped to a sane length).
    fn clipped(&self) -> Self {
        Self {
            csrf: String::new(),
            code: clip(&self.code, 20),
            name: clip(&self.name, 200),
            symbol: clip(&self.symbol, 20),
            scale: clip(&self.scale, 10),
            rate: clip(&self.rate, 30),
            holders: clip(&self.holders, 40),
            categories: clip(&self.categories, 1_200),
            redemption_fee_bp: clip(&self.redemption_fee_bp, 10),
            early_redemption_fee_bp: clip(&self.early_redemption_fee_bp, 10),
            early_redemption_days: clip(&self.early_redemption_days, 10),
            decay: clip(&self.decay, 20),
            expiry_months: clip(&self.expiry_months, 10),
            demurrage_bp: clip(&self.demurrage_bp, 10),
            wallet_balance_max: clip(&self.wallet_balance_max, 30),
            daily_spend_max: clip(&self.daily_spend_max, 30),
        }
    }

    /// The app's input, or every problem: the fields that are not whole numbers and what the
    /// app finds wrong with the others.
    fn input(&self) -> Result<CurrencyInput, Vec<FieldError>> {
        let (input, mut errors) = self.parse_numbers();
        if errors.is_empty() {
            return Ok(input);
        }
        if let Err(AppError::Invalid(more)) = koinon_app::currency::check_currency_input(&input) {
            errors.extend(more.into_iter().filter(|m| !errors.iter().any(|e| e.field == m.field)).collect::<Vec<_>>());
        }
        Err(errors)
    }

    fn parse_numbers(&self) -> (CurrencyInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut int = |field: &str, raw: &str| -> Option<i64> {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            match raw.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FieldError::new(field, "invalid_number", format!("{field} must be a whole number")));
                    None
                }
            }
        };
        let input = CurrencyInput {
            code: self.code.clone(),
            name: self.name.clone(),
            symbol: self.symbol.clone(),
            scale: int("scale", &self.scale),
            rate: self.rate.clone(),
            holders: self.holders.clone(),
            categories: self.categories.clone(),
            redemption_fee_bp: int("redemption_fee_bp", &self.redemption_fee_bp),
            early_redemption_fee_bp: int("early_redemption_fee_bp", &self.early_redemption_fee_bp),
            early_redemption_days: int("early_redemption_days", &self.early_redemption_days),
            decay: self.decay.clone(),
            expiry_months: int("expiry_months", &self.expiry_months),
            demurrage_bp: int("demurrage_bp", &self.demurrage_bp),
            wallet_balance_max: self.wallet_balance_max.clone(),
            daily_spend_max: self.daily_spend_max.clone(),
        };
        (input, errors)
    }
}

fn choices(l: &Layout, values: &[&str], prefix: &str, selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: l.t(&format!("{prefix}{}", v.replace('_', "-"))),
            selected: *v == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "currency_form.html")]
struct CurrencyFormPage {
    l: Layout,
    f: CurrencyForm,
    /// `None` for a new currency.
    c: Option<CurrencyView>,
    holders: Vec<Choice>,
    decays: Vec<Choice>,
    standard: Vec<(&'static str, &'static str)>,
    amount: String,
    request_id: String,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    f: CurrencyForm,
    c: Option<CurrencyView>,
    errors: Vec<FieldError>,
) -> CurrencyFormPage {
    let title = if c.is_some() { "currency-settings-title" } else { "currency-new-title" };
    let l = Layout::new(state, ctx, title).await.with_errors(errors);
    let holders =
        choices(&l, &["beneficiaries_and_merchants", "residents_and_merchants"], "currency-holders-", &f.holders);
    let decays = choices(&l, &["none", "expiry", "demurrage"], "currency-decay-", &f.decay);
    CurrencyFormPage {
        l,
        f,
        c,
        holders,
        decays,
        standard: STANDARD_CATEGORIES.to_vec(),
        amount: String::new(),
        request_id: new_request_id(),
    }
}

/// A fresh request id for the funding form, so a form sent twice funds once.
fn new_request_id() -> String {
    let mut b = [0u8; 16];
    match getrandom::fill(&mut b) {
        Ok(()) => hex::encode(b),
        Err(_) => format!("funding-{}", koinon_app::App::now_us()),
    }
}

async fn new_currency(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    Ok(render(&form_page(&state, &ctx, CurrencyForm::grama_like(), None, Vec::new()).await))
}

async fn define_currency(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CurrencyForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let errors = match form.input() {
        Err(errors) => errors,
        Ok(input) => match state.app.define_currency(&actor, tenant_id, &input).await {
            Ok(c) => {
                return Ok(redirect_with_flash(&format!("/currency/currencies/{}", c.id), "flash-currency-defined"));
            }
            Err(e) => form_errors(e).map_err(page_error(&ctx))?,
        },
    };
    Ok(unprocessable(&form_page(&state, &ctx, form.clipped(), None, errors).await))
}

async fn currency_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let c = state.app.currency(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let f = CurrencyForm::of(&c);
    Ok(render(&form_page(&state, &ctx, f, Some(c), Vec::new()).await))
}

async fn update_currency(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CurrencyForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let c = state.app.currency(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let errors = match form.input() {
        Err(errors) => errors,
        Ok(mut input) => {
            input.code.clone_from(&c.code);
            input.scale = Some(i64::from(c.scale));
            match state.app.update_currency(&actor, tenant_id, id, &input).await {
                Ok(_) => {
                    return Ok(redirect_with_flash(&format!("/currency/currencies/{id}"), "flash-currency-updated"));
                }
                Err(e) => form_errors(e).map_err(page_error(&ctx))?,
            }
        }
    };
    let mut f = form.clipped();
    f.code.clone_from(&c.code);
    f.scale = c.scale.to_string();
    Ok(unprocessable(&form_page(&state, &ctx, f, Some(c), errors).await))
}

#[derive(serde::Deserialize)]
struct FundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount_eur: String,
    #[serde(default)]
    request_id: String,
}

async fn fund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<FundForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let c = state.app.currency(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let errors = match state.app.fund_guarantee(&actor, tenant_id, id, &form.amount_eur, &form.request_id).await {
        Ok(_) => return Ok(redirect_with_flash(&format!("/currency/currencies/{id}"), "flash-currency-funded")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let mut page = form_page(&state, &ctx, CurrencyForm::of(&c), Some(c), errors).await;
    page.amount = clip(&form.amount_eur, 30);
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// Programmes

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
struct ProgrammeForm {
    csrf: String,
    currency_id: String,
    name: String,
    start_on: String,
    end_on: String,
    budget: String,
    base_amount: String,
    per_member_amount: String,
    household_cap: String,
    auto_backing: Option<String>,
}

#[derive(Template)]
#[template(path = "currency_programme_new.html")]
struct ProgrammeNewPage {
    l: Layout,
    f: ProgrammeForm,
    currencies: Vec<Choice>,
}

async fn programme_new_page(
    state: &AppState,
    ctx: &Ctx,
    f: ProgrammeForm,
    errors: Vec<FieldError>,
) -> Result<ProgrammeNewPage, HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let list = state.app.list_currencies(&actor, tenant_id).await.map_err(page_error(ctx))?;
    let currencies = list
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} ({})", c.name, c.code),
            selected: c.id.to_string() == f.currency_id,
        })
        .collect();
    let l = Layout::new(state, ctx, "currency-programme-new-title").await.with_errors(errors);
    Ok(ProgrammeNewPage { l, f, currencies })
}

async fn new_programme(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let f = ProgrammeForm { per_member_amount: "0".into(), ..ProgrammeForm::default() };
    Ok(render(&programme_new_page(&state, &ctx, f, Vec::new()).await?))
}

async fn create_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ProgrammeForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let input = ProgrammeInput {
        currency_id: form.currency_id.trim().parse().unwrap_or(0),
        name: form.name.clone(),
        start_on: form.start_on.clone(),
        end_on: form.end_on.clone(),
        budget: form.budget.clone(),
        base_amount: form.base_amount.clone(),
        per_member_amount: form.per_member_amount.clone(),
        household_cap: form.household_cap.clone(),
        auto_backing: ticked(form.auto_backing.as_deref()),
    };
    let errors = match state.app.create_programme(&actor, tenant_id, &input).await {
        Ok(p) => return Ok(redirect_with_flash(&format!("/currency/programmes/{}", p.id), "flash-programme-created")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let f = ProgrammeForm {
        csrf: String::new(),
        currency_id: clip(&form.currency_id, 20),
        name: clip(&form.name, 200),
        start_on: clip(&form.start_on, 20),
        end_on: clip(&form.end_on, 20),
        budget: clip(&form.budget, 30),
        base_amount: clip(&form.base_amount, 30),
        per_member_amount: clip(&form.per_member_amount, 30),
        household_cap: clip(&form.household_cap, 30),
        auto_backing: form.auto_backing.as_deref().map(|v| clip(v, 5)),
    };
    Ok(unprocessable(&programme_new_page(&state, &ctx, f, errors).await?))
}

#[derive(Template)]
#[template(path = "currency_programme.html")]
struct ProgrammePage {
    l: Layout,
    p: ProgrammeView,
    households: Vec<HouseholdView>,
    households_not_shown: usize,
    runs: Vec<IssuanceRunView>,
    /// A preview of an uploaded household file, with its rows as CSV text for the import.
    import: Option<HouseholdImport>,
    import_csv: String,
    month: String,
    link_household: String,
    link_email: String,
}

async fn programme_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    import: Option<(HouseholdImport, String)>,
    errors: Vec<FieldError>,
) -> Result<ProgrammePage, HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let p = state.app.programme(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let mut households = state.app.programme_households(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let households_not_shown = households.len().saturating_sub(HOUSEHOLDS_SHOWN);
    households.truncate(HOUSEHOLDS_SHOWN);
    let runs = state.app.list_issuance_runs(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let month = runs
        .iter()
        .map(|r| r.month.clone())
        .max()
        .and_then(|m| koinon_core::currency::Month::parse(&m).ok())
        .map_or_else(|| p.start_on.get(..7).unwrap_or_default().to_string(), |m| m.next().to_string());
    let (import, import_csv) = match import {
        Some((i, csv)) => (Some(i), csv),
        None => (None, String::new()),
    };
    let l = Layout::new(state, ctx, "currency-programme-title").await.with_errors(errors);
    Ok(ProgrammePage {
        l,
        p,
        households,
        households_not_shown,
        runs,
        import,
        import_csv,
        month,
        link_household: String::new(),
        link_email: String::new(),
    })
}

async fn programme_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    Ok(render(&programme_view(&state, &ctx, id, None, Vec::new()).await?))
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    sheet: String,
    file: Option<(String, Vec<u8>)>,
    too_large: bool,
}

async fn read_upload(ctx: &Ctx, multipart: Result<Multipart, MultipartRejection>) -> Result<Upload, HtmlError> {
    let mut multipart = multipart.map_err(|_| HtmlError::bad_request(ctx.locale))?;
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                upload.too_large = true;
                break;
            }
            Err(_) => return Err(HtmlError::bad_request(ctx.locale)),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().chars().take(500).collect::<String>();
        match field.bytes().await {
            Ok(bytes) => match name.as_str() {
                "csrf" => upload.csrf = String::from_utf8_lossy(&bytes).chars().take(128).collect(),
                "sheet" => upload.sheet = String::from_utf8_lossy(&bytes).chars().take(64).collect(),
                "file" if !(file_name.is_empty() && bytes.is_empty()) => {
                    upload.file = Some((file_name, bytes.to_vec()))
                }
                _ => {}
            },
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                upload.too_large = true;
                break;
            }
            Err(_) => return Err(HtmlError::bad_request(ctx.locale)),
        }
    }
    Ok(upload)
}

/// Previews an uploaded household list (CSV or XLSX): every row with its fate; the import
/// button appears only when no row is refused.
async fn upload_households(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let upload = read_upload(&ctx, multipart).await?;
    ctx.check_csrf(&upload.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let file = if upload.too_large {
        Err(AppError::invalid(
            "file",
            "file_too_large",
            format!("The file is larger than {} bytes", limits::FILE_BYTES_MAX),
        ))
    } else if let Some((name, bytes)) = upload.file {
        ImportFile::read("households", "file", &name, bytes, Some(upload.sheet.as_str()))
    } else {
        Err(AppError::invalid("file", "no_file", "Choose a file"))
    };
    let result = match file {
        Ok(file) => {
            state.app.preview_households(&actor, tenant_id, id, &file).await.map(|r| (r, file.csv().to_string()))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((report, csv)) => {
            let status = if report.rejected > 0 || !report.file_errors.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let page = programme_view(&state, &ctx, id, Some((report, csv)), Vec::new()).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => {
            let errors = form_errors(e).map_err(page_error(&ctx))?;
            Ok(unprocessable(&programme_view(&state, &ctx, id, None, errors).await?))
        }
    }
}

#[derive(serde::Deserialize)]
struct CommitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// Imports the rows a preview showed (sent back as CSV text); all or nothing.
async fn commit_households(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CommitForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let file = ImportFile::Csv(form.csv);
    match state.app.commit_households(&actor, tenant_id, id, &file).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/currency/programmes/{id}"), "flash-households-imported")),
        Err(e) => {
            let errors = form_errors(e).map_err(page_error(&ctx))?;
            Ok(unprocessable(&programme_view(&state, &ctx, id, None, errors).await?))
        }
    }
}

#[derive(serde::Deserialize)]
struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    email: String,
}

/// Links a household to a beneficiary's account (or unlinks it, with no email).
async fn link_household(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    match state.app.link_household_user(&actor, tenant_id, id, &form.household, &form.email).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/currency/programmes/{id}"), "flash-household-linked")),
        Err(e) => {
            let errors = form_errors(e).map_err(page_error(&ctx))?;
            let mut page = programme_view(&state, &ctx, id, None, errors).await?;
            page.link_household = clip(&form.household, 64);
            page.link_email = clip(&form.email, 254);
            Ok(unprocessable(&page))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The beneficiary's wallet

#[derive(Template)]
#[template(path = "currency_wallet.html")]
struct WalletPage {
    l: Layout,
    wallets: Vec<koinon_app::currency::WalletView>,
}

/// The signed-in user's wallets, balances and statements, in their language.
async fn wallet_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let wallets = state.app.my_wallets(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "currency-wallet-title").await;
    Ok(render(&WalletPage { l, wallets }))
}

// ---------------------------------------------------------------------------------------------
// Issuance

#[derive(Debug, Default, serde::Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: String,
}

#[derive(Template)]
#[template(path = "currency_issuance.html")]
struct PreviewPage {
    l: Layout,
    p: ProgrammeView,
    v: Option<IssuancePreview>,
    month: String,
}

async fn preview_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    month: &str,
    errors: Vec<FieldError>,
) -> Result<(PreviewPage, bool), HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let p = state.app.programme(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let mut errors = errors;
    let v = match state.app.preview_issuance(&actor, tenant_id, id, month).await {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(form_errors(e).map_err(page_error(ctx))?);
            None
        }
    };
    let bad = !errors.is_empty();
    let l = Layout::new(state, ctx, "currency-issuance-title").await.with_errors(errors);
    Ok((PreviewPage { l, p, v, month: clip(month, 10) }, bad))
}

async fn preview_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    let (page, bad) = preview_view(&state, &ctx, id, &q.month, Vec::new()).await?;
    Ok(if bad { unprocessable(&page) } else { render(&page) })
}

#[derive(serde::Deserialize)]
struct PrepareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    month: String,
}

async fn prepare_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<PrepareForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::PrepareIssuance, tenant_id)?;
    let errors = match state.app.prepare_issuance(&actor, tenant_id, id, &form.month).await {
        Ok(run) => return Ok(redirect_with_flash(&format!("/currency/runs/{}", run.id), "flash-issuance-prepared")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let (page, _) = preview_view(&state, &ctx, id, &form.month, errors).await?;
    Ok(unprocessable(&page))
}

#[derive(Template)]
#[template(path = "currency_run.html")]
struct RunPage {
    l: Layout,
    r: IssuanceRunView,
    may_decide: bool,
}

async fn run_view(state: &AppState, ctx: &Ctx, id: i64, errors: Vec<FieldError>) -> Result<RunPage, HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let r = state.app.issuance_run(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let may_decide = r.state == "prepared"
        && actor.require(Action::ApproveIssuance, &koinon_core::authz::Resource::tenant(tenant_id)).is_ok()
        && r.prepared_by != actor.audit_name();
    let l = Layout::new(state, ctx, "currency-run-title").await.with_errors(errors);
    Ok(RunPage { l, r, may_decide })
}

async fn run_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    Ok(render(&run_view(&state, &ctx, id, Vec::new()).await?))
}

#[derive(serde::Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn approve_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ApproveIssuance, tenant_id)?;
    let errors = match state.app.approve_issuance(&actor, tenant_id, id).await {
        Ok(_) => return Ok(redirect_with_flash(&format!("/currency/runs/{id}"), "flash-issuance-posted")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    Ok(unprocessable(&run_view(&state, &ctx, id, errors).await?))
}

async fn reject_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ApproveIssuance, tenant_id)?;
    let errors = match state.app.reject_issuance(&actor, tenant_id, id, &form.reason).await {
        Ok(_) => return Ok(redirect_with_flash(&format!("/currency/runs/{id}"), "flash-issuance-rejected")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    Ok(unprocessable(&run_view(&state, &ctx, id, errors).await?))
}
