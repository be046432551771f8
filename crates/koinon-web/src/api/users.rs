//! `/api/v1/users`: the users of the caller's municipality and their roles.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::users::{NewUserInput, User};
use serde::Deserialize;
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).patch(update_user))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_users, create_user, get_user, update_user),
    components(schemas(UserBody, UserPage, NewUser, UserUpdate))
)]
pub struct UsersApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserBody {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// One of `admin`, `officer`, `approver`, `reviewer`, `provider`, `investor`, `merchant`,
    /// `beneficiary`, `auditor`.
    pub role: String,
    /// The organisation the user acts for (providers, investors, merchants).
    pub organisation_id: Option<i64>,
    pub disabled: bool,
}

impl From<User> for UserBody {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            organisation_id: u.organisation_id,
            disabled: u.disabled,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserPage {
    pub items: Vec<UserBody>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique on this koinon.
    pub email: String,
    /// 1 to 100 characters.
    pub display_name: String,
    /// One of `admin`, `officer`, `approver`, `reviewer`, `provider`, `investor`, `merchant`,
    /// `beneficiary`, `auditor`.
    pub role: String,
    /// An organisation of the same municipality.
    pub organisation_id: Option<i64>,
    /// The initial password; never shown again.
    pub password: String,
}

/// The fields to change; a field that is left out keeps its value.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub role: Option<String>,
    /// An organisation of the same municipality; `null` removes the user from their organisation.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

/// Tells a field that is `null` (`Some(None)`) from one that is left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// The users of the caller's municipality (admins and auditors).
#[utoipa::path(get, path = "/users", tag = "users", params(PageQuery),
    responses((status = 200, body = UserPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<UserPage>, ApiError> {
    let page = state.app.list_users(&user.actor(), user.tenant_id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(UserPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Creates a user in the caller's municipality (admins).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<UserBody>), ApiError> {
    let input = NewUserInput {
        email: &body.email,
        display_name: &body.display_name,
        role: &body.role,
        organisation_id: body.organisation_id,
        password: &body.password,
    };
    let created = state.app.create_user(&user.actor(), user.tenant_id, &input).await?;
    let location = format!("/api/v1/users/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created.into())))
}

/// One user of the caller's municipality (admins and auditors).
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserBody>, ApiError> {
    Ok(Json(state.app.user(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Changes a user's role or organisation, or disables or re-enables the account (admins).
/// Admins cannot remove their own admin role or disable themselves.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserUpdate,
    responses((status = 200, body = UserBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> Result<Json<UserBody>, ApiError> {
    let actor = user.actor();
    let current = state.app.user(&actor, user.tenant_id, id).await?;
    let role = body.role.unwrap_or(current.role);
    let organisation_id = body.organisation_id.unwrap_or(current.organisation_id);
    let disabled = body.disabled.unwrap_or(current.disabled);
    let updated = state.app.change_role(&actor, user.tenant_id, id, &role, organisation_id, disabled).await?;
    Ok(Json(updated.into()))
}
