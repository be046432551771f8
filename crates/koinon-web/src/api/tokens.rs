//! `/api/v1/tokens`: revoking one's own API token.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::delete;
use utoipa::OpenApi;

use super::{ApiPath, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tokens/{id}", delete(revoke_token))
}

#[derive(OpenApi)]
#[openapi(paths(revoke_token))]
pub struct TokensApi;

/// Revokes one of the caller's own API tokens (it may be the one the request uses). Another
/// user's token is "not found"; a token already revoked is a conflict.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_token(&user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
