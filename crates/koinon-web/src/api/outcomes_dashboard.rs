//! API for the figures of an outcomes contract's dashboard and its public summary.

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

#[derive(OpenApi)]
#[openapi()]
pub struct OutcomesDashboardApi;
