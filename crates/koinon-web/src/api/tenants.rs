//! `/api/v1/tenants` and `/api/v1/me`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::auth::CurrentUser;
use koinon_app::tenants::Tenant;
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> axum::Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/tenants", get(list_tenants))
        .route("/tenants/{code}", get(get_tenant).patch(update_tenant))
}

#[derive(OpenApi)]
#[openapi(
    paths(me, list_tenants, get_tenant, update_tenant),
    components(schemas(TenantBody, TenantPage, MeBody, TenantUpdate))
)]
pub struct TenantsApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TenantBody {
    pub code: String,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub default_locale: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Minor-unit digits of the currency.
    pub currency_scale: u8,
}

impl From<Tenant> for TenantBody {
    fn from(t: Tenant) -> Self {
        Self {
            code: t.code,
            name: t.name,
            country: t.country,
            default_locale: t.default_locale.code().to_string(),
            currency: t.currency,
            currency_scale: t.currency_scale,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TenantPage {
    pub items: Vec<TenantBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MeBody {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub tenant: String,
    pub organisation_id: Option<i64>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantUpdate {
    pub name: String,
    pub default_locale: String,
}

/// The user behind the token.
#[utoipa::path(get, path = "/me", tag = "tenants",
    responses((status = 200, body = MeBody), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Json<MeBody>, ApiError> {
    let tenant = state.app.tenant_by_id(user.tenant_id).await?;
    let CurrentUser { id, email, display_name, role, organisation_id, .. } = user;
    Ok(Json(MeBody { id, email, display_name, role: role.as_str().to_string(), tenant: tenant.code, organisation_id }))
}

/// The directory of municipalities on this koinon.
#[utoipa::path(get, path = "/tenants", tag = "tenants", params(PageQuery),
    responses((status = 200, body = TenantPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn list_tenants(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<TenantPage>, ApiError> {
    let page = state.app.list_tenants(q.cursor.as_deref(), q.limit).await?;
    Ok(Json(TenantPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// One municipality.
#[utoipa::path(get, path = "/tenants/{code}", tag = "tenants", params(("code" = String, Path)),
    responses((status = 200, body = TenantBody), (status = 404, body = ErrorBody)))]
async fn get_tenant(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<TenantBody>, ApiError> {
    Ok(Json(state.app.tenant_by_code(&code).await?.into()))
}

/// Changes the name and default language of one's own municipality (admins).
#[utoipa::path(patch, path = "/tenants/{code}", tag = "tenants", params(("code" = String, Path)), request_body = TenantUpdate,
    responses((status = 200, body = TenantBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_tenant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<TenantUpdate>,
) -> Result<Json<TenantBody>, ApiError> {
    let tenant = state.app.tenant_by_code(&code).await?;
    let updated = state.app.update_tenant(&user.actor(), tenant.id, &body.name, &body.default_locale).await?;
    Ok(Json(updated.into()))
}
