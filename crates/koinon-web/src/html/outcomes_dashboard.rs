//! The outcomes contract dashboard and the public summary page of a contract.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
