//! API of municipal e-currencies: currencies and their guarantee fund, social-assistance
//! programmes, household imports (JSON with CSV text, or an XLSX body), and monthly issuance
//! runs (preview, prepare, approve, reject). Amounts in requests are decimal text in the
//! currency (`"300.00"`; euros for funding); amounts in answers are integer minor units.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use koinon_app::currency::{
    CurrencyInput, CurrencyView, HouseholdImport, HouseholdView, IssuanceLineView, IssuancePreview, IssuanceRunView,
    ProgrammeInput, ProgrammeView,
};
use utoipa::OpenApi;

use super::outcomes_contracts::{CsvImport, ImportQuery};
use super::outcomes_files::ImportBody;
use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/currency/currencies", get(list_currencies).post(define_currency))
        .route("/currency/currencies/{id}", get(get_currency).put(update_currency))
        .route("/currency/currencies/{id}/funding", post(fund_guarantee))
        .route("/currency/programmes", get(list_programmes).post(create_programme))
        .route("/currency/programmes/{id}", get(get_programme))
        .route("/currency/programmes/{id}/households", get(list_households).post(import_households))
        .route("/currency/programmes/{id}/issuance-preview", get(preview_issuance))
        .route("/currency/programmes/{id}/issuance-runs", get(list_runs).post(prepare_run))
        .route("/currency/issuance-runs/{id}", get(get_run))
        .route("/currency/issuance-runs/{id}/approval", post(approve_run))
        .route("/currency/issuance-runs/{id}/rejection", post(reject_run))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_currencies, define_currency, get_currency, update_currency, fund_guarantee, list_programmes,
        create_programme, get_programme, list_households, import_households, preview_issuance, list_runs, prepare_run,
        get_run, approve_run, reject_run),
    components(schemas(CurrencyBody, CurrencyDefinition, AccountsBody, Funding, ProgrammeBody, NewProgramme,
        HouseholdBody, HouseholdImportBody, HouseholdImportRowBody, ImportFileErrorBody, IssuanceLineBody,
        IssuancePreviewBody, IssuanceRunBody, NewRun, Rejection))
)]
pub struct CurrencyApi;

/// A currency's definition. Amounts are decimal text in the currency; rates basis points.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CurrencyDefinition {
    /// 3 to 12 of A-Z, 0-9 (not an ISO code), e.g. `GRAMA`. Fixed once defined.
    pub code: String,
    pub name: String,
    /// Up to 8 characters.
    pub symbol: String,
    /// Minor-unit digits, 0 to 4 (default 2). Fixed once defined.
    pub scale: Option<i64>,
    /// `units:euros`, e.g. `1:1` (default).
    pub rate: String,
    /// `beneficiaries_and_merchants` (default) or `residents_and_merchants`.
    pub holders: String,
    /// Comma-separated: food, hygiene, cleaning, school_supplies, clothing, pharmacy, energy,
    /// transport, culture, or custom codes.
    pub categories: String,
    pub redemption_fee_bp: Option<i64>,
    pub early_redemption_fee_bp: Option<i64>,
    pub early_redemption_days: Option<i64>,
    /// `none`, `expiry` (with `expiry_months`) or `demurrage` (with `demurrage_bp` a month).
    pub decay: String,
    pub expiry_months: Option<i64>,
    pub demurrage_bp: Option<i64>,
    /// Empty: no limit.
    pub wallet_balance_max: String,
    pub daily_spend_max: String,
}

impl From<CurrencyDefinition> for CurrencyInput {
    fn from(d: CurrencyDefinition) -> Self {
        CurrencyInput {
            code: d.code,
            name: d.name,
            symbol: d.symbol,
            scale: d.scale,
            rate: d.rate,
            holders: d.holders,
            categories: d.categories,
            redemption_fee_bp: d.redemption_fee_bp,
            early_redemption_fee_bp: d.early_redemption_fee_bp,
            early_redemption_days: d.early_redemption_days,
            decay: d.decay,
            expiry_months: d.expiry_months,
            demurrage_bp: d.demurrage_bp,
            wallet_balance_max: d.wallet_balance_max,
            daily_spend_max: d.daily_spend_max,
        }
    }
}

/// The ledger accounts of a currency (UUIDs): on the EUR ledger `budget`, `guarantee_fund`,
/// `liquidity`; on the currency's ledger `issuance`, `fees`, `rounding`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccountsBody {
    pub budget: String,
    pub guarantee_fund: String,
    pub liquidity: String,
    pub issuance: String,
    pub fees: String,
    pub rounding: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CurrencyBody {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub symbol: String,
    pub scale: u8,
    pub rate: String,
    pub holders: String,
    pub categories: Vec<String>,
    pub redemption_fee_bp: i64,
    pub early_redemption_fee_bp: Option<i64>,
    pub early_redemption_days: Option<i64>,
    pub decay: String,
    pub expiry_months: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub wallet_balance_max_minor: Option<i64>,
    pub daily_spend_max_minor: Option<i64>,
    pub accounts: AccountsBody,
    /// Euro cents in the guarantee fund.
    pub fund_eur_minor: i64,
    /// Units issued and not returned to the issuance account.
    pub outstanding_minor: i64,
    pub backed: bool,
}

impl From<CurrencyView> for CurrencyBody {
    fn from(v: CurrencyView) -> Self {
        Self {
            id: v.id,
            code: v.code,
            name: v.name,
            symbol: v.symbol,
            scale: v.scale,
            rate: v.rate,
            holders: v.holders,
            categories: v.categories,
            redemption_fee_bp: v.redemption_fee_bp,
            early_redemption_fee_bp: v.early_redemption_fee_bp,
            early_redemption_days: v.early_redemption_days,
            decay: v.decay,
            expiry_months: v.expiry_months,
            demurrage_bp: v.demurrage_bp,
            wallet_balance_max_minor: v.wallet_balance_max_minor,
            daily_spend_max_minor: v.daily_spend_max_minor,
            accounts: AccountsBody {
                budget: v.accounts.budget,
                guarantee_fund: v.accounts.guarantee_fund,
                liquidity: v.accounts.liquidity,
                issuance: v.accounts.issuance,
                fees: v.accounts.fees,
                rounding: v.accounts.rounding,
            },
            fund_eur_minor: v.fund_eur_minor,
            outstanding_minor: v.outstanding_minor,
            backed: v.backed,
        }
    }
}

/// Euros moved from the currency's budget account into its guarantee fund.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    /// Decimal euros, e.g. `"5000.00"`.
    pub amount_eur: String,
    /// The client's id of this request (a UUID will do): sending it again funds once.
    pub request_id: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    pub currency_id: i64,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub start_on: String,
    pub end_on: String,
    /// Decimal text in the currency.
    pub budget: String,
    /// The monthly amount for a household of one.
    pub base_amount: String,
    /// Added for each further person (default 0).
    #[serde(default)]
    pub per_member_amount: String,
    /// The most a household gets a month (default: the base amount).
    #[serde(default)]
    pub household_cap: String,
    /// Each run tops the guarantee fund up from the budget account by what it lacks.
    #[serde(default)]
    pub auto_backing: bool,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ProgrammeBody {
    pub id: i64,
    pub currency_id: i64,
    pub currency: String,
    pub scale: u8,
    pub name: String,
    pub start_on: String,
    pub end_on: String,
    pub budget_minor: i64,
    pub base_minor: i64,
    pub per_member_minor: i64,
    pub cap_minor: i64,
    pub auto_backing: bool,
    pub households: u64,
    pub issued_minor: i64,
    pub budget_left_minor: i64,
}

impl From<ProgrammeView> for ProgrammeBody {
    fn from(v: ProgrammeView) -> Self {
        Self {
            id: v.id,
            currency_id: v.currency_id,
            currency: v.currency,
            scale: v.scale,
            name: v.name,
            start_on: v.start_on,
            end_on: v.end_on,
            budget_minor: v.budget_minor,
            base_minor: v.base_minor,
            per_member_minor: v.per_member_minor,
            cap_minor: v.cap_minor,
            auto_backing: v.auto_backing,
            households: v.households,
            issued_minor: v.issued_minor,
            budget_left_minor: v.budget_left_minor,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdBody {
    pub id: i64,
    /// The social services' pseudonymous reference.
    pub household: String,
    pub size: i64,
    pub eligible_from: String,
    pub eligible_to: Option<String>,
    pub locale: Option<String>,
    pub has_contact: bool,
    pub monthly_minor: i64,
}

impl From<HouseholdView> for HouseholdBody {
    fn from(v: HouseholdView) -> Self {
        Self {
            id: v.id,
            household: v.household,
            size: v.size,
            eligible_from: v.eligible_from,
            eligible_to: v.eligible_to,
            locale: v.locale,
            has_contact: v.has_contact,
            monthly_minor: v.monthly_minor,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdImportRowBody {
    /// The CSV line (header = 1) or the worksheet row.
    pub line: u64,
    pub household: String,
    /// `new`, `updated`, `unchanged` or `rejected`.
    pub status: String,
    pub code: Option<String>,
    pub column: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ImportFileErrorBody {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdImportBody {
    pub rows: Vec<HouseholdImportRowBody>,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub file_errors: Vec<ImportFileErrorBody>,
    pub sheet: Option<String>,
    pub committed: bool,
}

impl From<HouseholdImport> for HouseholdImportBody {
    fn from(r: HouseholdImport) -> Self {
        let status = |s| serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        Self {
            rows: r
                .rows
                .into_iter()
                .map(|row| HouseholdImportRowBody {
                    line: row.line,
                    household: row.household,
                    status: status(row.status),
                    code: row.code.map(str::to_string),
                    column: row.column,
                    message: row.message,
                })
                .collect(),
            new: r.new,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
            file_errors: r
                .file_errors
                .into_iter()
                .map(|e| ImportFileErrorBody { line: e.line, column: e.column, code: e.code.to_string(), message: e.message })
                .collect(),
            sheet: r.sheet,
            committed: r.committed,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IssuanceLineBody {
    pub household: String,
    pub size: i64,
    pub amount_minor: i64,
    /// The wallet's ledger account (UUID), once prepared.
    pub wallet: Option<String>,
}

impl From<IssuanceLineView> for IssuanceLineBody {
    fn from(l: IssuanceLineView) -> Self {
        Self { household: l.household, size: l.size, amount_minor: l.amount_minor, wallet: l.wallet }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IssuancePreviewBody {
    pub programme_id: i64,
    pub currency: String,
    pub scale: u8,
    pub month: String,
    pub lines: Vec<IssuanceLineBody>,
    pub not_eligible: u64,
    pub total_minor: i64,
    pub budget_left_minor: i64,
    pub within_budget: bool,
    pub outstanding_minor: i64,
    pub fund_eur_minor: i64,
    pub backing_needed_eur_minor: i64,
    pub auto_backing: bool,
    /// `over_budget`, `not_backed`, `no_households` or `already_run` when it cannot be prepared.
    pub refusal: Option<String>,
}

impl From<IssuancePreview> for IssuancePreviewBody {
    fn from(p: IssuancePreview) -> Self {
        Self {
            programme_id: p.programme_id,
            currency: p.currency,
            scale: p.scale,
            month: p.month,
            lines: p.lines.into_iter().map(Into::into).collect(),
            not_eligible: p.not_eligible,
            total_minor: p.total_minor,
            budget_left_minor: p.budget_left_minor,
            within_budget: p.within_budget,
            outstanding_minor: p.outstanding_minor,
            fund_eur_minor: p.fund_eur_minor,
            backing_needed_eur_minor: p.backing_needed_eur_minor,
            auto_backing: p.auto_backing,
            refusal: p.refusal.map(str::to_string),
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IssuanceRunBody {
    pub id: i64,
    pub programme_id: i64,
    pub currency: String,
    pub scale: u8,
    pub month: String,
    /// `prepared`, `approved` (posting), `posted` or `rejected`.
    pub state: String,
    pub households: i64,
    pub total_minor: i64,
    pub backing_eur_minor: i64,
    pub prepared_by: String,
    pub approved_by: Option<String>,
    pub rejected_by: Option<String>,
    pub rejection_reason: Option<String>,
    /// The reference of the run's ledger transfers: `programme:{id}/run:{id}`.
    pub reference: String,
    pub lines: Vec<IssuanceLineBody>,
    pub notifications: u64,
}

impl From<IssuanceRunView> for IssuanceRunBody {
    fn from(r: IssuanceRunView) -> Self {
        Self {
            id: r.id,
            programme_id: r.programme_id,
            currency: r.currency,
            scale: r.scale,
            month: r.month,
            state: r.state,
            households: r.households,
            total_minor: r.total_minor,
            backing_eur_minor: r.backing_eur_minor,
            prepared_by: r.prepared_by,
            approved_by: r.approved_by,
            rejected_by: r.rejected_by,
            rejection_reason: r.rejection_reason,
            reference: r.reference,
            lines: r.lines.into_iter().map(Into::into).collect(),
            notifications: r.notifications,
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// `YYYY-MM`.
    pub month: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    pub reason: String,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
}

/// The municipality's currencies (staff and auditors).
#[utoipa::path(get, path = "/currency/currencies", tag = "currency",
    responses((status = 200, body = Vec<CurrencyBody>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_currencies(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Json<Vec<CurrencyBody>>, ApiError> {
    let list = state.app.list_currencies(&user.actor(), user.tenant_id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Defines a currency with its ledger and accounts (admins and officers). A 422 names every
/// bad field.
#[utoipa::path(post, path = "/currency/currencies", tag = "currency", request_body = CurrencyDefinition,
    responses((status = 201, body = CurrencyBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn define_currency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<CurrencyDefinition>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<CurrencyBody>), ApiError> {
    let created = state.app.define_currency(&user.actor(), user.tenant_id, &body.into()).await?;
    let location = format!("/api/v1/currency/currencies/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created.into())))
}

/// One currency with its fund and units outstanding.
#[utoipa::path(get, path = "/currency/currencies/{id}", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = CurrencyBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_currency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CurrencyBody>, ApiError> {
    Ok(Json(state.app.currency(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Changes a currency's name, symbol, rate and rules (not its code or scale).
#[utoipa::path(put, path = "/currency/currencies/{id}", tag = "currency", params(("id" = i64, Path)),
    request_body = CurrencyDefinition,
    responses((status = 200, body = CurrencyBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_currency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CurrencyDefinition>,
) -> Result<Json<CurrencyBody>, ApiError> {
    Ok(Json(state.app.update_currency(&user.actor(), user.tenant_id, id, &body.into()).await?.into()))
}

/// Moves euros from the currency's budget account into its guarantee fund (ledger transfer
/// code `backing`); the same `request_id` again moves nothing more.
#[utoipa::path(post, path = "/currency/currencies/{id}/funding", tag = "currency", params(("id" = i64, Path)),
    request_body = Funding,
    responses((status = 200, body = CurrencyBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn fund_guarantee(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Funding>,
) -> Result<Json<CurrencyBody>, ApiError> {
    let v = state.app.fund_guarantee(&user.actor(), user.tenant_id, id, &body.amount_eur, &body.request_id).await?;
    Ok(Json(v.into()))
}

/// The municipality's programmes.
#[utoipa::path(get, path = "/currency/programmes", tag = "currency",
    responses((status = 200, body = Vec<ProgrammeBody>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_programmes(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Json<Vec<ProgrammeBody>>, ApiError> {
    let list = state.app.list_programmes(&user.actor(), user.tenant_id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Creates a programme (admins and officers).
#[utoipa::path(post, path = "/currency/programmes", tag = "currency", request_body = NewProgramme,
    responses((status = 201, body = ProgrammeBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_programme(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(b): ApiJson<NewProgramme>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<ProgrammeBody>), ApiError> {
    let input = ProgrammeInput {
        currency_id: b.currency_id,
        name: b.name,
        start_on: b.start_on,
        end_on: b.end_on,
        budget: b.budget,
        base_amount: b.base_amount,
        per_member_amount: b.per_member_amount,
        household_cap: b.household_cap,
        auto_backing: b.auto_backing,
    };
    let created = state.app.create_programme(&user.actor(), user.tenant_id, &input).await?;
    let location = format!("/api/v1/currency/programmes/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created.into())))
}

/// One programme with its budget used and left.
#[utoipa::path(get, path = "/currency/programmes/{id}", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = ProgrammeBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_programme(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProgrammeBody>, ApiError> {
    Ok(Json(state.app.programme(&user.actor(), user.tenant_id, id).await?.into()))
}

/// The households of a programme (at most 8,000).
#[utoipa::path(get, path = "/currency/programmes/{id}/households", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<HouseholdBody>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_households(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<HouseholdBody>>, ApiError> {
    let list = state.app.programme_households(&user.actor(), user.tenant_id, id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Imports the household list (`household,size,eligible_from[,eligible_to,locale,contact]`).
/// With `preview=true` nothing is written; with `preview=false` a file with any rejected row
/// is refused whole (422 naming each line or worksheet row and column).
#[utoipa::path(post, path = "/currency/programmes/{id}/households", tag = "currency",
    params(("id" = i64, Path), ImportQuery),
    request_body(content((CsvImport = "application/json"), (super::outcomes_files::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = HouseholdImportBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_households(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: ImportBody,
) -> Result<Json<HouseholdImportBody>, ApiError> {
    let file = body.read("households", q.sheet.as_deref())?;
    let (actor, app) = (user.actor(), &state.app);
    let report = if q.preview {
        app.preview_households(&actor, user.tenant_id, id, &file).await?
    } else {
        app.commit_households(&actor, user.tenant_id, id, &file).await?
    };
    Ok(Json(report.into()))
}

/// Who would get what in a month, against the budget and the backing; nothing is written.
#[utoipa::path(get, path = "/currency/programmes/{id}/issuance-preview", tag = "currency",
    params(("id" = i64, Path), MonthQuery),
    responses((status = 200, body = IssuancePreviewBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview_issuance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<IssuancePreviewBody>, ApiError> {
    Ok(Json(state.app.preview_issuance(&user.actor(), user.tenant_id, id, &q.month).await?.into()))
}

/// A programme's issuance runs (without their lines).
#[utoipa::path(get, path = "/currency/programmes/{id}/issuance-runs", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<IssuanceRunBody>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_runs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<IssuanceRunBody>>, ApiError> {
    let list = state.app.list_issuance_runs(&user.actor(), user.tenant_id, id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Prepares a month's run (admins and officers); refused (422) over budget, not backed, or
/// without households, and (409) when the month has a run.
#[utoipa::path(post, path = "/currency/programmes/{id}/issuance-runs", tag = "currency", params(("id" = i64, Path)),
    request_body = NewRun,
    responses((status = 201, body = IssuanceRunBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn prepare_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewRun>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<IssuanceRunBody>), ApiError> {
    let run = state.app.prepare_issuance(&user.actor(), user.tenant_id, id, &body.month).await?;
    let location = format!("/api/v1/currency/issuance-runs/{}", run.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(run.into())))
}

/// One run with its lines.
#[utoipa::path(get, path = "/currency/issuance-runs/{id}", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = IssuanceRunBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<IssuanceRunBody>, ApiError> {
    Ok(Json(state.app.issuance_run(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Approves a prepared run and posts it to the ledger as one chain (approvers; never the one
/// who prepared it). Refused (422 `not_backed`) when the guarantee fund would not back it.
#[utoipa::path(post, path = "/currency/issuance-runs/{id}/approval", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = IssuanceRunBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn approve_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<IssuanceRunBody>, ApiError> {
    Ok(Json(state.app.approve_issuance(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Sends a prepared run back with a reason (approvers); the month can be prepared again.
#[utoipa::path(post, path = "/currency/issuance-runs/{id}/rejection", tag = "currency", params(("id" = i64, Path)),
    request_body = Rejection,
    responses((status = 200, body = IssuanceRunBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn reject_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<Json<IssuanceRunBody>, ApiError> {
    Ok(Json(state.app.reject_issuance(&user.actor(), user.tenant_id, id, &body.reason).await?.into()))
}
