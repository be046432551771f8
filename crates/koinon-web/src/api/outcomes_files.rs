//! API for evidence files of outcome claims, spreadsheet imports, drawdowns and waterfall terms.
//!
//! - `POST /api/v1/outcomes/claims/{id}/evidence?filename=...`: the body is the file itself,
//!   its type in `Content-Type` (one of PDF, PNG, JPEG, plain text, CSV), at most 10 MiB.
//!   `GET` on the same path answers the bytes as an attachment.
//! - The participant and claim imports (`POST /api/v1/outcomes/contracts/{id}/participants`,
//!   `.../claims`) take `{"csv": "..."}` as JSON, or an XLSX workbook as the body with
//!   `Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` and an
//!   optional `sheet` query parameter ([`ImportBody`]).
//! - `GET`/`POST /api/v1/outcomes/contracts/{id}/drawdowns` and
//!   `PUT /api/v1/outcomes/contracts/{id}/waterfall`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Json, Router};
use koinon_app::outcome_files::{ImportFile, XLSX_CONTENT_TYPE};
use koinon_app::outcomes::{ContractView, DrawdownInput, DrawdownView, EVIDENCE_BYTES_MAX, Evidence};
use koinon_core::FieldError;
use utoipa::OpenApi;

use super::outcomes_contracts::{ContractBody, CsvImport, PlannedTransferBody};
use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/outcomes/claims/{id}/evidence",
            get(download_evidence).post(upload_evidence).layer(DefaultBodyLimit::max(EVIDENCE_BYTES_MAX)),
        )
        .route("/outcomes/contracts/{id}/drawdowns", get(list_drawdowns).post(record_drawdown))
        .route("/outcomes/contracts/{id}/waterfall", put(set_waterfall))
}

#[derive(OpenApi)]
#[openapi(
    paths(upload_evidence, download_evidence, list_drawdowns, record_drawdown, set_waterfall),
    components(schemas(FileBytes, EvidenceBody, NewDrawdown, DrawdownBody, DrawdownList, WaterfallTerms))
)]
pub struct OutcomesFilesApi;

/// The bytes of a file, sent or answered as the body itself.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

// ---------------------------------------------------------------------------------------------
// Import bodies: JSON with CSV text, or an XLSX workbook

/// The body of an import: `{"csv": "..."}` (JSON) or the bytes of an XLSX workbook.
pub enum ImportBody {
    Csv(String),
    Xlsx(FileBytes),
}

impl<S: Send + Sync> FromRequest<S> for ImportBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if content_type != XLSX_CONTENT_TYPE {
            let ApiJson(body) = ApiJson::<CsvImport>::from_request(req, state).await?;
            return Ok(ImportBody::Csv(body.csv));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status(), "body", crate::API_BODY_MAX_BYTES))?;
        Ok(ImportBody::Xlsx(FileBytes(bytes.to_vec())))
    }
}

impl ImportBody {
    /// The rows to import: the CSV text, or the worksheet `sheet` (else the one named like
    /// `input`, else the first) as CSV text. Errors name the sheet's row.
    pub fn read(self, input: &'static str, sheet: Option<&str>) -> Result<ImportFile, ApiError> {
        match self {
            ImportBody::Csv(text) => Ok(ImportFile::Csv(text)),
            ImportBody::Xlsx(FileBytes(bytes)) => Ok(ImportFile::sheet(input, "body", bytes, sheet)?),
        }
    }
}

/// A body that could not be read: too large (413, naming the field) or broken (400).
fn body_error(status: StatusCode, field: &str, max_bytes: usize) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let message = format!("The {field} is larger than the limit of {max_bytes} bytes");
        let mut e = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", message.clone());
        e.fields = vec![FieldError::new(field, "file_too_large", message)];
        e
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "The body could not be read")
    }
}

// ---------------------------------------------------------------------------------------------
// Evidence

/// An evidence file kept with a claim (without its bytes).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EvidenceBody {
    pub claim_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

impl From<Evidence> for EvidenceBody {
    fn from(e: Evidence) -> Self {
        Self {
            claim_id: e.claim_id,
            file_name: e.file_name,
            content_type: e.content_type,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// The file's name, up to 200 characters (kept for the download).
    pub filename: String,
}

/// Keeps an evidence file with a submitted claim (the claim's provider; one file per claim,
/// before it is reviewed). The body is the file; `Content-Type` is its type: `application/pdf`,
/// `image/png`, `image/jpeg`, `text/plain` or `text/csv`; 1 byte to 10 MiB.
#[utoipa::path(post, path = "/outcomes/claims/{id}/evidence", tag = "outcomes",
    params(("id" = i64, Path), EvidenceQuery),
    request_body(content = FileBytes, content_type = "application/pdf", description = "The file's bytes; Content-Type one of application/pdf, image/png, image/jpeg, text/plain, text/csv"),
    responses((status = 201, body = EvidenceBody, headers(("Location" = String, description = "Where to download the file"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "The claim already has its evidence"),
        (status = 413, body = ErrorBody, description = "The file is larger than 10 MiB (`body_too_large`, field `content`)"),
        (status = 422, body = ErrorBody)))]
async fn upload_evidence(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
    request: Request,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<EvidenceBody>), ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_string();
    let bytes = Bytes::from_request(request, &state)
        .await
        .map_err(|e| body_error(e.status(), "content", EVIDENCE_BYTES_MAX))?;
    let e = state.app.attach_evidence(&user.actor(), user.tenant_id, id, &q.filename, &content_type, &bytes).await?;
    let location = format!("/api/v1/outcomes/claims/{id}/evidence");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(e.into())))
}

/// Downloads a claim's evidence file (the claim's provider, the evaluator, the
/// commissioner's staff): the bytes as an attachment, with the stored type when it is one of
/// the accepted ones, and `X-Content-Type-Options: nosniff`.
#[utoipa::path(get, path = "/outcomes/claims/{id}/evidence", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = FileBytes, description = "The file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download_evidence(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let e = state.app.claim_evidence(&user.actor(), user.tenant_id, id).await?;
    Ok(crate::html::outcomes_evidence::evidence_response(e))
}

// ---------------------------------------------------------------------------------------------
// Drawdowns and waterfall terms

/// Capital to draw from an investor of the contract: investor → SPV, then SPV → the provider.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDrawdown {
    /// The investor party (`parties[].id` of the contract).
    pub party_id: i64,
    /// Positive, in minor units; all drawdowns from an investor stay within its commitment.
    pub amount_minor: i64,
    /// The value date, `YYYY-MM-DD`.
    pub drawn_on: String,
    /// The client's id of the request (a UUID): sending it again draws once.
    pub request_id: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DrawdownBody {
    pub id: i64,
    pub party_id: i64,
    pub amount_minor: i64,
    pub drawn_on: String,
    pub transfers: Vec<PlannedTransferBody>,
}

impl From<DrawdownView> for DrawdownBody {
    fn from(d: DrawdownView) -> Self {
        Self {
            id: d.id,
            party_id: d.party_id,
            amount_minor: d.amount_minor,
            drawn_on: d.drawn_on,
            transfers: d.transfers.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DrawdownList {
    pub items: Vec<DrawdownBody>,
}

/// The drawdowns of a contract, oldest first (staff; an investor sees its own).
#[utoipa::path(get, path = "/outcomes/contracts/{id}/drawdowns", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, body = DrawdownList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_drawdowns(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DrawdownList>, ApiError> {
    let list = state.app.list_drawdowns(&user.actor(), user.tenant_id, id).await?;
    Ok(Json(DrawdownList { items: list.into_iter().map(Into::into).collect() }))
}

/// Records a drawdown of an investor's capital and posts it to the ledger (admins and
/// officers; a contracted or running contract). Beyond the commitment: 422 `over_commitment`
/// on `amount_minor`, and nothing changes.
#[utoipa::path(post, path = "/outcomes/contracts/{id}/drawdowns", tag = "outcomes", params(("id" = i64, Path)),
    request_body = NewDrawdown,
    responses((status = 201, body = DrawdownBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_drawdown(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewDrawdown>,
) -> Result<(StatusCode, Json<DrawdownBody>), ApiError> {
    let input = DrawdownInput {
        party_id: body.party_id,
        amount_minor: body.amount_minor,
        drawn_on: body.drawn_on,
        request_id: body.request_id,
    };
    let d = state.app.record_drawdown(&user.actor(), user.tenant_id, id, &input).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// The SPV's waterfall: the investors' return cap and their share of the residual.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaterfallTerms {
    /// The investors' capped return as a money multiple in basis points, 10000 (1×) to 100000
    /// (10×); `null` for no cap. 11000 = the capital plus at most 10%.
    pub return_cap_multiple_bp: Option<i64>,
    /// The investors' share of what is left after their capped return, 0 to 10000 basis
    /// points; the rest goes to the provider.
    pub residual_investors_share_bp: i64,
}

/// Sets the waterfall terms (admins and officers; before the contract runs).
#[utoipa::path(put, path = "/outcomes/contracts/{id}/waterfall", tag = "outcomes", params(("id" = i64, Path)),
    request_body = WaterfallTerms,
    responses((status = 200, body = ContractBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_waterfall(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WaterfallTerms>,
) -> Result<Json<ContractBody>, ApiError> {
    let c: ContractView = state
        .app
        .set_waterfall_terms(
            &user.actor(),
            user.tenant_id,
            id,
            body.return_cap_multiple_bp,
            body.residual_investors_share_bp,
        )
        .await?;
    Ok(Json(c.into()))
}
