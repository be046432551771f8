//! API for evidence files of outcome claims, spreadsheet imports, drawdowns and waterfall terms.

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

#[derive(OpenApi)]
#[openapi()]
pub struct OutcomesFilesApi;
