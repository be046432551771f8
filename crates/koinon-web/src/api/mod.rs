//! The JSON API under `/api/v1`: bearer tokens, errors as
//! `{"error":{"code":"snake_case","message":"..."}}`, cursor pagination, OpenAPI 3.1 at
//! `/api/openapi.json` (the committed `openapi.json` is checked against the code by a test).

mod audit;
mod currency;
mod currency_decay;
mod currency_figures;
mod currency_pay;
mod indigo;
mod ledger;
mod merchant_statement;
mod merchants;
mod networks;
mod organisations;
mod outcomes;
mod outcomes_contracts;
mod outcomes_dashboard;
mod outcomes_feasibility;
mod outcomes_files;
mod tenants;
mod tokens;
mod users;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use koinon_app::auth::CurrentUser;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(tenants::routes())
        .merge(organisations::routes())
        .merge(users::routes())
        .merge(networks::routes())
        .merge(audit::routes())
        .merge(tokens::routes())
        .merge(ledger::routes())
        .merge(outcomes::routes())
        .merge(outcomes_contracts::routes())
        .merge(outcomes_dashboard::routes())
        .merge(outcomes_feasibility::routes())
        .merge(outcomes_files::routes())
        .merge(indigo::routes())
        .merge(currency::routes())
        .merge(currency_decay::routes())
        .merge(currency_figures::routes())
        .merge(merchants::routes())
        .merge(merchant_statement::routes())
        .merge(currency_pay::routes())
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

async fn api_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API endpoint")
}

async fn api_method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This endpoint does not take this method")
}

/// The user behind the request's `Authorization: Bearer <token>`.
pub struct ApiUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let unauthenticated = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Send a valid token as Authorization: Bearer <token>",
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthenticated)?;
        match state.app.token_user(token.trim()).await {
            Ok(Some(user)) => Ok(ApiUser(user)),
            Ok(None) => Err(unauthenticated()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A JSON body whose every rejection (malformed, wrong type, unknown field, too large, wrong
/// content type) is answered in the API's error format.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.body_text())
                }
                JsonRejection::JsonSyntaxError(e) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.body_text())
                }
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as JSON with Content-Type: application/json",
                ),
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("The body is larger than {} bytes", crate::API_BODY_MAX_BYTES),
                ),
                other => ApiError::new(other.status(), "invalid_body", other.body_text()),
            }),
        }
    }
}

/// Query strings: a bad parameter is a 400 in the API's error format.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text())),
        }
    }
}

/// Path parameters: a malformed id is a 404, not a 500.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such resource")),
        }
    }
}

/// `?cursor=...&limit=...` on every list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// The error format of every endpoint.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `invalid_email`, `forbidden`, `not_found`.
    pub code: String,
    pub message: String,
    /// Per-field errors, when the input had them.
    pub fields: Option<Vec<FieldErrorBody>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "koinon API", description = "The JSON API of koinon: tenants, organisations, users, networks, the audit log, the ledger, the outcomes calculator, outcomes contracts, the INDIGO knowledge bank and municipal e-currencies."),
    modifiers(&BearerAuth, &ResponseDescriptions),
    nest(
        (path = "/api/v1", api = tenants::TenantsApi),
        (path = "/api/v1", api = organisations::OrganisationsApi),
        (path = "/api/v1", api = users::UsersApi),
        (path = "/api/v1", api = networks::NetworksApi),
        (path = "/api/v1", api = audit::AuditApi),
        (path = "/api/v1", api = tokens::TokensApi),
        (path = "/api/v1", api = ledger::LedgerApi),
        (path = "/api/v1", api = outcomes::OutcomesApi),
        (path = "/api/v1", api = outcomes_contracts::OutcomesContractsApi),
        (path = "/api/v1", api = outcomes_dashboard::OutcomesDashboardApi),
        (path = "/api/v1", api = outcomes_feasibility::OutcomesFeasibilityApi),
        (path = "/api/v1", api = outcomes_files::OutcomesFilesApi),
        (path = "/api/v1", api = indigo::IndigoApi),
        (path = "/api/v1", api = currency::CurrencyApi),
        (path = "/api/v1", api = currency_decay::CurrencyDecayApi),
        (path = "/api/v1", api = currency_figures::CurrencyFiguresApi),
        (path = "/api/v1", api = merchants::MerchantsApi),
        (path = "/api/v1", api = merchant_statement::MerchantStatementApi),
        (path = "/api/v1", api = currency_pay::CurrencyPayApi),
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldErrorBody))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// OpenAPI requires a description on every response: the usual meaning of each status, where
/// the handler did not give one.
struct ResponseDescriptions;

impl utoipa::Modify for ResponseDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in &mut operation.responses.responses {
                    if let utoipa::openapi::RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = status_description(status).to_string();
                    }
                }
            }
        }
    }
}

fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "Done; no content",
        "400" => "Malformed JSON (`malformed_json`) or query string (`invalid_query`)",
        "401" => "No valid bearer token (`unauthenticated`)",
        "403" => "The caller's role may not do this (`forbidden`)",
        "404" => "No such resource in the caller's municipality (`not_found`)",
        "409" => "Conflicts with what exists, e.g. the name is taken (`already_exists`)",
        "413" => "The body is larger than 4 MiB (`body_too_large`)",
        "422" => {
            "Invalid input: wrong types or unknown fields (`invalid_body`), or values that do not \
                  parse (`fields` names each field)"
        }
        _ => "See the error body",
    }
}

/// The OpenAPI document, pretty-printed (what `/api/openapi.json` serves and what is committed).
pub fn openapi_document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".to_string())
}

pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_document()).into_response()
}
