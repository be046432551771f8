//! Evidence files of outcome claims, spreadsheet uploads, investor drawdowns and waterfall terms.
//!
//! - `POST /outcomes/{id}/claims/{claim_id}/evidence` (multipart: `csrf`, `file`): the provider
//!   keeps a file with a submitted claim; `GET` on the same path downloads it (provider,
//!   evaluator, commissioner staff) as an attachment.
//! - `POST /outcomes/{id}/participants/upload` and `/outcomes/{id}/claims/upload` (multipart:
//!   `csrf`, `file`, optional `sheet`): a CSV or XLSX file previewed like pasted CSV text. The
//!   rows read (an XLSX worksheet turned into CSV text) travel in the commit form's hidden field,
//!   so the commit needs no second upload and checks the very rows the preview showed.
//! - `/outcomes/{id}/drawdowns`: the drawdowns of the investors' capital, a form to record one,
//!   and the SPV's waterfall terms (return cap, investors' share of the residual).
//!
//! Multipart forms check the CSRF token like every other form (a `csrf` field, first in the
//! form); a body over the limit is answered 413 with the form and the error on its field.

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use koinon_app::outcome_files::ImportFile;
use koinon_app::outcomes::{ContractView, DrawdownInput, EVIDENCE_BYTES_MAX, EVIDENCE_CONTENT_TYPES, IMPORT_BYTES_MAX};
use koinon_app::{Actor, AppError};
use koinon_core::FieldError;
use koinon_core::authz::Action;

use super::admin::{form_errors, parse_id, require, unprocessable};
use super::outcomes_contracts::{
    CSV_CHARS_MAX, ImportView, NO_FILTER, claims_page, decimal_minor, import_view, money, participants_page, runs_page,
};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;
use crate::i18n;

/// Largest multipart body: the largest file plus room for the other fields.
const UPLOAD_BODY_MAX_BYTES: usize = max(EVIDENCE_BYTES_MAX, IMPORT_BYTES_MAX) + 64 * 1024;
/// Characters kept of a text field of a multipart form (the CSRF token, a sheet's name).
const TEXT_FIELD_CHARS_MAX: usize = 128;

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

pub fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route("/outcomes/{id}/claims/{claim_id}/evidence", get(download_evidence).post(upload_evidence))
        .route("/outcomes/{id}/participants/upload", post(upload_participants))
        .route("/outcomes/{id}/claims/upload", post(upload_claims))
        .route("/outcomes/{id}/runs/results", post(prepare_run_with_results))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX_BYTES));
    Router::new()
        .merge(uploads)
        .route("/outcomes/{id}/drawdowns", get(drawdowns).post(record_drawdown))
        .route("/outcomes/{id}/waterfall", post(set_waterfall))
}

// ---------------------------------------------------------------------------------------------
// Multipart forms

/// A file of a multipart form.
struct UploadedFile {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

/// What a multipart form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    sheet: String,
    /// A payment run's period (the results upload).
    period: String,
    file: Option<UploadedFile>,
    /// The body was larger than the limit: nothing after that point was read.
    too_large: bool,
}

async fn text_of(field: axum::extract::multipart::Field<'_>) -> Option<String> {
    let text = field.text().await.ok()?;
    Some(text.chars().take(TEXT_FIELD_CHARS_MAX).collect())
}

/// Reads a multipart form; a malformed one is a 400 page, a too large one is marked.
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
        match field.name().unwrap_or_default() {
            "csrf" => upload.csrf = text_of(field).await.unwrap_or_default(),
            "sheet" => upload.sheet = text_of(field).await.unwrap_or_default(),
            "period" => upload.period = text_of(field).await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or_default().chars().take(500).collect::<String>();
                let content_type = field.content_type().unwrap_or_default().chars().take(200).collect::<String>();
                match field.bytes().await {
                    Ok(bytes) => {
                        // A file input left empty sends a part without a name and without bytes.
                        if !(name.is_empty() && bytes.is_empty()) {
                            upload.file = Some(UploadedFile { name, content_type, bytes: bytes.to_vec() });
                        }
                    }
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        upload.too_large = true;
                        break;
                    }
                    Err(_) => return Err(HtmlError::bad_request(ctx.locale)),
                }
            }
            _ => {
                if let Err(e) = field.bytes().await {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        upload.too_large = true;
                        break;
                    }
                    return Err(HtmlError::bad_request(ctx.locale));
                }
            }
        }
    }
    if !upload.too_large {
        ctx.check_csrf(&upload.csrf)?;
    }
    Ok(upload)
}

fn too_large_error(field: &str, max_bytes: usize) -> FieldError {
    FieldError::new(field, "file_too_large", format!("The file is larger than the limit of {max_bytes} bytes"))
}

fn no_file_error(field: &str) -> FieldError {
    FieldError::new(field, "no_file", "Choose a file")
}

// ---------------------------------------------------------------------------------------------
// Evidence

/// The content type of an evidence file: as the browser sent it when it is accepted, else
/// guessed from the file name's extension (browsers send `application/octet-stream` for what
/// they do not know).
fn evidence_type(file: &UploadedFile) -> String {
    let sent = file.content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if EVIDENCE_CONTENT_TYPES.contains(&sent.as_str()) {
        return sent;
    }
    let extension = file.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "pdf" => "application/pdf".into(),
        "png" => "image/png".into(),
        "jpg" | "jpeg" => "image/jpeg".into(),
        "txt" => "text/plain".into(),
        "csv" => "text/csv".into(),
        _ => sent,
    }
}

async fn upload_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, claim_id)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let upload = read_upload(&ctx, multipart).await?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let (id, claim_id) = (parse_id(&ctx, &id)?, parse_id(&ctx, &claim_id)?);
    let field = format!("file-{claim_id}");
    let (status, errors) = if upload.too_large {
        (StatusCode::PAYLOAD_TOO_LARGE, vec![too_large_error(&field, EVIDENCE_BYTES_MAX)])
    } else if let Some(file) = &upload.file {
        let content_type = evidence_type(file);
        match state.app.attach_evidence(&actor, tenant_id, claim_id, &file.name, &content_type, &file.bytes).await {
            Ok(_) => return Ok(redirect_with_flash(&format!("/outcomes/{id}/claims"), "flash-evidence-attached")),
            Err(AppError::Conflict(e)) => {
                (StatusCode::CONFLICT, vec![FieldError { field: field.clone(), code: "evidence_exists", ..e }])
            }
            Err(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                form_errors(e)
                    .map_err(page_error(&ctx))?
                    .into_iter()
                    .map(|e| FieldError { field: field.clone(), ..e })
                    .collect(),
            ),
        }
    } else {
        // Who may add evidence to this claim is answered first (by the app, which refuses the
        // empty file after the access check), then that the file is missing.
        match state.app.attach_evidence(&actor, tenant_id, claim_id, "", "", &[]).await {
            Err(AppError::Invalid(_) | AppError::Conflict(_)) | Ok(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, vec![no_file_error(&field)])
            }
            Err(e) => return Err(page_error(&ctx)(e)),
        }
    };
    let page =
        claims_page(&state, &ctx, &(actor, tenant_id), id, &NO_FILTER, ImportView::empty("claims"), errors).await?;
    Ok((status, render(&page)).into_response())
}

/// A file name that is safe in a `Content-Disposition` header: ASCII letters, digits, `.`,
/// `-`, `_`; anything else becomes `_`; never empty, never starting with a dot.
pub(crate) fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() { "evidence".into() } else { cleaned }
}

/// `attachment` with the safe ASCII name, and the name as it was (its last path segment) in
/// RFC 8187 encoding (`filename*=UTF-8''...`) when that differs, for names in Greek, Cyrillic...
pub(crate) fn content_disposition(name: &str) -> String {
    let safe = safe_file_name(name);
    let base: String = name.rsplit(['/', '\\']).next().unwrap_or_default().chars().take(100).collect();
    if base.is_empty() || base == safe {
        return format!("attachment; filename=\"{safe}\"");
    }
    let mut encoded = String::new();
    for b in base.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{safe}\"; filename*=UTF-8''{encoded}")
}

/// The response of an evidence download: an attachment, never rendered by the browser.
pub(crate) fn evidence_response(e: koinon_app::outcomes::Evidence) -> Response {
    let content_type = if EVIDENCE_CONTENT_TYPES.contains(&e.content_type.as_str()) {
        e.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    let disposition = content_disposition(&e.file_name);
    let mut response = e.content.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&e.sha256) {
        h.insert("x-content-sha256", v);
    }
    response
}

async fn download_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_id, claim_id)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let claim_id = parse_id(&ctx, &claim_id)?;
    let evidence = state.app.claim_evidence(&actor, tenant_id, claim_id).await.map_err(page_error(&ctx))?;
    Ok(evidence_response(evidence))
}

// ---------------------------------------------------------------------------------------------
// Spreadsheet uploads of the imports

/// The errors of an unreadable file, all on the `file` field.
fn file_errors(e: AppError) -> Result<Vec<FieldError>, AppError> {
    Ok(form_errors(e)?.into_iter().map(|e| FieldError { field: "file".into(), ..e }).collect())
}

/// Reads the upload and previews it; `None` with errors when the file cannot be read.
async fn preview_upload(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): (&Actor, i64),
    id: i64,
    what: &'static str,
    upload: Upload,
) -> Result<(ImportView, Vec<FieldError>, StatusCode), HtmlError> {
    let empty = || ImportView::empty(what);
    if upload.too_large {
        return Ok((empty(), vec![too_large_error("file", IMPORT_BYTES_MAX)], StatusCode::PAYLOAD_TOO_LARGE));
    }
    let Some(file) = upload.file else {
        // Who may import is answered first (a preview of nothing writes nothing).
        match what {
            "participants" => state.app.preview_participants(actor, tenant_id, id, "").await.map(drop),
            _ => state.app.preview_claims(actor, tenant_id, id, "").await.map(drop),
        }
        .map_err(page_error(ctx))?;
        return Ok((empty(), vec![no_file_error("file")], StatusCode::UNPROCESSABLE_ENTITY));
    };
    let sheet = Some(upload.sheet.as_str());
    let file = match ImportFile::read(what, "file", &file.name, file.bytes, sheet) {
        Ok(f) => f,
        Err(e) => {
            let errors = file_errors(e).map_err(page_error(ctx))?;
            return Ok((empty(), errors, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    if file.csv().chars().count() > CSV_CHARS_MAX {
        let e = FieldError::new(
            "file",
            "too_long",
            format!("The rows are more than {CSV_CHARS_MAX} characters; larger files go through the API"),
        );
        return Ok((empty(), vec![e], StatusCode::UNPROCESSABLE_ENTITY));
    }
    let report = match what {
        "participants" => state.app.preview_participants(actor, tenant_id, id, file.csv()).await,
        _ => state.app.preview_claims(actor, tenant_id, id, file.csv()).await,
    }
    .map_err(page_error(ctx))?;
    let report = file.locate(report);
    let (mut view, mut errors) = import_view(ctx.locale, what, file.csv().to_string(), &report);
    if let Some(sheet) = file.sheet_name() {
        let line = i18n::tr(ctx.locale, "outcomes-line");
        let row = i18n::tr_args(ctx.locale, "evidence-sheet-row", &[("sheet", sheet.to_string())]);
        for e in &mut errors {
            e.message = e.message.replacen(&line, &row, 1);
        }
        view.sheet = Some(sheet.to_string());
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((view, errors, status))
}

async fn upload_participants(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let upload = read_upload(&ctx, multipart).await?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let (import, errors, status) =
        preview_upload(&state, &ctx, (&actor, tenant_id), id, "participants", upload).await?;
    let page = participants_page(&state, &ctx, &(actor.clone(), tenant_id), id, None, import, errors).await?;
    Ok((status, render(&page)).into_response())
}

async fn upload_claims(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let upload = read_upload(&ctx, multipart).await?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let (import, errors, status) = preview_upload(&state, &ctx, (&actor, tenant_id), id, "claims", upload).await?;
    let page = claims_page(&state, &ctx, &(actor.clone(), tenant_id), id, &NO_FILTER, import, errors).await?;
    Ok((status, render(&page)).into_response())
}

/// Prepares a payment run with the cohort results from a file (CSV or XLSX), for the
/// threshold, savings-share and fixed-target mechanisms. The prepared run is the preview: it
/// pays nothing until an approver approves it, and can be sent back.
async fn prepare_run_with_results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let upload = read_upload(&ctx, multipart).await?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::PreparePaymentRuns, tenant_id)?;
    let period: String = upload.period.trim().chars().take(20).collect();
    let (status, errors) = if upload.too_large {
        (StatusCode::PAYLOAD_TOO_LARGE, vec![too_large_error("results_file", IMPORT_BYTES_MAX)])
    } else if let Some(file) = upload.file {
        let to_page = |e: AppError| -> Result<Vec<FieldError>, HtmlError> {
            Ok(form_errors(e)
                .map_err(page_error(&ctx))?
                .into_iter()
                .map(|e| {
                    let field = if e.field == "period" { "results_period" } else { "results_file" };
                    FieldError { field: field.into(), ..e }
                })
                .collect())
        };
        match ImportFile::read("results", "results_file", &file.name, file.bytes, Some(upload.sheet.as_str())) {
            Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, to_page(e)?),
            Ok(file) => match state.app.prepare_payment_run(&actor, tenant_id, id, &period, Some(file.csv())).await {
                Ok(r) => {
                    return Ok(redirect_with_flash(
                        &format!("/outcomes/{id}/runs/{}", r.id),
                        "flash-outcome-run-prepared",
                    ));
                }
                Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, to_page(file.locate_error(e))?),
            },
        }
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, vec![no_file_error("results_file")])
    };
    let page = runs_page(&state, &ctx, &(actor, tenant_id), id, String::new(), errors).await?;
    Ok((status, render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Drawdowns and waterfall terms

struct DrawdownRow {
    drawn_on: String,
    investor: String,
    amount: String,
}

/// The drawdown form's values, kept when it is shown again with errors.
#[derive(Default, serde::Deserialize)]
struct DrawdownForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party: String,
    #[serde(default)]
    drawn_on: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    request_id: String,
}

#[derive(Default, serde::Deserialize)]
struct WaterfallForm {
    #[serde(default)]
    csrf: String,
    /// A money multiple (`1.10`), empty for no cap.
    #[serde(default)]
    return_cap: String,
    /// Percent of the residual that goes to the investors (`25`).
    #[serde(default)]
    residual_share: String,
}

#[derive(Template)]
#[template(path = "outcome_drawdowns.html")]
struct DrawdownsPage {
    l: Layout,
    c: ContractView,
    drawdowns: Vec<DrawdownRow>,
    /// Party id, name, committed, selected.
    investors: Vec<(i64, String, String, bool)>,
    form: DrawdownForm,
    waterfall: WaterfallForm,
    /// The terms in force, formatted.
    return_cap_text: String,
    residual_share_text: String,
}

pub(super) fn bp_text(bp: i64, scale: u32) -> String {
    // 11000 bp = 1.1000 (scale 4) as a multiple; 2500 bp = 25.00 (scale 2) as a percent.
    let divisor = 10_i64.pow(scale);
    let (whole, fraction) = (bp / divisor, (bp % divisor).abs());
    let fraction = format!("{:0width$}", fraction, width = scale as usize);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") }
}

async fn drawdowns_page(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): (&Actor, i64),
    id: i64,
    form: DrawdownForm,
    waterfall: Option<WaterfallForm>,
    errors: Vec<FieldError>,
) -> Result<DrawdownsPage, HtmlError> {
    let c = state.app.contract(actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let list = state.app.list_drawdowns(actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let m = |minor: i64| money(ctx.locale, minor, &c.currency, c.currency_scale);
    let name =
        |party: i64| c.parties.iter().find(|p| p.id == party).map_or_else(|| party.to_string(), |p| p.name.clone());
    let drawdowns = list
        .iter()
        .map(|d| DrawdownRow { drawn_on: d.drawn_on.clone(), investor: name(d.party_id), amount: m(d.amount_minor) })
        .collect();
    let investors = c
        .parties
        .iter()
        .filter(|p| p.role == "investor")
        .map(|p| (p.id, p.name.clone(), m(p.commitment_minor.unwrap_or(0)), form.party == p.id.to_string()))
        .collect();
    let return_cap_text = c.return_cap_multiple_bp.map(|bp| bp_text(bp, 4)).unwrap_or_default();
    let residual_share_text = bp_text(c.residual_investors_share_bp, 2);
    let waterfall = waterfall.unwrap_or_else(|| WaterfallForm {
        csrf: String::new(),
        return_cap: return_cap_text.clone(),
        residual_share: residual_share_text.clone(),
    });
    let form = if form.request_id.is_empty() {
        DrawdownForm { request_id: koinon_app::auth::random_token().map_err(page_error(ctx))?, ..form }
    } else {
        form
    };
    let l = Layout::new(state, ctx, "evidence-drawdowns-title").await.with_errors(errors);
    Ok(DrawdownsPage { l, c, drawdowns, investors, form, waterfall, return_cap_text, residual_share_text })
}

async fn drawdowns(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let page = drawdowns_page(&state, &ctx, (&actor, tenant_id), id, DrawdownForm::default(), None, Vec::new()).await?;
    Ok(render(&page))
}

fn clip(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

async fn record_drawdown(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<DrawdownForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let form = DrawdownForm {
        csrf: String::new(),
        party: clip(&form.party, 20),
        drawn_on: clip(&form.drawn_on, 20),
        amount: clip(&form.amount, 30),
        request_id: clip(&form.request_id, 64),
    };
    let c = state.app.contract(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let scale = u32::try_from(c.currency_scale).unwrap_or(2);
    let mut errors = Vec::new();
    let party_id = form.party.parse::<i64>().ok();
    if party_id.is_none() {
        errors.push(FieldError::new("party", "required", "Choose the investor"));
    }
    let amount_minor = decimal_minor(&form.amount.replace([',', ' '], ""), scale).filter(|a| *a > 0);
    if amount_minor.is_none() {
        errors.push(FieldError::new(
            "amount",
            "invalid_amount",
            format!("Enter a positive amount with at most {scale} decimals, like 800.00"),
        ));
    }
    if let (true, Some(party_id), Some(amount_minor)) = (errors.is_empty(), party_id, amount_minor) {
        let input = DrawdownInput {
            party_id,
            amount_minor,
            drawn_on: form.drawn_on.clone(),
            request_id: form.request_id.clone(),
        };
        match state.app.record_drawdown(&actor, tenant_id, id, &input).await {
            Ok(_) => return Ok(redirect_with_flash(&format!("/outcomes/{id}/drawdowns"), "flash-drawdown-recorded")),
            Err(e) => {
                errors = form_errors(e)
                    .map_err(page_error(&ctx))?
                    .into_iter()
                    .map(|e| {
                        let field = match e.field.as_str() {
                            "party_id" => "party",
                            "drawn_on" => "drawn_on",
                            _ => "amount",
                        };
                        FieldError { field: field.into(), ..e }
                    })
                    .collect();
            }
        }
    }
    let page = drawdowns_page(&state, &ctx, (&actor, tenant_id), id, form, None, errors).await?;
    Ok(unprocessable(&page))
}

async fn set_waterfall(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<WaterfallForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let form = WaterfallForm {
        csrf: String::new(),
        return_cap: clip(&form.return_cap, 20),
        residual_share: clip(&form.residual_share, 20),
    };
    let mut errors = Vec::new();
    let cap = if form.return_cap.is_empty() {
        Some(None)
    } else {
        decimal_minor(&form.return_cap.replace(',', "."), 4).map(Some)
    };
    if cap.is_none() {
        errors.push(FieldError::new(
            "return_cap",
            "invalid_multiple",
            "Enter the return cap as a money multiple like 1.10, or leave it empty for no cap",
        ));
    }
    let share = decimal_minor(&form.residual_share.replace(',', "."), 2);
    if share.is_none() {
        errors.push(FieldError::new("residual_share", "invalid_percent", "Enter a percentage from 0 to 100, like 25"));
    }
    if let (Some(cap), Some(share)) = (cap, share) {
        match state.app.set_waterfall_terms(&actor, tenant_id, id, cap, share).await {
            Ok(_) => return Ok(redirect_with_flash(&format!("/outcomes/{id}/drawdowns"), "flash-waterfall-set")),
            Err(e) => {
                errors = form_errors(e)
                    .map_err(page_error(&ctx))?
                    .into_iter()
                    .map(|e| {
                        let field =
                            if e.field == "residual_investors_share_bp" { "residual_share" } else { "return_cap" };
                        FieldError { field: field.into(), ..e }
                    })
                    .collect();
            }
        }
    }
    let page =
        drawdowns_page(&state, &ctx, (&actor, tenant_id), id, DrawdownForm::default(), Some(form), errors).await?;
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// A payment run's statement: planned against actual

/// One cohort of a run: its planned size, enrolment, and what the run's statement paid.
pub(super) struct PlannedRow {
    pub(super) cohort: String,
    pub(super) target: String,
    pub(super) enrolled: String,
    pub(super) participants_paid: String,
    pub(super) outcomes: String,
    pub(super) paid: String,
}

/// Per cohort of the contract: the planned size (the contract's target), the participants
/// enrolled, and from the run's statement the participants paid, the outcomes and the amount.
/// Empty when the viewer may not see the contract's overview.
pub(super) async fn planned_rows(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): (&Actor, i64),
    c: &ContractView,
    statement: &serde_json::Value,
) -> Vec<PlannedRow> {
    let Ok(overview) = state.app.contract_overview(actor, tenant_id, c.id).await else { return Vec::new() };
    let by_cohort = statement["by_cohort"].as_array().cloned().unwrap_or_default();
    let count = |n: i64| ctx.locale.format_count(n);
    overview
        .enrolment
        .iter()
        .map(|e| {
            let line = by_cohort.iter().find(|l| l["cohort"].as_str() == Some(e.cohort.as_str()));
            let number = |key: &str| line.and_then(|l| l[key].as_i64()).unwrap_or(0);
            let paid_minor = line.and_then(|l| l["paid"]["minor"].as_i64()).unwrap_or(0);
            PlannedRow {
                cohort: e.cohort.clone(),
                target: count(i64::from(e.target_size)),
                enrolled: count(e.enrolled),
                participants_paid: count(number("participants_paid")),
                outcomes: count(number("outcomes")),
                paid: money(ctx.locale, paid_minor, &c.currency, c.currency_scale),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_in_a_header() {
        assert_eq!(safe_file_name("certificate 2012.pdf"), "certificate_2012.pdf");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\x\\\"a\";b.pdf"), "_a__b.pdf");
        assert_eq!(safe_file_name(".htaccess"), "htaccess");
        assert_eq!(safe_file_name("Βεβαίωση.pdf"), "________.pdf");
        assert_eq!(safe_file_name(""), "evidence");
    }

    #[test]
    fn downloads_keep_the_name_as_it_was_encoded() {
        assert_eq!(content_disposition("letter.txt"), "attachment; filename=\"letter.txt\"");
        assert_eq!(
            content_disposition("Βεβαίωση.pdf"),
            "attachment; filename=\"________.pdf\"; filename*=UTF-8''%CE%92%CE%B5%CE%B2%CE%B1%CE%AF%CF%89%CF%83%CE%B7.pdf"
        );
        assert_eq!(
            content_disposition("a\"b\r\n.pdf"),
            "attachment; filename=\"a_b__.pdf\"; filename*=UTF-8''a%22b%0D%0A.pdf"
        );
    }

    #[test]
    fn basis_points_read_as_multiples_and_percents() {
        assert_eq!(bp_text(11_000, 4), "1.1");
        assert_eq!(bp_text(10_000, 4), "1");
        assert_eq!(bp_text(2_500, 2), "25");
        assert_eq!(bp_text(1_250, 2), "12.5");
    }
}
