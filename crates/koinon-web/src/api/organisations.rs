//! `/api/v1/organisations`: the organisations that work with the caller's municipality.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::organisations::Organisation;
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(list_organisations).post(create_organisation))
        .route("/organisations/{id}", get(get_organisation))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_organisations, create_organisation, get_organisation),
    components(schemas(OrganisationBody, OrganisationPage, NewOrganisation))
)]
pub struct OrganisationsApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OrganisationBody {
    pub id: i64,
    /// One of `ngo`, `social_enterprise`, `investor`, `landlord`, `merchant`, `public_body`.
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
}

impl From<Organisation> for OrganisationBody {
    fn from(o: Organisation) -> Self {
        Self { id: o.id, kind: o.kind, name: o.name, email: o.email }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationBody>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// One of `ngo`, `social_enterprise`, `investor`, `landlord`, `merchant`, `public_body`.
    pub kind: String,
    /// 1 to 200 characters, unique within the municipality.
    pub name: String,
    /// A contact address (optional).
    pub email: Option<String>,
}

/// The organisations of the caller's municipality: all of them for staff, reviewers and
/// auditors; only their own for providers, investors and merchants.
#[utoipa::path(get, path = "/organisations", tag = "organisations", params(PageQuery),
    responses((status = 200, body = OrganisationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_organisations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<OrganisationPage>, ApiError> {
    let page = state.app.list_organisations(&user.actor(), user.tenant_id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(OrganisationPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Registers an organisation with the caller's municipality (admins and officers).
#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = NewOrganisation,
    responses((status = 201, body = OrganisationBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_organisation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewOrganisation>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<OrganisationBody>), ApiError> {
    let created = state
        .app
        .create_organisation(&user.actor(), user.tenant_id, &body.kind, &body.name, body.email.as_deref().unwrap_or(""))
        .await?;
    let location = format!("/api/v1/organisations/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created.into())))
}

/// One organisation of the caller's municipality.
#[utoipa::path(get, path = "/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_organisation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrganisationBody>, ApiError> {
    Ok(Json(state.app.organisation(&user.actor(), user.tenant_id, id).await?.into()))
}
