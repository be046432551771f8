//! `/api/v1/indigo/...`: the INDIGO knowledge bank of the world's impact bonds (GO Lab's open
//! data): the filtered project list, one project, summaries, and imports (admins).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use koinon_app::AppError;
use koinon_app::Page;
use koinon_app::indigo::{
    Comparison, ImportReport, IndigoFilterInput, IndigoProjectDetail, IndigoProjectSummary, SIMILAR_MAX,
};
use koinon_core::indigo::{GroupBy, SummaryGroup};
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indigo/projects", get(list_projects))
        .route("/indigo/projects/{id}", get(project))
        .route("/indigo/summary", get(summary))
        .route("/indigo/imports", post(import))
        .route("/outcomes/contracts/{id}/similar", get(similar))
}

#[derive(OpenApi)]
#[openapi(paths(list_projects, project, summary, import, similar), components(schemas(ImportRequest)))]
pub struct IndigoApi;

/// Filters and page of the project list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProjectsQuery {
    /// INDIGO policy sector, exactly (`Employment and training`).
    pub sector: Option<String>,
    /// ISO 3166 country code of a delivery location (`GB`).
    pub country: Option<String>,
    /// Stage of development (`Implementation`, `Complete`, ...).
    pub stage: Option<String>,
    /// First year of service start.
    pub from: Option<String>,
    /// Last year of service start.
    pub to: Option<String>,
    /// Text in the id, name or alternative names.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// `?by=sector|country|stage`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `sector`, `country` or `stage`.
    pub by: String,
}

/// `?limit=` of the similar bonds.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// How many similar bonds, 1 to 50 (default 10).
    pub limit: Option<i64>,
}

/// An INDIGO export: file name → CSV text, for every file of INDIGO's per-table export
/// (`projects.csv`, `projects_delivery_locations.csv`, `organisations.csv`,
/// `projects_investments.csv`, `projects_outcome_metrics.csv`, `projects_outcome_pricings.csv`,
/// `projects_outcome_payments.csv`, `projects_results.csv`). The whole body takes up to 4 MiB.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub files: BTreeMap<String, String>,
}

/// The world's impact bonds, filtered, in INDIGO id order (every staff and partner role).
#[utoipa::path(get, path = "/indigo/projects", tag = "indigo", params(ProjectsQuery),
    responses((status = 200, description = "`items` (id, name, stage, policy_sector, countries, start_on, investment and maximum outcome payment as exact decimal strings with their ISO currency, target_service_users) and `next_cursor`", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ProjectsQuery>,
) -> Result<Json<Page<IndigoProjectSummary>>, ApiError> {
    let filter =
        IndigoFilterInput { sector: q.sector, country: q.country, stage: q.stage, from: q.from, to: q.to, q: q.q };
    Ok(Json(state.app.list_indigo_projects(&user.actor(), &filter, q.cursor.as_deref(), q.limit).await?))
}

/// One project with everything INDIGO publishes about it: dates, finance, outcome metrics,
/// prices, payments (planned per plan revision, actual), results, investments, and the names
/// of the organisations it refers to.
#[utoipa::path(get, path = "/indigo/projects/{id}", tag = "indigo", params(("id" = String, Path, description = "INDIGO id, e.g. INDIGO-POJ-0001")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<IndigoProjectDetail>, ApiError> {
    Ok(Json(state.app.indigo_project(&user.actor(), &id).await?))
}

/// Per policy sector, country or stage: the number of projects and the exact sum of their
/// total investment commitment per ISO currency (a project in several countries counts in
/// each).
#[utoipa::path(get, path = "/indigo/summary", tag = "indigo", params(SummaryQuery),
    responses((status = 200, description = "`{\"by\": ..., \"groups\": [{\"key\", \"projects\", \"investment\": {\"GBP\": \"<decimal>\", ...}}]}`", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = GroupBy::parse(&q.by)
        .ok_or_else(|| AppError::invalid("by", "invalid_group", "by must be sector, country or stage"))?;
    let groups: Vec<SummaryGroup> = state.app.indigo_summary(&user.actor(), by).await?;
    Ok(Json(serde_json::json!({ "by": by, "groups": groups })))
}

/// Imports an INDIGO export (admins): in one transaction, projects are created or updated by
/// INDIGO id, values and projects the export no longer holds are removed; audited. A 422
/// names each problem's file, line and column, and nothing is changed.
#[utoipa::path(post, path = "/indigo/imports", tag = "indigo", request_body = ImportRequest,
    responses((status = 200, description = "projects, created, updated, unchanged, projects_removed, values_removed, organisations, warnings, currencies_normalised", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<ImportRequest>,
) -> Result<Json<ImportReport>, ApiError> {
    Ok(Json(state.app.import_indigo(&user.actor(), &body.files).await?))
}

/// A contract of the tenant beside similar INDIGO bonds: the bonds of the same policy sector,
/// those with a maximum outcome payment in the contract's currency first (nearest to its cap
/// first), with their prices, and the figures that can stand beside the contract's in its
/// currency's minor units (amounts in other currencies are not converted).
#[utoipa::path(get, path = "/outcomes/contracts/{id}/similar", tag = "indigo", params(("id" = i64, Path), SimilarQuery),
    responses((status = 200, description = "`contract` (id, name, policy_area, currency, contract_cap, participant_cap, capital as decimal strings, prices, cohort_size, currency_scale, contract_cap_minor, capital_minor, cap_per_participant_minor), `sectors`, `similar` (per bond: `summary`, `same_currency`, `prices`, `in_contract_currency` with `max_outcome_payment_minor`, `investment_minor`, `max_payment_per_participant_minor`)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn similar(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> Result<Json<Comparison>, ApiError> {
    let limit = match q.limit.map(|n| usize::try_from(n).unwrap_or(0)) {
        None => 10,
        Some(n) if (1..=SIMILAR_MAX).contains(&n) => n,
        Some(_) => {
            return Err(AppError::invalid("limit", "out_of_range", format!("limit must be 1 to {SIMILAR_MAX}")).into());
        }
    };
    Ok(Json(state.app.similar_projects(&user.actor(), user.tenant_id, id, limit).await?))
}
