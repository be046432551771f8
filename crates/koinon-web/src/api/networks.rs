//! `/api/v1/networks`: networks of municipalities and their EU-funded projects, with partners.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use koinon_app::network::{Network, NetworkDetail, Partner};
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/networks", get(list_networks).post(create_network))
        .route("/networks/{id}", get(get_network))
        .route("/networks/{id}/partners", post(add_partner))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_networks, create_network, get_network, add_partner),
    components(schemas(NetworkBody, NetworkPage, NetworkDetailBody, PartnerBody, NewNetwork, NewPartner))
)]
pub struct NetworksApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NetworkBody {
    pub id: i64,
    pub name: String,
    /// The funding programme, e.g. `URBACT`.
    pub programme: String,
    /// `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub ends_on: Option<String>,
}

impl From<Network> for NetworkBody {
    fn from(n: Network) -> Self {
        Self { id: n.id, name: n.name, programme: n.programme, starts_on: n.starts_on, ends_on: n.ends_on }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NetworkPage {
    pub items: Vec<NetworkBody>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A network with its partners.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NetworkDetailBody {
    pub id: i64,
    pub name: String,
    pub programme: String,
    /// `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub ends_on: Option<String>,
    pub partners: Vec<PartnerBody>,
}

impl From<NetworkDetail> for NetworkDetailBody {
    fn from(d: NetworkDetail) -> Self {
        let NetworkDetail { network, partners } = d;
        Self {
            id: network.id,
            name: network.name,
            programme: network.programme,
            starts_on: network.starts_on,
            ends_on: network.ends_on,
            partners: partners.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PartnerBody {
    pub id: i64,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The partner's code when it is a municipality on this koinon.
    pub tenant_code: Option<String>,
    pub is_lead: bool,
}

impl From<Partner> for PartnerBody {
    fn from(p: Partner) -> Self {
        Self { id: p.id, name: p.name, country: p.country, tenant_code: p.tenant_code, is_lead: p.is_lead }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNetwork {
    /// Unique within the municipality.
    pub name: String,
    /// 1 to 100 characters.
    pub programme: String,
    /// `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`, on or after `starts_on`.
    pub ends_on: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    /// Unique within the network.
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Links the partner to a municipality on this koinon.
    pub tenant_code: Option<String>,
    /// A network has at most one lead partner.
    #[serde(default)]
    pub is_lead: bool,
}

/// The networks of the caller's municipality.
#[utoipa::path(get, path = "/networks", tag = "networks", params(PageQuery),
    responses((status = 200, body = NetworkPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_networks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<NetworkPage>, ApiError> {
    let page = state.app.list_networks(&user.actor(), user.tenant_id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(NetworkPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Creates a network (admins and officers).
#[utoipa::path(post, path = "/networks", tag = "networks", request_body = NewNetwork,
    responses((status = 201, body = NetworkBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_network(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewNetwork>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<NetworkBody>), ApiError> {
    let created = state
        .app
        .create_network(
            &user.actor(),
            user.tenant_id,
            &body.name,
            &body.programme,
            body.starts_on.as_deref().unwrap_or(""),
            body.ends_on.as_deref().unwrap_or(""),
        )
        .await?;
    let location = format!("/api/v1/networks/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created.into())))
}

/// One network of the caller's municipality, with its partners.
#[utoipa::path(get, path = "/networks/{id}", tag = "networks", params(("id" = i64, Path)),
    responses((status = 200, body = NetworkDetailBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_network(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<NetworkDetailBody>, ApiError> {
    Ok(Json(state.app.network(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Adds a partner to a network (admins and officers).
#[utoipa::path(post, path = "/networks/{id}/partners", tag = "networks", params(("id" = i64, Path)),
    request_body = NewPartner,
    responses((status = 201, body = PartnerBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_partner(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewPartner>,
) -> Result<(StatusCode, Json<PartnerBody>), ApiError> {
    let added = state
        .app
        .add_partner(
            &user.actor(),
            user.tenant_id,
            id,
            &body.name,
            &body.country,
            body.tenant_code.as_deref().unwrap_or(""),
            body.is_lead,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(added.into())))
}
